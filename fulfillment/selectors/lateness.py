"""The brand's purchase-order lateness fit (fulfillment.promise.Lateness): how many days
after its expected date a PO of this brand arrives, fitted to its received POs. Read by
the promise (fulfillment.selectors.availability) and the ledger's restock counterfactual
(fulfillment.services.ledger); kept per brand schema for LATENESS_TTL_SECONDS in this
process, forgotten at once when a purchase order changes (fulfillment.receivers)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Avg, Count, F, Func, IntegerField, StdDev
from django.db.models.functions import TruncDate

from closo.ttlcache import TtlCache
from fulfillment import promise as model
from fulfillment.models import InboundSupply

LATENESS_TTL_SECONDS = 60
_lateness_fits: TtlCache[model.Lateness] = TtlCache(ttl=LATENESS_TTL_SECONDS, max_entries=10_000)


def forget_lateness() -> None:
    """Drop the current brand's cached PO lateness fit (its purchase orders changed)."""
    _lateness_fits.delete(connection.schema_name)


def brand_lateness() -> model.Lateness:
    """The brand's PO lateness fit, from memory when this process computed it recently."""
    return _lateness_fits.get_or_set(connection.schema_name, _lateness_from_history)


def _lateness_from_history() -> model.Lateness:
    """The brand's PO lateness (days from expected date to the day received), all SKUs."""
    days_late = Func(
        TruncDate("received_at"),
        F("expected_date"),
        arg_joiner=" - ",
        template="(%(expressions)s)",
        output_field=IntegerField(),
    )
    stats = InboundSupply.objects.filter(status=InboundSupply.Status.RECEIVED, received_at__isnull=False).aggregate(
        n=Count("pk"), mean=Avg(days_late), sd=StdDev(days_late, sample=True)
    )
    return model.Lateness.from_history(stats["n"], stats["mean"], stats["sd"])
