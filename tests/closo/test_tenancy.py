import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from brands.models import Brand
from fulfillment.models import Sku


def test_each_brand_has_its_own_schema_with_the_tenant_tables(brand_a, brand_b):
    assert brand_a.schema_name == "brand_acme"
    assert brand_b.schema_name == "brand_bolt"
    for brand in (brand_a, brand_b):
        assert schema_exists(brand.schema_name)
        with schema_context(brand.schema_name):
            assert Sku.objects.count() == 0


def test_tenant_rows_stay_in_their_own_schema(brand_a, brand_b):
    with schema_context(brand_a.schema_name):
        Sku.objects.create(code="A-1", title="Only in A", price=10)
    with schema_context(brand_b.schema_name):
        assert not Sku.objects.filter(code="A-1").exists()
    with schema_context(brand_a.schema_name):
        assert Sku.objects.filter(code="A-1").exists()


def test_public_schema_has_no_tenant_tables(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.fulfillment_sku')")
        assert cursor.fetchone()[0] is None


def test_template_schema_is_migrated_and_holds_every_tenant_table(db, settings):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [settings.TENANT_BASE_SCHEMA]
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert {"fulfillment_sku", "django_migrations", "django_content_type"} <= tables


def test_public_tenant_maps_the_base_domain(db, settings):
    public = Brand.objects.get(schema_name="public")
    assert public.domains.filter(domain=settings.BASE_DOMAIN).exists()


@pytest.mark.parametrize("host", ["nope.localhost", "acme.localhost.evil.test", "ACME-typo.localhost"])
def test_unknown_host_is_a_clear_404_page(host_client, db, host):
    response = host_client(host).get("/")
    assert response.status_code == 404
    assert b"There is no Closo brand at this address" in response.content


def test_deactivated_brand_host_is_a_404(host_client, brand_a, alice):
    Brand.objects.filter(pk=brand_a.pk).update(is_active=False)
    response = host_client(brand_a.host, alice).get("/")
    assert response.status_code == 404
