"""Who is acting (closo.actors), and the bottom layer's import direction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from brands.models import ApiKey
from closo.actors import Actor, Party

HIGHER_APPS = ("brands", "hubs", "fulfillment", "inspections")
BOTTOM_MODULES = ("actors.py", "locks.py", "statemachine.py")


def request_with(*, user=None, auth=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.auth = auth
    return request


def test_an_api_key_is_named_by_its_name_and_public_id_without_closo_importing_brands():
    key = ApiKey(name="Storefront", key_id="0a1b2c3d4e5f")
    actor = Actor.from_request(request_with(auth=key))
    assert actor == Actor(user=None, label="API key “Storefront” (closo_0a1b2c3d4e5f…)", party=Party.BRAND)


def test_a_credential_may_name_itself_with_an_actor_label():
    class Token:
        actor_label = "Shopify webhook"

    assert Actor.from_request(request_with(auth=Token()), party=Party.SYSTEM).label == "Shopify webhook"


def test_a_signed_in_person_acts_for_the_party_the_surface_says(db, ivan):
    actor = Actor.from_request(request_with(user=ivan), party=Party.HUB)
    assert (actor.user, actor.label, actor.party) == (ivan, ivan.email, Party.HUB)
    assert Actor.from_request(request_with(user=ivan)).party == Party.BRAND


def test_an_anonymous_request_and_the_system_have_no_user():
    assert Actor.from_request(request_with()) == Actor(label="system", party=Party.BRAND)
    assert Actor.system("hold timer") == Actor(user=None, label="hold timer", party=Party.SYSTEM)


def test_existing_calls_keep_working_and_act_for_the_brand(db, alice):
    assert Actor(user=alice, label=alice.email).party == Party.BRAND
    assert Actor.for_user(alice, party=Party.STAFF) == Actor(user=alice, label=alice.email, party=Party.STAFF)
    with pytest.raises(ValueError, match="'customer' is not a party"):
        Actor(party="customer")


@pytest.mark.parametrize("module", BOTTOM_MODULES)
def test_the_bottom_layer_imports_no_higher_app(module):
    tree = ast.parse((Path(__file__).resolve().parents[2] / "closo" / module).read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")
    assert not [name for name in imported if name.split(".")[0] in HIGHER_APPS]
