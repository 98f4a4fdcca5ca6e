"""Every domain error of the inspections app: one class per code, each with one HTTP status."""

from closo.exceptions import Conflict, DomainError, EmptyFile, FileTooLarge, NotAllowed

# Errors this app shares with others (closo.exceptions): Invalid, Required, ReasonRequired,
# EmptyFile, FileTooLarge, HubNotActive, WrongHub.


# Grading (inspections.engine): the answers, photos or requested grade do not fit the
# standard version.
class UnknownItem(DomainError):
    code = "unknown_item"


class InvalidAnswer(DomainError):
    code = "invalid_answer"


class MissingAnswers(DomainError):
    code = "missing_answers"


class UnknownGrade(DomainError):
    code = "unknown_grade"


class CannotRaiseGrade(DomainError):
    code = "cannot_raise_grade"


class UnknownSlot(DomainError):
    code = "unknown_slot"


class MissingPhotos(DomainError):
    code = "missing_photos"


class PhotoTooSmall(DomainError):
    code = "photo_too_small"


# Editing a standard: a field of a standard, item, photo slot or disposition map is invalid.
class TooLong(DomainError):
    code = "too_long"


class InvalidKey(DomainError):
    code = "invalid_key"


class InvalidSlot(DomainError):
    code = "invalid_slot"


class InvalidMinLongEdge(DomainError):
    code = "invalid_min_long_edge"


class MissingGrade(DomainError):
    code = "missing_grade"


class UnknownDisposition(DomainError):
    code = "unknown_disposition"


class UnknownScope(DomainError):
    code = "unknown_scope"


class SkuRequired(DomainError):
    code = "sku_required"


class InvalidOrder(DomainError):
    code = "invalid_order"


class NotInVersion(DomainError):
    """No checklist item / photo slot with that key in this version."""

    code = "not_found"
    status = 404


# Standards and versions: what clashes with their current state.
class StandardExists(Conflict):
    code = "standard_exists"


class DraftExists(Conflict):
    code = "draft_exists"


class VersionPublished(Conflict):
    """Published versions never change: every inspection pins the version it used."""

    code = "version_published"


class DuplicateKey(Conflict):
    code = "duplicate_key"


# Publishing: the draft is not complete enough.
class NoChecklist(DomainError):
    code = "no_checklist"


class NoRequiredPhoto(DomainError):
    code = "no_required_photo"


# A hub inspecting a return: who may, and whether the return is ready for it.
class NotHubMember(NotAllowed):
    code = "not_hub_member"


class NotThisHubsItem(NotAllowed):
    code = "not_your_item"


class NotDroppedOff(Conflict):
    code = "not_dropped_off"


class NotAwaitingInspection(Conflict):
    code = "not_awaiting_inspection"


class AlreadyInspected(Conflict):
    code = "already_inspected"


class NoStandard(Conflict):
    code = "no_standard"


class StandardChanged(Conflict):
    code = "standard_changed"


# Submitting: the evidence must be complete, and the start time the one the form signed.
class PhotosProcessing(Conflict):
    """Some photos are still being processed (their SHA-256 is not known yet): the same
    submit succeeds once they are ready, so the client retries after `retry_after` seconds
    (the API also sends it as `Retry-After`)."""

    code = "photos_processing"
    retry_after = 2  # seconds: processing a phone photo takes about a second


class PhotoFailed(DomainError):
    """A required photo could not be processed: no retry helps, the hub takes it again."""

    code = "photo_failed"


class InvalidStartedToken(DomainError):
    """The `started_token` is missing, not signed by us, for another return or hub, from
    the future or too old: the duration of an inspection is not the client's to state."""

    code = "invalid_started_token"


# Photo uploads (inspections.imaging): what the bytes of a file are refused for.
class NotAnImage(DomainError):
    code = "not_an_image"
    status = 415


class UnsupportedType(DomainError):
    code = "unsupported_type"
    status = 415


class TooManyPixels(DomainError):
    code = "too_many_pixels"
    status = 413


class CorruptImage(DomainError):
    code = "corrupt_image"


# Every reason a photo is refused, for `except PHOTO_REJECTIONS`.
PHOTO_REJECTIONS = (EmptyFile, FileTooLarge, NotAnImage, UnsupportedType, TooManyPixels, CorruptImage)


# Audits and trust settings.
class InvalidVerdict(DomainError):
    code = "invalid_verdict"


class ReasonTooLong(DomainError):
    code = "reason_too_long"


class AuditDecided(Conflict):
    """An audit is decided once: the first decision counts, later ones are refused."""

    code = "audit_decided"


class InvalidTrustSettings(DomainError):
    code = "invalid_settings"
