"""Seen delivery ids are forgotten after INTAKE_RETENTION_DAYS, by a daily django-q2
schedule (intake.tasks.deliveries_prune_task, created by `migrate`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_q.models import Schedule

from intake.models import Delivery
from intake.services.deliveries import (
    SCHEDULE_FUNC,
    SCHEDULE_NAME,
    deliveries_prune,
    deliveries_prune_all,
    intake_schedule_ensure,
)
from tests.intake.helpers import catalogue, secrets, send_shopify, shopify_order


def _delivery(delivery_id: str, days_ago: float) -> None:
    row = Delivery.objects.create(source="shopify", delivery_id=delivery_id, topic="orders/create")
    Delivery.objects.filter(pk=row.pk).update(received_at=timezone.now() - dt.timedelta(days=days_ago))


def test_deliveries_older_than_the_retention_are_pruned(brand_a, in_brand, settings):
    settings.INTAKE_RETENTION_DAYS = 7
    with in_brand(brand_a):
        _delivery("old", 7.5)
        _delivery("recent", 6.5)

        assert deliveries_prune() == 1
        assert list(Delivery.objects.values_list("delivery_id", flat=True)) == ["recent"]


def test_the_retention_is_a_setting(brand_a, in_brand, settings):
    settings.INTAKE_RETENTION_DAYS = 1
    with in_brand(brand_a):
        _delivery("two-days", 2)
        assert deliveries_prune() == 1


def test_pruning_all_brands_reaches_each_schema(brand_a, brand_b, in_brand):
    for brand in (brand_a, brand_b):
        with in_brand(brand):
            _delivery(f"old-{brand.slug}", 30)
            _delivery(f"new-{brand.slug}", 0)

    assert deliveries_prune_all() == 2
    for brand in (brand_a, brand_b):
        with in_brand(brand):
            assert list(Delivery.objects.values_list("delivery_id", flat=True)) == [f"new-{brand.slug}"]


def test_a_pruned_id_delivered_again_is_applied_again(brand_a, in_brand, host_client):
    with in_brand(brand_a):
        catalogue(IPOD2008PINK=0)
        secrets()
    client = host_client(brand_a.host)
    send_shopify(client, shopify_order(), webhook_id="wh-old")
    with in_brand(brand_a):
        Delivery.objects.update(received_at=timezone.now() - dt.timedelta(days=8))
        deliveries_prune()

    response = send_shopify(client, shopify_order(), webhook_id="wh-old")

    assert response.json()["status"] == "processed"  # its lines are "already a backorder" now
    assert {line["reason"] for line in response.json()["lines"]} == {"already a backorder"}


def test_the_daily_schedule_is_created_once(db):
    Schedule.objects.filter(name=SCHEDULE_NAME).delete()

    assert intake_schedule_ensure() is True
    assert intake_schedule_ensure() is False
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert (schedule.func, schedule.schedule_type) == (SCHEDULE_FUNC, Schedule.DAILY)
