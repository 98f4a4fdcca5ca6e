"""django-q2 entry points: each takes the brand's schema name and runs inside it (a
worker's connection starts on the public schema)."""

from django_tenants.utils import schema_context

from webhooks.services.deliveries import SWEEP_LIMIT, SWEEP_OVERDUE, deliveries_send_due
from webhooks.services.deliveries import delivery_send as _delivery_send


def delivery_send(schema_name: str, delivery_id: int) -> dict:
    """One automatic attempt of a delivery, if it is due (webhooks.services.deliveries):
    queued after the event's commit, and by each retry's schedule."""
    with schema_context(schema_name):
        attempt = _delivery_send(delivery_id=delivery_id)
        if attempt is None:
            return {"delivery": delivery_id, "sent": False}
        return {"delivery": delivery_id, "sent": True, "succeeded": attempt.succeeded, "code": attempt.response_code}


def deliveries_sweep() -> dict[str, int]:
    """The schedule's sweep: deliveries overdue by more than SWEEP_OVERDUE (their own retry
    schedule was lost), at most SWEEP_LIMIT per brand."""
    return deliveries_send_due(limit=SWEEP_LIMIT, overdue=SWEEP_OVERDUE)
