"""Row locks (closo.locks): one order per transaction, several rows in pk order, and
claims with SKIP LOCKED, against real PostgreSQL transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from closo import locks
from closo.locks import LockOrderError, lock_first, lock_one, lock_rows
from closo.models import User
from hubs.models import Hub, HubKind, HubTask
from tests.conftest import run_concurrently
from tests.factories import applied_hub


def test_the_lock_order_names_the_flows_models_once():
    assert locks.LOCK_ORDER.index("hubs.Hub") < locks.LOCK_ORDER.index("hubs.HubTask")
    assert locks.LOCK_ORDER.index("hubs.HubTask") < locks.LOCK_ORDER.index("fulfillment.ReturnItem")
    assert locks.LOCK_ORDER.index("fulfillment.RegionLimit") < locks.LOCK_ORDER.index("fulfillment.StockUnit")
    assert locks.LOCK_ORDER.index("fulfillment.StockUnit") < locks.LOCK_ORDER.index("fulfillment.Backorder")
    assert locks.LOCK_ORDER[0] == "fulfillment.ImportJob"
    assert len(set(locks.LOCK_ORDER)) == len(locks.LOCK_ORDER)


def test_locking_a_lower_ranked_model_after_a_higher_one_is_refused(active_hub):
    with transaction.atomic():
        lock_rows(HubTask.objects.filter(hub=active_hub))
        with pytest.raises(LockOrderError, match=r"hubs\.Hub is locked after hubs\.HubTask"):
            lock_one(Hub, pk=active_hub.pk)


def test_locking_in_order_and_the_same_model_again_is_allowed(active_hub):
    with transaction.atomic():
        assert lock_one(Hub, pk=active_hub.pk) == active_hub
        assert lock_one(Hub.objects.filter(pk=active_hub.pk)) == active_hub
        lock_rows(HubTask.objects.filter(hub=active_hub))
        assert lock_first(HubTask.objects.filter(hub=active_hub), order_by="created_at") is None
        lock_rows(HubTask.objects.none())


def test_a_nested_atomic_block_is_part_of_the_same_transaction(active_hub):
    with transaction.atomic():
        lock_rows(HubTask.objects.all())
        with transaction.atomic(), pytest.raises(LockOrderError):
            lock_rows(Hub.objects.all())


def test_several_rows_of_one_model_are_locked_in_pk_order_and_only_their_own_rows(active_hub):
    extra = [applied_hub(f"Porch {i}", zip_code="78751") for i in range(3)]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows = lock_rows(Hub.objects.filter(pk__in=[h.pk for h in extra]).order_by("-name"))
    assert [h.pk for h in rows] == sorted(h.pk for h in extra)
    sql = queries.captured_queries[-1]["sql"]
    assert 'ORDER BY "hubs_hub"."id" ASC' in sql and 'FOR UPDATE OF "hubs_hub"' in sql


def test_locking_outside_a_transaction_is_refused(active_hub):
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        lock_one(Hub, pk=active_hub.pk)
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        lock_first(Hub.objects.all(), order_by="pk")


def test_a_model_missing_from_the_lock_order_cannot_be_locked(alice):
    with transaction.atomic(), pytest.raises(LockOrderError, match=r"closo\.User is not in closo\.locks\.LOCK_ORDER"):
        lock_one(User, pk=alice.pk)


def test_lock_one_refuses_a_filter_that_matches_several_rows(active_hub):
    applied_hub("Porch Z", zip_code="78751")
    with transaction.atomic(), pytest.raises(Hub.MultipleObjectsReturned):
        lock_one(Hub)


def test_lock_first_needs_an_order(active_hub):
    with transaction.atomic(), pytest.raises(ValueError, match="needs an order"):
        lock_first(Hub.objects.all(), order_by=())


@transaction.atomic
def _lock(queryset):
    return lock_rows(queryset)


def test_each_transaction_starts_the_order_afresh(active_hub):
    # The same decorated function is the same atomic block object on every call.
    _lock(HubTask.objects.all())
    _lock(Hub.objects.all())
    with transaction.atomic():
        lock_rows(HubTask.objects.all())
    with transaction.atomic():
        lock_rows(Hub.objects.all())


def test_each_real_transaction_starts_the_order_afresh_after_commit_and_rollback(committed):
    _lock(HubTask.objects.all())
    _lock(Hub.objects.all())  # committed: a new transaction
    with pytest.raises(LookupError), transaction.atomic():
        lock_rows(HubTask.objects.all())
        raise LookupError("roll back")
    _lock(Hub.objects.all())  # rolled back: a new transaction
    with transaction.atomic():
        lock_rows(HubTask.objects.all())
        with pytest.raises(LockOrderError):
            _lock(Hub.objects.all())  # nested: the same transaction


# --- claims with SKIP LOCKED, across real connections ---


@pytest.fixture
def candidates(committed):
    """Two committed hubs to claim (removed afterwards)."""
    hubs = [
        Hub.objects.create(
            name=f"Claim {i}",
            kind=HubKind.NEIGHBOUR,
            contact_email=f"claim{i}@hub.test",
            address="1 Main St",
            city="Austin",
            state="TX",
            zip_code="78702",
            lat=30.26,
            lon=-97.72,
        )
        for i in range(2)
    ]
    committed.append(lambda: Hub.objects.filter(pk__in=[h.pk for h in hubs]).delete())
    return hubs


def test_concurrent_claims_of_the_best_row_get_different_rows(candidates):
    # Every claimer holds its row until all three have claimed, so each claim runs while
    # the others' rows are locked: without SKIP LOCKED the second one would wait forever.
    claimed = threading.Barrier(3, timeout=20)
    pks = [h.pk for h in candidates]

    def claim(_):
        with transaction.atomic():
            row = lock_first(Hub.objects.filter(pk__in=pks), order_by=["name"])
            claimed.wait()
            return row.pk if row else None

    results = run_concurrently(claim, n=3)

    assert sorted(results, key=lambda r: (r is None, r)) == [*sorted(pks), None], results
