"""Who is acting: a signed-in person, an API key, or the system, and for which party.
Services take an `actor` and write it on every event, so a timeline says who did what;
state machines check `actor.party` against the parties a move allows.

closo is the bottom layer, so nothing here imports brands or hubs: an API key is
recognised by what it offers (duck typing), not by its class."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Party(models.TextChoices):
    """On whose behalf an actor acts: what a state-machine move checks (`Move.by`)."""

    BRAND = "brand", "Brand"
    HUB = "hub", "Hub"
    STAFF = "staff", "Closo staff"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class Actor:
    """`party` defaults to BRAND so that existing `Actor(user=…, label=…)` calls keep their
    meaning (brand portal and API); hub and staff surfaces must pass HUB or STAFF."""

    user: object | None = None  # closo.models.User
    label: str = "system"
    party: str = Party.BRAND

    def __post_init__(self):
        if self.party not in Party.values:
            raise ValueError(f"{self.party!r} is not a party ({', '.join(Party.values)}).")

    @classmethod
    def from_request(cls, request, *, party: str = Party.BRAND) -> Actor:
        """The API key (`request.auth`) or signed-in user behind `request`, acting for
        `party`. An authenticator's credential may name itself with an `actor_label`;
        failing that, an object with a `key_id` and a `name` (brands.models.ApiKey) is
        shown as `API key “name” (closo_<key_id>…)`, its prefix read from its class."""
        auth = getattr(request, "auth", None)
        label = getattr(auth, "actor_label", None)
        if label:
            return cls(user=None, label=str(label), party=party)
        key_id = getattr(auth, "key_id", None)
        if key_id:
            prefix = getattr(type(auth), "PREFIX", "")
            return cls(user=None, label=f"API key “{auth.name}” ({prefix}{key_id}…)", party=party)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return cls(user=user, label=user.email, party=party)
        return cls(party=party)

    @classmethod
    def for_user(cls, user, *, party: str) -> Actor:
        """A person acting for `party` outside a request (commands, staff tools, tests)."""
        return cls(user=user, label=user.email, party=party)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """Closo itself (timers, engines, imports run by a worker)."""
        return cls(user=None, label=label, party=Party.SYSTEM)
