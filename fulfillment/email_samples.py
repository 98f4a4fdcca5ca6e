"""Sample rows for the brand portal's e-mail previews (/emails/preview/): unsaved instances
with made-up data, rendered by the same builders and templates as the e-mails sent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fulfillment.models import Allocation, Backorder, EmailLog, ReturnItem, Sku
from fulfillment.services import notify
from hubs.models import Hub

Kind = EmailLog.Kind


def sample_messages() -> dict[str, notify.Message]:
    """{kind: the message with sample data}, in the order the preview list shows them."""
    now = timezone.now()
    today = timezone.localdate()
    sku = Sku(code="WB-15", title="Weighted blanket, sage", price=119)
    hub = Hub(
        name="Eastside Porch",
        address="1100 E 6th St",
        city="Austin",
        state="TX",
        zip_code="78702",
        opening_hours="Mon–Fri 9–18, Sat 10–14",
    )
    backorder = Backorder(
        order_ref="#1042-1",
        sku=sku,
        qty=1,
        value=119,
        customer_name="Casey Rivera",
        customer_email="casey@example.com",
        customer_zip="78702",
        placed_at=now,
        promised_ship_by=today + dt.timedelta(days=12),
    )
    pickup = Allocation(
        backorder=backorder,
        method=Allocation.Method.PICKUP,
        pickup_code="K7P2Q9",
        distance_miles=2.4,
        due_at=now + dt.timedelta(days=3),
        handed_off_at=now,
    )
    item = ReturnItem(
        rma_ref="RMA-2048",
        sku=sku,
        customer_name="Sam Lee",
        customer_email="sam@example.com",
        customer_zip="78702",
        hub=hub,
        dropoff_code="AB12CD34",
        dropped_off_at=now,
        refund_status=ReturnItem.RefundStatus.READY,
    )
    return {
        Kind.BACKORDER_CONFIRMED: notify.backorder_confirmed_message(backorder=backorder),
        Kind.PROMISE_CHANGED: notify.promise_changed_message(
            backorder=backorder, before=today + dt.timedelta(days=5), source="restock"
        ),
        Kind.UNIT_FOUND: notify.unit_found_message(allocation=pickup, hub=hub),
        Kind.HANDED_OFF: notify.handed_off_message(allocation=pickup, hub=hub),
        Kind.ALLOCATION_EXPIRED: notify.allocation_expired_message(allocation=pickup, hub=hub),
        Kind.DROPOFF_INSTRUCTIONS: notify.dropoff_instructions_message(item=item, due_at=now + dt.timedelta(days=7)),
        Kind.DROPOFF_WITHDRAWN: notify.dropoff_withdrawn_message(
            item=item, reason="the hub stopped taking returns for now."
        ),
        Kind.REFUND_READY: notify.refund_ready_message(item=item),
    }
