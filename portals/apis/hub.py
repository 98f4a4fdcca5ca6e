"""The hub API (public host, /api/v1/hub/): what the hub portal does, for scanner apps —
the hubs you work at, the queue, receive a drop-off by code, one return at your hub.

Authentication and permission are every hub endpoint's (`hubs.apis.base.HubApi`): a
session (with CSRF, as in the portal) or HTTP Basic with the hub member's e-mail and
password; members of a hub only. With several hubs, pick one with the `X-Hub` header or
`?hub=` (its id); another hub's id is a 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from closo.actors import Actor, Party
from fulfillment.models import EventKind, StockUnit
from fulfillment.selectors import returns as return_selectors
from fulfillment.services import returns as return_services
from hubs.apis.base import HubApi
from hubs.models import HubStatus
from hubs.selectors.members import hub_memberships
from hubs.selectors.queue import hub_queue
from portals.selectors.hub_access import hub_return
from portals.views.hub import inspect_url, next_action

HUB_PARAMETER = OpenApiParameter(
    "hub", int, description="Which of your hubs (also the `X-Hub` header); default: your first.", required=False
)


class HubSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    zip_code = serializers.CharField()


class BrandSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


def _return_path(brand_slug: str, pk: int) -> str:
    return f"/api/v1/hub/b/{brand_slug}/returns/{pk}"


class HubListApi(HubApi):
    """The hubs you work at, and your role at each."""

    class OutputSerializer(serializers.Serializer):
        hub = HubSerializer()
        role = serializers.CharField()

    @extend_schema(operation_id="hub_list", responses=OutputSerializer(many=True))
    def get(self, request):
        members = hub_memberships(user=request.user)
        return Response(self.OutputSerializer([{"hub": m.hub, "role": m.role} for m in members], many=True).data)


class HubQueueApi(HubApi):
    """The hub's open work across brands in lanes (`dropoff`, `inspect`, `shelf`,
    `handoff`, `pack`), most urgent first; `overdue` marks work past its due time. Each lane lists
    at most 50 items; `count` is the full number."""

    class OutputSerializer(serializers.Serializer):
        class LaneSerializer(serializers.Serializer):
            class ItemSerializer(serializers.Serializer):
                brand = BrandSerializer()
                return_id = serializers.IntegerField()
                reference = serializers.CharField(help_text="The brand's reference (RMA).")
                title = serializers.CharField(help_text="What the item is (SKU code and title).")
                due_at = serializers.DateTimeField(allow_null=True)
                overdue = serializers.BooleanField()
                due_text = serializers.CharField(help_text="e.g. “overdue 2 days”, “due in 5 hours”.")
                url = serializers.CharField(help_text="This return in the hub API.")

            kind = serializers.CharField()
            label = serializers.CharField()
            count = serializers.IntegerField()
            items = ItemSerializer(many=True)

        hub = HubSerializer()
        total = serializers.IntegerField()
        overdue = serializers.IntegerField()
        lanes = LaneSerializer(many=True)

    @extend_schema(operation_id="hub_queue", parameters=[HUB_PARAMETER], responses=OutputSerializer)
    def get(self, request):
        queue = hub_queue(self.chosen_member(request).hub)
        lanes = [
            {
                "kind": lane.kind,
                "label": lane.label,
                "count": lane.count,
                "items": [
                    {
                        "brand": {"slug": entry.task.brand.slug, "name": entry.brand_name},
                        "return_id": entry.task.return_item_id,
                        "reference": entry.task.reference,
                        "title": entry.task.title,
                        "due_at": entry.due_at,
                        "overdue": entry.overdue,
                        "due_text": entry.due_text,
                        "url": _return_path(entry.task.brand.slug, entry.task.return_item_id),
                    }
                    for entry in lane.items
                ],
            }
            for lane in queue.lanes
        ]
        data = {"hub": queue.hub, "total": queue.total, "overdue": queue.overdue_count, "lanes": lanes}
        return Response(self.OutputSerializer(data).data)


class HubReturnSerializer(serializers.Serializer):
    """A brand's return as its hub sees it (no customer details)."""

    class SkuSerializer(serializers.Serializer):
        code = serializers.CharField()
        title = serializers.CharField()
        attributes = serializers.DictField()

    class UnitSerializer(serializers.Serializer):
        label = serializers.CharField()
        status = serializers.CharField()
        condition = serializers.CharField()

    id = serializers.IntegerField()
    rma_ref = serializers.CharField()
    sku = SkuSerializer()
    status = serializers.CharField()
    disposition = serializers.CharField()
    unit = UnitSerializer(allow_null=True, help_text="Its shelf unit once a Like-New inspection released it.")
    next_action = serializers.CharField(help_text="What the hub does next with the item.")
    inspect_url = serializers.CharField(allow_null=True, help_text="The inspection page, while it can be inspected.")
    updated_at = serializers.DateTimeField()


def _return_data(*, brand, hub, item, unit: StockUnit | None) -> dict:
    can_inspect = item.status == "dropped_off" and hub.status == HubStatus.ACTIVE
    return {
        "id": item.pk,
        "rma_ref": item.rma_ref,
        "sku": item.sku,
        "status": item.status,
        "disposition": item.disposition,
        "unit": unit,
        "next_action": next_action(item, unit),
        "inspect_url": inspect_url(brand_slug=brand.slug, return_item_id=item.pk) if can_inspect else None,
        "updated_at": item.updated_at,
    }


class HubReceiveApi(HubApi):
    """Receive a drop-off by the code the customer brings (spaces and dashes ignored):
    the return becomes `dropped_off` at your hub and waits for inspection. Errors:
    `hub_not_active` (409: your hub is suspended or not yet active; no code is looked up),
    `unknown_code` (404), `code_used` (409: already received — a retry after a lost answer
    gets this too), `code_cancelled` (409), `code_expired` (410), `wrong_hub` (409: the code
    is for another hub), `too_many_attempts` (429, with Retry-After: too many unknown or
    other hubs' codes from you in a short time)."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=20)

    class OutputSerializer(serializers.Serializer):
        brand = BrandSerializer()
        hub = HubSerializer()
        item = HubReturnSerializer(source="return_item")
        url = serializers.CharField(help_text="This return in the hub API.")

    @extend_schema(
        operation_id="hub_receive", parameters=[HUB_PARAMETER], request=InputSerializer, responses=OutputSerializer
    )
    def post(self, request):
        hub = self.chosen_member(request).hub
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        brand, item = return_services.return_receive_dropoff(
            code=data.validated_data["code"], hub=hub, actor=Actor.from_request(request, party=Party.HUB)
        )
        body = {
            "brand": brand,
            "hub": hub,
            "return_item": _return_data(brand=brand, hub=hub, item=item, unit=None),
            "url": _return_path(brand.slug, item.pk),
        }
        return Response(self.OutputSerializer(body).data)


class HubReturnDetailApi(HubApi):
    """One return at one of your hubs, with its chain of custody (oldest first). Another
    hub's return, another brand's id or a guess: 404."""

    class OutputSerializer(serializers.Serializer):
        class EventSerializer(serializers.Serializer):
            kind = serializers.CharField()
            kind_label = serializers.CharField(help_text="The kind, as people read it.")
            from_status = serializers.CharField()
            to_status = serializers.CharField()
            hub = serializers.CharField(source="hub.name", allow_null=True, default=None)
            actor = serializers.CharField(allow_null=True, help_text="Who acted, for steps at your hub.")
            created_at = serializers.DateTimeField()

        brand = BrandSerializer()
        hub = HubSerializer()
        item = HubReturnSerializer(source="return_item")
        events = EventSerializer(many=True)

    @extend_schema(operation_id="hub_return_retrieve", responses=OutputSerializer)
    def get(self, request, brand_slug: str, pk: int):
        with hub_return(user=request.user, brand_slug=brand_slug, pk=pk) as found:
            item = found.item
            unit = StockUnit.objects.filter(return_item=item).first()
            events = [
                {
                    "kind": e.kind,
                    "kind_label": e.get_kind_display(),
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "hub": e.hub,
                    "actor": e.actor_label if e.hub_id == found.hub.pk else None,
                    "created_at": e.created_at,
                }
                for e in return_selectors.return_events(item=item).exclude(kind=EventKind.REFUND)
            ]
            body = {
                "brand": found.brand,
                "hub": found.hub,
                "return_item": _return_data(brand=found.brand, hub=found.hub, item=item, unit=unit),
                "events": events,
            }
        return Response(self.OutputSerializer(body).data)
