"""Every domain error of the webhooks app: one class per code, each with one HTTP status."""

from closo.exceptions import Conflict, DomainError

# Errors this app shares with others (closo.exceptions): InvalidTransition (a delivery
# being sent right now cannot be redelivered).


class EndpointRefused(DomainError):
    """The URL is not https, or resolves to an address webhooks may not go to (SSRF)."""

    code = "endpoint_refused"


class UnknownEventType(DomainError):
    code = "unknown_event_type"


class NoEventTypes(DomainError):
    code = "no_event_types"


class EndpointActive(Conflict):
    code = "endpoint_active"
