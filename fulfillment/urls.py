"""Brand-portal pages of the fulfillment app, one module per area under routes/."""

from fulfillment.routes import backorders, imports, regions, returns, skus, supply

urlpatterns = [
    *skus.urlpatterns,
    *regions.urlpatterns,
    *backorders.urlpatterns,
    *returns.urlpatterns,
    *supply.urlpatterns,
    *imports.urlpatterns,
]
