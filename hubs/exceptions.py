from closo.exceptions import DomainError


class UnknownZip(DomainError):
    code = "unknown_zip"


class InvalidHubTransition(DomainError):
    code = "invalid_transition"
    status = 409


class VettingIncomplete(DomainError):
    code = "vetting_incomplete"
    status = 409
