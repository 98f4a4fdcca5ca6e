from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Name nested serializers after their view: SkuListApi.OutputSerializer → SkuListOutput.
    Every API view nests its own Input/Output serializers, so plain class names collide."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer.child.__class__ if hasattr(serializer, "child") else serializer.__class__
        outer, _, inner = cls.__qualname__.rpartition(".")
        if outer and not getattr(getattr(cls, "Meta", None), "ref_name", None):
            outer = outer.split(".")[-1].removesuffix("Api")
            inner = inner.removesuffix("Serializer")
            return outer + inner + ("Request" if direction == "request" and name.endswith("Request") else "")
        return name
