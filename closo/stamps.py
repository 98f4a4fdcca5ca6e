"""Stamps: a shared token per scope that is replaced whenever the data under the scope
changes, so that an answer computed from that data can be cached under the token it was
computed with and is simply never found again once the data moves.

The token lives in Django's cache (Redis in production, a table otherwise), so every
process sees a renewal. Reading it on every request would cost a round trip each time, so
each process remembers the token it last read for POLL_SECONDS: a change made by another
process is seen within that time, one made by this process at once (renewing updates the
local copy too).

Renewal happens after the transaction that changed the data commits (never before: a
reader could otherwise compute from the old rows and cache the answer under the new
token), once per scope and transaction however many rows changed. A fresh random token —
not an incremented counter — so two processes renewing at the same moment never hand out
the same token for different data, on any cache backend.

The race that remains is harmless: a reader that read the old token, then rows written
by a transaction that committed meanwhile, stores a newer answer under the old token,
which the renewal makes unreachable anyway."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
_PREFIX = "stamp:"

_local: dict[str, tuple[float, str]] = {}  # scope → (read at, token)
_lock = threading.Lock()
_clock: Callable[[], float] = time.monotonic


def current(scope: str) -> str:
    """The token of `scope` now (from this process's memory when read within POLL_SECONDS)."""
    now = _clock()
    held = _local.get(scope)
    if held is not None and now - held[0] < POLL_SECONDS:
        return held[1]
    key = _PREFIX + scope
    try:
        token = cache.get(key)
        if token is None:
            # First use, or the cache lost it: any new token will do, and `add` makes every
            # process agree on the first one written.
            cache.add(key, _new(), timeout=None)
            token = cache.get(key) or _new()
    except Exception:
        # No shared cache: a token of its own each time, so nothing kept is ever found.
        logger.exception("Could not read the stamp %r from the shared cache", scope)
        return _new()
    with _lock:
        _local[scope] = (now, token)
    return token


def renew(scope: str) -> None:
    """Give `scope` a new token now (outside a transaction, or from an on-commit callback).
    A cache that cannot be written never fails the write that called it: this process
    renews at once, the others when what they keep expires (logged)."""
    token = _new()
    with _lock:
        _local[scope] = (_clock(), token)
    try:
        cache.set(_PREFIX + scope, token, timeout=None)
    except Exception:
        logger.exception("Could not renew the stamp %r in the shared cache", scope)


def renew_on_commit(scope: str, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Renew `scope` when the current transaction commits (at once outside one). Registered
    once per scope and transaction: a thousand rows written in one import renew it once."""
    if not connections[using].in_atomic_block:
        renew(scope)
        return
    if pending(scope, using=using):
        return

    def run() -> None:
        run.closo_stamp = None  # renewed: no longer pending (tests run callbacks in place)
        renew(scope)

    run.closo_stamp = scope
    transaction.on_commit(run, using=using, robust=True)


def pending(scope: str, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the current transaction has changed data under `scope` (its renewal waits for
    the commit). Such a transaction sees its own uncommitted rows: what it computes from
    them must be neither taken from nor kept under the scope's token."""
    connection = connections[using]
    return connection.in_atomic_block and any(
        getattr(fn, "closo_stamp", None) == scope for _, fn, _ in connection.run_on_commit
    )


def forget_local() -> None:
    """Drop this process's remembered tokens (the tests start each test with this)."""
    with _lock:
        _local.clear()


def _new() -> str:
    return secrets.token_hex(8)
