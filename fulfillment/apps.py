from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from fulfillment import receivers
        from fulfillment.models import Backorder, Event, InboundSupply, RegionLimit, Sku, StockUnit
        from hubs.models import Hub, HubEvent, PostalCode
        from hubs.signals import hub_suspended

        hub_suspended.connect(receivers.hub_suspended_reroute, dispatch_uid="fulfillment.hub_suspended_reroute")
        # The availability selector's in-process caches (fulfillment/selectors/availability.py).
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(receivers.purchase_orders_changed, sender=InboundSupply, dispatch_uid=f"po_{name}")
            signal.connect(receivers.postal_codes_changed, sender=PostalCode, dispatch_uid=f"postal_code_{name}")
            for model in (Sku, RegionLimit, Backorder, StockUnit, InboundSupply):
                signal.connect(
                    receivers.supply_row_changed, sender=model, dispatch_uid=f"supply_{model.__name__}_{name}"
                )
            signal.connect(receivers.hubs_changed, sender=Hub, dispatch_uid=f"hub_{name}")
        post_save.connect(receivers.supply_event_written, sender=Event, dispatch_uid="supply_event_saved")
        post_save.connect(receivers.supply_moved, sender=Event, dispatch_uid="supply_moved")
        post_save.connect(receivers.hubs_changed, sender=HubEvent, dispatch_uid="hub_moved")
