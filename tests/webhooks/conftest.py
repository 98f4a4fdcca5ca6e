"""Fixtures of the webhook tests: a real HTTP receiver on 127.0.0.1, the docs' verifier
snippet, private addresses allowed, and endpoints of the brand the connection is on."""

from __future__ import annotations

import pytest

from closo.actors import Actor
from tests.webhooks.receiver import DOCS, docs_verify_snippet, serve


@pytest.fixture
def docs_verify():
    """`verify(secret, header, body)` as defined by the docs' snippet, and its namespace
    (to move its clock)."""
    namespace: dict = {}
    exec(compile(docs_verify_snippet(), str(DOCS), "exec"), namespace)
    return namespace


@pytest.fixture
def receiver():
    with serve() as state:
        yield state


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def alice_actor(alice):
    return Actor(user=alice, label=alice.email)


@pytest.fixture
def acme(brand_a, in_brand):
    with in_brand(brand_a):
        yield brand_a


@pytest.fixture
def make_endpoint(allow_private, alice_actor):
    """make_endpoint(url, *event_types): an endpoint of the brand the connection is on."""
    from webhooks.services.endpoints import endpoint_create

    def make(url: str, *event_types: str):
        return endpoint_create(url=url, event_types=list(event_types), description="tests", actor=alice_actor)

    return make
