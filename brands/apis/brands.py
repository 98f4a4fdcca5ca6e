from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.models import ApiKey
from brands.selectors.brands import membership_for


class BrandDetailApi(APIView):
    """The brand this host serves and who is calling: a cheap way to check a key."""

    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        slug = serializers.CharField()
        host = serializers.CharField()
        principal = serializers.DictField()

    @extend_schema(responses=OutputSerializer, operation_id="brand_retrieve")
    def get(self, request):
        brand = request.tenant
        if isinstance(request.auth, ApiKey):
            principal = {"type": "api_key", "key_id": request.auth.key_id, "role": request.auth.role}
        else:
            membership = membership_for(user=request.user, brand=brand)
            principal = {"type": "user", "email": request.user.email, "role": membership.role}
        data = {"name": brand.name, "slug": brand.slug, "host": brand.host, "principal": principal}
        return Response(self.OutputSerializer(data).data)
