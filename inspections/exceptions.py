"""Domain errors of grading standards and the grading engine. Each carries a `code` the
API returns and a message a person can act on."""

from closo.exceptions import Conflict, DomainError, NotAllowed


class GradingError(DomainError):
    """The answers or the requested grade do not fit the standard (codes `missing_answers`,
    `unknown_item`, `invalid_answer`, `unknown_grade`, `reason_required`,
    `cannot_raise_grade`, `missing_photos`, `unknown_slot`, `photo_too_small`)."""

    code = "invalid_grading"


class InvalidStandard(DomainError):
    """A field of a standard, item, photo slot or disposition map is invalid."""

    code = "invalid_standard"


class NotPublishable(DomainError):
    """The draft is not complete enough to publish (`no_checklist`, `no_required_photo`)."""

    code = "not_publishable"


class StandardExists(Conflict):
    code = "standard_exists"


class DraftExists(Conflict):
    code = "draft_exists"


class VersionPublished(Conflict):
    """Published versions never change: every inspection pins the version it used."""

    code = "version_published"


class DuplicateKey(Conflict):
    code = "duplicate_key"


class NotInVersion(DomainError):
    """No checklist item / photo slot with that key in this version."""

    code = "not_found"
    status = 404


class HubNotActive(DomainError):
    code = "hub_not_active"
    status = 403


class WrongHub(DomainError):
    code = "wrong_hub"
    status = 403


class NotHubMember(DomainError):
    code = "not_hub_member"
    status = 403


class NotDroppedOff(Conflict):
    code = "not_dropped_off"


class AlreadyInspected(Conflict):
    code = "already_inspected"


class NoStandard(Conflict):
    code = "no_standard"


class StandardChanged(Conflict):
    code = "standard_changed"


class NotThisHubsItem(NotAllowed):
    code = "not_your_item"


class NotAwaitingInspection(Conflict):
    code = "not_awaiting_inspection"


class UnknownSlot(DomainError):
    code = "unknown_slot"


class InvalidVerdict(DomainError):
    code = "invalid_verdict"


class ReasonRequired(DomainError):
    code = "reason_required"


class AuditDecided(Conflict):
    """An audit is decided once: the first decision counts, later ones are refused."""

    code = "audit_decided"


class InvalidTrustSettings(DomainError):
    code = "invalid_settings"
