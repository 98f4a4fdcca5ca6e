from rest_framework import generics, serializers

from fulfillment.models import Sku


class SkuListApi(generics.ListAPIView):
    """SKUs of this brand. Filter by `category` or `local_returns_enabled`; order by
    `code`, `title`, `price` or `available_qty`."""

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Sku
            fields = [
                "id",
                "code",
                "title",
                "attributes",
                "category",
                "price",
                "weight_grams",
                "local_returns_enabled",
                "available_qty",
                "updated_at",
            ]

    serializer_class = OutputSerializer
    queryset = Sku.objects.all()
    filterset_fields = ["category", "local_returns_enabled"]
    ordering_fields = ["code", "title", "price", "available_qty"]
    ordering = ["code"]
