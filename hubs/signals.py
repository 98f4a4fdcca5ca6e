"""Signals hubs send for the apps above them (hubs cannot import them: DESIGN.md §3).

`hub_suspended` is sent after the transaction that suspended a hub committed, with
`hub_id` and `actor` (who suspended it): fulfillment re-routes the returns on their way
to that hub (connected in fulfillment.apps.FulfillmentConfig.ready)."""

from django.dispatch import Signal

hub_suspended = Signal()
