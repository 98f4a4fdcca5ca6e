from django.apps import AppConfig


class PortalsConfig(AppConfig):
    """The surfaces that combine the apps: the hub portal and hub API, the brand overview,
    the demo data. No models of its own."""

    name = "portals"
