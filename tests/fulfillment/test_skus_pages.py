"""SKU pages of the brand portal: list (search, filters, sort, pages), add, edit, CSV
import form and CSV export, by role and across brands."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import ImportJob, InboundSupply, Sku
from fulfillment.services import imports


@pytest.fixture
def throw(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(
            code="THROW-1", title="Knit throw", price=Decimal("49.00"), category="Throws", attributes={"colour": "Oat"}
        )


def make_skus(brand, in_brand, n, start=0):
    with in_brand(brand):
        Sku.objects.bulk_create(
            Sku(
                code=f"S-{i:04d}",
                title=f"Item {i}",
                price=10 + i,
                category="Blankets",
                local_returns_enabled=i % 2 == 0,
            )
            for i in range(start, start + n)
        )


def codes_in(response) -> list[str]:
    return [sku.code for sku in response.context["skus"]]


# --- list ---


def test_empty_list_says_what_to_do_next(alice_client):
    response = alice_client.get("/skus/")
    assert response.status_code == 200
    assert b"No SKUs yet." in response.content
    assert b"POST /api/v1/skus/" in response.content
    assert b'href="/skus/import/"' in response.content


def test_list_shows_skus_and_the_nav_highlights_skus(alice_client, throw):
    response = alice_client.get(reverse("sku_list"))
    assert b"THROW-1" in response.content and b"Knit throw" in response.content and b"colour: Oat" in response.content
    assert b'href="/skus/" aria-current="page">SKUs</a>' in response.content


def test_writers_see_add_and_import_buttons_viewers_do_not(alice_client, vera_client, throw):
    for client, shown in ((alice_client, True), (vera_client, False)):
        content = client.get("/skus/").content
        assert (b">Add SKU</a>" in content) is shown
        assert (b">Import CSV</a>" in content) is shown
        assert b">Export CSV</a>" in content


def test_list_search_filters_and_sort(alice_client, brand_a, in_brand, throw):
    make_skus(brand_a, in_brand, 5)
    assert codes_in(alice_client.get("/skus/?q=knit")) == ["THROW-1"]
    assert codes_in(alice_client.get("/skus/?category=Throws")) == ["THROW-1"]
    assert codes_in(alice_client.get("/skus/?local_returns=no")) == ["S-0001", "S-0003"]
    assert codes_in(alice_client.get("/skus/?sort=-price"))[:2] == ["THROW-1", "S-0004"]
    assert codes_in(alice_client.get("/skus/?sort=title"))[0] == "S-0000"
    # an unknown category or sort is ignored, not an error
    assert len(codes_in(alice_client.get("/skus/?category=Nope&sort=drop_table"))) == 6


def test_a_malformed_sort_is_ignored_not_an_error(alice_client, throw):
    response = alice_client.get("/skus/?sort=--price")
    assert response.status_code == 200
    assert response.context["sort"]["code"]["aria"] == "ascending"  # the default sort


def test_sort_links_keep_filters_and_flip_direction(alice_client, throw):
    response = alice_client.get("/skus/?q=kn&sort=price&page=1")
    price = response.context["sort"]["price"]
    assert price["url"] == "?q=kn&sort=-price"
    assert price["aria"] == "ascending"
    assert b'aria-sort="ascending"' in response.content


def test_filtered_empty_list_offers_to_clear(alice_client, throw):
    response = alice_client.get("/skus/?q=nothing-like-this")
    assert b"No SKUs match these filters." in response.content


def test_list_is_paginated_and_keeps_the_query(alice_client, brand_a, in_brand):
    make_skus(brand_a, in_brand, 60)
    response = alice_client.get("/skus/?q=item&page=2")
    assert len(codes_in(response)) == 10
    assert b"Page 2 of 2" in response.content
    assert b'href="?q=item&amp;page=1"' in response.content


def test_list_queries_stay_flat_from_10_to_100_rows(alice_client, brand_a, in_brand, django_assert_num_queries):
    make_skus(brand_a, in_brand, 10)
    alice_client.get("/skus/")  # session warm-up
    # search_path (host → brand from memory), session, user, membership, categories, count, page
    with django_assert_num_queries(7) as ten:
        alice_client.get("/skus/")
    make_skus(brand_a, in_brand, 90, start=10)
    with django_assert_num_queries(len(ten.captured_queries)):
        response = alice_client.get("/skus/")
    assert len(codes_in(response)) == 50


# --- add ---


def test_add_sku_creates_it_and_returns_to_the_list(alice_client, brand_a, in_brand):
    response = alice_client.post(
        "/skus/new/",
        {
            "code": "WB-15",
            "title": "Weighted blanket",
            "category": "Blankets",
            "attributes": "colour=Sage; size=Queen",
            "price": "119.00",
            "weight_grams": "6800",
            "available_qty": "2",
            "local_returns_enabled": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/skus/"
    with in_brand(brand_a):
        sku = Sku.objects.get(code="WB-15")
    assert (sku.attributes, sku.available_qty, sku.local_returns_enabled) == (
        {"colour": "Sage", "size": "Queen"},
        2,
        True,
    )


def test_add_sku_keeps_the_input_and_shows_errors(alice_client, brand_a, in_brand):
    response = alice_client.post("/skus/new/", {"code": "WB 15", "title": "Weighted blanket", "price": "abc"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["price"] == ["Enter a number."]
    assert form.errors["code"] == ["A code has no spaces or slashes (it is used in URLs)."]
    assert b'value="Weighted blanket"' in response.content
    with in_brand(brand_a):
        assert not Sku.objects.exists()


def test_add_sku_with_a_taken_code_is_a_form_error(alice_client, throw):
    response = alice_client.post("/skus/new/", {"code": "THROW-1", "title": "Again", "price": "1", "available_qty": 0})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["This code is already used."]


def test_viewers_cannot_open_or_post_the_add_form(vera_client, brand_a, in_brand):
    assert vera_client.get("/skus/new/").status_code == 403
    assert (
        vera_client.post("/skus/new/", {"code": "X", "title": "x", "price": "1", "available_qty": 0}).status_code == 403
    )
    with in_brand(brand_a):
        assert not Sku.objects.exists()


# --- edit ---


def test_edit_saves_changes_but_never_the_code(alice_client, brand_a, in_brand, throw):
    page = alice_client.get(f"/skus/{throw.pk}/")
    assert page.status_code == 200
    assert page.context["form"].fields["code"].disabled
    response = alice_client.post(
        f"/skus/{throw.pk}/",
        {
            "code": "HACKED",
            "title": "Chunky knit throw",
            "category": "Throws",
            "attributes": "colour=Oat",
            "price": "59",
            "available_qty": "3",
        },
    )
    assert response.status_code == 302
    with in_brand(brand_a):
        throw.refresh_from_db()
    assert (throw.code, throw.title, throw.price, throw.available_qty, throw.local_returns_enabled) == (
        "THROW-1",
        "Chunky knit throw",
        Decimal("59"),
        3,
        False,
    )


def test_edit_errors_keep_the_input(alice_client, throw):
    response = alice_client.post(f"/skus/{throw.pk}/", {"title": "", "price": "-5", "available_qty": "1"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "price"}


def test_viewer_sees_the_sku_read_only_and_cannot_post(vera_client, brand_a, in_brand, throw):
    page = vera_client.get(f"/skus/{throw.pk}/")
    assert page.status_code == 200
    assert page.context["form"] is None
    assert b"owners and admins can change it" in page.content
    assert b'<form method="post" class="form card"' not in page.content
    assert vera_client.post(f"/skus/{throw.pk}/", {"title": "x", "price": "1", "available_qty": 0}).status_code == 403
    with in_brand(brand_a):
        throw.refresh_from_db()
    assert throw.title == "Knit throw"


# --- import ---


def upload(client, content: bytes, name="skus.csv"):
    return client.post("/skus/import/", {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_import_page_explains_what_happens_to_good_and_bad_rows(alice_client):
    response = alice_client.get("/skus/import/")
    assert response.status_code == 200
    assert b"Good rows are kept; rows with" in response.content
    assert b"nothing is stored" in response.content
    assert b"the later line wins" in response.content
    assert b'enctype="multipart/form-data"' in response.content


def test_import_upload_queues_a_job_and_opens_the_progress_page(alice_client, brand_a, in_brand):
    response = upload(alice_client, b"code,title,price\nA-1,Alpha,1\nB-1,Beta,x\n")
    with in_brand(brand_a):
        job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[job.pk])
    assert (job.kind, job.total_rows, job.created_by.email) == ("skus", 2, "alice@acme.test")
    state = alice_client.post(reverse("import_run", args=[job.pk])).json()
    assert (state["status"], state["created"]) == ("done", 1)
    assert state["errors"] == [{"line": 3, "errors": {"price": ["Enter a number."]}}]
    progress = alice_client.get(response["Location"])
    assert b"Back to SKUs" in progress.content


@pytest.mark.parametrize(
    "content, message",
    [
        (b"code,title\nA,a\n", "Missing column: price."),
        (b"", "The file is empty."),
        ("code,title,price\nA,caf\xe9,1\n".encode("latin-1"), "The file is not UTF-8 text."),
    ],
)
def test_import_of_an_unreadable_file_shows_why_and_stores_nothing(alice_client, brand_a, in_brand, content, message):
    response = upload(alice_client, content)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["file"])
    with in_brand(brand_a):
        assert not ImportJob.objects.exists()


def test_import_of_a_too_large_file_is_refused(alice_client, brand_a, in_brand, monkeypatch):
    monkeypatch.setattr("fulfillment.views.imports.MAX_IMPORT_BYTES", 20)
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 20)
    response = upload(alice_client, b"code,title,price\n" + b"A,a,1\n" * 10)
    assert "The file is larger than" in response.context["form"].errors["file"][0]
    with in_brand(brand_a):
        assert not ImportJob.objects.exists()


def test_viewers_cannot_import(vera_client):
    assert vera_client.get("/skus/import/").status_code == 403
    assert upload(vera_client, b"code,title,price\nA,a,1\n").status_code == 403


# --- export ---


def test_export_link_downloads_the_filtered_list_with_a_bom_for_excel(vera_client, brand_a, in_brand, throw):
    make_skus(brand_a, in_brand, 3)
    list_page = vera_client.get("/skus/?category=Throws&sort=price&page=1")
    assert b'href="/skus/export.csv?category=Throws"' in list_page.content
    response = vera_client.get("/skus/export.csv?category=Throws")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeffcode,title,price,")
    assert text.splitlines()[1] == "THROW-1,Knit throw,49.00,Throws,colour=Oat,,yes,0"


# --- access ---


def test_anonymous_visitors_are_sent_to_sign_in(host_client, brand_a):
    response = host_client(brand_a.host).get("/skus/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/")


@pytest.mark.parametrize("path", ["/skus/", "/skus/new/", "/skus/import/", "/skus/export.csv"])
def test_non_members_get_404(host_client, brand_a, olga, path):
    assert host_client(brand_a.host, olga).get(path).status_code == 404


def test_brand_b_skus_are_unreachable_from_brand_a(alice_client, host_client, brand_b, in_brand, alice):
    with in_brand(brand_b):
        secret = Sku.objects.create(code="BOLT-SECRET", title="Bolt duvet", price=199)
    assert b"BOLT-SECRET" not in alice_client.get("/skus/").content
    assert b"BOLT-SECRET" not in alice_client.get("/skus/export.csv").getvalue()
    assert alice_client.get(f"/skus/{secret.pk}/").status_code == 404
    assert host_client(brand_b.host, alice).get(f"/skus/{secret.pk}/").status_code == 404
    assert host_client(brand_b.host, alice).get("/skus/").status_code == 404


def test_sku_page_lists_restocks_on_the_way(alice_client, brand_a, in_brand, throw):
    empty = alice_client.get(f"/skus/{throw.pk}/")
    assert b"No restock expected for this SKU." in empty.content
    assert b'href="/supply/new/?sku=THROW-1"' in empty.content
    with in_brand(brand_a):
        InboundSupply.objects.create(
            po_ref="PO-5", sku=throw, qty=30, expected_date=timezone.localdate() + timedelta(3)
        )
        InboundSupply.objects.create(
            po_ref="PO-6", sku=throw, qty=9, expected_date=timezone.localdate(), status="received"
        )
    content = alice_client.get(f"/skus/{throw.pk}/").content
    assert b"PO-5" in content
    assert b"PO-6" not in content
