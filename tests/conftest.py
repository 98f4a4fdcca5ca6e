"""The fixed cast every test reuses, and the two brands they work in.

Brands A and B (schemas, domains, members) are created once per test run, committed,
right after the test database is migrated. Each test then runs inside a transaction that
is rolled back, so tests stay independent and the suite stays fast as it grows.

Cast: alice (brand A admin), bob (brand B admin), vera (brand A viewer), ivan (hub
inspector at an active hub), olga (outsider: an account with no memberships), stan (staff).
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from brands.models import Brand, BrandRole
from brands.services import api_keys as api_key_services
from brands.services import brands as brand_services
from closo.models import User
from hubs.models import Hub, HubKind, HubRole, HubStatus
from hubs.services import registry as hub_services
from tests.factories import PASSWORD, as_staff

BRAND_A = {"name": "Acme Apparel", "slug": "acme"}
BRAND_B = {"name": "Bolt Bedding", "slug": "bolt"}
EMAILS = {
    "alice": "alice@acme.test",
    "bob": "bob@bolt.test",
    "vera": "vera@acme.test",
    "ivan": "ivan@hub.test",
    "olga": "olga@outside.test",
    "stan": "stan@closo.test",
}


def _create_cast() -> None:
    brand_services.public_tenant_ensure()
    stan = User.objects.create_user(EMAILS["stan"], PASSWORD, is_staff=True, full_name="Stan Staff")
    a = brand_services.brand_create(**BRAND_A, admin_email=EMAILS["alice"], admin_password=PASSWORD)
    brand_services.brand_create(**BRAND_B, admin_email=EMAILS["bob"], admin_password=PASSWORD)
    vera = User.objects.create_user(EMAILS["vera"], PASSWORD)
    brand_services.membership_set(brand=a, user=vera, role=BrandRole.VIEWER)
    User.objects.create_user(EMAILS["olga"], PASSWORD)
    ivan = User.objects.create_user(EMAILS["ivan"], PASSWORD, full_name="Ivan Inspector")
    hub = hub_services.hub_apply(
        applicant=User.objects.create_user("owner@hub.test", PASSWORD),
        name="Eastside Porch",
        kind=HubKind.NEIGHBOUR,
        address="1100 E 6th St",
        zip_code="78702",
        service_radius_miles=10,
    )
    staff_actor = as_staff(stan)
    for check in hub_services.VETTING_CHECKS:
        hub_services.hub_record_check(hub=hub, check=check, actor=staff_actor)
    hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=staff_actor)
    hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=staff_actor)
    hub_services.hub_member_add(hub=hub, user=ivan, role=HubRole.INSPECTOR)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    created = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != connection.settings_dict["TEST"]["NAME"]:
            # pytest-django creates the test database only when a test of the session uses
            # `db`; a session of race tests alone (`committed`) would otherwise write the
            # cast into the development database.
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        if not Brand.objects.filter(slug=BRAND_A["slug"]).exists():
            _create_cast()
        connection.set_schema_to_public()
    yield
    if created:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


@pytest.fixture(autouse=True)
def _public_schema_each_test(request):
    """Start and end every test on the public schema (a request switches the connection)."""
    yield
    if "django_db_setup" in request.fixturenames:
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fresh_in_process_caches():
    """Every test starts with empty in-process caches: a rolled-back test fires no signal."""
    from closo import stamps
    from closo.ttlcache import clear_all

    clear_all()
    stamps.forget_local()


@pytest.fixture
def brand_a(db) -> Brand:
    return Brand.objects.get(slug=BRAND_A["slug"])


@pytest.fixture
def brand_b(db) -> Brand:
    return Brand.objects.get(slug=BRAND_B["slug"])


def _user(key: str) -> User:
    return User.objects.get(email=EMAILS[key])


@pytest.fixture
def alice(db) -> User:
    return _user("alice")


@pytest.fixture
def bob(db) -> User:
    return _user("bob")


@pytest.fixture
def vera(db) -> User:
    return _user("vera")


@pytest.fixture
def ivan(db) -> User:
    return _user("ivan")


@pytest.fixture
def olga(db) -> User:
    return _user("olga")


@pytest.fixture
def stan(db) -> User:
    return _user("stan")


@pytest.fixture
def active_hub(db) -> Hub:
    return Hub.objects.get(name="Eastside Porch")


class HostClient(Client):
    """A test client bound to one host (public or a brand's)."""

    def __init__(self, host: str, **kwargs):
        super().__init__(HTTP_HOST=host, **kwargs)
        self.host = host


def post_json(client: Client, path: str, data=None, **headers):
    """POST `data` (default: an empty object) as JSON; `headers` as for Client.post."""
    return client.post(path, json.dumps({} if data is None else data), content_type="application/json", **headers)


def patch_json(client: Client, path: str, data):
    return client.patch(path, json.dumps(data), content_type="application/json")


def put_json(client: Client, path: str, data):
    return client.put(path, json.dumps(data), content_type="application/json")


@pytest.fixture
def host_client():
    """host_client(host, user=None): a client on that host, signed in as `user` if given."""

    def make(host: str, user: User | None = None) -> HostClient:
        client = HostClient(host)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def public_host(settings) -> str:
    return settings.BASE_DOMAIN


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 HTTP endpoint (moto's server mode) on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Real, committed transactions for race tests (threads need to see each other's
    rows). Yields a list: append a callable to have it run for cleanup afterwards, so
    the session-wide cast is left exactly as it was. Do not combine with fixtures that
    depend on `db` (they would wrap the test in a transaction)."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from fulfillment.models import ConfigChange

    cleanups: list = []
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        started = timezone.now()
        yield cleanups
        connection.set_schema_to_public()
        for cleanup in reversed(cleanups):
            cleanup()
        # Attempt counts (closo.attempts) in the database cache were committed too.
        from django.core.cache import cache

        cache.clear()
        # Services record configuration changes as they go (SKUs a race test creates…):
        # the audit trail of the committed run goes too, so later tests start clean.
        for brand in Brand.objects.exclude(schema_name=connection.schema_name):
            with schema_context(brand.schema_name):
                ConfigChange.objects.filter(created_at__gte=started).delete()
        connection.set_schema_to_public()


def run_concurrently(func, n: int = 2, timeout: float = 60):
    """Run func(i) in n threads released at the same moment; return results/exceptions."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout)
            results[i] = func(i)
        except BaseException as exc:  # collected for the test to assert on
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


class FirstLocksHeld:
    """Forces the interleaving that deadlocks two flows locking the same two rows in
    opposite orders. Inside `with held.thread(i):`, thread i's connection runs normally
    until its second row-locking statement (SELECT … FOR UPDATE, or UPDATE, on one of
    `tables`); there it waits until the other thread holds its first lock, is waiting for a
    lock in PostgreSQL (pg_locks), or is done. So both flows reach for their second lock
    while holding their first, if they can: with opposite orders PostgreSQL then aborts one
    ("deadlock detected"); with one fixed order the second flow is already waiting at its
    first lock (`waited` records it) and both finish."""

    def __init__(self, *tables: str, timeout: float = 15):
        import threading

        self.tables = tuple(f'"{table}"' for table in tables)
        self.timeout = timeout
        self.holding = [threading.Event(), threading.Event()]
        self.done = [threading.Event(), threading.Event()]
        self.pids: list[int | None] = [None, None]
        self.waited: list[int] = []  # threads seen waiting for a lock by the other

    def _locks_rows(self, sql: str) -> bool:
        statement = sql.lstrip().upper()
        locking = statement.startswith("UPDATE") or " FOR UPDATE" in statement
        return locking and any(table in sql for table in self.tables)

    def _waiting_for_a_lock(self, pid: int) -> bool:
        from django.db import DEFAULT_DB_ALIAS, connections

        monitor = connections.create_connection(DEFAULT_DB_ALIAS)  # outside both transactions
        try:
            with monitor.cursor() as cursor:
                cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
                return cursor.fetchone()[0]
        finally:
            monitor.close()

    def _wait_for(self, other: int) -> None:
        import time

        deadline = time.monotonic() + self.timeout
        while not (self.holding[other].is_set() or self.done[other].is_set()):
            if self.pids[other] is not None and self._waiting_for_a_lock(self.pids[other]):
                self.waited.append(other)
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"Thread {other} neither took its first lock nor waited for one.")
            time.sleep(0.005)

    @contextmanager
    def thread(self, i: int):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pids[i] = cursor.fetchone()[0]
        locks = 0

        def hold(execute, sql, params, many, context):
            nonlocal locks
            if not self._locks_rows(sql):
                return execute(sql, params, many, context)
            locks += 1
            if locks == 2:
                self._wait_for(1 - i)
            result = execute(sql, params, many, context)
            if locks == 1:
                self.holding[i].set()
            return result

        try:
            with connection.execute_wrapper(hold):
                yield
        finally:
            self.done[i].set()


@pytest.fixture
def api_client(host_client):
    """api_client(brand, role="admin"): a client on the brand's host sending a fresh API
    key of that brand (read-write for "admin", read-only for "viewer")."""

    def make(brand: Brand, role: str = BrandRole.ADMIN) -> HostClient:
        _, key = api_key_services.api_key_create(brand=brand, name=f"tests ({role})", role=role, actor=None)
        client = host_client(brand.host)
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
        return client

    return make


@pytest.fixture
def clock(monkeypatch):
    """The attempt limiter's clock (closo.attempts.now): `clock.advance(seconds)` moves it
    on, so a lock or a window runs out without sleeping."""
    import time

    from closo import attempts

    class Clock:
        offset = 0.0

        def advance(self, seconds: float) -> None:
            self.offset += seconds

    moved = Clock()
    monkeypatch.setattr(attempts, "now", lambda: time.time() + moved.offset)
    return moved


@pytest.fixture
def in_brand():
    """in_brand(brand): a context manager that runs ORM calls in the brand's schema."""
    from django_tenants.utils import schema_context

    return lambda brand: schema_context(brand.schema_name)


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory):
    """Uploaded files written by tests go to a temporary folder, never to .closo/media."""
    from django.conf import settings
    from django.test.utils import override_settings

    media = tmp_path_factory.mktemp("media")
    storages = {**settings.STORAGES}
    if storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        storages["default"] = {**storages["default"], "OPTIONS": {**storages["default"]["OPTIONS"], "location": media}}
    override = override_settings(MEDIA_ROOT=media, STORAGES=storages)
    override.enable()
    yield media
    override.disable()


def pytest_addoption(parser):
    group = parser.getgroup("closo fuzz", "the OpenAPI fuzz (tests/fuzz)")
    group.addoption(
        "--fuzz-long",
        action="store_true",
        help="The long fuzz profile: 20,000 generated cases (or CLOSO_FUZZ_EXAMPLES), a fresh seed.",
    )
    group.addoption(
        "--fuzz-any-status",
        action="store_true",
        help="Do not require every status the fuzz gets to be documented (or CLOSO_FUZZ_STATUS_CODES=0).",
    )
