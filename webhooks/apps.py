from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from fulfillment.models import Event
        from webhooks import receivers

        # Every state move writes an Event (fulfillment.services.events.event_record): the
        # outbound deliveries for it are written in the same transaction (webhooks.events).
        post_save.connect(receivers.event_written, sender=Event, dispatch_uid="webhooks.event_written")
