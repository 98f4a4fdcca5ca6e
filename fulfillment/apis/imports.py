from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from fulfillment.models import ImportJob


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
