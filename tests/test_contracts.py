"""Contracts every app keeps, checked by walking the code (STYLE.md, "Tests"):
one error code ↔ one class ↔ one HTTP status; every POST API is idempotent or exempted
with a reason; every service that takes `actor` passes it on."""

from __future__ import annotations

import ast
import importlib
import textwrap
from pathlib import Path

import pytest
from django.urls import get_resolver, include, path
from rest_framework.views import APIView

from closo.exceptions import DomainError
from closo.idempotency import IdempotentPostMixin
from closo.statemachine import StateMachine
from tests import contracts

URLCONFS = ("closo.urls_tenant", "closo.urls_public")

# POST API views that may run twice for one intent without harm, without an
# Idempotency-Key: dotted path → why a retry is safe. Keep it short; each entry is a
# promise that the view itself refuses a second effect.
# The hub API lives on the public host, which has no brand, and idempotency records are
# kept per brand; so its POSTs refuse a second effect themselves.
IDEMPOTENCY_EXEMPT: dict[str, str] = {
    "portals.apis.hub.HubReceiveApi": "a code is received once: the retry is a 409 code_used (task row locked)",
    "portals.apis.hub_inspections.HubInspectionApi": "one inspection per return: the retry is a 409 "
    "already_inspected naming the inspection",
    "portals.apis.hub_handoffs.HubHandoffConfirmApi": "a pickup code is used once: the retry is a 409 "
    "code_used (the unit row is locked first)",
    "portals.apis.hub_handoffs.HubHandoffRecordApi": "a hand-off is recorded once: the retry is a 409 "
    "invalid_transition (the allocation is handed off)",
    "fulfillment.apis.availability.AvailabilityCollectionApi": "a read: the batch form of GET "
    "/api/v1/availability (questions sent as a body); it writes nothing",
    "portals.apis.photos.HubReturnPhotosApi": "a photo fills its slot: a re-sent upload replaces it, never adds one",
    "fulfillment.apis.advice.SplitShipAdviceApi": "a computation that writes nothing: a retry gets the same "
    "answer (POST only because an order's lines do not fit a query string)",
    "webhooks.apis.webhooks.DeliveryRedeliverApi": "sends the same event (same Closo-Event-Id and body) once "
    "more: receivers deduplicate on the event id, so a retried redeliver is one more harmless attempt",
    "webhooks.apis.webhooks.EndpointTestApi": "a ping that changes nothing at the receiver: a retry sends "
    "one more ping (the HTTP call cannot run inside the idempotency record's transaction)",
}


def _modules() -> list[contracts.Module]:
    return list(contracts.discover_modules(contracts.top_level_packages()).values())


@pytest.fixture(scope="module")
def imported_modules():
    modules = _modules()
    failures = contracts.import_all(modules)
    if failures:
        pytest.fail("Modules that do not import:\n  " + "\n  ".join(failures), pytrace=False)
    return modules


def _product_errors(modules) -> list[type]:
    packages = {m.name.split(".")[0] for m in modules}
    return [DomainError] + [
        cls for cls in contracts.all_subclasses(DomainError) if cls.__module__.split(".")[0] in packages
    ]


# --- 2. one code, one class, one status --------------------------------------------------


def test_every_error_code_has_one_class_and_one_status(imported_modules):
    shared, statuses = contracts.code_clashes(_product_errors(imported_modules))
    lines = [
        f"code {code!r} is carried by {len(group)} classes: "
        + ", ".join(f"{contracts.where(c)} {c.__qualname__}" for c in group)
        for code, group in sorted(shared.items())
    ]
    lines += [
        f"code {code!r} maps to {len(per_status)} statuses: "
        + "; ".join(
            f"{status} ← " + ", ".join(f"{contracts.where(c)} {c.__qualname__}" for c in group)
            for status, group in sorted(per_status.items())
        )
        for code, per_status in sorted(statuses.items())
    ]
    if lines:
        pytest.fail(
            f"{len(lines)} error code problem(s):\n  "
            + "\n  ".join(lines)
            + "\nGive every DomainError subclass its own `code` (set in the class body) and one `status`; "
            "a subclass that only inherits its parent's code is a second class with that code.",
            pytrace=False,
        )


def _error_scan(modules, check) -> list[str]:
    names = {cls.__name__ for cls in _product_errors(modules)}
    found = []
    for module in modules:
        namespace = vars(importlib.import_module(module.name))
        found += check(contracts.parse(module), module.rel, namespace, names, DomainError)
    return found


def test_domain_errors_are_defined_only_in_exceptions_modules(imported_modules):
    found = _error_scan(imported_modules, contracts.error_classes_outside_exceptions)
    if found:
        pytest.fail(
            f"{len(found)} DomainError subclass(es) defined outside an exceptions.py:\n  "
            + "\n  ".join(found)
            + "\nMove each into its app's exceptions.py (one place lists every error of the app).",
            pytrace=False,
        )


def test_no_call_gives_a_domain_error_its_code(imported_modules):
    found = _error_scan(imported_modules, contracts.code_keyword_calls)
    if found:
        pytest.fail(
            f"{len(found)} call(s) pass code= to a DomainError:\n  "
            + "\n  ".join(found)
            + "\nThe code belongs to the class: add a subclass in exceptions.py with that `code` "
            "(and its `status`) and raise it instead.",
            pytrace=False,
        )


# --- 3. POST APIs are idempotent or exempted ----------------------------------------------


def _routes():
    for urlconf in URLCONFS:
        yield from contracts.walk_patterns(get_resolver(urlconf).url_patterns, prefix=f"[{urlconf}] /")


def test_every_post_api_is_idempotent_or_exempted():
    result = contracts.check_post_views(_routes(), IdempotentPostMixin, IDEMPOTENCY_EXEMPT)
    parts = []
    if result.missing:
        parts.append(
            f"{len(result.missing)} POST API view(s) neither idempotent nor exempt:\n  "
            + "\n  ".join(result.missing)
            + "\nAdd closo.idempotency.IdempotentPostMixin as the first base class, or — only when a "
            "retry is harmless by design — add the dotted path to IDEMPOTENCY_EXEMPT in "
            "tests/test_contracts.py with the reason."
        )
    if result.misordered:
        parts.append(
            f"{len(result.misordered)} view(s) list IdempotentPostMixin after APIView, so its initial() "
            "never runs:\n  " + "\n  ".join(result.misordered) + "\nPut the mixin first among the bases."
        )
    if result.stale:
        parts.append(
            f"{len(result.stale)} stale IDEMPOTENCY_EXEMPT entr(y/ies):\n  "
            + "\n  ".join(result.stale)
            + "\nRemove them from IDEMPOTENCY_EXEMPT."
        )
    if parts:
        pytest.fail("\n\n".join(parts), pytrace=False)


# --- 4. services pass `actor` on ----------------------------------------------------------


def test_every_service_taking_actor_passes_it_on():
    found = []
    for module in _modules():
        if contracts.is_service_module(module.name):
            found += contracts.functions_dropping_actor(contracts.parse(module), module.rel)
    if found:
        pytest.fail(
            f"{len(found)} service function(s) take `actor` and never pass it on:\n  "
            + "\n  ".join(found)
            + "\nRecord who acted (write the event with actor=actor, or hand it to the service that "
            "does), or drop the parameter if nobody acts.",
            pytrace=False,
        )


# --- 5. statuses change only through a state machine ---------------------------------------

# Services modules still changing a status by hand: path → why, and until when. Each entry
# must still be needed (a stale one fails the test).
STATUS_WRITES_EXEMPT: dict[str, str] = {}


def _machines(modules) -> list[StateMachine]:
    machines: dict[int, StateMachine] = {}
    for module in modules:
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, StateMachine):
                machines[id(value)] = value
    return list(machines.values())


def test_services_change_a_status_only_through_a_state_machine(imported_modules):
    initial = contracts.initial_statuses(_machines(imported_modules))
    found, stale = [], []
    for module in imported_modules:
        if not contracts.is_service_module(module.name):
            continue
        namespace = vars(importlib.import_module(module.name))
        writes = contracts.status_writes(contracts.parse(module), module.rel, namespace, initial)
        if module.rel in STATUS_WRITES_EXEMPT:
            stale += [] if writes else [module.rel]
        else:
            found += writes
    stale += sorted(set(STATUS_WRITES_EXEMPT) - {m.rel for m in imported_modules})
    parts = []
    if found:
        parts.append(
            f"{len(found)} status write(s) outside a state machine:\n  "
            + "\n  ".join(found)
            + "\nMove the status with the model's machine (`<MACHINE>.transition(obj, to, actor=…)`): it "
            "checks the move and who makes it, settles races and writes the event. A new row may be "
            "created with one of its initial statuses."
        )
    if stale:
        parts.append("Stale STATUS_WRITES_EXEMPT entr(y/ies): " + ", ".join(stale) + ". Remove them.")
    if parts:
        pytest.fail("\n\n".join(parts), pytrace=False)


def test_every_stateful_fulfillment_and_inspections_model_has_a_machine(imported_modules):
    """A model with a status field and no machine would have nothing to move it."""
    from django.apps import apps

    with_machine = {machine.model for machine in _machines(imported_modules)}
    missing = [
        model._meta.label
        for app in ("fulfillment", "inspections", "hubs")
        for model in apps.get_app_config(app).get_models()
        if any(f.name == "status" for f in model._meta.concrete_fields) and model not in with_machine
    ]
    assert missing == []


# --- self-tests: the checkers catch what they are meant to catch -------------------------


class _Base(Exception):
    code = "invalid"
    status = 400


class _Taken(_Base):
    code = "taken"
    status = 409


class _AlsoTaken(_Base):
    code = "taken"
    status = 400


class _Inherits(_Taken):
    pass


class _Fine(_Base):
    code = "fine"


def test_code_checker_catches_shared_codes_and_split_statuses():
    shared, statuses = contracts.code_clashes([_Base, _Taken, _AlsoTaken, _Inherits, _Fine])
    assert shared == {"taken": [_Taken, _AlsoTaken, _Inherits]}
    assert statuses == {"taken": {409: [_Taken, _Inherits], 400: [_AlsoTaken]}}


ERROR_SOURCE = textwrap.dedent(
    """
    from closo import exceptions
    from closo.exceptions import Conflict

    class Lost(Conflict):
        code = "lost"

    class LostAgain(Lost):
        pass

    class Deep(exceptions.DomainError):
        pass

    class NotAnError(ValueError):
        pass

    def f(x):
        from hubs.exceptions import UnknownZip
        if x:
            raise Conflict("no", code="taken")
        err = exceptions.DomainError("no", code="bad", fields={})
        raise UnknownZip("no", code="zip")

    def g():
        raise ValueError("fine", code="not a domain error")

    def h():
        ValidationError("fine", code="django's own")
    """
)


def _error_namespace() -> dict:
    from closo import exceptions

    return {"exceptions": exceptions, "Conflict": exceptions.Conflict, "ValueError": ValueError}


def test_error_module_checker_catches_classes_outside_exceptions_py():
    tree = ast.parse(ERROR_SOURCE)
    names = {"DomainError", "Conflict", "UnknownZip"}
    found = contracts.error_classes_outside_exceptions(tree, "app/services.py", _error_namespace(), names, DomainError)
    assert found == [
        "app/services.py:5 class Lost",
        "app/services.py:8 class LostAgain",
        "app/services.py:11 class Deep",
    ]
    assert contracts.error_classes_outside_exceptions(tree, "app/exceptions.py", {}, names, DomainError) == []


def test_code_keyword_checker_catches_codes_given_to_domain_errors():
    tree = ast.parse(ERROR_SOURCE)
    names = {"DomainError", "Conflict", "UnknownZip"}
    found = contracts.code_keyword_calls(tree, "app/services.py", _error_namespace(), names, DomainError)
    assert found == [
        "app/services.py:20 Conflict(..., code=...)",
        "app/services.py:21 exceptions.DomainError(..., code=...)",
        "app/services.py:22 UnknownZip(..., code=...)",  # imported inside the function
    ]


class _PlainPost(APIView):
    def post(self, request):
        pass


class _IdempotentPost(IdempotentPostMixin, APIView):
    def post(self, request):
        pass


class _MixinLast(APIView, IdempotentPostMixin):
    def post(self, request):
        pass


class _GetOnly(APIView):
    def get(self, request):
        pass


class _PostDisallowed(APIView):
    http_method_names = ["get"]

    def post(self, request):
        pass


def test_post_checker_catches_missing_misordered_and_stale():
    patterns = [
        path("a/", _PlainPost.as_view()),
        path("nested/", include([path("b/", _IdempotentPost.as_view()), path("c/", _MixinLast.as_view())])),
        path("d/", _GetOnly.as_view()),
        path("e/", _PostDisallowed.as_view()),
    ]
    here = __name__
    exempt = {
        f"{here}._IdempotentPost": "idempotent anyway",
        f"{here}._GetOnly": "not a POST view",
        f"{here}._Gone": "no such class",
    }
    result = contracts.check_post_views(contracts.walk_patterns(patterns), IdempotentPostMixin, exempt)
    assert [line.split(" ", 1)[1] for line in result.missing] == [f"{here}._PlainPost (POST a/)"]
    assert [line.split(" ", 1)[1] for line in result.misordered] == [f"{here}._MixinLast (POST nested/c/)"]
    assert result.stale == [
        f"{here}._GetOnly: no longer routed as a POST view",
        f"{here}._Gone: no such class",
        f"{here}._IdempotentPost: is idempotent already (IdempotentPostMixin)",
    ]
    assert contracts.check_post_views(
        contracts.walk_patterns(patterns[:1]), IdempotentPostMixin, {f"{here}._PlainPost": "safe"}
    ) == contracts.PostCheck([], [], [])


ACTOR_SOURCE = textwrap.dedent(
    """
    def drops(*, unit, actor):
        unit.save()

    def only_checks(*, unit, actor):
        if actor is None or not actor.is_staff or isinstance(actor, str):
            raise NotAllowed("no")
        unit.save()

    def alias_dropped(*, unit, actor):
        who = actor.user
        if who.is_staff:
            unit.save()

    class Thing:
        def method(self, actor):
            return None

    def keyword(*, unit, actor):
        transition(unit, actor=actor)

    def positional(unit, actor):
        _record(unit, actor)

    def attribute(*, unit, actor):
        Event.objects.create(unit=unit, by=actor.user, label=f"{actor.label}")

    def returned(*, actor):
        return {"actor": actor}

    def stored(*, event, actor):
        event.actor = actor
        event.save()

    def through_alias(*, unit, actor):
        who = actor or SYSTEM
        events.append(who)

    def _private_drops(actor, /):
        pass
    """
)


def test_actor_checker_catches_functions_dropping_actor_and_passes_users():
    found = contracts.functions_dropping_actor(ast.parse(ACTOR_SOURCE), "app/services/x.py")
    assert found == [
        "app/services/x.py:2 drops()",
        "app/services/x.py:5 only_checks()",
        "app/services/x.py:10 alias_dropped()",
        "app/services/x.py:16 method()",
        "app/services/x.py:39 _private_drops()",
    ]


def test_service_modules_are_found_by_path():
    assert contracts.is_service_module("fulfillment.services.returns")
    assert contracts.is_service_module("hubs.services")
    assert not contracts.is_service_module("services")
    assert not contracts.is_service_module("hubs.views")


STATUS_SOURCE = textwrap.dedent(
    """
    from fulfillment.models import StockUnit

    def writes(unit, item, job, held, standard):
        unit.status = "reserved"
        previous, item.status = item.status, "routed"
        StockUnit.objects.filter(pk=1).update(status="missing", updated_at=None)
        job.save(update_fields=["processed_rows", "status"])
        StockUnit.objects.create(label="A", status=StockUnit.Status.HELD if held else StockUnit.Status.AVAILABLE)
        StockUnit.objects.create(label="B", status=StockUnit.Status.RESERVED)
        StockUnit(label="C", status="handed_off")
        standard.versions.create(status="draft")
        StockUnit.objects.update_or_create(label="D", defaults={"status": "held"})

    def reads(unit):
        StockUnit.objects.filter(status="held").update(hold_until=None)
        StockUnit.objects.create(label="E")
        job.save(update_fields=["processed_rows"])
        return unit.status == "held"
    """
)


def test_status_checker_catches_writes_outside_a_machine():
    from fulfillment.machines import UNITS
    from fulfillment.models import StockUnit

    initial = contracts.initial_statuses([UNITS])
    assert initial == {StockUnit: {"available", "held"}}
    found = contracts.status_writes(ast.parse(STATUS_SOURCE), "app/services/x.py", {"StockUnit": StockUnit}, initial)
    assert found == [
        "app/services/x.py:5 unit.status = …",
        "app/services/x.py:6 item.status = …",
        "app/services/x.py:7 .update(status=…)",
        'app/services/x.py:8 .save(update_fields=[…"status"…])',
        "app/services/x.py:10 StockUnit(…, status=…) not born in one of ['available', 'held']",
        "app/services/x.py:11 StockUnit(…, status=…) not born in one of ['available', 'held']",
        "app/services/x.py:12 standard.versions.create(…, status=…) not born in one of its initial statuses",
        'app/services/x.py:13 .update_or_create(defaults={"status": …})',
    ]


# --- every row lock goes through closo.locks ---


def select_for_update_calls(source: str, rel: str) -> list[str]:
    """`.select_for_update(` calls in a module's source, as `file:line` (closo/locks.py is
    the one module allowed to make them)."""
    tree = ast.parse(source)
    return [
        f"{rel}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "select_for_update"
    ]


def test_select_for_update_checker_finds_a_direct_lock():
    source = "def f(qs):\n    return list(qs.select_for_update().filter(pk=1))\n"
    assert select_for_update_calls(source, "x.py") == ["x.py:2"]
    assert select_for_update_calls("def f(qs):\n    return lock_one(qs, pk=1)\n", "x.py") == []


def test_rows_are_locked_only_through_closo_locks():
    """LOCK_ORDER only holds if nobody locks around it: a direct select_for_update() would
    lock in an order the module never sees."""
    root = Path(__file__).resolve().parent.parent
    found = []
    for package in ("closo", "brands", "hubs", "fulfillment", "inspections", "portals"):
        for module in sorted((root / package).rglob("*.py")):
            rel = module.relative_to(root).as_posix()
            if "/migrations/" in rel or rel == "closo/locks.py":
                continue
            found += select_for_update_calls(module.read_text(), rel)
    assert not found, "Lock through closo.locks (lock_rows / lock_one / lock_first), not select_for_update():\n  " + (
        "\n  ".join(found)
    )
