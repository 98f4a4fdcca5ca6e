from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from brands.selectors.brands import membership_for


def brand_member_required(view=None, *, write: bool = False):
    """Brand-host pages: signed in, and a member of *this host's* brand (request.tenant).
    A non-member gets 404, so a host never confirms what it holds. With write=True,
    viewers get 403."""

    def decorator(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(user=request.user, brand=request.tenant)
            if membership is None:
                raise Http404("Not a member of this brand.")
            if write and not membership.can_write:
                from django.core.exceptions import PermissionDenied

                raise PermissionDenied("Your role can read but not change this brand.")
            request.membership = membership
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view else decorator
