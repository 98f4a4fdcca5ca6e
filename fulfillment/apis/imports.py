from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo.actors import Actor
from fulfillment.models import ImportJob
from fulfillment.services.imports import MAX_IMPORT_BYTES, import_job_create


class ImportJobDetailApi(APIView):
    """Progress and row errors of a CSV import (poll until `status` is `done`)."""

    class OutputSerializer(serializers.ModelSerializer):
        errors = serializers.JSONField(help_text='[{"line": 7, "errors": {"column": ["message"]}}]')

        class Meta:
            model = ImportJob
            fields = [
                "id",
                "kind",
                "filename",
                "status",
                "total_rows",
                "processed_rows",
                "created_count",
                "updated_count",
                "skipped_count",
                "errors",
                "created_at",
                "finished_at",
            ]

    @extend_schema(responses=OutputSerializer, operation_id="import_retrieve")
    def get(self, request, pk: int):
        job = get_object_or_404(ImportJob.objects.defer("rows"), pk=pk)
        return Response(self.OutputSerializer(job).data)


def import_job_accepted(request, *, kind: str, upload) -> Response:
    """Queue the rows of an uploaded CSV (a file that cannot be imported is a 400 and
    stores nothing) and answer 202 with the job; poll its `Location` until it is done."""
    job = import_job_create(
        kind=kind,
        filename=upload.name or f"{kind}.csv",
        # One byte over the limit is enough to refuse a file as too large.
        data=upload.read(MAX_IMPORT_BYTES + 1),
        actor=Actor.from_request(request),
    )
    return Response(
        ImportJobDetailApi.OutputSerializer(job).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": reverse("api_import_detail", args=[job.pk])},
    )
