from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Inbound webhooks: Shopify orders → backorders, returns platforms → returns."""

    name = "intake"
    default_auto_field = "django.db.models.BigAutoField"
