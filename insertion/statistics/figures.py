"""Reading the monthly snapshot (models.MonthlyFigure): the indicators of any set of
establishments over any set of months, in ONE query whatever their number, as the `Result`s the
indicator modules compute live.

The query sums each (indicator, key) over the rows of those establishments and months; each
Result is then rebuilt from the sums: numerator, denominator, parts and distribution added up,
the rate computed again from them (`Result.rate`), the quantiles from the summed distribution.
`RULES` says, per indicator, how its value and its figures come back, and which indicators
describe a day rather than a month (« today »: read from the last month asked for only, never
added across months).

Each Result read carries `as_of`: the oldest day its rows were computed on (« Données au … »).
"""

import dataclasses
import datetime

from django.db.models import Min, Q, Sum

from insertion.statistics.definitions import Definition, Result
from insertion.statistics.indicators import barriers, followup, interviews, orientations, releases
from insertion.statistics.indicators.common import quantile_of_counts
from insertion.statistics.models import MonthlyFigure, Refresh

NUMERATOR = "numerator"
DENOMINATOR = "denominator"
PART = "part:"
DIST = "dist:"
FIGURE = "figure:"


@dataclasses.dataclass(frozen=True)
class Rule:
    """How an indicator's Result comes back from its summed counts.

    value: "rate" (numerator ÷ denominator, as Result.rate), "median" (of the distribution) or
    "ratio" (numerator ÷ denominator, two decimals: demand per place).
    today: the indicator describes the day of the refresh, not the month (not additive across
    months). rates: {figure: part} — figure = rate(parts[part], denominator). quantiles:
    {figure: q} of the distribution; smallest, largest, spread: the figure names for the
    distribution's minimum, maximum and number of values. summed_figures: every figure is a
    count that adds up (stored as "figure:<name>")."""

    definition: Definition
    value: str = "rate"
    today: bool = False
    rates: dict[str, str] = dataclasses.field(default_factory=dict)
    quantiles: dict[str, float] = dataclasses.field(default_factory=dict)
    smallest: str = ""
    largest: str = ""
    spread: str = ""
    summed_figures: bool = False


MEDIAN_AND_NINTH_DECILE = {"median_days": 0.5, "ninth_decile_days": 0.9}

RULES: dict[str, Rule] = {
    rule.definition.code: rule
    for rule in (
        Rule(interviews.COVERAGE, rates={"on_time_rate": interviews.VALIDATED_ON_TIME}),
        Rule(interviews.DELAY, quantiles=MEDIAN_AND_NINTH_DECILE),
        Rule(interviews.SYNTHESIS),
        Rule(barriers.BARRIERS),
        Rule(orientations.ORIENTATIONS),
        Rule(orientations.REQUEST_OUTCOMES),
        Rule(orientations.WAITING_TIME, value="median", quantiles=MEDIAN_AND_NINTH_DECILE),
        Rule(orientations.DEMAND, value="ratio", today=True, summed_figures=True),
        Rule(releases.DRY_RELEASES),
        *(Rule(definition) for definition in releases.DRY_RELEASES_BY_OFFENCE.values()),
        Rule(releases.READINESS),
        Rule(releases.DRY_RISK, today=True),
        Rule(
            followup.PEOPLE_PER_CPIP,
            value="median",
            today=True,
            quantiles={"median": 0.5, "ninth_decile": 0.9},
            smallest="min",
            largest="max",
            spread="cpip",
        ),
        Rule(followup.NOT_SEEN, today=True),
        Rule(followup.DLP_BROUGHT_FORWARD, quantiles={"median_days": 0.5}, largest="max_days"),
    )
}
TODAY_CODES = tuple(code for code, rule in RULES.items() if rule.today)
_PARTS_OF_FIGURES = Q(
    *(
        Q(code=code, key=f"{PART}{part}")
        for code, rule in RULES.items()
        for part in rule.rates.values()
    ),
    _connector=Q.OR,
)


@dataclasses.dataclass
class SnapshotResult(Result):
    """A Result read from the snapshot: `as_of`, the day of the oldest refresh among its rows."""

    as_of: datetime.date | None = None


def rows_of(result: Result) -> list[tuple[str, int]]:
    """The (key, count) rows a Result is kept as (snapshot.py writes them). Raises for an
    indicator `RULES` does not know: it would be added across months without a rule."""
    try:
        rule = RULES[result.definition.code]
    except KeyError:
        raise ValueError(
            f"Indicator {result.definition.code!r} has no rule in statistics/figures.py RULES."
        ) from None
    rows = []
    if result.numerator is not None:
        rows.append((NUMERATOR, result.numerator))
    if result.denominator is not None:
        rows.append((DENOMINATOR, result.denominator))
    rows += [(f"{PART}{key}", count) for key, count in result.parts.items()]
    rows += [(f"{DIST}{value}", count) for value, count in result.distribution.items() if count]
    if rule.summed_figures:
        for name, figure in result.figures.items():
            if figure is None or figure != int(figure):
                raise ValueError(f"Figure {name!r} of {rule.definition.code!r} is not a count.")
            rows.append((f"{FIGURE}{name}", int(figure)))
    return rows


def _scope(establishment_ids, months: list[datetime.date], today_month=None) -> Q:
    """The rows of these establishments: the months' rows of the period indicators, and the
    « today » indicators of `today_month` only (by default the last month)."""
    period = Q(month__in=months) & ~Q(code__in=TODAY_CODES)
    today = Q(month=today_month or max(months), code__in=TODAY_CODES)
    return Q(establishment_id__in=establishment_ids) & (period | today)


def _sums(
    establishment_ids,
    months: list[datetime.date],
    *group,
    with_parts=True,
    by_month=False,
    today_month=None,
    codes=None,
):
    if not months:
        raise ValueError("No month to read.")
    if by_month:  # each month apart: its own « today » figures
        scope = Q(establishment_id__in=list(establishment_ids), month__in=months)
    else:
        scope = _scope(list(establishment_ids), months, today_month)
    if not with_parts:  # but those a figure is drawn from
        scope &= ~Q(key__startswith=PART) | _PARTS_OF_FIGURES
    if codes is not None:
        scope &= Q(code__in=list(codes))
    return (
        MonthlyFigure.objects.filter(scope)
        .values(*group, "code", "key")
        .annotate(total=Sum("count"), as_of=Min("computed_on"), first=Min("pk"))
        # The keys in the order the indicators gave them (the order of the rows written).
        .order_by("first")
    )


def _rebuild(code: str, counts: dict[str, int], as_of: datetime.date | None) -> SnapshotResult:
    rule = RULES[code]
    numerator, denominator = counts.get(NUMERATOR), counts.get(DENOMINATOR)
    parts = {key[len(PART) :]: n for key, n in counts.items() if key.startswith(PART)}
    distribution = {
        int(key[len(DIST) :]): n for key, n in counts.items() if key.startswith(DIST) and n
    }
    distribution = dict(sorted(distribution.items()))
    figures: dict[str, float | None] = {}
    for name, part in rule.rates.items():
        figures[name] = Result.rate(parts.get(part, 0), denominator or 0)
    for name, q in rule.quantiles.items():
        figures[name] = quantile_of_counts(distribution, q)
    if rule.smallest:
        figures[rule.smallest] = min(distribution, default=None)
    if rule.largest:
        figures[rule.largest] = max(distribution, default=None)
    if rule.spread:
        figures[rule.spread] = sum(distribution.values())
    if rule.summed_figures:
        figures.update(
            {key[len(FIGURE) :]: n for key, n in counts.items() if key.startswith(FIGURE)}
        )
    if rule.value == "median":
        value = quantile_of_counts(distribution, 0.5)
    elif rule.value == "ratio":
        value = round(numerator / denominator, 2) if denominator else None
    else:
        value = Result.rate(numerator or 0, denominator or 0)
    return SnapshotResult(
        definition=rule.definition,
        numerator=numerator,
        denominator=denominator,
        value=value,
        parts=parts,
        figures=figures,
        distribution=distribution,
        as_of=as_of,
    )


def _results(rows, by: str | None = None):
    """{group: {code: {key: total}}} and the oldest day per (group, code), then the Results in
    the order of RULES."""
    counts: dict = {}
    as_of: dict = {}
    for row in rows:
        group = row[by] if by else None
        counts.setdefault(group, {}).setdefault(row["code"], {})[row["key"]] = row["total"]
        oldest = as_of.get((group, row["code"]))
        as_of[group, row["code"]] = row["as_of"] if oldest is None else min(oldest, row["as_of"])
    return {
        group: {
            code: _rebuild(code, by_code[code], as_of[group, code])
            for code in RULES
            if code in by_code
        }
        for group, by_code in counts.items()
    }


def read(
    establishment_ids, months: list[datetime.date], *, today_month: datetime.date | None = None
) -> dict[str, SnapshotResult]:
    """Every indicator of these establishments together over these months (first days), in one
    query; the « today » indicators as of the last of the months, or of `today_month` (the
    current month: the state of the last refresh). An indicator without any row (never
    refreshed) is absent."""
    return _results(_sums(establishment_ids, months, today_month=today_month)).get(None, {})


def read_by_establishment(
    establishment_ids,
    months: list[datetime.date],
    *,
    with_parts: bool = True,
    today_month: datetime.date | None = None,
    codes: list[str] | None = None,
) -> dict[int, dict[str, SnapshotResult]]:
    """`read` for each establishment apart ({establishment id: {code: Result}}), in one
    query. `with_parts=False` leaves out the parts (but those a figure is drawn from): a third
    of the rows to add up, for the tables that show only the rates, counts and quantiles.
    `codes`: only these indicators (None: every one)."""
    rows = _sums(
        establishment_ids,
        months,
        "establishment_id",
        with_parts=with_parts,
        today_month=today_month,
        codes=codes,
    )
    return _results(rows, by="establishment_id")


def read_by_month(
    establishment_ids,
    months: list[datetime.date],
    *,
    with_parts: bool = True,
    codes: list[str] | None = None,
) -> dict[datetime.date, dict[str, SnapshotResult]]:
    """The monthly trend: `read` of each month apart ({month: {code: Result}}), the « today »
    indicators of each month as of its last refresh, in one query. `codes`: only these
    indicators (None: every one)."""
    rows = _sums(
        establishment_ids, months, "month", with_parts=with_parts, by_month=True, codes=codes
    )
    return _results(rows, by="month")


def freshness() -> datetime.datetime | None:
    """When the last refresh over every establishment started: the figures describe the
    database at that moment (« Données au … »). None before the first one. One query."""
    return (
        Refresh.objects.filter(everywhere=True, finished_at__isnull=False)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
