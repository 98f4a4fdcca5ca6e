"""Every domain error of the fulfillment app: one class per code, each with one HTTP status."""

from closo.exceptions import Conflict, DomainError


class ImportFileError(DomainError):
    """The uploaded CSV cannot be imported at all (nothing is stored)."""

    code = "invalid_csv"


class RowError(DomainError):
    """One CSV row is invalid; `fields` maps column → messages."""

    code = "invalid_row"


class ReturnExists(Conflict):
    code = "return_exists"


class UnknownSku(DomainError):
    code = "unknown_sku"


class InvalidZip(DomainError):
    code = "invalid_zip"


# Hub assignment: the brand (or the engine) picked a hub that cannot take this return.
class UnknownHub(DomainError):
    code = "unknown_hub"


class HubNotActive(Conflict):
    code = "hub_not_active"


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


class WrongHub(Conflict):
    code = "wrong_hub"


class BackorderRejected(DomainError):
    """The backorder cannot be taken as given (see the module docstring for codes)."""

    code = "invalid"


class BackorderConflict(Conflict):
    """The backorder clashes with the current state (exists, cap reached, not open)."""


class RegionInvalid(DomainError):
    """A region's settings are not valid; `fields` maps field → messages."""

    code = "invalid"


class RegionNameTaken(Conflict):
    code = "region_exists"


class SkuExists(Conflict):
    code = "sku_exists"


class SupplyExists(Conflict):
    code = "supply_exists"


class InvalidSupply(DomainError):
    code = "invalid"
