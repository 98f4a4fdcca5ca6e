from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fulfillment.receivers import hub_suspended_reroute
        from hubs.signals import hub_suspended

        hub_suspended.connect(hub_suspended_reroute, dispatch_uid="fulfillment.hub_suspended_reroute")
