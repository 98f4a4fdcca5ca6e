"""A small in-process cache with a time-to-live, for reads on the hot path that change
rarely (the host → brand lookup, a brand's PO lateness fit).

In-process means per worker process: the code that writes the underlying rows calls
`clear()` (through a signal) in its own process, and every other process sees the change
within `ttl` seconds at most. Use it only where answering from a value up to `ttl`
seconds old is acceptable, and keep `ttl` short.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()
_ALL: list[TtlCache] = []


def clear_all() -> None:
    """Empty every TtlCache of this process (the tests start each test with this)."""
    for cache in _ALL:
        cache.clear()


class TtlCache(Generic[V]):
    """Keys → values, each forgotten `ttl` seconds after it was stored; at most `max_entries`
    (past it, the whole cache is dropped: the next requests fill it again). Thread-safe."""

    def __init__(self, *, ttl: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self, key: Hashable, default=None):
        entry = self._entries.get(key, _MISSING)
        if entry is _MISSING:
            return default
        expires, value = entry
        if self.clock() >= expires:
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            return default
        return value

    def set(self, key: Hashable, value: V) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries and key not in self._entries:
                self._entries.clear()
            self._entries[key] = (self.clock() + self.ttl, value)

    def get_or_set(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value of `key`, else `compute()` (outside the lock), stored and returned."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            self.set(key, value)
        return value

    def delete(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
