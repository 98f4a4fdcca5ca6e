from closo.exceptions import Conflict, DomainError


class SlugTaken(Conflict):
    code = "slug_taken"


class InvalidSlug(DomainError):
    code = "invalid_slug"
