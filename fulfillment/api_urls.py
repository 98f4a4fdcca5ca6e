"""Brand API v1 endpoints of the fulfillment app, one module per area under api_routes/."""

from fulfillment.api_routes import backorders, imports, regions, returns, skus, supply

urlpatterns = [
    *skus.urlpatterns,
    *regions.urlpatterns,
    *backorders.urlpatterns,
    *returns.urlpatterns,
    *supply.urlpatterns,
    *imports.urlpatterns,
]
