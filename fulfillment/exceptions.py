from closo.exceptions import DomainError


class ImportFileError(DomainError):
    """The uploaded CSV cannot be imported at all (nothing is stored)."""

    code = "invalid_csv"


class RowError(DomainError):
    """One CSV row is invalid; `fields` maps column → messages."""

    code = "invalid_row"
