"""Hub API for inspections (public host, under /api/v1/hub/), mirroring the wizard for
scanner apps: the form to fill for a received return, the submit, and the recorded
inspection with the next physical action. Authentication and permission are the hub API's
(`hubs.apis.base.HubApi`: a session or HTTP Basic, hub members only); only members of the hub
holding the return see it (404 for anyone else). `X-Hub` (or `?hub=`) says which of the
member's hubs is acting — by default the return's own — and it must be the return's hub
(`wrong_hub` otherwise).

The form hands out a `started_token` (the start of the inspection, signed by the server
for this return at its hub); the submit requires it back (400 `invalid_started_token`
when it is missing, forged, for another return or hub, or over 24 hours old), so the
inspection's duration is measured by the server. The submit waits for the photos: while
one is still being processed it answers 409 `photos_processing` with `Retry-After: 2`.

The submit is idempotent by nature: one inspection per return, so a retry of a submit
that went through gets 409 `already_inspected` with the inspection's id in `fields`."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from closo import inputs
from closo.actors import Actor, Party
from hubs.apis.base import HubApi
from inspections.engine import GRADE_LABELS
from inspections.exceptions import PhotosProcessing
from inspections.models import Grade, Inspection
from inspections.selectors.inspections import inspection_form, inspection_next_action
from inspections.services.inspections import inspection_submit
from portals.apis.hub import HUB_PARAMETER
from portals.selectors.hub_access import hub_photo_url, hub_return

# The grades an inspector may lower the computed grade to: every grade but Like New.
LOWER_GRADES = [grade for grade in Grade.values if grade != Grade.LIKE_NEW]


def _acting_hub(view: HubApi, request, ctx):
    """The hub the caller acts for: the one named by `X-Hub` / `?hub=` (404 unless they are
    a member of it), else the hub holding the return."""
    if view.chosen_hub_id(request) is None:
        return ctx.hub
    return view.chosen_member(request).hub


class PhotoTakenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(
        help_text="`pending` until processed, then `ready` or `failed`: the submit waits for `ready`."
    )
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class PhotoSlotOutput(serializers.Serializer):
    slot = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    min_long_edge_px = serializers.IntegerField()
    photo = PhotoTakenOutput(allow_null=True, help_text="The photo taken so far for this slot.")


class ChecklistOutput(serializers.Serializer):
    key = serializers.CharField()
    prompt = serializers.CharField()
    help_text = serializers.CharField()
    required = serializers.BooleanField()


class HubInspectionFormApi(HubApi):
    """What to photograph and check for a received return: the brand's published standard
    version for its SKU, its photo slots (with the photos already uploaded) and checklist."""

    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField(help_text="Send it back with the submit.")
        started_token = serializers.CharField(
            help_text="Send it back with the submit: the inspection started when this form was handed out."
        )
        standard = serializers.CharField()
        version_number = serializers.IntegerField()
        status = serializers.CharField(help_text="The return's status: only `dropped_off` can be inspected.")
        photo_slots = PhotoSlotOutput(many=True)
        checklist = ChecklistOutput(many=True)
        upload_url = serializers.CharField(help_text="POST each photo here (multipart `slot`, `file`).")
        submit_url = serializers.CharField()

    @extend_schema(operation_id="hub_inspection_form", responses=OutputSerializer)
    def get(self, request, brand_slug: str, pk: int):
        with hub_return(user=request.user, brand_slug=brand_slug, pk=pk) as ctx:
            form = inspection_form(item=ctx.item)
            data = {
                "version": form.version.pk,
                "started_token": form.started_token,
                "standard": form.version.standard.name,
                "version_number": form.version.number,
                "status": ctx.item.status,
                "photo_slots": [
                    {
                        "slot": s.requirement.slot,
                        "label": s.requirement.label,
                        "required": s.requirement.required,
                        "min_long_edge_px": s.requirement.min_long_edge_px,
                        "photo": (
                            {
                                "id": s.photo.pk,
                                "status": s.photo.status,
                                "width": s.photo.width,
                                "height": s.photo.height,
                            }
                            if s.taken
                            else None
                        ),
                    }
                    for s in form.slots
                ],
                "checklist": [
                    {"key": c.key, "prompt": c.prompt, "help_text": c.help_text, "required": c.required}
                    for c in form.checklist
                ],
                "upload_url": reverse("hub_api_photos", kwargs={"brand_slug": brand_slug, "pk": pk}),
                "submit_url": reverse("hub_api_inspection", kwargs={"brand_slug": brand_slug, "pk": pk}),
            }
            return Response(self.OutputSerializer(data).data)


class InspectionPhotoOutput(serializers.Serializer):
    id = serializers.IntegerField()
    slot = serializers.CharField()
    status = serializers.CharField()
    sha256 = serializers.CharField(help_text="Of the stored original, once processed.")
    thumbnail_url = serializers.CharField()


class NextActionOutput(serializers.Serializer):
    headline = serializers.CharField(help_text="e.g. “Like New — shelf it with label …”.")
    detail = serializers.CharField()
    grade = serializers.CharField()
    grade_label = serializers.CharField()
    disposition = serializers.CharField()
    label = serializers.CharField(help_text="The shelf label of a unit kept at the hub; empty otherwise.")
    held = serializers.BooleanField(help_text="The unit waits for the brand's approval.")


class InspectionOutput(serializers.ModelSerializer):
    return_id = serializers.IntegerField(source="return_item_id")
    hub = serializers.IntegerField(source="hub_id")
    inspector = serializers.SlugRelatedField(slug_field="email", read_only=True)
    version = serializers.IntegerField(source="version_id")
    duration_seconds = serializers.FloatField()
    photos = serializers.SerializerMethodField()
    next_action = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "return_id",
            "hub",
            "inspector",
            "version",
            "started_at",
            "submitted_at",
            "duration_seconds",
            "answers",
            "computed_grade",
            "final_grade",
            "lower_reason",
            "reasons",
            "disposition",
            "photos",
            "next_action",
        ]

    @extend_schema_field(InspectionPhotoOutput(many=True))
    def get_photos(self, inspection) -> list[dict]:
        brand = self.context["brand"]
        return [
            {
                "id": p.pk,
                "slot": p.slot,
                "status": p.status,
                "sha256": p.sha256,
                "thumbnail_url": hub_photo_url(brand=brand, photo=p, rendition="thumbnail"),
            }
            for p in inspection.photos.all()
        ]

    @extend_schema_field(NextActionOutput)
    def get_next_action(self, inspection) -> dict:
        action = inspection_next_action(inspection=inspection, brand_name=self.context["brand"].name)
        return {
            "headline": action.headline,
            "detail": action.detail,
            "grade": action.grade,
            "grade_label": action.grade_label,
            "disposition": action.disposition,
            "label": action.label,
            "held": action.held,
        }


class HubInspectionApi(HubApi):
    """GET: the return's recorded inspection (404 before it is inspected). POST: submit the
    inspection; the server checks the hub, the return's state, the photos uploaded and
    the answers, grades with the brand's standard and says what to do next."""

    class InputSerializer(inputs.Input):
        model = Inspection
        answers = serializers.DictField(
            child=serializers.BooleanField(allow_null=True),
            help_text="Checklist key → true (passed), false (failed) or null (optional item skipped).",
        )
        # Not required by the serializer: a submit without it gets the service's own
        # refusal (400 invalid_started_token), which says where the token comes from.
        started_token = serializers.CharField(
            allow_blank=True,
            default="",
            help_text="Required: the `started_token` of the inspection form (valid 24 hours).",
        )
        version = serializers.IntegerField(
            required=False, allow_null=True, help_text="The version the form showed: refused if no longer in force."
        )
        grade = serializers.ChoiceField(
            choices=LOWER_GRADES,
            required=False,
            allow_blank=True,
            help_text=f"Lower the computed grade to this one ({', '.join(GRADE_LABELS.values())}).",
        )
        lower_reason = serializers.CharField(
            required=False, allow_blank=True, max_length=300, help_text="Why: required with `grade`."
        )

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, PhotosProcessing):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @staticmethod
    def _inspection(item):
        return (
            Inspection.objects.select_related("return_item", "inspector", "version")
            .prefetch_related("photos")
            .filter(return_item=item)
            .first()
        )

    @extend_schema(operation_id="hub_inspection_get", responses=InspectionOutput)
    def get(self, request, brand_slug: str, pk: int):
        with hub_return(user=request.user, brand_slug=brand_slug, pk=pk) as ctx:
            inspection = self._inspection(ctx.item)
            if inspection is None:
                raise Http404("Not inspected yet.")
            return Response(InspectionOutput(inspection, context={"brand": ctx.brand}).data)

    @extend_schema(
        operation_id="hub_inspection_submit",
        parameters=[HUB_PARAMETER],
        request={"application/json": InputSerializer},
        responses={201: InspectionOutput},
    )
    def post(self, request, brand_slug: str, pk: int):
        with hub_return(user=request.user, brand_slug=brand_slug, pk=pk) as ctx:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            inspection_submit(
                item=ctx.item,
                hub=_acting_hub(self, request, ctx),
                inspector=request.user,
                started_token=data["started_token"],
                answers=data["answers"],
                requested_grade=data.get("grade") or None,
                lower_reason=data.get("lower_reason", ""),
                actor=Actor.from_request(request, party=Party.HUB),
                version_id=data.get("version"),
            )
            body = InspectionOutput(self._inspection(ctx.item), context={"brand": ctx.brand}).data
        location = reverse("hub_api_inspection", kwargs={"brand_slug": brand_slug, "pk": pk})
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})
