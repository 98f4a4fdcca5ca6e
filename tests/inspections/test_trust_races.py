"""Two people deciding the same thing at the same moment: real threads and connections
against PostgreSQL, committed data. Two auditors on one audit → one decision, the hub's
counters moved once; an approval racing a rejection of one held unit → one outcome."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import InvalidTransition
from closo.models import User
from fulfillment.models import Event, ReturnItem, Sku, StockUnit
from fulfillment.services import units as unit_services
from hubs.models import Hub
from inspections.models import Audit, GradingStandard, Inspection, InspectionPhoto, StandardVersion
from inspections.services import trust
from tests.conftest import BRAND_A, EMAILS, run_concurrently
from tests.inspections.inspect_builders import evidence_unsealed
from tests.inspections.trust_builders import make_inspection


@pytest.fixture
def race(committed):
    """A committed inspection of brand A at the active hub, sampled for audit and with a
    held unit; everything removed afterwards and the hub's counters put back."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])
    hub = Hub.objects.get(name="Eastside Porch")
    counters = (hub.audits_agreed, hub.audits_total)
    alice = User.objects.get(email=EMAILS["alice"])
    actor = Actor(user=alice, label=alice.email)
    with schema_context(brand.schema_name):
        inspection = make_inspection(
            hub=hub,
            inspector=User.objects.get(email=EMAILS["ivan"]),
            rma="RMA-RACE-AUDIT",
            actor=actor,
            audit=True,
            unit_status=StockUnit.Status.HELD,
        )

    def cleanup():
        with schema_context(brand.schema_name):
            Event.objects.filter(return_item=inspection.return_item).delete()
            Event.objects.filter(unit__return_item=inspection.return_item).delete()
            StockUnit.objects.filter(return_item=inspection.return_item).delete()
            Audit.objects.filter(inspection=inspection).delete()
            with evidence_unsealed():
                InspectionPhoto.objects.filter(return_item=inspection.return_item).delete()
                Inspection.objects.filter(pk=inspection.pk).delete()
            ReturnItem.objects.filter(pk=inspection.return_item_id).delete()
            StandardVersion.objects.all().delete()
            GradingStandard.objects.all().delete()
            Sku.objects.filter(code="WB-15").delete()
        Hub.objects.filter(pk=hub.pk).update(audits_agreed=counters[0], audits_total=counters[1])

    committed.append(cleanup)
    return brand, hub, inspection, counters


@pytest.mark.parametrize("verdicts", [("agree", "disagree"), ("disagree", "disagree"), ("agree", "agree")])
def test_two_auditors_deciding_one_audit_at_once_store_one_decision_and_count_it_once(race, verdicts):
    brand, hub, inspection, (agreed, total) = race
    with schema_context(brand.schema_name):
        # Both copies are read before either thread decides: the conditional UPDATE settles it.
        copies = [Audit.objects.get(inspection=inspection) for _ in verdicts]

    def decide(i):
        with schema_context(brand.schema_name):
            return trust.audit_decide(
                audit=copies[i], verdict=verdicts[i], reason=f"auditor {i}", actor=Actor.system(f"auditor {i}")
            )

    results = run_concurrently(decide, n=2)
    winners = [r for r in results if isinstance(r, Audit)]
    losers = [r for r in results if isinstance(r, trust.AuditDecided)]
    assert (len(winners), len(losers)) == (1, 1), results
    with schema_context(brand.schema_name):
        stored = Audit.objects.get(inspection=inspection)
        events = list(Event.objects.filter(return_item=inspection.return_item, kind="audited"))
    assert (stored.verdict, stored.reason) == (winners[0].verdict, winners[0].reason)
    assert len(events) == 1
    hub.refresh_from_db()
    assert hub.audits_total == total + 1
    assert hub.audits_agreed == agreed + (1 if stored.verdict == "agree" else 0)


def test_an_approval_racing_a_rejection_of_one_held_unit_has_one_outcome(race):
    brand, _hub, inspection, _ = race
    with schema_context(brand.schema_name):
        copies = [StockUnit.objects.get(return_item=inspection.return_item) for _ in range(2)]

    def act(i):
        with schema_context(brand.schema_name):
            if i == 0:
                return unit_services.unit_approve(unit=copies[0], actor=Actor(label="approver"))
            return unit_services.unit_reject(unit=copies[1], reason="Pilling", actor=Actor(label="rejecter"))

    results = run_concurrently(act, n=2)
    winners = [r for r in results if isinstance(r, StockUnit)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(winners), len(losers)) == (1, 1), results
    with schema_context(brand.schema_name):
        unit = StockUnit.objects.get(return_item=inspection.return_item)
        events = list(Event.objects.filter(unit=unit))
    assert unit.status == winners[0].status
    assert [e.to_status for e in events] == [winners[0].status]
