"""SKU CSV import rows (fulfillment.services.skus.sku_import_row through the real import
framework) and the CSV export that re-imports as all "skipped"."""

from decimal import Decimal

import pytest

from closo.actors import Actor
from fulfillment.models import Sku
from fulfillment.selectors.skus import sku_export_lines
from fulfillment.services.imports import import_job_create, import_job_run

HEADER = "code,title,price,category,attributes,weight_grams,local_returns_enabled,available_qty"


@pytest.fixture
def run_import(brand_a, in_brand, alice):
    """run_import(*lines, raw=None) → the finished ImportJob (rows run in brand A)."""

    def run(*lines: str, raw: bytes | None = None):
        data = raw if raw is not None else ("\n".join(lines) + "\n").encode()
        with in_brand(brand_a):
            job = import_job_create(kind="skus", filename="skus.csv", data=data, actor=Actor(user=alice))
            return import_job_run(job_id=job.pk)

    return run


@pytest.fixture
def skus(brand_a, in_brand):
    """skus() → {code: Sku} in brand A."""

    def read():
        with in_brand(brand_a):
            return {sku.code: sku for sku in Sku.objects.all()}

    return read


def counts(job):
    return job.created_count, job.updated_count, job.skipped_count, job.error_count


def test_good_rows_are_kept_and_bad_rows_are_reported_by_line(run_import, skus):
    job = run_import(
        HEADER,
        "WB-15,Weighted blanket,119.00,Blankets,colour=Sage,6800,yes,3",
        "WB-20,Heavier blanket,abc,Blankets,,,,",
        "WB-25,,129,Blankets,,,,",
        "WB 30,Spaced code,10,,,,,",
        "TH-1,Throw,49,Throws,,,maybe,-2",
        "TH-2,Throw two,49.5,Throws,,,,",
    )
    assert counts(job) == (2, 0, 0, 4)
    assert job.errors == [
        {"line": 3, "errors": {"price": ["Enter a number."]}},
        {"line": 4, "errors": {"title": ["This field is required."]}},
        {"line": 5, "errors": {"code": ["A code has no spaces or slashes (it is used in URLs)."]}},
        {
            "line": 6,
            "errors": {
                "local_returns_enabled": ["Enter yes or no (true/false, y/n and 1/0 work too)."],
                "available_qty": ["Ensure this value is greater than or equal to 0."],
            },
        },
    ]
    stored = skus()
    assert sorted(stored) == ["TH-2", "WB-15"]
    assert (stored["WB-15"].attributes, stored["WB-15"].weight_grams, stored["WB-15"].available_qty) == (
        {"colour": "Sage"},
        6800,
        3,
    )


def test_excel_bom_and_header_spelling_are_accepted(run_import, skus):
    job = run_import(raw="\ufeffCode,Title,Price\r\nA-1,Alpha,1\r\n".encode())
    assert counts(job) == (1, 0, 0, 0)
    assert skus()["A-1"].title == "Alpha"


def test_attributes_as_semicolon_pairs_or_json(run_import, skus):
    job = run_import(
        "code,title,price,attributes",
        'A-1,Alpha,1,"colour=Sage; size=Queen; fill=glass beads"',
        'A-2,Beta,1,"{""colour"": ""Navy"", ""size"": ""King""}"',
        "A-3,Gamma,1,colour",
        'A-4,Delta,1,"{""colour"": [1, 2]}"',
    )
    assert counts(job) == (2, 0, 0, 2)
    stored = skus()
    assert stored["A-1"].attributes == {"colour": "Sage", "size": "Queen", "fill": "glass beads"}
    assert stored["A-2"].attributes == {"colour": "Navy", "size": "King"}
    assert [e["line"] for e in job.errors] == [4, 5]
    assert "is not key=value" in job.errors[0]["errors"]["attributes"][0]


@pytest.mark.parametrize(
    "word, expected",
    [("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False), ("y", True)],
)
def test_yes_no_words(run_import, skus, word, expected):
    run_import("code,title,price,local_returns_enabled", f"A-1,Alpha,1,{word}")
    assert skus()["A-1"].local_returns_enabled is expected


def test_existing_codes_are_updated_when_different_and_skipped_when_identical(run_import, skus):
    run_import(HEADER, "A-1,Alpha,10.00,Cat,,,yes,5", "B-1,Beta,20,Cat,,,yes,5")
    job = run_import(HEADER, "A-1,Alpha,10,Cat,,,yes,5", "B-1,Beta v2,20,Cat,,,no,5", "C-1,Gamma,1,,,,,")
    assert counts(job) == (1, 1, 1, 0)
    b = skus()["B-1"]
    assert (b.title, b.local_returns_enabled) == ("Beta v2", False)


def test_columns_missing_from_the_file_are_left_unchanged(run_import, skus):
    run_import(HEADER, "A-1,Alpha,10,Cat,colour=Red,500,no,7")
    job = run_import("code,title,price", "A-1,Alpha renamed,10")
    assert counts(job) == (0, 1, 0, 0)
    a = skus()["A-1"]
    assert (a.title, a.category, a.attributes, a.weight_grams, a.local_returns_enabled, a.available_qty) == (
        "Alpha renamed",
        "Cat",
        {"colour": "Red"},
        500,
        False,
        7,
    )


def test_empty_cells_clear_text_and_weight_but_keep_stock_and_local_returns(run_import, skus):
    run_import(HEADER, "A-1,Alpha,10,Cat,colour=Red,500,no,7")
    job = run_import(HEADER, "A-1,Alpha,10,,,,,")
    assert counts(job) == (0, 1, 0, 0)
    a = skus()["A-1"]
    assert (a.category, a.attributes, a.weight_grams, a.local_returns_enabled, a.available_qty) == (
        "",
        {},
        None,
        False,
        7,
    )


def test_new_skus_get_defaults_for_empty_cells(run_import, skus):
    run_import(HEADER, "A-1,Alpha,10,,,,,")
    a = skus()["A-1"]
    assert (a.local_returns_enabled, a.available_qty, a.price) == (True, 0, Decimal("10"))


def test_a_code_repeated_in_one_file_the_later_line_wins(run_import, skus):
    """Rows are applied in file order: a repeated code updates the SKU the earlier line
    created (last line wins), and an identical repeat is skipped."""
    job = run_import(
        "code,title,price",
        "A-1,Alpha,10",
        "B-1,Beta,20",
        "A-1,Alpha,12.50",
        "B-1,Beta,20",
    )
    assert counts(job) == (2, 1, 1, 0)
    assert skus()["A-1"].price == Decimal("12.50")


def test_reserved_codes_are_refused(run_import):
    job = run_import("code,title,price", "import,Alpha,1", "EXPORT,Beta,1")
    assert counts(job) == (0, 0, 0, 2)
    assert job.errors[0]["errors"]["code"] == ["“import” is reserved; choose another code."]


def test_a_price_with_too_many_decimals_is_a_row_error(run_import):
    job = run_import("code,title,price", "A-1,Alpha,1.005")
    assert job.errors == [{"line": 2, "errors": {"price": ["Ensure that there are no more than 2 decimal places."]}}]


def export_bytes(brand, in_brand) -> bytes:
    with in_brand(brand):
        return "".join(sku_export_lines(Sku.objects.order_by("code"))).encode()


def test_reimporting_an_export_skips_every_row(run_import, brand_a, in_brand):
    with in_brand(brand_a):
        Sku.objects.create(
            code="A-1",
            title='Blanket, "the heavy one"',
            price=Decimal("119.9"),
            category="Blankets",
            attributes={"colour": "Sage", "size": "Queen"},
            weight_grams=6800,
            local_returns_enabled=False,
            available_qty=12,
        )
        Sku.objects.create(code="B-1", title="Café throw", price=5, attributes={"count": 2, "note": "a;b"})
        Sku.objects.create(code="C-1", title='=HYPERLINK("http://evil")', price=1, category="+cmd")
    data = export_bytes(brand_a, in_brand)
    text = data.decode()
    assert "colour=Sage; size=Queen" in text  # keys sorted
    assert '"{""count"": 2, ""note"": ""a;b""}"' in text  # not expressible as key=value: JSON
    assert "'=HYPERLINK" in text and ",'+cmd," in text  # spreadsheets must not run these as formulas
    job = run_import(raw=data)
    assert counts(job) == (0, 0, 3, 0), job.errors


def test_export_through_the_api_reimports_as_all_skipped(api_client, brand_a, run_import):
    api = api_client(brand_a)
    for code in ("A-1", "B-1"):
        api.post("/api/v1/skus/", {"code": code, "title": f"Item {code}", "price": "3.10"})
    data = api.get("/api/v1/skus/export").getvalue()
    job = run_import(raw=data)
    assert counts(job) == (0, 0, 2, 0)
