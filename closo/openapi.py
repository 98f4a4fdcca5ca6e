import inspect

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_view


class AutoSchema(SpectacularAutoSchema):
    """Name nested serializers after the classes they are nested in: SkuListApi.OutputSerializer
    → SkuListOutput, HubQueueApi.OutputSerializer.LaneSerializer → HubQueueOutputLane. Every
    API view nests its own Input/Output serializers, so plain class names collide."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer.child.__class__ if hasattr(serializer, "child") else serializer.__class__
        if "." in cls.__qualname__ and not getattr(getattr(cls, "Meta", None), "ref_name", None):
            parts = [part.removesuffix("Api").removesuffix("Serializer") for part in cls.__qualname__.split(".")]
            return "".join(parts) + ("Request" if direction == "request" and name.endswith("Request") else "")
        return name


def described_by(**operations: type):
    """Class decorator for a view that serves several operations on one URL, each written as
    its own view class (e.g. `get=RegionListApi, post=RegionCreateApi`): every method's
    OpenAPI description is the docstring of its operation's class."""
    return extend_schema_view(
        **{method: extend_schema(description=inspect.getdoc(view)) for method, view in operations.items()}
    )
