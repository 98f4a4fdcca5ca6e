"""SSRF: endpoints resolving to loopback, private, link-local or reserved addresses are
refused when saved and again at send time, unless private addresses are allowed."""

from __future__ import annotations

import pytest

from webhooks import network
from webhooks.exceptions import EndpointRefused
from webhooks.models import Delivery, EventType
from webhooks.services import deliveries as delivery_services
from webhooks.services.endpoints import endpoint_create, endpoint_update


@pytest.fixture
def strict(settings):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    return settings


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10:8443/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://localhost/hook", "loopback"),  # a host name that resolves to loopback
        ("https://100.64.0.1/hook", "non-public"),  # carrier-grade NAT
    ],
)
def test_endpoints_resolving_to_internal_addresses_are_refused(strict, acme, alice_actor, url, why):
    with pytest.raises(EndpointRefused) as refused:
        endpoint_create(url=url, event_types=[EventType.BACKORDER_CREATED], actor=alice_actor)
    assert why in refused.value.message
    assert refused.value.fields["url"] == [refused.value.message]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/hook", "Use an https:// URL."),
        ("ftp://93.184.215.14/hook", "Use an https:// URL."),
        ("https://user:pw@93.184.215.14/hook", "Put no user name or password in the URL"),
        ("https:///hook", "The URL has no host."),
        ("https://no-such-host.invalid/hook", "does not resolve"),
    ],
)
def test_urls_that_are_not_plain_https_are_refused(strict, acme, alice_actor, url, message):
    with pytest.raises(EndpointRefused) as refused:
        endpoint_create(url=url, event_types=[EventType.BACKORDER_CREATED], actor=alice_actor)
    assert message in refused.value.message


def test_a_public_https_address_is_accepted(strict, acme, alice_actor):
    endpoint = endpoint_create(
        url=" https://93.184.215.14/closo ", event_types=[EventType.UNIT_MISSING], actor=alice_actor
    )
    assert endpoint.url == "https://93.184.215.14/closo"
    assert network.resolve(endpoint.url).address == "93.184.215.14"


def test_a_change_to_an_internal_url_is_refused_and_changes_nothing(strict, acme, alice_actor):
    endpoint = endpoint_create(url="https://93.184.215.14/a", event_types=[EventType.UNIT_MISSING], actor=alice_actor)
    with pytest.raises(EndpointRefused):
        endpoint_update(endpoint=endpoint, url="https://10.0.0.1/a", actor=alice_actor)
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.215.14/a"


def test_private_addresses_and_http_are_allowed_with_the_setting_or_debug(settings, acme, alice_actor):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = True
    assert endpoint_create(url="http://127.0.0.1:9/x", event_types=["unit.missing"], actor=alice_actor)
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert endpoint_create(url="http://localhost:9/x", event_types=["unit.missing"], actor=alice_actor)


def test_the_address_is_checked_again_at_send_time(settings, acme, receiver, make_endpoint, alice_actor):
    """Saved while allowed (or while its name pointed elsewhere): refused when sent, and the
    receiver never sees the request."""
    endpoint = make_endpoint(receiver.url, EventType.UNIT_MISSING)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = False

    attempt = delivery_services.endpoint_send_test(endpoint=endpoint, actor=alice_actor)

    assert (attempt.succeeded, attempt.response_code) == (False, None)
    assert attempt.error == "Refused: Use an https:// URL."
    assert receiver.requests == []
    assert Delivery.objects.get(pk=attempt.delivery_id).status == "failed"


def test_a_loopback_https_url_is_refused_at_send_time_after_resolution(settings, acme, alice_actor, allow_private):
    endpoint = endpoint_create(url="https://localhost:9/x", event_types=["unit.missing"], actor=alice_actor)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = False
    attempt = delivery_services.endpoint_send_test(endpoint=endpoint, actor=alice_actor)
    assert attempt.error.startswith("Refused: localhost resolves to a loopback address")
