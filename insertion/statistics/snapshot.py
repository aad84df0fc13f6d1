"""Refreshing the monthly snapshot (models.MonthlyFigure): every indicator computed live
(indicators/*.py) for each establishment and calendar month, kept as counts that add up
(figures.rows_of).

Nightly by beat (tasks.refresh_statistics) over the last 18 full months and the current one:
the figures of a past month still move (an interview validated late, a request placed, a
synthesis sent), so they are computed again each night; older months stay as last computed.

Each (establishment, month) slice is replaced in its own transaction (delete, then insert): a
crash in the middle leaves the previous slice whole, and running twice gives the same rows. The
« today » indicators (figures.TODAY_CODES) are written only into the slice of the refresh's own
month; the slices of past months keep theirs, the state at that month's last refresh.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from insertion.establishments.models import Establishment
from insertion.statistics.definitions import Period, Result
from insertion.statistics.figures import TODAY_CODES, rows_of
from insertion.statistics.indicators import barriers, followup, interviews, orientations, releases
from insertion.statistics.models import MonthlyFigure, Refresh

logger = logging.getLogger(__name__)

MODULES = (interviews, barriers, orientations, releases, followup)
# The full months before the current one computed again each night.
MONTHS_KEPT_FRESH = 18


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def shift_months(month: datetime.date, count: int) -> datetime.date:
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return datetime.date(year, index + 1, 1)


def default_months(today: datetime.date) -> list[datetime.date]:
    """The last MONTHS_KEPT_FRESH full months and the current one, oldest first."""
    current = first_of_month(today)
    return [shift_months(current, -n) for n in range(MONTHS_KEPT_FRESH, -1, -1)]


def compute_month(establishment_id: int, month: datetime.date, today: datetime.date):
    """Every indicator of one establishment over one calendar month, as `Result`s."""
    period = Period.month(month.year, month.month)
    results: list[Result] = []
    for module in MODULES:
        computed = module.compute([establishment_id], period, today=today)
        results.extend([computed] if isinstance(computed, Result) else computed)
    return results


def replace_slice(
    establishment_id: int, month: datetime.date, results: list[Result], today: datetime.date
) -> int:
    """Replace the rows of one (establishment, month) by those of `results`, atomically; the
    « today » indicators only when `month` is the month of `today` (kept as they are
    otherwise). Returns the number of rows written."""
    with_today = month == first_of_month(today)
    rows = [
        MonthlyFigure(
            establishment_id=establishment_id,
            month=month,
            code=result.definition.code,
            key=key,
            count=count,
            computed_on=today,
        )
        for result in results
        if with_today or result.definition.code not in TODAY_CODES
        for key, count in rows_of(result)
    ]
    with transaction.atomic():
        # Two refreshes of the same slice at once wait for each other here (no duplicate key).
        list(
            Establishment.objects.select_for_update(no_key=True)
            .filter(pk=establishment_id)
            .values_list("pk", flat=True)
        )
        old = MonthlyFigure.objects.filter(establishment_id=establishment_id, month=month)
        if not with_today:
            old = old.exclude(code__in=TODAY_CODES)
        old.delete()
        MonthlyFigure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def refresh(
    months: list[datetime.date] | None = None,
    establishment_ids: list[int] | None = None,
    today: datetime.date | None = None,
) -> Refresh:
    """Compute again the slices of these months (first days; default `default_months`) for
    these establishments (default: all), as of `today` (default: the local date). Returns the
    `Refresh` row, finished."""
    today = today or timezone.localdate()
    months = sorted(set(months or default_months(today)))
    if any(month.day != 1 for month in months):
        raise ValueError("A month is given by its first day.")
    if months[-1] > first_of_month(today):
        raise ValueError("A month after today's cannot be computed.")
    everywhere = establishment_ids is None
    if everywhere:
        establishment_ids = list(Establishment.objects.order_by("pk").values_list("pk", flat=True))
    run = Refresh.objects.create(
        today=today,
        first_month=months[0],
        last_month=months[-1],
        establishment_count=len(establishment_ids),
        everywhere=everywhere,
    )
    rows = 0
    for establishment_id in establishment_ids:
        for month in months:
            results = compute_month(establishment_id, month, today)
            rows += replace_slice(establishment_id, month, results, today)
    run.rows = rows
    run.finished_at = timezone.now()
    run.save(update_fields=["rows", "finished_at"])
    logger.info(
        "statistics refreshed: %d months, %d establishments, %d rows in %s",
        len(months),
        len(establishment_ids),
        rows,
        run.finished_at - run.started_at,
    )
    return run
