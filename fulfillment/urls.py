"""Brand-portal pages of the fulfillment app (mounted at the root of a brand host)."""

from django.urls import path

from fulfillment.views import (
    activity,
    backorders,
    customer_status,
    dashboard,
    discrepancies,
    emails,
    imports,
    local_fills,
    promises,
    regions,
    returns,
    settings,
    skus,
    storefront,
    supply,
)

urlpatterns = [
    # the dashboard: charts of the brand's figures, each also as CSV
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<slug:chart>.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    # skus
    path("skus/", skus.sku_list, name="sku_list"),
    path("skus/new/", skus.sku_create, name="sku_create"),
    path("skus/import/", skus.sku_import, name="sku_import"),
    path("skus/export.csv", skus.sku_export, name="sku_export"),
    path("skus/<id:pk>/", skus.sku_detail, name="sku_detail"),
    # regions
    path("regions/", regions.region_list, name="region_list"),
    path("regions/new/", regions.region_create, name="region_create"),
    path("regions/<id:pk>/edit/", regions.region_edit, name="region_edit"),
    path("regions/<id:pk>/delete/", regions.region_delete, name="region_delete"),
    # backorders
    path("backorders/", backorders.backorder_list, name="backorder_list"),
    path("backorders/new/", backorders.backorder_create, name="backorder_create"),
    path("backorders/import/", backorders.backorder_import, name="backorder_import"),
    path("backorders/<id:pk>/", backorders.backorder_detail, name="backorder_detail"),
    path("backorders/<id:pk>/cancel/", backorders.backorder_cancel, name="backorder_cancel"),
    path("backorders/<id:pk>/fulfilled/", backorders.backorder_fulfilled, name="backorder_fulfilled"),
    # local fills: shelves, allocations, hand-offs
    path("local-fills/", local_fills.local_fills, name="local_fills"),
    # returns
    path("returns/", returns.return_list, name="return_list"),
    path("returns/new/", returns.return_new, name="return_new"),
    path("returns/new/hubs.json", returns.return_new_hubs, name="return_new_hubs"),
    path("returns/<id:pk>/", returns.return_detail, name="return_detail"),
    path("returns/<id:pk>/route/", returns.return_route, name="return_route"),
    path("returns/<id:pk>/route-hub/", returns.return_route_hub, name="return_route_hub"),
    path("returns/<id:pk>/unroute/", returns.return_unroute, name="return_unroute"),
    path("returns/<id:pk>/received/", returns.return_received, name="return_received"),
    path("returns/<id:pk>/cancel/", returns.return_cancel, name="return_cancel"),
    path("returns/<id:pk>/refund/", returns.return_refund, name="return_refund"),
    # supply
    path("supply/", supply.supply_list, name="supply_list"),
    path("supply/new/", supply.supply_create, name="supply_create"),
    path("supply/<id:pk>/", supply.supply_detail, name="supply_detail"),
    path("supply/<id:pk>/receive/", supply.supply_receive, name="supply_receive"),
    path("supply/<id:pk>/cancel/", supply.supply_cancel, name="supply_cancel"),
    # imports
    path("imports/<id:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<id:pk>/run/", imports.import_run, name="import_run"),
    # shelf counts: missing and unverified units per hub
    path("discrepancies/", discrepancies.discrepancies, name="discrepancies"),
    # activity: configuration changes
    path("activity/", activity.activity_list, name="activity_list"),
    # promise accuracy: the calibration chart
    path("promises/", promises.promise_accuracy_page, name="promise_accuracy"),
    # the local loop's settings
    path("settings/loop/", settings.loop_settings_page, name="loop_settings"),
    path("storefront-demo/", storefront.storefront_demo, name="storefront_demo"),
    # customer e-mails: the log, previews with sample data; the customers' status page
    path("emails/", emails.email_log, name="email_log"),
    path("emails/preview/", emails.email_preview_list, name="email_preview_list"),
    path("emails/preview/<slug:kind>/", emails.email_preview, name="email_preview"),
    path("status/<str:token>/", customer_status.customer_status, name="customer_status"),
]
