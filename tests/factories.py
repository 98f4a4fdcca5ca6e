"""Small builders for test data that goes through the real services."""

from __future__ import annotations

from closo.models import User
from hubs import services as hub_services
from hubs.models import Hub, HubKind

PASSWORD = "correct-horse-battery-staple"


def applied_hub(
    name: str = "South Porch",
    *,
    zip_code: str = "78745",
    kind: str = HubKind.NEIGHBOUR,
    owner_email: str | None = None,
    **extra,
) -> Hub:
    """A hub that has just applied (status `applied`), with a new owner account."""
    email = owner_email or f"{name.lower().replace(' ', '')}@hub.test"
    applicant = User.objects.create_user(email, PASSWORD)
    return hub_services.hub_apply(
        applicant=applicant, name=name, kind=kind, address="1 Main St", zip_code=zip_code, **extra
    )
