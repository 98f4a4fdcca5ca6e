from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from closo.idempotency import IdempotentPostMixin
from inspections.apis.standards import (
    ChecklistItemSerializer,
    CreateApi,
    PhotoSlotSerializer,
    VersionSerializer,
    _version,
)
from inspections.models import ChecklistItem, PhotoRequirement
from inspections.services import standard_rows as services


class ChecklistCreateApi(IdempotentPostMixin, CreateApi):
    """Append a checklist item to a draft. `fail_cap` is the best grade possible when the
    check fails (`like_new`, `good`, `fair`, `unsellable`; else 400 `unknown_grade`).
    Keys are unique in a version (409 `duplicate_key`)."""

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=40, help_text="Lowercase letters, digits, - and _.")
        prompt = serializers.CharField(max_length=200)
        help_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        required = serializers.BooleanField(required=False, default=True)
        fail_cap = serializers.CharField(help_text="like_new, good, fair or unsellable.")

    @extend_schema(request=InputSerializer, responses={201: ChecklistItemSerializer}, operation_id="checklist_item_add")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int, number: int):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.checklist_item_add(
            version=version, **serializer.validated_data, actor=Actor.from_request(request)
        )
        return Response(
            ChecklistItemSerializer(item).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_checklist_item", args=[pk, number, item.key])},
        )


class ChecklistItemApi(APIView):
    """One checklist item of a version. PATCH changes any of key, prompt, help_text,
    required, fail_cap; DELETE removes it (drafts only)."""

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=40, required=False)
        prompt = serializers.CharField(max_length=200, required=False)
        help_text = serializers.CharField(max_length=300, required=False, allow_blank=True)
        required = serializers.BooleanField(required=False)
        fail_cap = serializers.CharField(required=False)

    @extend_schema(responses=ChecklistItemSerializer, operation_id="checklist_item_retrieve")
    def get(self, request, pk: int, number: int, key: str):
        item = get_object_or_404(ChecklistItem, version=_version(pk, number), key=key)
        return Response(ChecklistItemSerializer(item).data)

    @extend_schema(request=InputSerializer, responses=ChecklistItemSerializer, operation_id="checklist_item_update")
    def patch(self, request, pk: int, number: int, key: str):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = services.checklist_item_update(
            version=version, key=key, changes=serializer.validated_data, actor=Actor.from_request(request)
        )
        return Response(ChecklistItemSerializer(item).data)

    @extend_schema(responses={204: None}, operation_id="checklist_item_delete")
    def delete(self, request, pk: int, number: int, key: str):
        services.checklist_item_delete(version=_version(pk, number), key=key, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoCreateApi(IdempotentPostMixin, CreateApi):
    """Append a photo slot to a draft (slots are unique in a version: 409 `duplicate_key`)."""

    class InputSerializer(inputs.Input):
        model = PhotoRequirement
        slot = serializers.CharField(max_length=40, help_text="Lowercase letters, digits, - and _.")
        label = serializers.CharField(max_length=80)
        required = serializers.BooleanField(required=False, default=True)
        min_long_edge_px = serializers.IntegerField(required=False, default=1200)

    @extend_schema(request=InputSerializer, responses={201: PhotoSlotSerializer}, operation_id="photo_slot_add")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int, number: int):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photo = services.photo_slot_add(version=version, **serializer.validated_data, actor=Actor.from_request(request))
        return Response(
            PhotoSlotSerializer(photo).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_photo_slot", args=[pk, number, photo.slot])},
        )


class PhotoSlotApi(APIView):
    """One photo slot of a version. PATCH changes any of slot, label, required,
    min_long_edge_px; DELETE removes it (drafts only)."""

    class InputSerializer(inputs.Input):
        model = PhotoRequirement
        slot = serializers.CharField(max_length=40, required=False)
        label = serializers.CharField(max_length=80, required=False)
        required = serializers.BooleanField(required=False)
        min_long_edge_px = serializers.IntegerField(required=False)

    @extend_schema(responses=PhotoSlotSerializer, operation_id="photo_slot_retrieve")
    def get(self, request, pk: int, number: int, slot: str):
        photo = get_object_or_404(PhotoRequirement, version=_version(pk, number), slot=slot)
        return Response(PhotoSlotSerializer(photo).data)

    @extend_schema(request=InputSerializer, responses=PhotoSlotSerializer, operation_id="photo_slot_update")
    def patch(self, request, pk: int, number: int, slot: str):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        photo = services.photo_slot_update(
            version=version, slot=slot, changes=serializer.validated_data, actor=Actor.from_request(request)
        )
        return Response(PhotoSlotSerializer(photo).data)

    @extend_schema(responses={204: None}, operation_id="photo_slot_delete")
    def delete(self, request, pk: int, number: int, slot: str):
        services.photo_slot_delete(version=_version(pk, number), slot=slot, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionOrderApi(IdempotentPostMixin, CreateApi):
    """Reorder a draft's checklist items and/or photo slots: list every key (slot) once,
    in the new order (400 `invalid_order` otherwise)."""

    class InputSerializer(serializers.Serializer):
        checklist = serializers.ListField(child=serializers.CharField(), required=False)
        photos = serializers.ListField(child=serializers.CharField(), required=False)

        def validate(self, attrs):
            if not attrs:
                raise serializers.ValidationError("Send `checklist`, `photos` or both.", code="required")
            return attrs

    @extend_schema(request=InputSerializer, responses=VersionSerializer, operation_id="version_reorder")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int, number: int):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.version_reorder(version=version, **serializer.validated_data, actor=Actor.from_request(request))
        return Response(VersionSerializer(_version(pk, number)).data)
