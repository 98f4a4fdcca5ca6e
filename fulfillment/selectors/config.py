"""Reads of the brand's configuration activity (fulfillment.ConfigChange), shared by the
Activity page and GET /api/v1/activity/."""

from __future__ import annotations

from django.db.models import QuerySet

from fulfillment.models import ConfigChange


def config_changes() -> QuerySet[ConfigChange]:
    """Every configuration change, newest first. Rows carry who acted as text
    (`actor_label`), so a page of them is one query."""
    return ConfigChange.objects.order_by("-created_at", "-pk")


def config_change_people() -> list[str]:
    """The e-mails of the people who changed something, A to Z (one query): the choices
    of the Activity page's person filter."""
    return list(
        ConfigChange.objects.filter(actor__isnull=False)
        .order_by("actor__email")
        .values_list("actor__email", flat=True)
        .distinct()
    )
