"""Packing for the warehouse: the engine's shelf timer opens a PACK task, it shows in the
hub's queue, and "Packed and sent" closes it — only for the hub that holds it."""

from __future__ import annotations

import datetime

from fulfillment.services.engine import engine_tick
from hubs.models import HubTask
from hubs.selectors.queue import hub_queue
from tests.fulfillment.loop_builders import shelve


def test_a_unit_sent_to_the_warehouse_is_packed_by_its_hub(
    host_client, public_host, brand_a, in_brand, sku_a, active_hub, ivan, wes
):
    with in_brand(brand_a):
        unit = shelve(brand_a, sku_a, active_hub)
    engine_tick(now=unit.hold_until + datetime.timedelta(hours=1), brands=["acme"])
    task = HubTask.objects.get(brand=brand_a, return_item_id=unit.return_item_id, kind="pack", status="open")
    lane = {lane.kind: lane for lane in hub_queue(active_hub).lanes}["pack"]
    assert [item.task.pk for item in lane.items] == [task.pk]
    page = host_client(public_host, ivan).get("/hub/")
    assert "Packed and sent" in page.content.decode()

    other = host_client(public_host, wes).post(f"/hub/pack/{task.pk}/sent/", follow=True)
    assert "not yours" in other.content.decode()
    assert HubTask.objects.get(pk=task.pk).status == "open"

    response = host_client(public_host, ivan).post(f"/hub/pack/{task.pk}/sent/", follow=True)
    assert "Marked packed and sent" in response.content.decode()
    assert HubTask.objects.get(pk=task.pk).status == "done"
    again = host_client(public_host, ivan).post(f"/hub/pack/{task.pk}/sent/", follow=True)
    assert "marked sent already" in again.content.decode()
    assert host_client(public_host, ivan).get(f"/hub/pack/{task.pk}/sent/").status_code == 405
