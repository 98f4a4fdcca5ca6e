"""django-q2 entry points: each takes the brand's schema name and runs inside it."""

from django_tenants.utils import schema_context

from fulfillment.services.engine import engine_tick as _engine_tick
from fulfillment.services.imports import import_job_run as _import_job_run


def import_job_run(schema_name: str, job_id: int) -> dict:
    with schema_context(schema_name):
        job = _import_job_run(job_id=job_id)
        return {"job": job.pk, "processed": job.processed_rows, "errors": job.error_count}


def engine_tick() -> dict:
    """The local loop's timers (fulfillment.services.engine): scheduled every few minutes
    by the schedule `migrate` creates. Walks every brand schema itself."""
    return _engine_tick().as_dict()
