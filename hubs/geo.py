"""Great-circle distance in Python and in SQL, with a bounding-box prefilter.

The box turns "within N miles" into four range conditions an index on (lat, lon) can
serve; the exact haversine distance is then computed only for the rows inside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import F, FloatField, Func, Value
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LAT = 69.055  # 2πR / 360


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def as_filter(self, lat_field: str = "lat", lon_field: str = "lon") -> dict:
        return {
            f"{lat_field}__gte": self.min_lat,
            f"{lat_field}__lte": self.max_lat,
            f"{lon_field}__gte": self.min_lon,
            f"{lon_field}__lte": self.max_lon,
        }


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, miles: float) -> BoundingBox:
    """The smallest lat/lon box that contains every point within `miles` of (lat, lon)."""
    dlat = miles / MILES_PER_DEGREE_LAT
    cos_lat = math.cos(math.radians(lat))
    # Near the poles a degree of longitude shrinks to nothing: take the whole circle.
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, miles / (MILES_PER_DEGREE_LAT * cos_lat))
    return BoundingBox(lat - dlat, lat + dlat, lon - dlon, lon + dlon)


def distance_miles_expression(lat: float, lon: float, lat_field: str = "lat", lon_field: str = "lon") -> Func:
    """A database expression for the haversine distance from (lat, lon) to each row."""
    p1 = math.radians(lat)
    p2 = Radians(F(lat_field))
    half_dlat = (p2 - Value(p1)) / 2
    half_dlon = (Radians(F(lon_field)) - Value(math.radians(lon))) / 2
    a = Power(Sin(half_dlat), 2) + Value(math.cos(p1)) * Cos(p2) * Power(Sin(half_dlon), 2)
    return ExpressionWrapper(
        Value(2 * EARTH_RADIUS_MILES) * ASin(Least(Value(1.0), Sqrt(a))), output_field=FloatField()
    )
