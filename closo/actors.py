"""Who is acting: a signed-in person, an API key, or the system. Services take an
`actor` and write it on every event, so a timeline says who did what."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user: object | None = None  # closo.models.User
    label: str = "system"

    @classmethod
    def from_request(cls, request) -> Actor:
        from brands.models import ApiKey

        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiKey):
            return cls(user=None, label=f"API key “{auth.name}” ({ApiKey.PREFIX}{auth.key_id}…)")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return cls(user=user, label=user.email)
        return cls()

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user=None, label=label)
