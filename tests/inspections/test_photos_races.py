"""Concurrent uploads for one slot, on real connections: the return row's lock orders them,
so one photo is left for the slot, and one file."""

from django_tenants.utils import schema_context

from closo.actors import Actor, Party
from fulfillment.models import Event
from inspections.models import InspectionPhoto
from inspections.services import photos
from tests.conftest import run_concurrently
from tests.inspections.photo_support import (
    as_upload,
    committed_waiting_return,
    jpeg_bytes,
    media_fixture,  # noqa: F401  (autouse fixture: storage in a temp dir)
    stored_files,
)


def test_concurrent_uploads_of_one_slot_leave_one_photo_and_one_file(committed, media):
    setup = committed_waiting_return(committed, rma="RMA-RACE", code="PHR001")
    brand, hub, item = setup.brand, setup.hub, setup.item
    files = [jpeg_bytes((700 + 100 * i, 500)) for i in range(3)]

    def upload(i):
        with schema_context(brand.schema_name):
            return photos.photo_upload(
                item=item,
                slot="front",
                upload=as_upload(files[i]),
                hub=hub,
                actor=Actor.for_user(setup.inspector, party=Party.HUB),
            ).pk

    results = run_concurrently(upload, n=3)
    assert all(isinstance(r, int) for r in results), results
    with schema_context(brand.schema_name):
        left = list(InspectionPhoto.objects.filter(return_item=item))
        events = list(Event.objects.filter(return_item=item, kind="photo_uploaded").order_by("pk"))
    assert len(left) == 1
    assert len(events) == 3
    # Each upload replaced the one committed before it, in lock order.
    assert [e.data["replaces"] for e in events] == [[], [events[0].data["photo"]], [events[1].data["photo"]]]
    assert left[0].pk == events[2].data["photo"]
    assert stored_files(media) == {left[0].original.name: files[results.index(left[0].pk)]}


def _waiting_for_a_lock(pid: int) -> bool:
    from django.db import DEFAULT_DB_ALIAS, connections

    monitor = connections.create_connection(DEFAULT_DB_ALIAS)  # outside both transactions
    try:
        with monitor.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
            return cursor.fetchone()[0]
    finally:
        monitor.close()


def test_processing_a_photo_while_its_slot_is_retaken_never_deadlocks(committed, media):
    """The worker finishing a photo (UPDATE of the photo, then its event, which references
    the return) while a retake of the slot (locks the return, then deletes that photo):
    both lock the return first, so the retake waits instead of deadlocking. Forced: the
    worker stops right after its first row lock until the retake waits for a lock."""
    import threading
    import time

    from django.db import connection

    setup = committed_waiting_return(committed, rma="RMA-RACE-P", code="PHR002")
    brand, hub, item = setup.brand, setup.hub, setup.item
    actor = Actor.for_user(setup.inspector, party=Party.HUB)
    with schema_context(brand.schema_name):
        first = photos.photo_upload(item=item, slot="front", upload=as_upload(jpeg_bytes()), hub=hub, actor=actor)
    worker_holds_a_lock = threading.Event()
    pids: dict[str, int] = {}

    def locks_rows(sql: str) -> bool:
        statement = sql.lstrip().upper()
        return statement.startswith("UPDATE") or " FOR UPDATE" in statement

    def run(i):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids[i] = cursor.fetchone()[0]
        with schema_context(brand.schema_name):
            if i == 1:  # the retake, once the worker holds its first row lock
                assert worker_holds_a_lock.wait(15)
                return photos.photo_upload(
                    item=item, slot="front", upload=as_upload(jpeg_bytes((640, 480))), hub=hub, actor=actor
                ).pk

            def hold(execute, sql, params, many, context):
                result = execute(sql, params, many, context)
                if locks_rows(sql) and not worker_holds_a_lock.is_set():
                    worker_holds_a_lock.set()
                    deadline = time.monotonic() + 15
                    while not _waiting_for_a_lock(pids[1]):
                        assert time.monotonic() < deadline, "the retake never waited for a lock"
                        time.sleep(0.005)
                return result

            with connection.execute_wrapper(hold):
                return photos.photo_process(first.pk).status

    results = run_concurrently(run, n=2)
    assert results[0] == InspectionPhoto.Status.READY, results
    assert isinstance(results[1], int), results
    with schema_context(brand.schema_name):
        assert list(InspectionPhoto.objects.filter(return_item=item).values_list("pk", flat=True)) == [results[1]]


def test_ten_uploads_of_one_slot_with_the_worker_processing_all_succeed(committed, media):
    """Ten retakes at once while each photo is processed as soon as it is stored: every
    upload succeeds (none dies in a deadlock) and the slot keeps one photo."""
    setup = committed_waiting_return(committed, rma="RMA-RACE-10", code="PHR010")
    brand, hub, item = setup.brand, setup.hub, setup.item
    files = [jpeg_bytes((600 + 10 * i, 400)) for i in range(10)]

    def upload_and_process(i):
        with schema_context(brand.schema_name):
            photo = photos.photo_upload(
                item=item,
                slot="front",
                upload=as_upload(files[i]),
                hub=hub,
                actor=Actor.for_user(setup.inspector, party=Party.HUB),
            )
            photos.photo_process(photo.pk)
            return photo.pk

    results = run_concurrently(upload_and_process, n=10)
    assert all(isinstance(r, int) for r in results), results
    with schema_context(brand.schema_name):
        left = list(InspectionPhoto.objects.filter(return_item=item, slot="front"))
        uploaded = Event.objects.filter(return_item=item, kind="photo_uploaded").count()
    assert len(left) == 1
    assert uploaded == 10
