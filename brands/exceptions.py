"""Every domain error of the brands app: one class per code, each with one HTTP status."""

from closo.exceptions import Conflict, DomainError


# Creating a brand: its slug names its host and its schema.
class InvalidSlug(DomainError):
    code = "invalid_slug"


class SlugTaken(Conflict):
    code = "slug_taken"


class SchemaExists(Conflict):
    """A schema of that name is still there (e.g. from a deleted brand, whose schema is
    kept on purpose): a new brand must never inherit its rows."""

    code = "schema_exists"
