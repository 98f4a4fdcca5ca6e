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
