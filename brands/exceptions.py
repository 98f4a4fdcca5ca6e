from closo.exceptions import Conflict, DomainError


class SlugTaken(Conflict):
    code = "slug_taken"


class InvalidSlug(DomainError):
    code = "invalid_slug"


class SchemaExists(Conflict):
    """A schema of that name is still there (e.g. from a deleted brand, whose schema is
    kept on purpose): a new brand must never inherit its rows."""

    code = "schema_exists"
