from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from fulfillment.models import ImportJob
from fulfillment.services.imports import SPECS, import_job_step

RETURN_TO = {ImportJob.Kind.SKUS: "sku_list", ImportJob.Kind.BACKORDERS: "backorder_list"}


def job_state(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "filename": job.filename,
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "percent": job.percent,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "errors": job.errors,
    }


@brand_member_required
def import_detail(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("created_by").defer("rows"), pk=pk)
    return render(
        request,
        "fulfillment/import_detail.html",
        {
            "job": job,
            "spec": SPECS[job.kind],
            "return_to": RETURN_TO[job.kind],
            "section": job.kind,
        },
    )


@require_POST
@brand_member_required(write=True)
def import_run(request, pk):
    """Process the next chunk of rows and report progress (the progress page calls this
    until the job is done)."""
    get_object_or_404(ImportJob.objects.only("pk"), pk=pk)
    return JsonResponse(job_state(import_job_step(job_id=pk)))
