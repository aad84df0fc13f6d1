"""What the indicators 4 to 7 share: quantiles computed in Python (portable: PostgreSQL and
SQLite alike), the bounds of a period as moments, and « the interviews validated in the
period »."""

import datetime
import math

from django.db.models import Q
from django.utils import timezone

from entretiens.choices import InterviewStatus
from entretiens.models import Interview
from insertion.statistics.definitions import Period

# « ≤ 12 semaines / plus » of the issue: a DLP at most this many days away (or past).
TWELVE_WEEKS_DAYS = 12 * 7


def quantile(values, q: float) -> float | None:
    """The `q`-quantile (0 ≤ q ≤ 1) with linear interpolation between the two nearest ranks,
    as PostgreSQL's `percentile_cont`: the median of 1, 2, 3, 10 is 2.5, its 9th decile 7.9.
    None for no value."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 1)


def median(values) -> float | None:
    return quantile(values, 0.5)


def ninth_decile(values) -> float | None:
    return quantile(values, 0.9)


def period_moments(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) as aware moments: the period's first day at midnight, the day after its last
    day at midnight, in the project's time zone (a comparison an index can answer)."""
    start = datetime.datetime.combine(period.start, datetime.time.min)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start), timezone.make_aware(end)


def validated_in_period(establishment_ids: list[int], period: Period):
    """The interviews of these establishments validated for the first time in the period
    (version 1 validated between its first and last day): a rectification validated later
    neither moves the interview to another period nor counts it twice; it counts with its
    current answers. Interviews later declared « non réalisé » are left out (as in
    entretiens/sharing.py)."""
    start, end = period_moments(period)
    return (
        Interview.objects.filter(
            establishment_id__in=establishment_ids,
            version__gte=1,
            versions__number=1,
            versions__validated_at__gte=start,
            versions__validated_at__lt=end,
        )
        .exclude(status=InterviewStatus.NOT_DONE)
        .order_by()
    )


def dlp_within_twelve_weeks(today: datetime.date) -> Q:
    """A DLP at most 12 weeks away, or already past (the person is still held)."""
    return Q(expected_release_date__lte=today + datetime.timedelta(days=TWELVE_WEEKS_DAYS))
