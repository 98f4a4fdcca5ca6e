"""The hub API's hand-offs (public host, /api/v1/hub/handoffs…): the hub's open hand-offs,
confirm a pickup by the customer's code, record a courier or a shipment.

A hand-off is named by its `id`: the id of the hub's hand-off task (public, and answered
only to members of that hub — another hub's id, another kind of task or a guess is a
404), never a brand's allocation id. The pickup code is the customer's and is never
listed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from closo.actors import Actor, Party
from fulfillment.models import Allocation
from fulfillment.services import handoffs as handoff_services
from hubs.apis.base import HubApi
from hubs.models import HubTask
from portals.apis.hub import HUB_PARAMETER, BrandSerializer, HubSerializer
from portals.selectors.hub_handoffs import HandoffRow, handoff_rows, hub_handoff, hub_handoffs


def handoff_path(task_id: int) -> str:
    return f"/api/v1/hub/handoffs/{task_id}"


class HandoffSerializer(serializers.Serializer):
    """One hand-off as its hub sees it: what to hand over, to whom, how and by when."""

    id = serializers.IntegerField(help_text="The hand-off's id at your hub (for …/record).")
    brand = BrandSerializer()
    label = serializers.CharField(help_text="The unit's shelf label.")
    sku = serializers.CharField()
    sku_title = serializers.CharField()
    customer_first_name = serializers.CharField()
    method = serializers.ChoiceField(choices=Allocation.Method.choices)
    status = serializers.ChoiceField(choices=Allocation.Status.choices)
    tracking = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    handed_off_at = serializers.DateTimeField(allow_null=True)


def _handoff_data(row: HandoffRow) -> dict:
    allocation = row.allocation
    return {
        "id": row.task.pk,
        "brand": row.brand,
        "label": row.label,
        "sku": row.sku_code,
        "sku_title": row.sku_title,
        "customer_first_name": row.customer_first_name,
        "method": row.method,
        "status": allocation.status if allocation else "",
        "tracking": allocation.tracking if allocation else "",
        "due_at": row.due_at,
        "overdue": row.overdue,
        "handed_off_at": allocation.handed_off_at if allocation else None,
    }


class HubHandoffListApi(HubApi):
    """Your hub's open hand-offs across brands, earliest due first. A constant number of
    queries however many there are (one per brand that has any)."""

    class OutputSerializer(serializers.Serializer):
        hub = HubSerializer()
        count = serializers.IntegerField()
        handoffs = HandoffSerializer(many=True)

    @extend_schema(operation_id="hub_handoff_list", parameters=[HUB_PARAMETER], responses=OutputSerializer)
    def get(self, request):
        hub = self.chosen_member(request).hub
        rows = hub_handoffs(hub)
        body = {"hub": hub, "count": len(rows), "handoffs": [_handoff_data(row) for row in rows]}
        return Response(self.OutputSerializer(body).data)


class HubHandoffConfirmApi(HubApi):
    """Confirm a pickup by the code the customer shows (spaces and dashes ignored): the unit
    is handed off and the backorder fulfilled; the answer says what to hand over. Errors:
    `hub_not_active` (409: no code is looked up), `unknown_code` (404), `code_used` (409:
    already picked up — a retry after a lost answer gets this too), `code_cancelled` (409),
    `code_expired` (410), `wrong_hub` (409: the code is for another hub),
    `too_many_attempts` (429, with Retry-After: too many unknown or other hubs' codes from
    you — drop-off and pickup codes count together)."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=20)

    class OutputSerializer(serializers.Serializer):
        hub = HubSerializer()
        handoff = HandoffSerializer()
        hand_over = serializers.CharField(help_text="What to hand the customer, in words.")
        url = serializers.CharField(help_text="This hand-off in the hub API.")

    @extend_schema(
        operation_id="hub_handoff_confirm",
        parameters=[HUB_PARAMETER],
        request=InputSerializer,
        responses=OutputSerializer,
    )
    def post(self, request):
        hub = self.chosen_member(request).hub
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _, allocation = handoff_services.handoff_confirm_pickup(
            code=data.validated_data["code"], hub=hub, actor=Actor.from_request(request, party=Party.HUB)
        )
        task = HubTask.objects.select_related("brand").get(code=allocation.pickup_code)
        row = handoff_rows([task])[0]
        body = {
            "hub": hub,
            "handoff": _handoff_data(row),
            "hand_over": f"Shelf label {row.label}: {row.sku_code} · {row.sku_title}",
            "url": handoff_path(task.pk),
        }
        return Response(self.OutputSerializer(body).data)


class HubHandoffRecordApi(HubApi):
    """Record that hand-off `id` left with a local courier (`courier`) or was shipped by your
    hub (`ship`), with its tracking number (required). The backorder stays handed off until
    the brand says it was delivered. Errors: `not_found` (404: not a hand-off of your hub),
    `required` (400: no tracking number), `invalid` (400: another method, or a tracking
    number over 120 characters), `hub_not_active` (409), `invalid_transition` (409: it was
    handed off, expired or cancelled already — a retry gets this too)."""

    class InputSerializer(serializers.Serializer):
        method = serializers.ChoiceField(choices=[Allocation.Method.COURIER, Allocation.Method.SHIP])
        tracking = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")

    class OutputSerializer(serializers.Serializer):
        hub = HubSerializer()
        handoff = HandoffSerializer()

    @extend_schema(
        operation_id="hub_handoff_record",
        parameters=[HUB_PARAMETER],
        request=InputSerializer,
        responses=OutputSerializer,
    )
    def post(self, request, pk: int):
        with hub_handoff(user=request.user, pk=pk, hub_id=self.chosen_hub_id(request)) as found:
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            handoff_services.handoff_record(
                allocation=found.allocation,
                method=data.validated_data["method"],
                tracking=data.validated_data["tracking"],
                hub=found.hub,
                actor=Actor.from_request(request, party=Party.HUB),
            )
            found.task.refresh_from_db(fields=["status", "closed_at"])
            row = handoff_rows([found.task])[0]
            body = {"hub": found.hub, "handoff": _handoff_data(row)}
        return Response(self.OutputSerializer(body).data)
