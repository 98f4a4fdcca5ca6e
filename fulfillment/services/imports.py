"""CSV imports: the file is checked whole on upload (size, encoding, columns, row count),
then its rows are processed in chunks. Good rows are kept; each bad row is reported with
its line number and reasons. Chunks are driven by the page that shows the progress bar
and, in case that page is closed, by a worker task; the job row is locked per chunk, so
the two never process the same rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string

from closo.actors import Actor
from closo.exceptions import DomainError, EmptyFile, FileTooLarge
from closo.locks import lock_one
from fulfillment.exceptions import MissingColumns, NotCsv, NotUtf8, TooManyRows
from fulfillment.machines import IMPORT_JOBS
from fulfillment.models import ImportJob

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
CHUNK_ROWS = 25


@dataclass(frozen=True)
class ImportSpec:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    row_function: str  # dotted path: (values: dict[str, str], *, actor: Actor) -> "created"|"updated"|"skipped"

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def row(self) -> Callable[..., str]:
        return import_string(self.row_function)


SPECS: dict[str, ImportSpec] = {
    ImportJob.Kind.SKUS: ImportSpec(
        required=("code", "title", "price"),
        optional=("category", "attributes", "weight_grams", "local_returns_enabled", "available_qty"),
        row_function="fulfillment.services.skus.sku_import_row",
    ),
    ImportJob.Kind.BACKORDERS: ImportSpec(
        required=("order_ref", "sku", "customer_zip", "value"),
        optional=(
            "qty",
            "customer_name",
            "customer_email",
            "placed_at",
            "promised_ship_by",
            "priority",
            "consent_local_return",
        ),
        row_function="fulfillment.services.backorders.backorder_import_row",
    ),
}


def _normalise_header(name: str) -> str:
    return (name or "").strip().lower().replace(" ", "_")


def parse_csv(*, kind: str, data: bytes) -> list[list]:
    """Check a CSV file whole and return its rows as [[line_number, {column: value}], …].
    Raises EmptyFile, FileTooLarge (413), NotUtf8, NotCsv, MissingColumns or TooManyRows
    when the file cannot be imported at all."""
    spec = SPECS[kind]
    if len(data) > MAX_IMPORT_BYTES:
        raise FileTooLarge(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotUtf8("The file is not UTF-8 text. Export it as “CSV UTF-8”.") from None
    if "\x00" in text:
        raise NotCsv("The file is not a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_normalise_header(h) for h in next(reader)]
    except StopIteration:
        raise EmptyFile("The file is empty.") from None
    except csv.Error as exc:
        raise NotCsv(f"The file is not valid CSV: {exc}.") from None
    missing = [c for c in spec.required if c not in header]
    if missing:
        raise MissingColumns(
            "Missing column"
            + ("s" if len(missing) > 1 else "")
            + ": "
            + ", ".join(missing)
            + f". The first line must name the columns; required: {', '.join(spec.required)}.",
            fields={"columns": missing},
        )
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(rows) >= MAX_IMPORT_ROWS:
                raise TooManyRows(f"The file has more than {MAX_IMPORT_ROWS:,} rows: split it.")
            row = {
                col: (values[i].strip() if i < len(values) else "")
                for i, col in enumerate(header)
                if col in spec.columns
            }
            rows.append([reader.line_num, row])
    except csv.Error as exc:
        raise NotCsv(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    if not rows:
        raise EmptyFile("The file has a header but no rows.")
    return rows


@transaction.atomic
def import_job_create(*, kind: str, filename: str, data: bytes, actor: Actor) -> ImportJob:
    """Check the file and queue its rows. The worker starts on it after commit."""
    rows = parse_csv(kind=kind, data=data)
    job = ImportJob.objects.create(
        kind=kind, filename=filename[:200], rows=rows, total_rows=len(rows), created_by=actor.user
    )
    from django.db import connection

    schema_name = connection.schema_name
    transaction.on_commit(lambda: _enqueue(schema_name, job.pk))
    return job


def _enqueue(schema_name: str, job_id: int) -> None:
    from django_q.tasks import async_task

    async_task("fulfillment.tasks.import_job_run", schema_name, job_id, task_name=f"import-{schema_name}-{job_id}")


def _row_errors(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        return {"row": [str(m) for m in exc.messages]}
    if exc.fields:  # RowError, or a service's error whose fields name the columns
        return {field: list(messages) for field, messages in exc.fields.items()}
    return {"row": [exc.message]}


def import_job_step(*, job_id: int, limit: int = CHUNK_ROWS) -> ImportJob:
    """Process the next `limit` rows of a job (one transaction; each row in a savepoint).
    Locks the job row, so concurrent steps run one after the other and never twice.
    Rows act as the person who uploaded the file."""
    with transaction.atomic():
        # The job first (closo.locks order): each row's service then locks what it needs.
        job = lock_one(ImportJob.objects.select_related("created_by"), pk=job_id)
        if job is None:
            raise ImportJob.DoesNotExist(f"No import job {job_id}.")
        if job.status == ImportJob.Status.DONE:
            return job
        who = job.created_by.email if job.created_by else "system"
        actor = Actor(user=job.created_by, label=f"{who} (CSV {job.filename})")
        spec = SPECS[job.kind]
        handle = spec.row()
        start = job.processed_rows
        for line, values in job.rows[start : start + limit]:
            try:
                with transaction.atomic():
                    outcome = handle(values, actor=actor)
            except (ValidationError, DomainError) as exc:
                job.errors.append({"line": line, "errors": _row_errors(exc)})
                continue
            finally:
                job.processed_rows += 1
            if outcome == "created":
                job.created_count += 1
            elif outcome == "updated":
                job.updated_count += 1
            else:
                job.skipped_count += 1
        job.save(update_fields=["processed_rows", "created_count", "updated_count", "skipped_count", "errors"])
        finished = job.processed_rows >= job.total_rows
        if finished or job.status == ImportJob.Status.PENDING:
            IMPORT_JOBS.transition(job, ImportJob.Status.DONE if finished else ImportJob.Status.RUNNING, actor=actor)
        return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Process a job to the end, chunk by chunk (the worker's entry point)."""
    while True:
        job = import_job_step(job_id=job_id)
        if job.status == ImportJob.Status.DONE:
            return job
