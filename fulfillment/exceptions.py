"""Every domain error of the fulfillment app: one class per code, each with one HTTP status."""

from closo.exceptions import Conflict, DomainError

# Errors this app shares with others (closo.exceptions): Invalid, Required, ReasonRequired,
# EmptyFile, FileTooLarge, InvalidTransition, HubNotActive, WrongHub.


# CSV imports: a file that cannot be imported at all (nothing is stored).
class NotUtf8(DomainError):
    code = "not_utf8"


class NotCsv(DomainError):
    code = "not_csv"


class MissingColumns(DomainError):
    code = "missing_columns"


class TooManyRows(DomainError):
    code = "too_many_rows"


# CSV imports: one row is reported and skipped, the others are kept.
class RowError(DomainError):
    """One CSV row is invalid; `fields` maps column → messages."""

    code = "invalid_row"


# Field values every kind of record checks.
class UnknownSku(DomainError):
    code = "unknown_sku"


class InvalidZip(DomainError):
    code = "invalid_zip"


class MinValue(DomainError):
    code = "min_value"


# SKUs.
class SkuExists(Conflict):
    code = "sku_exists"


class Immutable(DomainError):
    """The SKU code is its identity: it never changes."""

    code = "immutable"


# Returns.
class ReturnExists(Conflict):
    code = "return_exists"


# Hub assignment: the brand (or the engine) picked a hub that cannot take this return.
class UnknownHub(DomainError):
    code = "unknown_hub"


class HubNotServing(DomainError):
    code = "hub_not_serving"


class NotLocalEligible(DomainError):
    code = "not_local_eligible"


# Receiving a drop-off: what can be wrong with the code a hub types or scans.
class UnknownCode(DomainError):
    code = "unknown_code"
    status = 404


class CodeUsed(Conflict):
    code = "code_used"


class CodeCancelled(Conflict):
    code = "code_cancelled"


class CodeExpired(DomainError):
    code = "code_expired"
    status = 410


# Backorders: refused as given (400; a retry never succeeds) …
class RegionNotAllowed(DomainError):
    code = "region_not_allowed"


class ConsentRequired(DomainError):
    code = "consent_required"


class PromiseTooLate(DomainError):
    code = "promise_too_late"


# … or clashing with the current state (409; states that can change on their own).
class BackorderExists(Conflict):
    code = "backorder_exists"


class RegionCapReached(Conflict):
    code = "region_cap_reached"


class RegionChanged(Conflict):
    code = "region_changed"


# Region limits.
class NoRule(DomainError):
    """A region must say where it is: ZIP prefixes, ZIP codes or miles from a hub."""

    code = "no_rule"


class RegionNameTaken(Conflict):
    code = "region_exists"


# Inbound supply.
class DateInPast(DomainError):
    code = "date_in_past"


class SupplyExists(Conflict):
    code = "supply_exists"


# Shelf counts.
class UnitNotAtHub(DomainError):
    """The unit is not one of the counting hub's (another hub's looks the same)."""

    code = "unit_not_at_hub"
    status = 404


# Split-ship advice.
class NothingToSplit(DomainError):
    """Advice needs an order with a line in stock and a line on backorder."""

    code = "nothing_to_split"


class WaitUnknown(DomainError):
    """No expected wait was sent and none can be read from a backorder's promise."""

    code = "wait_unknown"
