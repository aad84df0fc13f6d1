"""What the indicators share: quantiles computed in Python (portable: PostgreSQL and SQLite
alike), the bounds of a period as moments, and « the interviews validated in the period ».

Quantiles are computed from a distribution, {whole value: how many} (`Result.distribution`),
never from a list directly: a distribution kept per establishment and month adds up
(`collections.Counter`) and gives the same median again over any scope and period, which a
median does not. `quantile` over the list of values is the reference it is tested against.
"""

import datetime
import math
from collections import Counter
from collections.abc import Iterable

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


def distribution_of(values: Iterable[int]) -> dict[int, int]:
    """{value: how many times it occurs}, by increasing value. The values are whole numbers
    (days, people): a distribution of fractions would not add up into the same bins."""
    counts = Counter(values)
    if any(not isinstance(value, int) for value in counts):
        raise TypeError("A distribution counts whole values (days, people).")
    return dict(sorted(counts.items()))


def _value_at_rank(ordered: list[tuple[int, int]], rank: int) -> int:
    """The value at `rank` (0-based) of the values in increasing order, expanded."""
    seen = 0
    for value, count in ordered:
        seen += count
        if rank < seen:
            return value
    raise IndexError(rank)


def quantile_of_counts(distribution: dict[int, int], q: float) -> float | None:
    """`quantile` of the values the distribution counts, without expanding them: the same
    ranks, the same interpolation, the same rounding, hence the very same figure. Values
    counted 0 times (or fewer) are absent. None for no value."""
    ordered = sorted((value, count) for value, count in distribution.items() if count > 0)
    total = sum(count for _, count in ordered)
    if not total:
        return None
    position = (total - 1) * q
    low, high = math.floor(position), math.ceil(position)
    low_value, high_value = _value_at_rank(ordered, low), _value_at_rank(ordered, high)
    value = low_value + (high_value - low_value) * (position - low)
    return round(value, 1)


def distribution_figures(distribution: dict[int, int]) -> dict[str, float | None]:
    """The figures every distribution gives: "median", "ninth_decile", "min", "max" (None
    for an empty one)."""
    present = [value for value, count in distribution.items() if count > 0]
    return {
        "median": quantile_of_counts(distribution, 0.5),
        "ninth_decile": quantile_of_counts(distribution, 0.9),
        "min": min(present, default=None),
        "max": max(present, default=None),
    }


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
