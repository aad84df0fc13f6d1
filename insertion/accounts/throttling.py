"""Wrong passwords: who is refused, and for how long (issue 11, point 5).

django-axes counts failed logins in its AccessAttempt table, one row per account, address and
browser, and refuses a login when a rule below holds. The rules, over the last
AXES_COOLOFF_TIME (15 minutes), each refusal lasting as long:

1. an account and an address: AXES_FAILURE_LIMIT (5) failures on one account from one address
   refuse that account from that address. The owner elsewhere, and colleagues at the same
   address, still log in: a stranger cannot lock a real user out.
2. an address alone (password spraying): failures on ADDRESS_ACCOUNT_LIMIT (10) distinct
   accounts, or ADDRESS_FAILURE_LIMIT (30) failures in all, refuse that address for every
   account. Agents of a prison share one office address, hence figures well above a few
   typos; and a successful login clears the failures of that account at that address, so an
   office whose agents mistype and then get in accumulates nothing.

The back-office lifts a refusal by deleting the attempts (django-axes' "Tentatives d'accès").
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.db.models import Count, Sum

ADDRESS_ACCOUNT_LIMIT = 10
ADDRESS_FAILURE_LIMIT = 30


def address_is_refused(request) -> bool:
    """Rule 2, read from django-axes' table for the address django-axes resolved."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return False
    counts = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(accounts=Count("username", distinct=True), failures=Sum("failures_since_start"))
    return (
        counts["accounts"] >= ADDRESS_ACCOUNT_LIMIT
        or (counts["failures"] or 0) >= ADDRESS_FAILURE_LIMIT
    )


class AddressAwareHandler(AxesDatabaseHandler):
    """django-axes' database handler, with rule 1 as its settings (AXES_LOCKOUT_PARAMETERS) and
    rule 2 added: django-axes has one failure limit for all its lockout parameters, and no
    count of distinct accounts."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or address_is_refused(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        # The failure that reaches the address threshold is answered by the lockout page
        # at once, as the fifth on one account is.
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if address_is_refused(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def address_seen_by_proxy(request) -> str | None:
    """Behind our reverse proxy, REMOTE_ADDR is the proxy's own address, the same for everyone.
    The client's is the last entry of X-Forwarded-For, the one the proxy wrote; earlier entries
    are whatever the client chose to send."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or request.META.get("REMOTE_ADDR")
