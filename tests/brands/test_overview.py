from datetime import timedelta

from django.utils import timezone

from fulfillment.models import Backorder, ReturnItem, Sku


def test_overview_counts_and_charts_what_the_brand_has(host_client, brand_a, in_brand, alice):
    with in_brand(brand_a):
        sku = Sku.objects.create(code="S1", title="Blanket", price=100)
        Sku.objects.create(code="S2", title="Throw", price=50, local_returns_enabled=False)
        for i, status in enumerate(["waiting", "waiting", "allocated"]):
            Backorder.objects.create(
                order_ref=f"o{i}",
                sku=sku,
                value=100,
                customer_zip="78701",
                placed_at=timezone.now() - timedelta(days=i),
                status=status,
            )
        ReturnItem.objects.create(rma_ref="r1", sku=sku, customer_zip="78701")
    response = host_client(brand_a.host, alice).get("/")
    assert response.status_code == 200
    ctx = response.context
    assert (ctx["sku_count"], ctx["local_sku_count"], ctx["backorder_count"], ctx["return_count"]) == (2, 1, 3, 1)
    bars = {bar["value"]: (bar["count"], bar["percent"]) for bar in ctx["backorder_bars"]}
    assert bars["waiting"] == (2, 100)
    assert bars["allocated"] == (1, 50)
    assert bars["cancelled"] == (0, 0)
    assert b"Backorders by status" in response.content


def test_overview_query_count_does_not_grow_with_data(
    host_client, brand_a, in_brand, alice, django_assert_max_num_queries
):
    client = host_client(brand_a.host, alice)
    client.get("/")
    with in_brand(brand_a):
        sku = Sku.objects.create(code="S1", title="Blanket", price=100)
        Backorder.objects.bulk_create(
            Backorder(order_ref=f"o{i}", sku=sku, value=1, customer_zip="78701", placed_at=timezone.now())
            for i in range(50)
        )
    with django_assert_max_num_queries(16):
        client.get("/")
