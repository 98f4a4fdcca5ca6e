"""Customer e-mails: each as HTML and plain text, in the brand's name, logo and colour, with a
signed link to the customer's status page; sent after commit; logged in the brand's e-mail
log; a mail server that fails is logged and never undoes the change."""

from __future__ import annotations

import re
import smtplib
from html import unescape

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand, RefundReadyAt
from closo.actors import Actor
from fulfillment.customer import BACKORDER, RETURN, status_token_read
from fulfillment.models import Allocation, Backorder, Channel, EmailLog, ReturnItem, Sku
from fulfillment.services import handoffs as handoff_services
from fulfillment.services import notify
from fulfillment.services import returns as return_services
from fulfillment.services.backorders import backorder_create
from tests.factories import BRAND, HUB
from tests.fulfillment.test_handoffs import allocate, confirm

SKU = "WB-15-SAGE"
LOGO = "https://cdn.acme.test/logo.png"
LINK = re.compile(r"https?://[^\s\"'<>]+/status/([^/\s\"'<>]+)/")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"mailbox unavailable")})


@pytest.fixture
def branded(brand_a) -> Brand:
    """Brand A with a logo and a dark green colour."""
    Brand.objects.filter(pk=brand_a.pk).update(logo=LOGO, brand_colour="#0B5D1E")
    return Brand.objects.get(pk=brand_a.pk)


@pytest.fixture
def sku(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code=SKU, title="Weighted blanket, sage", price=120, available_qty=0)


def html_of(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def assert_branded_with_link(message, brand: Brand, *, kind: str, pk: int) -> None:
    """Both parts; the brand's name, logo and colour in the HTML; the same status link in
    both, on the brand's host, naming this backorder or return."""
    html = html_of(message)
    assert message.subject.startswith(f"{brand.name}: ")
    assert message.body.strip().endswith(f"— {brand.name}")
    assert f'src="{LOGO}"' in html and "#0B5D1E" in html and "<table" in html
    (text_link,) = {m.group(0) for m in LINK.finditer(message.body)}
    html_links = {unescape(m.group(0)) for m in LINK.finditer(html)}
    assert html_links == {text_link}
    assert f"//{brand.host}" in text_link
    link = status_token_read(LINK.search(text_link).group(1), brand=brand)
    assert (link.kind, link.pk) == (kind, pk)


def logged(brand: Brand) -> list[tuple]:
    with schema_context(brand.schema_name):
        return list(
            EmailLog.objects.order_by("pk").values_list("kind", "to", "outcome", "backorder_id", "return_item_id")
        )


# --- backorder confirmed (new: when a backorder is created) ---


def test_a_new_backorder_confirms_its_promise_after_commit(
    branded, in_brand, sku, mailoutbox, django_capture_on_commit_callbacks
):
    ship_by = timezone.localdate() + timezone.timedelta(days=20)
    with in_brand(branded), django_capture_on_commit_callbacks(execute=True):
        backorder = backorder_create(
            order_ref="#1001-1",
            sku_code=SKU,
            customer_zip="78701",
            value="120.00",
            promised_ship_by=ship_by,
            customer_name="Ana Diaz",
            customer_email="ana@example.com",
            channel=Channel.API,
            actor=BRAND,
        )
        assert mailoutbox == []  # not inside the transaction
    (message,) = mailoutbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Acme Apparel: your Weighted blanket, sage is on backorder"
    assert f"It ships by {ship_by:%A, %B %-d}." in message.body and "Hello Ana Diaz" in message.body
    assert f"{ship_by:%A, %B %-d}" in html_of(message)
    assert_branded_with_link(message, branded, kind=BACKORDER, pk=backorder.pk)
    assert logged(branded) == [("backorder_confirmed", "ana@example.com", "sent", backorder.pk, None)]


def test_a_backorder_without_an_e_mail_or_rolled_back_sends_nothing(
    brand_a, in_brand, sku, mailoutbox, django_capture_on_commit_callbacks
):
    with in_brand(brand_a), django_capture_on_commit_callbacks(execute=True):
        backorder_create(order_ref="#1", sku_code=SKU, customer_zip="78701", value=1, channel=Channel.API, actor=BRAND)
    with in_brand(brand_a), django_capture_on_commit_callbacks(execute=False) as callbacks:
        backorder_create(
            order_ref="#2",
            sku_code=SKU,
            customer_zip="78701",
            value=1,
            customer_email="b@example.com",
            channel=Channel.API,
            actor=BRAND,
        )
    # The transaction never commits: the callbacks are dropped, as a rollback drops them.
    assert callbacks and mailoutbox == [] and logged(brand_a) == []


# --- the local loop's e-mails ---


def test_a_local_unit_found_names_the_place_hours_and_code(
    branded, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    type(active_hub).objects.filter(pk=active_hub.pk).update(opening_hours="Mon–Fri 9–18")
    with django_capture_on_commit_callbacks(execute=True):
        allocation = allocate(branded, active_hub)
    (message,) = mailoutbox
    html = html_of(message)
    for part in (message.body, html):
        assert allocation.pickup_code in part and "Eastside Porch" in part and "Mon–Fri 9–18" in part
    assert_branded_with_link(message, branded, kind=BACKORDER, pk=allocation.backorder_id)
    assert logged(branded) == [("unit_found", "cara@example.test", "sent", allocation.backorder_id, None)]


def test_handed_off_is_sent_after_the_pickup_commits(
    branded, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    allocation = allocate(branded, active_hub)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        confirm(allocation.pickup_code, active_hub)
    assert mailoutbox == []
    with schema_context(branded.schema_name):
        for callback in callbacks:
            callback()
    (message,) = mailoutbox
    assert "Your order is complete." in message.body and "Your order is complete." in html_of(message)
    assert_branded_with_link(message, branded, kind=BACKORDER, pk=allocation.backorder_id)
    assert logged(branded)[-1][:3] == ("handed_off", "cara@example.test", "sent")


def test_a_shipment_e_mail_carries_the_tracking_number_in_both_parts(
    branded, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    allocation = allocate(branded, active_hub)
    with schema_context(branded.schema_name), django_capture_on_commit_callbacks(execute=True):
        handoff_services.handoff_record(
            allocation=allocation, method="ship", tracking="1Z999", hub=active_hub, actor=HUB
        )
    (message,) = mailoutbox
    assert "1Z999" in message.body and "1Z999" in html_of(message)
    assert_branded_with_link(message, branded, kind=BACKORDER, pk=allocation.backorder_id)


def test_promise_changed_names_the_old_and_new_dates(branded, active_hub, mailoutbox):
    allocation = allocate(branded, active_hub)
    before = timezone.localdate() + timezone.timedelta(days=3)
    later = timezone.localdate() + timezone.timedelta(days=9)
    with schema_context(branded.schema_name):
        Allocation.objects.filter(pk=allocation.pk).update(status="cancelled")
        Backorder.objects.filter(pk=allocation.backorder_id).update(status="waiting", promised_ship_by=later)
        assert notify.promise_changed(backorder_id=allocation.backorder_id, before=before) is True
    (message,) = mailoutbox
    for part in (message.body, html_of(message)):
        assert f"{before:%A, %B %-d}" in part and f"{later:%A, %B %-d}" in part
    assert_branded_with_link(message, branded, kind=BACKORDER, pk=allocation.backorder_id)
    assert logged(branded)[-1][:3] == ("promise_changed", "cara@example.test", "sent")


def test_drop_off_instructions_carry_the_code_and_the_qr(
    branded, in_brand, sku, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    with in_brand(branded), django_capture_on_commit_callbacks(execute=True):
        item = return_services.return_create(
            rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", customer_email="sam@example.com", actor=BRAND
        )
    (message,) = mailoutbox
    code = f"{item.dropoff_code[:4]}-{item.dropoff_code[4:]}"
    assert code in message.body and code in html_of(message)
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype, content[:4]) == (f"dropoff-code-{item.dropoff_code}.png", "image/png", b"\x89PNG")
    assert_branded_with_link(message, branded, kind=RETURN, pk=item.pk)
    assert logged(branded) == [("dropoff_instructions", "sam@example.com", "sent", None, item.pk)]


# --- refund ready (new: REFUNDS pending → ready) ---


def test_refund_ready_is_sent_when_the_refund_becomes_ready(
    branded, in_brand, sku, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    Brand.objects.filter(pk=branded.pk).update(refund_ready_at=RefundReadyAt.DROPOFF)
    with in_brand(branded):
        item = return_services.return_create(
            rma_ref="RMA-2",
            sku_code=SKU,
            customer_zip="78702",
            hub=active_hub,
            customer_email="sam@example.com",
            actor=BRAND,
        )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return_services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    (message,) = mailoutbox
    assert message.subject == "Acme Apparel: your refund for the Weighted blanket, sage is ready"
    assert "Your refund is ready." in message.body and "Ready" in html_of(message)
    assert_branded_with_link(message, branded, kind=RETURN, pk=item.pk)
    assert logged(branded)[-1] == ("refund_ready", "sam@example.com", "sent", None, item.pk)


def test_no_refund_e_mail_while_the_rule_is_not_met(
    brand_a, in_brand, sku, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    Brand.objects.filter(pk=brand_a.pk).update(refund_ready_at=RefundReadyAt.INSPECTION)
    with in_brand(brand_a):
        item = return_services.return_create(
            rma_ref="RMA-3",
            sku_code=SKU,
            customer_zip="78702",
            hub=active_hub,
            customer_email="sam@example.com",
            actor=BRAND,
        )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return_services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    assert mailoutbox == []
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).refund_status == "pending"


# --- failures, defaults ---


def test_a_refusing_mail_server_is_logged_and_the_change_stands(
    brand_a, in_brand, sku, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with in_brand(brand_a), django_capture_on_commit_callbacks(execute=True):
        backorder = backorder_create(
            order_ref="#9",
            sku_code=SKU,
            customer_zip="78701",
            value=1,
            customer_email="x@example.com",
            channel=Channel.API,
            actor=Actor.system("tests"),
        )
    with in_brand(brand_a):
        assert Backorder.objects.filter(pk=backorder.pk).exists()
        (log,) = EmailLog.objects.all()
    assert (log.kind, log.outcome, log.backorder_id) == ("backorder_confirmed", "failed", backorder.pk)
    assert log.error.startswith("SMTPRecipientsRefused") and "mailbox unavailable" in log.error
    assert "Customer e-mail backorder_confirmed to x@example.com failed" in caplog.text


def test_without_a_logo_the_brand_name_heads_the_e_mail_in_readable_colours(brand_a, in_brand):
    Brand.objects.filter(pk=brand_a.pk).update(logo="", brand_colour="#FFE600")  # a light yellow
    brand = Brand.objects.get(pk=brand_a.pk)
    with in_brand(brand):
        sku = Sku(code="X", title="Blanket")
        message = notify.backorder_confirmed_message(
            backorder=Backorder(order_ref="#1", sku=sku, customer_email="a@example.com", placed_at=timezone.now())
        )
        rendered = notify.render(message, brand=brand, link="https://acme.localhost/status/x/")
    assert "<img" not in rendered.html
    assert "background:#FFE600" in rendered.html and 'color:#111111;">Acme Apparel</span>' in rendered.html
