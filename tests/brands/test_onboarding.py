import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context, schema_exists

from brands.models import Brand, BrandMembership, Domain
from brands.services import brands as services
from closo.exceptions import DomainError
from closo.models import User
from fulfillment.models import Sku


def test_brand_create_makes_schema_domain_and_owner(db, settings):
    brand = services.brand_create(
        name="Cedar Candles", slug="cedar", admin_email="cora@cedar.test", admin_password="pw-long-enough-1"
    )
    assert brand.schema_name == "brand_cedar"
    assert schema_exists("brand_cedar")
    assert Domain.objects.get(tenant=brand).domain == f"cedar.{settings.BASE_DOMAIN}"
    owner = BrandMembership.objects.get(brand=brand)
    assert (owner.user.email, owner.role) == ("cora@cedar.test", "owner")
    with schema_context(brand.schema_name):
        assert Sku.objects.count() == 0  # the tenant tables are there (and empty)


def test_a_new_brand_is_one_clone_of_the_template_not_a_run_of_migrations(db):
    """How fast onboarding is, is measured in bench/brand_creation.py; what makes it fast is
    tested here: the schema is one clone_schema() call, and no migration runs."""
    with CaptureQueriesContext(connection) as queries:
        services.brand_create(name="Quick", slug="quick", admin_email="q@quick.test", admin_password="pw-long-enough-1")
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("clone_schema(" in statement for statement in sql) == 1
    assert not [statement for statement in sql if "django_migrations" in statement and "INSERT" in statement]
    assert len(sql) < 40, f"{len(sql)} statements to create a brand"


def test_clone_does_not_copy_another_brands_rows(db, brand_a):
    with schema_context(brand_a.schema_name):
        Sku.objects.create(code="A-ONLY", title="t", price=1)
    brand = services.brand_create(name="Dune", slug="dune", admin_email="d@dune.test", admin_password="pw-long-1x")
    with schema_context(brand.schema_name):
        assert not Sku.objects.exists()


def test_existing_user_becomes_owner_without_a_new_account(db, alice):
    brand = services.brand_create(name="Second", slug="second", admin_email="ALICE@acme.test")
    assert BrandMembership.objects.get(brand=brand).user == alice
    assert User.objects.filter(email__iexact="alice@acme.test").count() == 1


@pytest.mark.parametrize("slug", ["ab", "1abc", "Has Space", "under_score", "www", "admin", "x" * 41, "trailing-"])
def test_invalid_slugs_are_refused_and_nothing_is_created(db, slug):
    before = Brand.objects.count()
    with pytest.raises(DomainError) as excinfo:
        services.brand_create(name="Bad", slug=slug, admin_email="bad@bad.test", admin_password="pw-long-1x")
    assert excinfo.value.code == "invalid_slug"
    assert Brand.objects.count() == before
    assert not User.objects.filter(email="bad@bad.test").exists()


def test_taken_slug_is_a_conflict(db, brand_a):
    with pytest.raises(DomainError) as excinfo:
        services.brand_create(name="Again", slug="acme", admin_email="x@x.test", admin_password="pw-long-1x")
    assert (excinfo.value.code, excinfo.value.status) == ("slug_taken", 409)


def test_a_failure_midway_leaves_no_brand_domain_user_or_schema(db, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("membership store down")

    monkeypatch.setattr(BrandMembership.objects, "create", explode)
    with pytest.raises(RuntimeError):
        services.brand_create(name="Half", slug="half", admin_email="h@half.test", admin_password="pw-long-1x")
    connection.set_schema_to_public()
    assert not Brand.objects.filter(slug="half").exists()
    assert not Domain.objects.filter(domain__startswith="half.").exists()
    assert not User.objects.filter(email="h@half.test").exists()
    assert not schema_exists("brand_half")


def test_create_brand_command(db, capsys):
    call_command("create_brand", name="Elm Linen", slug="elm", admin_email="e@elm.test", admin_password="pw-long-1x")
    assert "Created Elm Linen: http://elm.localhost:8000/" in capsys.readouterr().out
    assert Brand.objects.filter(slug="elm").exists()


def test_create_brand_command_reports_errors_plainly(db, brand_a):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"already in use\. \(slug_taken\)"):
        call_command("create_brand", name="Dup", slug="acme", admin_email="d@d.test", admin_password="pw-long-1x")


def test_a_new_brand_never_inherits_a_deleted_brands_schema(db):
    old = services.brand_create(name="Old Co", slug="reuse", admin_email="o@old.test", admin_password="pw-long-1x")
    with schema_context(old.schema_name):
        Sku.objects.create(code="SECRET-1", title="Old Co's SKU", price=1)
    old.delete()  # the row goes; the schema (the data) is kept on purpose
    assert schema_exists("brand_reuse")
    with pytest.raises(DomainError) as excinfo:
        services.brand_create(name="New Co", slug="reuse", admin_email="n@new.test", admin_password="pw-long-1x")
    assert excinfo.value.code == "schema_exists"
    assert not Brand.objects.filter(slug="reuse").exists()


def test_clone_copies_the_templates_migration_records(db, brand_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM brand_template.django_migrations ORDER BY app, name")
        template = cursor.fetchall()
        cursor.execute(f"SELECT app, name FROM {brand_a.schema_name}.django_migrations ORDER BY app, name")
        assert cursor.fetchall() == template
    assert ("fulfillment", "0001_initial") in template


def test_migrate_installs_the_clone_functions_and_the_public_host(db, settings):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'clone_schema'")
        assert cursor.fetchone()[0] == 1
    assert Domain.objects.filter(domain=settings.BASE_DOMAIN, tenant__schema_name="public").exists()


def test_brand_admin_cannot_delete_brands_or_deactivate_the_public_host(db, rf, stan):
    from django.contrib.admin.sites import site

    from brands.admin import BrandAdmin

    admin = BrandAdmin(Brand, site)
    request = rf.get("/")
    request.user = stan
    assert not admin.has_delete_permission(request, Brand.objects.get(slug="acme"))
    assert "is_active" in admin.get_readonly_fields(request, Brand.objects.get(schema_name="public"))
