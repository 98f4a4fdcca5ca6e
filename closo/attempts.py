"""Brute-force protection: count attempts that fail (wrong passwords, wrong drop-off codes,
bad API keys) and requests that send e-mail to an address we were given, per account, per
client IP or per hub member, and refuse for a while once a limit is reached.

Each limit is `attempts` per `window` seconds (settings.ATTEMPT_LIMITS, by name). The
attempt that reaches the limit locks its key for `window` seconds from that moment; while
locked, callers refuse before doing the work (a locked account's right password is refused
too) with `TooManyAttempts` (429, Retry-After).

Counts live in Django's cache so that every web process sees the same numbers (a database
table by default, Redis with REDIS_URL: settings.CACHES). A cache `incr` is a read and a
write on the database backend, so concurrent failures could be lost; instead each attempt
claims the next free slot of its window with `cache.add`, which is atomic on every backend
(an INSERT on the table's primary key, SET NX on Redis): N racing failures claim N slots.
With the database cache the rows are written on the request's connection, so record
failures outside any transaction that rolls back (pages and APIs call services in
autocommit; a failed receipt is counted after its transaction ended).

Windows are fixed (`now // window`), so up to 2×attempts−2 failures can fall around one
window boundary without a lock; the rate over time is still at most `attempts` a window.
Keys hold a SHA-256 of the e-mail or IP, not the value."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from closo import stamps
from closo.exceptions import TooManyAttempts


def now() -> float:
    """Seconds since the epoch: the limiter's clock (tests move it instead of sleeping)."""
    return time.time()


@dataclass(frozen=True)
class Limit:
    name: str  # a key of settings.ATTEMPT_LIMITS
    message: str  # what was too many, as the refusal says it

    @property
    def attempts(self) -> int:
        return settings.ATTEMPT_LIMITS[self.name][0]

    @property
    def window(self) -> int:
        return settings.ATTEMPT_LIMITS[self.name][1]


SIGN_IN_ACCOUNT = Limit("sign_in_account", "Too many failed sign-ins for this account.")
SIGN_IN_IP = Limit("sign_in_ip", "Too many failed sign-ins from your network.")
EMAIL_ADDRESS = Limit("email_address", "We have already sent several e-mails to this address.")
EMAIL_IP = Limit("email_ip", "Too many e-mails were asked for from your network.")
HUB_CODE = Limit("hub_code", "Too many wrong codes were entered at your hub.")
API_KEY_IP = Limit("api_key_ip", "Too many bad API keys from your network.")


@dataclass(frozen=True)
class Refusal:
    limit: Limit
    until: float  # the limiter's clock

    @property
    def retry_after(self) -> int:
        """Whole seconds until the lock ends (at least 1): the Retry-After header."""
        return max(1, math.ceil(self.until - now()))

    @property
    def message(self) -> str:
        minutes = math.ceil(self.retry_after / 60)
        at = timezone.localtime(datetime.fromtimestamp(self.until, tz=UTC))
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        return f"{self.limit.message} Try again in {wait} (at {at:%H:%M} {at.tzname()})."

    def error(self) -> TooManyAttempts:
        return TooManyAttempts(self.message, retry_after=self.retry_after)


Key = tuple[Limit, object]  # a limit and whose attempts it counts (an e-mail, an IP, a member)


def _base(limit: Limit, who) -> str:
    digest = hashlib.sha256(str(who).strip().lower().encode()).hexdigest()[:32]
    return f"attempts:{limit.name}:{digest}"


def check(*keys: Key) -> Refusal | None:
    """The first of `keys` that is locked now, else None. One cache read."""
    locks = {f"{_base(limit, who)}:lock": limit for limit, who in keys}
    found = cache.get_many(list(locks))
    t = now()
    for key, limit in locks.items():
        until = found.get(key)
        if until is not None and until > t:
            return Refusal(limit, until)
    return None


# Locks set anywhere renew this stamp (closo.stamps), so a process may remember that a key
# was not locked when it read it, until the next lock anywhere (seen within POLL_SECONDS).
LOCKS_STAMP = "attempt-locks"
_unlocked: dict[str, str] = {}  # lock key → the LOCKS_STAMP token it was read unlocked under
_UNLOCKED_MAX = 50_000


def check_remembered(*keys: Key) -> Refusal | None:
    """check(), without the cache read when this process read every key unlocked since the
    last lock set anywhere. A lock set by another process is seen within
    closo.stamps.POLL_SECONDS: for hot read paths whose secrets cannot be guessed in a
    second (an API key's 256 bits), never for passwords or codes."""
    token = stamps.current(LOCKS_STAMP)
    locks = [f"{_base(limit, who)}:lock" for limit, who in keys]
    if all(_unlocked.get(key) == token for key in locks):
        return None
    refusal = check(*keys)
    if refusal is None:
        if len(_unlocked) >= _UNLOCKED_MAX:
            _unlocked.clear()
        for key in locks:
            _unlocked[key] = token
    return refusal


def record(limit: Limit, who) -> Refusal | None:
    """Count one attempt; if it reaches the limit, lock `who` for a window from now and
    return the refusal (None while under the limit)."""
    t = now()
    base = _base(limit, who)
    window = int(t // limit.window)
    slots = [f"{base}:{window}:{i}" for i in range(limit.attempts)]
    taken = cache.get_many(slots)
    for i, slot in enumerate(slots):
        # The slot's entry outlives its window (created inside it, for a whole window).
        if slot not in taken and cache.add(slot, 1, timeout=limit.window):
            if i < limit.attempts - 1:
                return None
            refusal = Refusal(limit, t + limit.window)
            cache.set(f"{base}:lock", refusal.until, timeout=limit.window)
            stamps.renew(LOCKS_STAMP)
            return refusal
    # Every slot was taken (racing attempts): whoever took the last one locks.
    return check((limit, who)) or Refusal(limit, t + limit.window)


def record_all(*keys: Key) -> Refusal | None:
    """record() each key; the first refusal, if any."""
    refusals = [record(limit, who) for limit, who in keys]
    return next((r for r in refusals if r is not None), None)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind settings.TRUSTED_PROXY_COUNT proxies
    the address the outermost one saw (X-Forwarded-For, counted from the right: what a
    client writes there itself is ignored). IPv6 clients count per /64, the block one
    subscriber usually gets."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def sign_in_keys(request, email: str) -> list[Key]:
    """The counters one sign-in touches: the account (the e-mail as typed, whether or not
    it has an account, so a lock never tells) and, with a request, the client IP."""
    keys: list[Key] = [(SIGN_IN_ACCOUNT, email)]
    if request is not None:
        keys.append((SIGN_IN_IP, client_ip(request)))
    return keys


def email_keys(request, email: str) -> list[Key]:
    """The counters of a request that sends e-mail to `email` (password reset, hub
    application): the address and the client IP."""
    return [(EMAIL_ADDRESS, email), (EMAIL_IP, client_ip(request))]


# The authentication backend refuses by returning no user (Django's authenticate() has no
# other answer); it leaves the refusal on the request for the view to show.
_REFUSAL = "closo_attempt_refusal"


def remember(request, refusal: Refusal) -> None:
    setattr(getattr(request, "_request", request), _REFUSAL, refusal)  # DRF wraps the HttpRequest


def refusal_of(request) -> Refusal | None:
    return getattr(getattr(request, "_request", request), _REFUSAL, None)
