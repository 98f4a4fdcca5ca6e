import pytest
from django.db import connection

from closo.actors import Actor
from closo.exceptions import DomainError
from fulfillment.models import ImportJob, Sku
from fulfillment.services import imports
from fulfillment.services.imports import ImportSpec, import_job_create, import_job_step, parse_csv
from tests.conftest import EMAILS, run_concurrently

PROBE = "skus"  # reuse a real kind name, with the probe row function patched in


@pytest.fixture(autouse=True)
def probe_spec(monkeypatch):
    monkeypatch.setitem(
        imports.SPECS,
        PROBE,
        ImportSpec(
            required=("code", "title", "price"),
            optional=("category",),
            row_function="tests.fulfillment.import_fixtures.probe_row",
        ),
    )


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_rows_keep_their_file_line_numbers_and_only_known_columns():
    rows = parse_csv(kind=PROBE, data=csv_bytes("Code, Title ,price,Unknown", "A,Alpha,1,x", "", "B,Beta,2,y"))
    assert rows == [
        [2, {"code": "A", "title": "Alpha", "price": "1"}],
        [4, {"code": "B", "title": "Beta", "price": "2"}],
    ]


def test_quoted_newlines_count_towards_line_numbers():
    rows = parse_csv(kind=PROBE, data=csv_bytes("code,title,price", 'A,"two\nlines",1', "B,b,2"))
    assert [line for line, _ in rows] == [3, 4]


def test_excel_byte_order_mark_is_ignored():
    rows = parse_csv(kind=PROBE, data="\ufeffcode,title,price\nA,a,1\n".encode())
    assert rows[0][1]["code"] == "A"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty_file"),
        (b"code,title,price\n", "empty_file"),
        (b"code,title\nA,a\n", "missing_columns"),
        ("code,title,price\nA,caf\xe9,1\n".encode("latin-1"), "not_utf8"),
        (b"code,title,price\nA,\x00,1\n", "not_csv"),
    ],
)
def test_whole_file_problems_are_refused_with_a_code(data, code):
    with pytest.raises(DomainError) as excinfo:
        parse_csv(kind=PROBE, data=data)
    assert excinfo.value.code == code


def test_missing_columns_are_named():
    with pytest.raises(DomainError) as excinfo:
        parse_csv(kind=PROBE, data=csv_bytes("code", "A"))
    assert excinfo.value.fields == {"columns": ["title", "price"]}
    assert "Missing columns: title, price." in excinfo.value.message


def test_size_and_row_caps(monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 50)
    with pytest.raises(DomainError) as excinfo:
        parse_csv(kind=PROBE, data=csv_bytes("code,title,price", *[f"S{i},t,1" for i in range(10)]))
    assert excinfo.value.code == "file_too_large"
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 10_000)
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 3)
    with pytest.raises(DomainError) as excinfo:
        parse_csv(kind=PROBE, data=csv_bytes("code,title,price", *[f"S{i},t,1" for i in range(4)]))
    assert excinfo.value.code == "too_many_rows"


def test_a_refused_file_stores_nothing(brand_a, in_brand, alice):
    with in_brand(brand_a), pytest.raises(DomainError):
        import_job_create(kind=PROBE, filename="x.csv", data=b"nope\n1\n", actor=Actor(user=alice))
    with in_brand(brand_a):
        assert not ImportJob.objects.exists()


def test_job_processes_in_chunks_keeps_good_rows_and_reports_bad_lines(brand_a, in_brand, alice):
    data = csv_bytes("code,title,price", "A,a,1", "B,b,oops", "C,c,3", "A,a,1", "D,d,x")
    with in_brand(brand_a):
        job = import_job_create(kind=PROBE, filename="skus.csv", data=data, actor=Actor(user=alice, label=alice.email))
        assert (job.status, job.total_rows, job.percent) == ("pending", 5, 0)
        job = import_job_step(job_id=job.pk, limit=2)
        assert (job.status, job.processed_rows, job.percent) == ("running", 2, 40)
        job = import_job_step(job_id=job.pk, limit=10)
        assert (job.status, job.processed_rows, job.created_count, job.skipped_count) == ("done", 5, 2, 1)
        assert job.errors == [
            {"line": 3, "errors": {"price": ["Enter a number."]}},
            {"line": 6, "errors": {"price": ["Enter a number."]}},
        ]
        assert job.finished_at is not None
        assert sorted(Sku.objects.values_list("code", flat=True)) == ["A", "C"]
        assert import_job_step(job_id=job.pk).processed_rows == 5  # a finished job does nothing more


def test_a_crashing_row_rolls_back_its_whole_chunk(brand_a, in_brand, alice):
    with in_brand(brand_a):
        job = import_job_create(
            kind=PROBE,
            filename="x.csv",
            data=csv_bytes("code,title,price", "A,a,1", "boom,b,1"),
            actor=Actor(user=alice),
        )
        with pytest.raises(RuntimeError):
            import_job_step(job_id=job.pk)
        job.refresh_from_db()
        assert job.processed_rows == 0
        assert not Sku.objects.filter(code="A").exists()


def test_progress_page_and_run_endpoint(host_client, brand_a, in_brand, alice, vera):
    with in_brand(brand_a):
        job = import_job_create(
            kind=PROBE,
            filename="skus.csv",
            data=csv_bytes("code,title,price", "A,a,1", "B,b,x"),
            actor=Actor(user=alice),
        )
    page = host_client(brand_a.host, alice).get(f"/imports/{job.pk}/")
    assert page.status_code == 200
    assert b"Good rows are imported; rows with problems are skipped" in page.content
    assert b'data-run-url="/imports/' in page.content
    # A viewer can watch but not drive the import.
    viewer_page = host_client(brand_a.host, vera).get(f"/imports/{job.pk}/")
    assert b'data-run-url=""' in viewer_page.content
    assert host_client(brand_a.host, vera).post(f"/imports/{job.pk}/run/").status_code == 403
    state = host_client(brand_a.host, alice).post(f"/imports/{job.pk}/run/").json()
    assert (state["status"], state["processed_rows"], state["created"], state["percent"]) == ("done", 2, 1, 100)
    assert state["errors"] == [{"line": 3, "errors": {"price": ["Enter a number."]}}]


def test_another_brands_import_is_unreachable(host_client, brand_a, brand_b, in_brand, alice, bob, api_client):
    with in_brand(brand_b):
        job = import_job_create(
            kind=PROBE, filename="b.csv", data=csv_bytes("code,title,price", "A,a,1"), actor=Actor(user=bob)
        )
    # Brand A's host looks in brand A's schema: B's job id is simply not there (or is another job).
    with in_brand(brand_a):
        assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert host_client(brand_a.host, alice).get(f"/imports/{job.pk}/").status_code == 404
    assert host_client(brand_a.host, alice).post(f"/imports/{job.pk}/run/").status_code == 404
    assert api_client(brand_a).get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert host_client(brand_b.host, alice).get(f"/imports/{job.pk}/").status_code == 404


def test_import_api_reports_progress(api_client, brand_a, in_brand, alice):
    with in_brand(brand_a):
        job = import_job_create(
            kind=PROBE, filename="skus.csv", data=csv_bytes("code,title,price", "A,a,1"), actor=Actor(user=alice)
        )
        import_job_step(job_id=job.pk)
    body = api_client(brand_a, role="viewer").get(f"/api/v1/imports/{job.pk}").json()
    assert (body["status"], body["created_count"], body["errors"]) == ("done", 1, [])
    assert "rows" not in body


def test_the_worker_task_runs_a_job_in_its_brand_schema(brand_a, in_brand, alice):
    from fulfillment.tasks import import_job_run

    with in_brand(brand_a):
        job = import_job_create(
            kind=PROBE, filename="x.csv", data=csv_bytes("code,title,price", "W,w,1"), actor=Actor(user=alice)
        )
    connection.set_schema_to_public()
    assert import_job_run(brand_a.schema_name, job.pk) == {"job": job.pk, "processed": 1, "errors": 0}
    with in_brand(brand_a):
        assert Sku.objects.filter(code="W").exists()


def test_concurrent_steps_never_process_a_row_twice(committed):
    from django_tenants.utils import schema_context

    from brands.models import Brand
    from closo.models import User

    brand = Brand.objects.get(slug="acme")
    alice = User.objects.get(email=EMAILS["alice"])
    rows = [f"R{i},r,1" for i in range(40)]
    with schema_context(brand.schema_name):
        job = import_job_create(
            kind=PROBE, filename="race.csv", data=csv_bytes("code,title,price", *rows), actor=Actor(user=alice)
        )

    def cleanup():
        with schema_context(brand.schema_name):
            ImportJob.objects.filter(pk=job.pk).delete()
            Sku.objects.filter(code__startswith="R").delete()

    committed.append(cleanup)

    def drive(_):
        with schema_context(brand.schema_name):
            done = 0
            while import_job_step(job_id=job.pk, limit=5).status != ImportJob.Status.DONE:
                done += 1
            return done

    results = run_concurrently(drive, n=3)
    assert all(isinstance(r, int) for r in results), results
    with schema_context(brand.schema_name):
        job.refresh_from_db()
        assert (job.processed_rows, job.created_count, job.skipped_count, job.errors) == (40, 40, 0, [])
