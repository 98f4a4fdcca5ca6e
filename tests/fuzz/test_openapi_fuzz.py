"""A property-based fuzz over both OpenAPI schemas (schemathesis): every operation of the
brand API (`/api/schema/` on brand A's host, with an API key of brand A) and of the hub API
(`/api/v1/hub/schema/` on the public host, Basic auth as ivan) gets generated requests —
valid ones and ones that break the schema — sent straight to closo.wsgi.application.

Checked on every response: never a 5xx; its status is one the operation documents; the
body and the content type match that documented response. (`--fuzz-any-status`, or
CLOSO_FUZZ_STATUS_CODES=0, drops the status check, to look at server errors alone.)

Profiles: the fast one (in `make test`) sends FAST_EXAMPLES cases per operation and mode,
derandomized so it is the same every run. `--fuzz-long` (or CLOSO_FUZZ_EXAMPLES=<total>)
spreads that many cases (20,000 by default) over the operations, with a fresh seed.

Nothing stays behind: the test runs in the test transaction, and each case in a savepoint
rolled back after it, so every case starts from the same seeded brand A (a SKU, a region,
backorder, return, supply, a draft and a published standard, a return dropped off at
ivan's hub), and path parameters point at those objects in half the cases.
"""

from __future__ import annotations

import base64
import itertools
import math
import os
import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from closo.wsgi import application
from tests.conftest import EMAILS
from tests.factories import PASSWORD

FAST_EXAMPLES = 3  # per operation and mode: ≈ 400 cases over both schemas
LONG_EXAMPLES = 20_000  # in all, for --fuzz-long without CLOSO_FUZZ_EXAMPLES
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _profile(request) -> tuple[int | None, bool]:
    """(total cases or None for the fast profile, status-code conformance on)."""
    total = os.environ.get("CLOSO_FUZZ_EXAMPLES")
    if total:
        total = int(total)
    elif request.config.getoption("fuzz_long"):
        total = LONG_EXAMPLES
    statuses = not request.config.getoption("fuzz_any_status") and os.environ.get("CLOSO_FUZZ_STATUS_CODES") != "0"
    return total, bool(statuses)


@dataclass
class Target:
    """One API: its schema, where it is served, how to sign in, the objects it knows."""

    name: str
    host: str
    headers: dict[str, str]
    schema: object
    known: dict[str, dict[str, object]]  # path template prefix → path parameters of a seeded object


@dataclass
class Run:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@contextmanager
def _wsgi_requests_in_this_transaction():
    """Like Django's test client: the WSGI handler must not close the test's connection at
    the end of each request (request_started/finished → close_old_connections)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@contextmanager
def _rolled_back():
    """A savepoint undone after the case. Marked as a test's block (as django.test.TestCase
    marks its own), so the services' durable blocks and closo.locks treat it as the test's."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    with atomic:
        yield
        transaction.set_rollback(True)


def _schema(client, path: str):
    response = client.get(f"{path}?format=json")
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = application
    return schema


def _created(response) -> dict:
    assert response.status_code == 201, response.content[:300]
    return response.json()


@pytest.fixture
def targets(db, brand_a, api_client, host_client, public_host, active_hub, in_brand, ivan):
    """Brand A seeded with one object of each kind (in the test transaction), and the two
    APIs to fuzz."""
    from tests.conftest import post_json
    from tests.inspections.photo_support import waiting_return

    api = api_client(brand_a)
    with in_brand(brand_a):
        dropped_off = waiting_return(brand_a, active_hub, rma="RMA-FUZZ-HUB", code="FUZZ0001")
    sku = _created(post_json(api, "/api/v1/skus/", {"code": "FUZZ-1", "title": "Fuzz", "price": "10.00"}))
    region = _created(post_json(api, "/api/v1/regions/", {"name": "Fuzz", "zip_prefixes": ["787"]}))
    backorder = _created(
        post_json(
            api,
            "/api/v1/backorders/",
            {"order_ref": "fuzz-1", "sku": sku["code"], "customer_zip": "78702", "value": "10.00"},
        )
    )
    item = _created(
        post_json(api, "/api/v1/returns/", {"rma_ref": "RMA-FUZZ", "sku": sku["code"], "customer_zip": "78702"})
    )
    supply = _created(
        post_json(
            api, "/api/v1/supply/", {"po_ref": "PO-FUZZ", "sku": sku["code"], "qty": 5, "expected_date": "2999-01-01"}
        )
    )
    standard = _created(post_json(api, "/api/v1/standards/", {"name": "Fuzz", "scope": "sku", "sku": sku["code"]}))
    draft = f"/api/v1/standards/{standard['id']}/versions/1"
    _created(post_json(api, f"{draft}/checklist", {"key": "clean", "prompt": "Clean", "fail_cap": "good"}))
    _created(post_json(api, f"{draft}/photos", {"slot": "front", "label": "Front"}))

    brand_known = {
        "/api/v1/skus/{code}": {"code": sku["code"]},
        "/api/v1/regions/{id}": {"id": region["id"]},
        "/api/v1/backorders/{id}": {"id": backorder["id"]},
        "/api/v1/returns/{id}": {"id": item["id"]},
        "/api/v1/supply/{id}": {"id": supply["id"]},
        "/api/v1/standards/{id}/versions/{number}/checklist/{key}": {"id": standard["id"], "number": 1, "key": "clean"},
        "/api/v1/standards/{id}/versions/{number}/photos/{slot}": {"id": standard["id"], "number": 1, "slot": "front"},
        "/api/v1/standards/{id}/versions/{number}": {"id": standard["id"], "number": 1},
        "/api/v1/standards/{id}": {"id": standard["id"]},
    }
    basic = base64.b64encode(f"{EMAILS['ivan']}:{PASSWORD}".encode()).decode()
    return [
        Target(
            name="brand",
            host=brand_a.host,
            headers={"Authorization": api.defaults["HTTP_AUTHORIZATION"]},
            schema=_schema(host_client(brand_a.host), "/api/schema/"),
            known=brand_known,
        ),
        Target(
            name="hub",
            host=public_host,
            headers={"Authorization": f"Basic {basic}"},
            schema=_schema(host_client(public_host), "/api/v1/hub/schema/"),
            known={"/api/v1/hub/b/{brand_slug}/returns/{id}": {"brand_slug": brand_a.slug, "id": dropped_off.pk}},
        ),
    ]


def _known_parameters(target: Target, operation) -> dict | None:
    for prefix, values in target.known.items():
        if operation.path.startswith(prefix):
            names = {p.name for p in operation.path_parameters}
            return {name: value for name, value in values.items() if name in names} or None
    return None


def _title(failure: BaseException) -> str:
    """What a failure says, in a line: its title and the first line of its message."""
    title = getattr(failure, "title", type(failure).__name__)
    message = str(getattr(failure, "message", failure)).strip().splitlines()
    return f"{title}: {message[0][:160]}" if message else title


def _fuzz_operation(target: Target, operation, mode, examples: int, checks, run: Run, seed: int | None) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    known = _known_parameters(target, operation)
    if known is not None and mode is GenerationMode.POSITIVE:
        strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode, path_parameters=known))
    base_url = f"http://{target.host}"

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case):
        run.cases += 1
        with _rolled_back():
            response = case.call(base_url=base_url, headers=target.headers)
        run.statuses[response.status_code // 100 * 100] += 1
        try:
            case.validate_response(response, checks=checks, headers=target.headers)
        except (AssertionError, FailureGroup) as failure:
            for one in getattr(failure, "exceptions", [failure]):
                key = (operation.label, _title(one))
                run.failures.setdefault(key, f"{response.status_code} {case.as_curl_command(headers=target.headers)}")

    if seed is not None:
        fuzz = hypothesis.seed(seed)(fuzz)
    try:
        fuzz()
    except (Unsatisfiable, FailedHealthCheck) as exc:
        run.skipped.append(f"{operation.label} ({mode.value}): {type(exc).__name__}")


def test_no_operation_of_either_api_answers_5xx_or_off_its_schema(request, targets):
    total, status_codes = _profile(request)
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    if status_codes:
        checks.append(status_code_conformance)
    operations = [(target, result.ok()) for target in targets for result in target.schema.get_all_operations()]
    assert len(operations) > 60, "both schemas list their operations"
    examples = FAST_EXAMPLES if total is None else max(1, math.ceil(total / (len(operations) * len(MODES))))
    seed = None if total is None else int(os.environ.get("CLOSO_FUZZ_SEED") or random.randrange(2**32))
    run = Run()
    started = time.monotonic()
    with _wsgi_requests_in_this_transaction():
        for round_ in itertools.count():
            round_seed = None if seed is None else seed + round_
            for target, operation in operations:
                for mode in MODES:
                    _fuzz_operation(target, operation, mode, examples, checks, run, round_seed)
            # Some operations have fewer distinct cases than asked for: top up to the total.
            if total is None or run.cases >= total:
                break
            examples = max(1, math.ceil((total - run.cases) / (len(operations) * len(MODES))))
    elapsed = time.monotonic() - started
    summary = (
        f"fuzz: {run.cases} cases over {len(operations)} operations in {elapsed:.0f} s "
        f"(seed {seed if seed is not None else 'derandomized'}); statuses {dict(sorted(run.statuses.items()))}; "
        f"{len(run.failures)} distinct failures"
    )
    print(summary)
    for skipped in run.skipped:
        print("  skipped:", skipped)
    assert not run.failures, (
        summary
        + "\n"
        + "\n".join(f"- {label}: {title}\n    {example}" for (label, title), example in sorted(run.failures.items()))
    )
