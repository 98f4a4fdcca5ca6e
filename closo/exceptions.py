class DomainError(Exception):
    """A business rule said no. Carries a machine-readable code and a human message;
    the API turns it into a 4xx with the standard error shape, pages into a message."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
