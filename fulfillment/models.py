from django.core.validators import MinValueValidator
from django.db import models


class Sku(models.Model):
    """A sellable variant in the brand's catalogue (lives in the brand's schema)."""

    code = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    attributes = models.JSONField(default=dict, blank=True, help_text='Variant attributes, e.g. {"colour": "Sage"}.')
    category = models.CharField(max_length=80, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    local_returns_enabled = models.BooleanField(default=True)
    available_qty = models.IntegerField(
        default=0, help_text="On hand at the brand's warehouse, as synced from its WMS."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"
