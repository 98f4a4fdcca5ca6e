"""The Backorders pages of the brand portal: list (filters, sorting, histogram, pages),
new backorder, CSV import, detail with timeline, cancel; roles and isolation."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from closo.actors import Actor
from fulfillment.models import Backorder, BackorderStatus, Channel, ImportJob, RegionLimit, Sku
from fulfillment.services.backorders import backorder_create

FORM = {
    "order_ref": "#1001-1",
    "sku": "WB-15",
    "customer_zip": "78701",
    "value": "120.00",
    "qty": "1",
    "priority": "0",
    "placed_at": "",
    "promised_ship_by": "",
}


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15", title="Weighted blanket 15 lb", price=120)


def make_backorders(brand, in_brand, n, start=0):
    now = timezone.now()
    with in_brand(brand):
        sku = Sku.objects.get_or_create(code="WB-15", defaults={"title": "Blanket", "price": 120})[0]
        region = RegionLimit.objects.get_or_create(name="Austin", defaults={"zip_prefixes": ["787"]})[0]
        Backorder.objects.bulk_create(
            Backorder(
                order_ref=f"#{i:04d}",
                sku=sku,
                value=100 + i,
                customer_zip="78701" if i % 2 else "10001",
                placed_at=now - dt.timedelta(days=i, hours=1),
                region=region if i % 2 else None,
            )
            for i in range(start, start + n)
        )


def test_empty_list_says_how_to_add_backorders(alice_client):
    response = alice_client.get(reverse("backorder_list"))
    assert response.status_code == 200
    assert response.context["section"] == "backorders"
    page = response.content.decode()
    assert "No backorders yet." in page
    assert "POST /api/v1/backorders/" in page
    assert 'href="/backorders/new/"' in page
    assert 'href="/backorders/import/"' in page


def test_list_filters_by_status_sku_zip_prefix_and_age(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 20)
    with in_brand(brand_a):
        Backorder.objects.filter(order_ref="#0003").update(status=BackorderStatus.CANCELLED)

    def refs(**query):
        response = alice_client.get(reverse("backorder_list"), query)
        assert response.status_code == 200
        return [b.order_ref for b in response.context["backorders"]]

    assert refs(status="cancelled") == ["#0003"]
    assert len(refs(status=["waiting", "cancelled"])) == 20
    assert len(refs(sku="wb-15")) == 20
    assert refs(sku="OTHER") == []
    assert refs(zip_prefix="787", max_age_days=5) == ["#0001", "#0003", "#0005"]
    assert refs(min_age_days=8, max_age_days=9) == ["#0008", "#0009"]


def test_a_filter_that_matches_nothing_says_so(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 2)
    page = alice_client.get(reverse("backorder_list"), {"sku": "NOPE"}).content.decode()
    assert "No backorders match these filters." in page


def test_a_bad_filter_is_shown_and_ignored(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 2)
    response = alice_client.get(reverse("backorder_list"), {"zip_prefix": "78x"})
    assert response.status_code == 200
    assert "1 to 5 digits, e.g. 787." in response.content.decode()
    assert len(response.context["backorders"]) == 2


def test_columns_sort_both_ways_and_keep_the_filters(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 6)
    response = alice_client.get(reverse("backorder_list"), {"zip_prefix": "787", "ordering": "-value"})
    assert [b.order_ref for b in response.context["backorders"]] == ["#0005", "#0003", "#0001"]
    sort = response.context["sort"]
    assert sort["value"]["url"] == "?zip_prefix=787&ordering=value"
    assert sort["value"]["aria"] == "descending"
    assert sort["placed_at"]["url"] == "?zip_prefix=787&ordering=-placed_at"
    ascending = alice_client.get(reverse("backorder_list") + sort["value"]["url"])
    assert [b.order_ref for b in ascending.context["backorders"]] == ["#0001", "#0003", "#0005"]
    # Anything else falls back to newest first.
    unknown = alice_client.get(reverse("backorder_list"), {"ordering": "customer_email"})
    assert unknown.context["backorders"][0].order_ref == "#0000"


def test_phones_sort_with_a_menu_since_the_header_row_is_hidden(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 3)
    response = alice_client.get(reverse("backorder_list"), {"ordering": "placed_at", "sku": ""})
    assert [b.order_ref for b in response.context["backorders"]] == ["#0002", "#0001", "#0000"]
    page = response.content.decode()
    assert '<option value="placed_at" selected>Oldest first</option>' in page
    assert not response.context["filtered"]


def test_list_is_paginated_and_the_pages_keep_the_filters(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 60)
    first = alice_client.get(reverse("backorder_list"), {"sku": "WB-15"})
    assert len(first.context["backorders"]) == 50
    page = first.content.decode()
    assert "Page 1 of 2 · 60 in all" in page
    assert 'href="?sku=WB-15&amp;page=2"' in page
    second = alice_client.get(reverse("backorder_list"), {"sku": "WB-15", "page": 2})
    assert [b.order_ref for b in second.context["backorders"]][-1] == "#0059"


def test_histogram_counts_waiting_backorders_by_age_and_links_to_them(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 40)
    response = alice_client.get(reverse("backorder_list"))
    assert [(b["label"], b["count"]) for b in response.context["histogram"]] == [
        ("0–3 days", 4),
        ("4–7 days", 4),
        ("8–14 days", 7),
        ("15–30 days", 16),
        ("over 30 days", 9),
    ]
    page = response.content.decode()
    assert 'href="?status=waiting&amp;min_age_days=8&amp;max_age_days=14">8–14 days</a>' in page
    assert 'style="--w:100%"' in page
    assert 'href="?status=waiting&amp;min_age_days=31">over 30 days</a>' in page


def test_histogram_follows_the_filters_and_its_bars_keep_them(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 40)  # odd i: ZIP 78701, even i: 10001; i days old
    with in_brand(brand_a):
        Backorder.objects.filter(order_ref__in=["#0001", "#0005"]).update(status=BackorderStatus.CANCELLED)

    def chart(**params):
        response = alice_client.get(reverse("backorder_list"), params)
        return [b["count"] for b in response.context["histogram"]], response.content.decode()

    counts, _ = chart()
    assert counts == [3, 3, 7, 16, 9]  # waiting only, by default
    counts, page = chart(zip_prefix="787")
    assert counts == [1, 1, 3, 8, 5]  # odd ages: 1 (cancelled), 3 | 5 (cancelled), 7 | 9…13 | 15…29 | 31…39
    assert "Waiting, by days since the order" in page
    assert "Only backorders that match the SKU, ZIP and date filters below." in page
    assert 'href="?zip_prefix=787&amp;status=waiting&amp;min_age_days=8&amp;max_age_days=14"' in page
    counts, page = chart(zip_prefix="787", status="cancelled")
    assert counts == [1, 1, 0, 0, 0]
    assert "Cancelled, by days since the order" in page
    # An age filter narrows the list, not the chart: its bar is marked as the one shown.
    counts, page = chart(zip_prefix="787", min_age_days="8", max_age_days="14")
    assert counts == [1, 1, 3, 8, 5]
    assert 'min_age_days=8&amp;max_age_days=14" aria-current="true">8–14 days</a>' in page
    counts, _ = chart(sku="NOPE")
    assert counts == [0, 0, 0, 0, 0]


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(
    alice_client, brand_a, in_brand, django_assert_num_queries
):
    make_backorders(brand_a, in_brand, 10)
    filtered = {"status": ["waiting", "allocated"], "sku": "WB-15", "zip_prefix": "787", "min_age_days": "1"}
    alice_client.get(reverse("backorder_list"))
    # search_path (host → brand from memory), session, user, membership, count, page, histogram
    with django_assert_num_queries(7) as ten:
        alice_client.get(reverse("backorder_list"))
    with django_assert_num_queries(7) as ten_filtered:
        alice_client.get(reverse("backorder_list"), filtered)
    make_backorders(brand_a, in_brand, 90, start=10)
    with django_assert_num_queries(len(ten.captured_queries)):
        response = alice_client.get(reverse("backorder_list"))
    assert len(response.context["backorders"]) == 50
    with django_assert_num_queries(len(ten_filtered.captured_queries)):
        alice_client.get(reverse("backorder_list"), filtered)


def test_admin_adds_a_backorder_and_lands_on_its_page(alice_client, sku, brand_a, in_brand):
    response = alice_client.post(
        reverse("backorder_create"),
        {**FORM, "customer_name": "Ana Diaz", "placed_at": "2026-01-05T14:30", "promised_ship_by": "2099-01-01"},
    )
    with in_brand(brand_a):
        backorder = Backorder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backorder_detail", args=[backorder.pk])
    assert backorder.channel == Channel.PORTAL
    assert backorder.customer_name == "Ana Diaz"
    assert backorder.promised_ship_by == dt.date(2099, 1, 1)
    assert backorder.placed_at == dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
    with in_brand(brand_a):
        assert backorder.events.get().actor_label == "alice@acme.test"


def test_the_new_backorder_form_offers_the_sku_codes(alice_client, sku):
    page = alice_client.get(reverse("backorder_create")).content.decode()
    assert '<option value="WB-15">' in page
    assert 'list="sku-codes"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sku": "NOPE"}, "sku", "No SKU with code “NOPE”."),
        ({"customer_zip": "10001"}, "customer_zip", "10001: not allowed — no region covers it"),
        ({"promised_ship_by": "2099-01-01"}, "promised_ship_by", "Region “Austin core” promises at most 30 days"),
    ],
)
def test_a_refused_backorder_keeps_the_input_and_says_why_on_the_field(
    alice_client, sku, brand_a, in_brand, changes, field, message
):
    with in_brand(brand_a):
        RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"])
    response = alice_client.post(reverse("backorder_create"), {**FORM, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field][0].startswith(message)
    assert 'value="#1001-1"' in response.content.decode()
    with in_brand(brand_a):
        assert not Backorder.objects.exists()


def test_the_new_backorder_form_shows_every_error_at_once_in_the_apis_words(alice_client, sku, brand_a, in_brand):
    with in_brand(brand_a):
        RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], requires_consent=True)
    bad = {"order_ref": "", "sku": "NOPE", "customer_zip": "00000", "value": "", "qty": "0", "customer_email": "x"}
    form = alice_client.post(reverse("backorder_create"), {**FORM, **bad}).context["form"]
    assert form.errors == {
        "order_ref": ["Required: your order reference, e.g. the Shopify order id and line."],
        "qty": ["A whole number from 1 to 32,767."],
        "value": ["An amount, e.g. 120.00."],
        "customer_email": ["Enter an e-mail address, e.g. casey@example.com."],
        "sku": ["No SKU with code “NOPE”."],
        "customer_zip": ["Enter a 5-digit US ZIP code, e.g. 78702."],
    }
    # A ZIP in the region: its own rule (consent) is reported with the unknown SKU.
    form = alice_client.post(reverse("backorder_create"), {**FORM, "sku": "NOPE"}).context["form"]
    assert form.errors == {
        "sku": ["No SKU with code “NOPE”."],
        "consent_local_return": [
            "Region “Austin core” requires the customer's consent to receive a Like-New returned unit."
        ],
    }


def test_a_duplicate_order_ref_is_shown_on_its_field(alice_client, sku):
    alice_client.post(reverse("backorder_create"), FORM)
    response = alice_client.post(reverse("backorder_create"), FORM)
    assert response.context["form"].errors["order_ref"] == ["Already taken."]


def test_import_page_uploads_and_goes_to_the_progress_page(alice_client, sku, brand_a, in_brand):
    page = alice_client.get(reverse("backorder_import")).content.decode()
    assert "<code>order_ref</code>, <code>sku</code>, <code>customer_zip</code>, <code>value</code>" in page
    csv = SimpleUploadedFile("orders.csv", b"order_ref,sku,customer_zip,value\n#1,WB-15,78701,120\n")
    response = alice_client.post(reverse("backorder_import"), {"file": csv})
    with in_brand(brand_a):
        job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[job.pk])
    assert (job.kind, job.total_rows, job.created_by.email) == ("backorders", 1, "alice@acme.test")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"order_ref,sku\n#1,WB-15\n", "Missing columns: customer_zip, value."),
        (b"order_ref,sku,customer_zip,value\n", "The file has a header but no rows."),
        ("order_ref,sku,customer_zip,value\n#1,WB-15,78701,€1\n".encode("utf-16"), "The file is not UTF-8 text."),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_on_the_page(alice_client, brand_a, in_brand, content, message):
    response = alice_client.post(reverse("backorder_import"), {"file": SimpleUploadedFile("o.csv", content)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith(message)
    with in_brand(brand_a):
        assert not ImportJob.objects.exists()


def test_detail_shows_the_fields_the_timeline_and_the_cancel_form(alice_client, sku, brand_a, in_brand, alice):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"])
        backorder = backorder_create(
            order_ref="#7", sku_code="WB-15", customer_zip="78701", value="120", customer_name="Ana Diaz",
            channel=Channel.API, actor=Actor(user=alice, label=alice.email),
        )  # fmt: skip
    page = alice_client.get(reverse("backorder_detail", args=[backorder.pk])).content.decode()
    assert "Backorder #7" in page
    assert "Ana Diaz" in page
    assert region.name in page
    assert "Created</strong>: new → Waiting" in page
    assert "API — 78701: allowed — in region “Austin core” (prefix 787)" in page
    assert "Cancel backorder" in page
    assert 'name="reason"' in page


def test_admin_cancels_with_a_reason_and_sees_it_on_the_timeline(alice_client, sku, brand_a, in_brand):
    alice_client.post(reverse("backorder_create"), FORM)
    with in_brand(brand_a):
        backorder = Backorder.objects.get()
    response = alice_client.post(
        reverse("backorder_cancel", args=[backorder.pk]), {"reason": "Customer asked for a refund"}, follow=True
    )
    page = response.content.decode()
    assert "Backorder #1001-1 cancelled." in page
    assert "Cancelled</strong>: Waiting → Cancelled" in page
    assert "— Customer asked for a refund" in page
    assert "Cancel backorder" not in page


def test_cancel_without_a_reason_says_so_and_changes_nothing(alice_client, sku, brand_a, in_brand):
    alice_client.post(reverse("backorder_create"), FORM)
    with in_brand(brand_a):
        backorder = Backorder.objects.get()
    response = alice_client.post(reverse("backorder_cancel", args=[backorder.pk]), {"reason": " "}, follow=True)
    assert "Say why the backorder is cancelled." in response.content.decode()
    again = alice_client.post(reverse("backorder_cancel", args=[backorder.pk]), {"reason": "x" * 301}, follow=True)
    assert "The reason is at most 300 characters." in again.content.decode()
    with in_brand(brand_a):
        assert Backorder.objects.get().status == BackorderStatus.WAITING


def test_cancelling_twice_explains_it_is_no_longer_open(alice_client, sku, brand_a, in_brand):
    alice_client.post(reverse("backorder_create"), FORM)
    with in_brand(brand_a):
        backorder = Backorder.objects.get()
    alice_client.post(reverse("backorder_cancel", args=[backorder.pk]), {"reason": "dup"})
    response = alice_client.post(reverse("backorder_cancel", args=[backorder.pk]), {"reason": "dup"}, follow=True)
    assert "A backorder that is cancelled cannot become cancelled." in response.content.decode()


def test_viewer_sees_backorders_but_cannot_change_them(host_client, brand_a, vera, in_brand):
    make_backorders(brand_a, in_brand, 1)
    with in_brand(brand_a):
        backorder = Backorder.objects.get()
    client = host_client(brand_a.host, vera)
    list_page = client.get(reverse("backorder_list")).content.decode()
    assert "#0000" in list_page
    assert "New backorder" not in list_page
    assert "Import CSV" not in list_page
    detail = client.get(reverse("backorder_detail", args=[backorder.pk])).content.decode()
    assert "Cancel backorder" not in detail
    assert client.get(reverse("backorder_create")).status_code == 403
    assert client.post(reverse("backorder_create"), FORM).status_code == 403
    assert client.get(reverse("backorder_import")).status_code == 403
    assert client.post(reverse("backorder_cancel", args=[backorder.pk]), {"reason": "x"}).status_code == 403
    with in_brand(brand_a):
        assert Backorder.objects.get().status == BackorderStatus.WAITING


def test_outsiders_get_404(host_client, brand_a, olga):
    client = host_client(brand_a.host, olga)
    assert client.get(reverse("backorder_list")).status_code == 404
    assert client.get(reverse("backorder_create")).status_code == 404


def test_another_brands_backorder_is_a_404(alice_client, brand_b, in_brand):
    make_backorders(brand_b, in_brand, 1)
    with in_brand(brand_b):
        bolt = Backorder.objects.get()
    assert alice_client.get(reverse("backorder_detail", args=[bolt.pk])).status_code == 404
    assert alice_client.post(reverse("backorder_cancel", args=[bolt.pk]), {"reason": "x"}).status_code == 404
    with in_brand(brand_b):
        assert Backorder.objects.get().status == BackorderStatus.WAITING


def test_cancel_is_post_only(alice_client, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 1)
    with in_brand(brand_a):
        backorder = Backorder.objects.get()
    assert alice_client.get(reverse("backorder_cancel", args=[backorder.pk])).status_code == 405
