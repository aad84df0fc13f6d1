"""The steering pages (issue 15): the indicators of the user's level over a period, read from
the nightly snapshot — national steering the country (statistical secrecy), a manager their
establishments (exact figures, each against the national median). Aggregates only: no person is
ever named."""

from django.utils import timezone

from insertion.accounts.models import Role
from insertion.accounts.policy import INDICATOR_READERS, role_required
from insertion.core.lists import page_or_fragment

from .pages import MANAGER_TITLE, NATIONAL_TITLE, page_for
from .period import PeriodForm
from .report import is_subscribed
from .tables import smallest_shown


@role_required(INDICATOR_READERS)
def indicators(request):
    """The page, or its figures only when htmx asks for another period. Before the first
    nightly refresh, a sentence says when the figures will come."""
    period = PeriodForm(request.GET, today=timezone.localdate())
    page = page_for(request.user, period)
    national = request.user.role == Role.NATIONAL
    context = {
        "period": period,
        "page": page,
        "national": national,
        # One query, national steering only: the monthly report's form says where they stand.
        "subscribed": national and is_subscribed(request.user),
        "title": NATIONAL_TITLE if national else MANAGER_TITLE,
        "threshold": smallest_shown(),
        "show_exports": True,
    }
    return page_or_fragment(
        request, "dashboard/indicators/page.html", context, fragment="indicateurs"
    )
