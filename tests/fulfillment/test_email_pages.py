"""The brand's customer e-mails in the portal: the log (/emails/), previews of every e-mail
with sample data in the brand's branding (/emails/preview/), and the logo and colour settings."""

from __future__ import annotations

from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brands.models import Brand
from fulfillment.models import Backorder, EmailLog, Sku
from tests.conftest import patch_json

KINDS = [kind for kind, _ in EmailLog.Kind.choices]


def log_rows(brand, in_brand, n: int, *, kind=EmailLog.Kind.UNIT_FOUND) -> None:
    with in_brand(brand):
        sku = Sku.objects.get_or_create(code="S", defaults={"title": "Blanket", "price": 1})[0]
        start = EmailLog.objects.count()
        for i in range(start, start + n):
            backorder = Backorder.objects.create(
                order_ref=f"#{kind}-{i}", sku=sku, value=1, customer_zip="78702", placed_at="2026-01-01T00:00Z"
            )
            EmailLog.objects.create(
                kind=kind,
                to=f"c{i}@example.com",
                subject=f"Acme Apparel: message {i}",
                backorder=backorder,
                outcome=EmailLog.Outcome.SENT if i % 2 else EmailLog.Outcome.FAILED,
                error="" if i % 2 else "SMTPRecipientsRefused: 550",
            )


# --- previews ---


def test_the_preview_list_names_every_e_mail(alice_client):
    html = alice_client.get(reverse("email_preview_list")).content.decode()
    for kind in KINDS:
        assert reverse("email_preview", args=[kind]) in html
    assert html.count('href="/emails/preview/') == len(KINDS) == 8


@pytest.mark.parametrize("kind", KINDS)
def test_each_preview_shows_the_html_and_the_text_in_the_brands_colours(host_client, brand_a, vera, kind):
    Brand.objects.filter(pk=brand_a.pk).update(brand_colour="#AA3300", logo="https://cdn.acme.test/l.png")
    response = host_client(brand_a.host, vera).get(reverse("email_preview", args=[kind]))  # a viewer may look
    assert response.status_code == 200
    html = response.content.decode()
    srcdoc = unescape(html.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert "background:#AA3300" in srcdoc and 'src="https://cdn.acme.test/l.png"' in srcdoc
    text = unescape(html.split('id="preview-text"', 1)[1].split("</pre>", 1)[0])
    assert "— Acme Apparel" in text and "status any time: #status-page-link" in text
    assert "Acme Apparel: " in unescape(html.split('id="preview-subject">', 1)[1].split("<", 1)[0])
    if kind == EmailLog.Kind.DROPOFF_INSTRUCTIONS:
        assert 'src="data:image/png;base64,' in html  # the attached QR code


def test_previews_write_nothing(alice_client, brand_a, in_brand):
    for kind in KINDS:
        alice_client.get(reverse("email_preview", args=[kind]))
    with in_brand(brand_a):
        assert not Backorder.objects.exists() and not EmailLog.objects.exists()


def test_an_unknown_preview_is_a_404_and_outsiders_see_nothing(host_client, brand_a, alice, bob):
    assert host_client(brand_a.host, alice).get("/emails/preview/nope/").status_code == 404
    assert host_client(brand_a.host, bob).get(reverse("email_preview_list")).status_code == 404
    assert host_client(brand_a.host).get(reverse("email_preview_list")).status_code == 302  # to sign in


# --- the log ---


def test_the_log_lists_e_mails_newest_first_with_failures_explained(alice_client, brand_a, in_brand):
    log_rows(brand_a, in_brand, 3)
    html = alice_client.get(reverse("email_log")).content.decode()
    assert html.index("c2@example.com") < html.index("c1@example.com") < html.index("c0@example.com")
    assert "SMTPRecipientsRefused: 550" in html and "Local unit found" in html
    assert 'href="/backorders/' in html


def test_the_log_filters_by_kind_and_outcome(alice_client, brand_a, in_brand):
    log_rows(brand_a, in_brand, 2, kind=EmailLog.Kind.UNIT_FOUND)
    log_rows(brand_a, in_brand, 2, kind=EmailLog.Kind.REFUND_READY)
    html = alice_client.get(reverse("email_log"), {"kind": "refund_ready"}).content.decode()
    assert "c2@example.com" in html and "c3@example.com" in html and "c0@example.com" not in html
    html = alice_client.get(reverse("email_log"), {"kind": "refund_ready", "outcome": "failed"}).content.decode()
    assert "c2@example.com" in html and "c3@example.com" not in html


def test_another_brands_admin_cannot_read_the_log(host_client, brand_a, bob, in_brand):
    log_rows(brand_a, in_brand, 1)
    assert host_client(brand_a.host, bob).get(reverse("email_log")).status_code == 404


def test_the_log_reads_as_many_queries_for_100_e_mails_as_for_10(alice_client, brand_a, in_brand):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(reverse("email_log")).status_code == 200
        return len(queries)

    log_rows(brand_a, in_brand, 10)
    alice_client.get(reverse("email_log"))
    ten = count()
    log_rows(brand_a, in_brand, 90)
    assert count() == ten <= 8


# --- logo and colour ---


def test_the_api_sets_the_colour_and_logo_and_refuses_bad_ones(api_client, brand_a):
    api = api_client(brand_a)
    response = patch_json(api, "/api/v1/settings/loop", {"brand_colour": "#0b5d1e", "logo": "https://x.test/l.png"})
    assert response.status_code == 200, response.content
    assert (response.json()["brand_colour"], response.json()["logo"]) == ("#0b5d1e", "https://x.test/l.png")
    response = patch_json(api, "/api/v1/settings/loop", {"brand_colour": "green", "logo": "http://x.test/l.png"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error["fields"]) == {"brand_colour", "logo"}
    brand = Brand.objects.get(pk=brand_a.pk)
    assert (brand.brand_colour, brand.logo) == ("#0b5d1e", "https://x.test/l.png")


def test_the_settings_page_saves_the_colour_and_refuses_a_plain_http_logo(alice_client, brand_a):
    from fulfillment.services.settings import loop_settings_of

    form = {k: ("" if v is None else v) for k, v in loop_settings_of(brand_a).items()}
    response = alice_client.post(reverse("loop_settings"), {**form, "brand_colour": "#123456", "logo": ""})
    assert response.status_code == 302
    assert Brand.objects.get(pk=brand_a.pk).brand_colour == "#123456"
    response = alice_client.post(reverse("loop_settings"), {**form, "logo": "http://x.test/l.png"})
    assert response.status_code == 200 and "An https:// address" in response.content.decode()
    assert Brand.objects.get(pk=brand_a.pk).logo == ""
