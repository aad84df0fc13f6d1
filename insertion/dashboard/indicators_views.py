"""The steering page (issue 15), first slice: the national role's indicators over a period, read
from the nightly snapshot. Aggregates only: the national role never reaches a named person."""

from django.utils import timezone

from insertion.accounts.policy import NATIONAL_STATISTICS_READERS, role_required
from insertion.core.lists import page_or_fragment
from insertion.dashboard.indicators_page import SMALLEST_SHOWN, PeriodForm, read_page
from insertion.establishments.models import Establishment
from insertion.statistics import figures


@role_required(NATIONAL_STATISTICS_READERS)
def national_indicators(request):
    """The country's indicators by DISP then establishment, with their definitions. Before the
    first nightly refresh, a sentence says when the figures will come."""
    today = timezone.localdate()
    period = PeriodForm(request.GET, today=today)
    computed_at = figures.freshness()
    context = {"period": period, "computed_at": computed_at, "threshold": SMALLEST_SHOWN}
    if computed_at is not None:
        establishments = list(
            Establishment.objects.visible_to(request.user)
            .select_related("region")
            .order_by("region__name", "name")
        )
        context["page"] = read_page(establishments, period.months)
    # The period selector redraws the figures only (htmx), the whole page without JavaScript.
    return page_or_fragment(
        request, "dashboard/indicators/national.html", context, fragment="indicateurs"
    )
