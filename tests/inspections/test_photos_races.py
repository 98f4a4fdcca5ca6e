"""Concurrent uploads for one slot, on real connections: the return row's lock orders them,
so one photo is left for the slot, and one file."""

from django_tenants.utils import schema_context

from closo.actors import Actor
from fulfillment.models import Event
from inspections import photos
from inspections.models import InspectionPhoto
from tests.conftest import run_concurrently
from tests.inspections.photo_support import (
    as_upload,
    jpeg_bytes,
    media_fixture,  # noqa: F401  (autouse fixture: storage in a temp dir)
    stored_files,
    waiting_return,
)


def test_concurrent_uploads_of_one_slot_leave_one_photo_and_one_file(committed, media):
    from django_q.models import OrmQ

    from brands.models import Brand
    from closo.models import User
    from fulfillment.models import ReturnItem, Sku
    from hubs.models import Hub
    from inspections.models import GradingStandard
    from tests.conftest import EMAILS

    brand = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    ivan = User.objects.get(email=EMAILS["ivan"])
    queued_before = set(OrmQ.objects.values_list("pk", flat=True))
    with schema_context(brand.schema_name):
        standards_before = set(GradingStandard.objects.values_list("pk", flat=True))

    def cleanup():
        OrmQ.objects.exclude(pk__in=queued_before).delete()
        with schema_context(brand.schema_name):
            Event.objects.filter(return_item__rma_ref="RMA-RACE").delete()
            InspectionPhoto.objects.filter(return_item__rma_ref="RMA-RACE").delete()
            ReturnItem.objects.filter(rma_ref="RMA-RACE").delete()
            GradingStandard.objects.exclude(pk__in=standards_before).delete()
            Sku.objects.filter(code="WB-PHOTO").delete()

    committed.append(cleanup)
    with schema_context(brand.schema_name):
        item = waiting_return(brand, hub, rma="RMA-RACE", code="PHR001")
    files = [jpeg_bytes((700 + 100 * i, 500)) for i in range(3)]

    def upload(i):
        with schema_context(brand.schema_name):
            return photos.photo_upload(
                item=item, slot="front", upload=as_upload(files[i]), hub=hub, actor=Actor(user=ivan)
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
