from django.db import models


def shared_fk(to, **kwargs) -> models.ForeignKey:
    """A tenant table's foreign key to a public-schema row (User, Hub).

    on_delete=DO_NOTHING on purpose: Django's deletion collector runs on the public schema
    and cannot see tenant tables, so CASCADE/SET_NULL/PROTECT would query tables that are
    not there. The database constraint still refuses to delete a referenced row, which is
    what we want: people and hubs in a chain of custody are deactivated, never deleted."""
    kwargs.setdefault("related_name", "+")
    kwargs.setdefault("null", True)
    kwargs.setdefault("blank", True)
    return models.ForeignKey(to, on_delete=models.DO_NOTHING, **kwargs)
