from django import forms
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from fulfillment.models import ImportJob
from fulfillment.services.imports import MAX_IMPORT_BYTES, SPECS, import_job_create, import_job_step

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


def import_upload(request, *, kind: str, form_class: type[forms.Form], template: str):
    """The upload page of a CSV import (the caller checks the user may write): a file that
    cannot be imported is refused on the form and nothing is stored; otherwise its rows
    are queued and the progress page takes over."""
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                kind=kind,
                filename=upload.name,
                # One byte over the limit is enough to refuse a file as too large.
                data=upload.read(MAX_IMPORT_BYTES + 1),
                actor=Actor.from_request(request),
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("import_detail", pk=job.pk)
    return render(request, template, {"form": form, "spec": SPECS[kind], "section": kind})


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
