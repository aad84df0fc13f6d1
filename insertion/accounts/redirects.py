"""Where a login step sends the user next: the one reader of `?next=` (issue 11, point 4)."""

from django.http import QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from insertion.accounts.policy import landing_url

NEXT_MAX_LENGTH = 2000


def is_local_path(request, value: str) -> bool:
    """A path of this site: starts with one "/" (not "//", a host) and passes Django's check,
    which also refuses "/\\host", schemes and control characters. Anything else, even a
    harmless-looking "x", is not a path: redirect() would take it for a view name."""
    return (
        value.startswith("/")
        and not value.startswith("//")
        and len(value) <= NEXT_MAX_LENGTH
        and value.isprintable()
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


def next_url(request) -> str:
    """`next` (form first, then query string) when it is a local path, else the landing page."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if is_local_path(request, value):
        return value
    return landing_url(request.user) or reverse("accounts:home")


def with_next(view_name: str, path: str) -> str:
    """The URL of `view_name` carrying `path` as `next`, encoded as Django's own login redirect
    does: a "&" in the page's query string must not be cut off `next`."""
    query = QueryDict(mutable=True)
    query["next"] = path
    return f"{reverse(view_name)}?{query.urlencode(safe='/')}"
