"""Brute-force protection (closo.attempts): sign-in per account and per IP on every host and
over the hub API's HTTP Basic, password-reset e-mails per address and per IP, the limiter
itself (windows, locks, racing failures) and how a client's IP is read."""

from __future__ import annotations

import base64
import re

import pytest
from django.core import mail
from django.test import RequestFactory

from closo import attempts
from tests.conftest import EMAILS, PASSWORD, HostClient

WRONG = "not-the-password"


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/sign-in/", {"username": email, "password": password})


@pytest.fixture
def public(public_host):
    """public(ip): a client of the public host from that address."""
    return lambda ip="198.51.100.7": HostClient(public_host, REMOTE_ADDR=ip)


def too_many(response) -> bool:
    return response.status_code == 429 and int(response["Retry-After"]) > 0


# --- sign-in: per account ---


def test_the_fifth_wrong_password_locks_the_account_and_the_right_one_is_refused_too(public, ivan):
    client = public()
    for _ in range(4):
        response = sign_in(client, ivan.email, WRONG)
        assert response.status_code == 200
        assert b"E-mail and password do not match" in response.content
    fifth = sign_in(client, ivan.email, WRONG)
    assert too_many(fifth)
    assert int(fifth["Retry-After"]) == 15 * 60
    assert b"Too many failed sign-ins for this account. Try again in 15 minutes (at " in fifth.content
    right = sign_in(client, ivan.email)
    assert too_many(right)
    assert b"Too many failed sign-ins for this account" in right.content
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account_and_follows_the_account_to_another_ip_and_any_case(public, ivan, olga):
    for _ in range(5):
        sign_in(public("198.51.100.7"), ivan.email, WRONG)
    assert too_many(sign_in(public("203.0.113.9"), ivan.email.upper()))
    assert sign_in(public("198.51.100.7"), olga.email).status_code == 302


def test_an_email_without_an_account_locks_the_same_way(public, db):
    client = public()
    statuses = [sign_in(client, "nobody@nowhere.test", WRONG).status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_the_lock_ends_after_the_window_and_counting_starts_again(public, ivan, clock):
    client = public()
    for _ in range(5):
        sign_in(client, ivan.email, WRONG)
    clock.advance(14 * 60)
    assert too_many(sign_in(client, ivan.email))
    clock.advance(60)
    assert sign_in(client, ivan.email).status_code == 302
    # A fresh window: four more failures are answered as failures, not a lock.
    other = public()
    assert [sign_in(other, ivan.email, WRONG).status_code for _ in range(4)] == [200] * 4


def test_failures_in_an_earlier_window_do_not_count(public, ivan, clock):
    client = public()
    for _ in range(4):
        sign_in(client, ivan.email, WRONG)
    clock.advance(15 * 60)
    assert sign_in(client, ivan.email, WRONG).status_code == 200


def test_a_brand_host_and_the_public_host_share_the_account_counter(public, brand_a, alice):
    brand = HostClient(brand_a.host, REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert sign_in(brand, alice.email, WRONG).status_code == 200
    for _ in range(2):
        sign_in(public(), alice.email, WRONG)
    response = sign_in(brand, alice.email)
    assert too_many(response)
    assert b"Too many failed sign-ins for this account" in response.content


def test_the_limits_are_settings(public, ivan, settings):
    settings.ATTEMPT_LIMITS = {**settings.ATTEMPT_LIMITS, "sign_in_account": (2, 60)}
    client = public()
    assert [sign_in(client, ivan.email, WRONG).status_code for _ in range(2)] == [200, 429]
    assert client.post("/accounts/sign-in/", {"username": ivan.email, "password": PASSWORD})["Retry-After"] == "60"


def test_the_admin_sign_in_honours_the_same_lock(public, stan):
    assert public().post("/admin/login/", {"username": stan.email, "password": PASSWORD}).status_code == 302
    client = public()
    for _ in range(5):
        sign_in(client, stan.email, WRONG)
    response = client.post("/admin/login/", {"username": stan.email, "password": PASSWORD})
    assert response.status_code == 200  # Django's admin form, refused like a wrong password
    assert "_auth_user_id" not in client.session


# --- sign-in: per IP ---


def test_twenty_failures_from_one_ip_lock_that_ip_for_every_account(public, ivan, olga):
    client = public("198.51.100.7")
    statuses = [sign_in(client, f"guess{n}@nowhere.test", WRONG).status_code for n in range(20)]
    assert statuses == [200] * 19 + [429]
    response = sign_in(client, olga.email)
    assert too_many(response)
    assert b"Too many failed sign-ins from your network" in response.content
    # Another address, and the same accounts, are not held to that IP's lock.
    assert sign_in(public("203.0.113.9"), olga.email).status_code == 302


def test_behind_a_trusted_proxy_the_ip_is_the_one_the_proxy_saw(public_host, olga, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def client(forwarded):
        return HostClient(public_host, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    for n in range(20):
        sign_in(client(f"192.0.2.{n}, 198.51.100.7"), f"guess{n}@nowhere.test", WRONG)  # spoofed left part
    assert too_many(sign_in(client("198.51.100.7"), olga.email))
    assert sign_in(client("203.0.113.9"), olga.email).status_code == 302


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "ip"),
    [
        ("198.51.100.7", "", 0, "198.51.100.7"),
        ("10.0.0.2", "203.0.113.9", 0, "10.0.0.2"),  # no proxy trusted: the header is the client's
        ("10.0.0.2", "1.2.3.4, 203.0.113.9", 1, "203.0.113.9"),
        ("10.0.0.3", "203.0.113.9, 10.0.0.2", 2, "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "", 0, "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "", 0, "198.51.100.7"),
    ],
)
def test_client_ip(settings, remote, forwarded, proxies, ip):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert attempts.client_ip(request) == ip


# --- the hub API's HTTP Basic ---


def basic(client, email, password=PASSWORD):
    token = base64.b64encode(f"{email}:{password}".encode()).decode()
    return client.get("/api/v1/hub/queue", HTTP_AUTHORIZATION=f"Basic {token}")


def test_basic_auth_locks_after_five_wrong_passwords_with_429_and_the_error_shape(public, ivan):
    client = public()
    assert [basic(client, ivan.email, WRONG).status_code for _ in range(4)] == [401] * 4
    fifth = basic(client, ivan.email, WRONG)
    assert too_many(fifth)
    body = fifth.json()
    assert body == {"error": {"code": "too_many_attempts", "message": body["error"]["message"], "fields": {}}}
    assert body["error"]["message"].startswith("Too many failed sign-ins for this account. Try again in 15 minutes")
    right = basic(client, ivan.email)
    assert too_many(right)
    assert right.json()["error"]["code"] == "too_many_attempts"


def test_basic_auth_and_the_sign_in_page_count_the_same_failures(public, ivan, clock):
    client = public()
    for _ in range(3):
        basic(client, ivan.email, WRONG)
    sign_in(client, ivan.email, WRONG)
    assert too_many(sign_in(client, ivan.email, WRONG))
    assert too_many(basic(client, ivan.email))
    clock.advance(15 * 60)
    assert basic(client, ivan.email).status_code == 200


def test_basic_auth_locks_an_ip_after_twenty_failures(public, ivan):
    client = public()
    statuses = [basic(client, f"guess{n}@nowhere.test", WRONG).status_code for n in range(20)]
    assert statuses == [401] * 19 + [429]
    assert too_many(basic(client, ivan.email))
    assert basic(public("203.0.113.9"), ivan.email).status_code == 200


# --- password reset ---


def reset(client, email):
    return client.post("/accounts/password-reset/", {"email": email})


@pytest.mark.parametrize("email", [EMAILS["ivan"], "nobody@nowhere.test"], ids=["account", "no-account"])
def test_three_reset_emails_per_address_then_429_whether_or_not_it_has_an_account(public, db, email):
    client = public()
    responses = [reset(client, email) for _ in range(4)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert all(r["Location"] == "/accounts/password-reset/sent/" for r in responses[:3])
    assert 60 * 60 - 30 <= int(responses[3]["Retry-After"]) <= 60 * 60
    assert b"We have already sent several e-mails to this address. Try again in 60 minutes" in responses[3].content
    assert len(mail.outbox) == (3 if "ivan" in email else 0)
    page = client.get("/accounts/password-reset/sent/")
    assert b"If an account uses that address" in page.content


def test_the_reset_limit_ends_after_an_hour(public, ivan, clock):
    client = public()
    for _ in range(3):
        reset(client, ivan.email)
    clock.advance(60 * 60)
    assert reset(client, ivan.email).status_code == 302
    assert len(mail.outbox) == 4


def test_ten_reset_requests_per_ip_then_429_for_any_address(public, ivan):
    client = public()
    statuses = [reset(client, f"someone{n}@nowhere.test").status_code for n in range(10)]
    assert statuses == [302] * 10
    response = reset(client, ivan.email)
    assert response.status_code == 429
    assert b"Too many e-mails were asked for from your network" in response.content
    assert mail.outbox == []
    assert reset(public("203.0.113.9"), ivan.email).status_code == 302


# --- the limiter ---

LIMIT = attempts.Limit("sign_in_account", "Too many.")


def test_record_counts_to_the_limit_then_locks_for_a_window_from_that_attempt(db, clock):
    assert [attempts.record(LIMIT, "someone") for _ in range(4)] == [None] * 4
    refusal = attempts.record(LIMIT, "someone")
    assert (refusal.limit, refusal.retry_after) == (LIMIT, 900)
    assert attempts.check((LIMIT, "someone")).until == refusal.until
    assert attempts.check((LIMIT, "someone else")) is None
    clock.advance(899)
    assert attempts.check((LIMIT, "someone")).retry_after == 1
    clock.advance(1)
    assert attempts.check((LIMIT, "someone")) is None


def test_refusal_message_says_when(db, clock):
    refusal = attempts.Refusal(LIMIT, attempts.now() + 61)
    assert re.fullmatch(r"Too many\. Try again in 2 minutes \(at \d\d:\d\d UTC\)\.", refusal.message)
    assert attempts.Refusal(LIMIT, attempts.now() + 30).message.startswith("Too many. Try again in 1 minute (")


def test_racing_failures_each_count_and_exactly_one_locks(committed, settings):
    """Eight processes fail at once for one account (a database-cache incr would lose
    some): each claims its own slot, so the eighth failure — and only it — locks."""
    from tests.conftest import run_concurrently

    settings.ATTEMPT_LIMITS = {**settings.ATTEMPT_LIMITS, "sign_in_account": (8, 900)}
    results = run_concurrently(lambda i: attempts.record(LIMIT, "raced@nowhere.test"), n=8)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len([r for r in results if r is not None]) == 1
    assert attempts.check((LIMIT, "raced@nowhere.test")) is not None


def test_counts_live_in_the_database_cache_table_under_a_hash_not_the_email(db):
    from django.db import connection

    attempts.record(LIMIT, "private@person.test")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM closo_cache WHERE cache_key LIKE '%attempts:%'")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == 1
    assert "private" not in keys[0]


def test_limits_read_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from closo.settings import env_limit

    assert env_limit("sign_in_account", "5/900") == (5, 900)
    monkeypatch.setenv("LIMIT_SIGN_IN_ACCOUNT", "3/60")
    assert env_limit("sign_in_account", "5/900") == (3, 60)
    for bad in ("3", "0/60", "three/60"):
        monkeypatch.setenv("LIMIT_SIGN_IN_ACCOUNT", bad)
        with pytest.raises(ImproperlyConfigured):
            env_limit("sign_in_account", "5/900")


# --- check_remembered: the hot path's read of a lock-out ---------------------------------


def test_a_key_read_unlocked_is_not_read_again_until_a_lock_is_set(db, django_assert_num_queries):
    key = (attempts.API_KEY_IP, "203.0.113.9")
    assert attempts.check_remembered(key) is None
    with django_assert_num_queries(0):
        assert attempts.check_remembered(key) is None


def test_a_lock_set_in_this_process_is_seen_at_once(db, settings):
    key = (attempts.API_KEY_IP, "203.0.113.9")
    assert attempts.check_remembered(key) is None
    for _ in range(attempts.API_KEY_IP.attempts):
        attempts.record(*key)
    refusal = attempts.check_remembered(key)
    assert refusal is not None and refusal.limit == attempts.API_KEY_IP


def test_a_lock_set_by_another_process_is_seen_within_the_poll_interval(db, monkeypatch):
    from django.core.cache import cache

    from closo import stamps

    now = [1000.0]
    monkeypatch.setattr(stamps, "_clock", lambda: now[0])
    key = (attempts.API_KEY_IP, "203.0.113.9")
    assert attempts.check_remembered(key) is None
    # Another process records the lock: the cache entries change, this process's memory not.
    lock = f"{attempts._base(*key)}:lock"
    assert lock in attempts._unlocked
    cache.set(lock, attempts.now() + 600, timeout=600)
    cache.set("stamp:" + attempts.LOCKS_STAMP, "renewed-elsewhere", timeout=None)
    assert attempts.check_remembered(key) is None  # remembered, within the poll interval
    now[0] += stamps.POLL_SECONDS
    assert attempts.check_remembered(key) is not None


def test_only_the_api_key_fast_path_reads_lock_outs_from_memory():
    """check_remembered lets a lock set by another process apply up to a second late: fine
    for a 256-bit API key, not for passwords or codes. The code walk keeps it where it is."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    callers = sorted(
        str(path.relative_to(root))
        for package in ("closo", "brands", "hubs", "fulfillment", "inspections", "intake", "webhooks", "portals")
        for path in (root / package).rglob("*.py")
        if "check_remembered(" in path.read_text() and path.name != "attempts.py"
    )
    assert callers == ["brands/authentication.py"]
    source = (root / "brands/authentication.py").read_text()
    assert source.count("check_remembered(") == 1
    assert "check_remembered" in source.split("def api_key_plainly_valid")[1].split("\ndef ")[0]
