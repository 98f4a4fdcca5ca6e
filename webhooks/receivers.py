"""What the webhooks app does when a lower app writes something (connected in
WebhooksConfig.ready)."""

from __future__ import annotations

from webhooks.services.events import deliveries_for_event


def event_written(sender, *, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A fulfillment Event row was written (a state move): queue the outbound deliveries it
    maps to, in the move's own transaction (so a rolled-back move sends nothing)."""
    if created and not raw:
        deliveries_for_event(event=instance)
