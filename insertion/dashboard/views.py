from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from insertion.accounts.policy import (
    ESTABLISHMENT_STATISTICS_READERS,
    NATIONAL_STATISTICS_READERS,
    role_required,
)
from insertion.dashboard.statistics import (
    ARRIVALS_WINDOW_DAYS,
    RELEASES_WINDOW_DAYS,
    by_region_with_secrecy,
    establishment_counts,
)
from insertion.establishments.models import Establishment


def _windows() -> dict:
    return {"arrivals_days": ARRIVALS_WINDOW_DAYS, "releases_days": RELEASES_WINDOW_DAYS}


@role_required(ESTABLISHMENT_STATISTICS_READERS)
def establishments_overview(request):
    """The manager's landing page: live counts of their establishments."""
    establishments = Establishment.objects.visible_to(request.user).order_by("name")
    table = establishment_counts(establishments, today=timezone.localdate())
    context = {"table": table, **_windows()}
    return render(request, "dashboard/establishments.html", context)


@role_required(NATIONAL_STATISTICS_READERS)
def national_overview(request):
    """National steering: counts by region and establishment, aggregates only."""
    establishments = (
        Establishment.objects.visible_to(request.user)
        .select_related("region")
        .order_by("region__name", "name")
    )
    table = establishment_counts(establishments, today=timezone.localdate())
    regions = by_region_with_secrecy(table)
    context = {
        "table": table,
        "regions": regions,
        "threshold": settings.STATISTICS_SMALLEST_SHOWN,
        **_windows(),
    }
    return render(request, "dashboard/national.html", context)
