from django.urls import path

from fulfillment.apis import imports

urlpatterns = [
    path("imports/<int:pk>", imports.ImportJobDetailApi.as_view(), name="api_import_detail"),
]
