"""Delivery-log rows for list and page tests (one attempt each)."""

from django.utils import timezone

from webhooks.models import Attempt, Delivery, Endpoint


def seed_log(endpoint: Endpoint, n: int, start: int = 0) -> list[Delivery]:
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint,
            event_id=f"evt_seed{i}",
            event_type="backorder.created",
            body="{}",
            status=Delivery.Status.SUCCEEDED if i % 2 else Delivery.Status.FAILED,
            attempt_count=1,
            last_attempt_at=now,
            last_response_code=200 if i % 2 else 500,
        )
        for i in range(start, start + n)
    )
    Attempt.objects.bulk_create(
        Attempt(
            delivery=d,
            number=1,
            started_at=now,
            duration_ms=12,
            succeeded=d.status == Delivery.Status.SUCCEEDED,
            response_code=d.last_response_code,
            response_excerpt="ok" if d.last_response_code == 200 else "boom",
            error="" if d.last_response_code == 200 else "HTTP 500",
        )
        for d in deliveries
    )
    return deliveries
