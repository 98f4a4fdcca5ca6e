"""Every domain error of the brands app: one class per code, each with one HTTP status."""

from closo.exceptions import Conflict, DomainError, NotAllowed


# Creating a brand: its slug names its host and its schema.
class InvalidSlug(DomainError):
    code = "invalid_slug"


class SlugTaken(Conflict):
    code = "slug_taken"


class SchemaExists(Conflict):
    """A schema of that name is still there (e.g. from a deleted brand, whose schema is
    kept on purpose): a new brand must never inherit its rows."""

    code = "schema_exists"


# Storefront access (brands/storefront.py): the publishable key and its origins.
class InvalidOrigin(DomainError):
    code = "invalid_origin"


class TooManyOrigins(DomainError):
    code = "too_many_origins"


class PublishableKeyNotAllowed(NotAllowed):
    """A publishable key reads availability and nothing else."""

    code = "publishable_key_not_allowed"


class OriginNotAllowed(NotAllowed):
    code = "origin_not_allowed"


class OriginRequired(NotAllowed):
    """A publishable key is for browsers, which say which page asks (Origin); servers use
    secret keys."""

    code = "origin_required"
