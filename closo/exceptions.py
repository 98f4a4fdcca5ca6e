"""The domain error base classes and the errors more than one app raises."""


class DomainError(Exception):
    """A business rule said no. Carries a machine-readable code and a human message;
    the API turns it into a 4xx with the standard error shape, pages into a message.

    The code belongs to the class: each subclass sets its own `code` and `status`, and
    one code is carried by one class only (tests/test_contracts.py). DomainError itself
    has no code and cannot be raised."""

    code: str | None = None
    status = 400

    def __init__(self, message: str, *, fields: dict | None = None):
        if self.code is None:
            raise TypeError(f"{type(self).__name__} has no code: raise one of its subclasses.")
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


# Bases by status, each with a code of its own that no error it groups carries.
class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


# Input that no retry fixes: a value is wrong or missing.
class Invalid(DomainError):
    code = "invalid"


class Required(DomainError):
    code = "required"


class ReasonRequired(DomainError):
    code = "reason_required"


# Requests refused by the input layer (closo.inputs) before a view reads them.
class InvalidJson(DomainError):
    code = "invalid_json"


class ExpectedObject(DomainError):
    code = "expected_object"


class InvalidCharacters(DomainError):
    code = "invalid_characters"


class RequestTooLarge(DomainError):
    code = "request_too_large"
    status = 413


# Uploaded files (CSV imports, inspection photos).
class EmptyFile(DomainError):
    code = "empty_file"


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413


# State machines (closo.statemachine): the move is not allowed from the current state (it
# may be, later), or not to this party.
class InvalidTransition(Conflict):
    code = "invalid_transition"


class TransitionNotAllowed(NotAllowed):
    code = "transition_not_allowed"


# A hub acting on a return (receiving a drop-off, inspecting): it must be active, and the
# return must be assigned to it.
class HubNotActive(Conflict):
    code = "hub_not_active"


class WrongHub(Conflict):
    code = "wrong_hub"


# Brute-force protection (closo.attempts): too many failed attempts, or e-mails asked for.
class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, message: str, *, retry_after: int | None = None, fields: dict | None = None):
        super().__init__(message, fields=fields)
        self.retry_after = retry_after  # seconds: the Retry-After header
