"""Every domain error of the hubs app: one class per code, each with one HTTP status."""

from closo.exceptions import Conflict, DomainError

# Errors this app shares with others (closo.exceptions): ReasonRequired, InvalidTransition.


# Applying to host a hub.
class UnknownZip(DomainError):
    code = "unknown_zip"


# Vetting a hub (staff).
class UnknownCheck(DomainError):
    code = "unknown_check"


class VettingIncomplete(Conflict):
    code = "vetting_incomplete"


# The hub's own tasks (packing for the warehouse).
class TaskNotFound(DomainError):
    """No such open task at the member's hub (another hub's task looks the same)."""

    code = "task_not_found"
    status = 404
