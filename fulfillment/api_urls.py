"""Brand API v1 endpoints of the fulfillment app (mounted at /api/v1/ on a brand host)."""

from django.urls import path

from fulfillment.apis import (
    activity,
    advice,
    availability,
    backorders,
    discrepancies,
    imports,
    inventory,
    metrics,
    promises,
    regions,
    returns,
    settings,
    skus,
    supply,
)

urlpatterns = [
    # availability and the promise: the storefront's hot path, first of the brand API's
    # patterns (closo.urls_api, closo.urls_tenant) so that it resolves at the first match
    path("availability", availability.availability_endpoint, name="api_availability"),
    # skus
    # import/export before <code>: those two words are reserved as SKU codes.
    path("skus/", skus.SkuListApi.as_view(), name="api_sku_list"),
    path("skus/import", skus.SkuImportApi.as_view(), name="api_sku_import"),
    path("skus/export", skus.SkuExportApi.as_view(), name="api_sku_export"),
    path("skus/<str:code>", skus.SkuDetailApi.as_view(), name="api_sku_detail"),
    path("skus/<str:code>/stock", skus.SkuStockApi.as_view(), name="api_sku_stock"),
    # the WMS's report of many SKUs
    path("inventory", inventory.InventoryApi.as_view(), name="api_inventory"),
    # regions
    path("regions/", regions.RegionCollectionApi.as_view(), name="api_region_list"),
    path("regions/check", regions.RegionCheckApi.as_view(), name="api_region_check"),
    path("regions/<id:pk>", regions.RegionItemApi.as_view(), name="api_region_detail"),
    # backorders
    path("backorders/", backorders.BackorderCollectionApi.as_view(), name="api_backorder_list"),
    path("backorders/import", backorders.BackorderImportApi.as_view(), name="api_backorder_import"),
    path("backorders/<id:pk>", backorders.BackorderDetailApi.as_view(), name="api_backorder_detail"),
    path("backorders/<id:pk>/cancel", backorders.BackorderCancelApi.as_view(), name="api_backorder_cancel"),
    path("backorders/<id:pk>/fulfilled", backorders.BackorderFulfilledApi.as_view(), name="api_backorder_fulfilled"),
    # returns
    path("returns/", returns.ReturnListCreateApi.as_view(), name="api_return_list"),
    path("returns/<id:pk>", returns.ReturnDetailApi.as_view(), name="api_return_detail"),
    path("returns/<id:pk>/events", returns.ReturnEventListApi.as_view(), name="api_return_events"),
    path("returns/<id:pk>/route", returns.ReturnRouteApi.as_view(), name="api_return_route"),
    path("returns/<id:pk>/unroute", returns.ReturnUnrouteApi.as_view(), name="api_return_unroute"),
    path("returns/<id:pk>/received", returns.ReturnReceivedApi.as_view(), name="api_return_received"),
    path("returns/<id:pk>/cancel", returns.ReturnCancelApi.as_view(), name="api_return_cancel"),
    path("returns/<id:pk>/refund", returns.ReturnRefundApi.as_view(), name="api_return_refund"),
    # supply
    path("supply/", supply.SupplyListApi.as_view(), name="api_supply_list"),
    path("supply/<id:pk>", supply.SupplyDetailApi.as_view(), name="api_supply_detail"),
    path("supply/<id:pk>/receive", supply.SupplyReceiveApi.as_view(), name="api_supply_receive"),
    path("supply/<id:pk>/cancel", supply.SupplyCancelApi.as_view(), name="api_supply_cancel"),
    # imports
    path("imports/<id:pk>", imports.ImportJobDetailApi.as_view(), name="api_import_detail"),
    # shelf counts
    path("discrepancies", discrepancies.DiscrepanciesApi.as_view(), name="api_discrepancies"),
    # activity: configuration changes
    path("activity/", activity.ActivityListApi.as_view(), name="api_activity_list"),
    # promise accuracy: kept share against stated confidence
    path("promises/accuracy", promises.PromiseAccuracyApi.as_view(), name="api_promise_accuracy"),
    # metrics: the economics ledger and service figures (the dashboard's numbers)
    path("metrics", metrics.MetricsApi.as_view(), name="api_metrics"),
    # the local loop's settings
    path("settings/loop", settings.LoopSettingsApi.as_view(), name="api_loop_settings"),
    # advice: computations that change nothing
    path("advice/split-ship", advice.SplitShipAdviceApi.as_view(), name="api_split_ship_advice"),
]
