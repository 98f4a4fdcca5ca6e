"""The production-shaped deployment (tests/e2e/stack.py) as a fixture: skipped, with the
reason, when the machine's PostgreSQL or Redis does not answer."""

from __future__ import annotations

import pytest

from tests.e2e.stack import POSTGRES, REDIS, Deployment, postgres_refuses, unreachable


@pytest.fixture(scope="module")
def deployment(request, tmp_path_factory):
    reason = unreachable({"PostgreSQL": POSTGRES, "Redis": REDIS}) or postgres_refuses()
    if reason:
        pytest.skip(f"production-shaped test needs the machine's PostgreSQL and Redis: {reason}")
    s3_endpoint = request.getfixturevalue("s3_endpoint")  # started only when the test runs
    deployment = Deployment(workdir=tmp_path_factory.mktemp("e2e"), s3_endpoint=s3_endpoint)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()
