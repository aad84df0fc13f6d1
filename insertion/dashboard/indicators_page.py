"""The steering page's read side (issue 15, first slice, national role): the period chosen, the
headline figures of the whole country, the table by DISP then establishment and the barrier
chart — all read from the nightly snapshot (insertion/statistics/figures.py) in two queries
whatever the number of establishments, with the statistical secrecy of insertion/core/secrecy.py
applied to the counts (never to a rounded rate).

Everything here is aggregate: no person is ever read, let alone named.
"""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django import forms
from django.conf import settings

from entretiens.choices import BarrierCategory
from insertion.core.charts import Chart, Series, bar_chart, format_number, format_value
from insertion.core.forms import FilterForm
from insertion.core.secrecy import SMALLEST_SHOWN, secret_cells
from insertion.core.templatetags.statistics_tags import HIDDEN_MARK
from insertion.statistics import figures
from insertion.statistics.definitions import MONTHS, Definition, Period
from insertion.statistics.indicators import barriers, interviews, releases

DEFAULT_PERIOD = "12m"
MONTHS_OFFERED = 18  # the full months the snapshot keeps fresh (snapshot.MONTHS_KEPT_FRESH)
QUARTER_NAMES = ("1er", "2e", "3e", "4e")
SECRET = HIDDEN_MARK  # the national page's mark: every hidden count looks alike
NOT_COMPUTABLE = "non calculable"

# The indicators of this slice, in the order of the page and of « À propos des indicateurs ».
DEFINITIONS: tuple[Definition, ...] = (
    interviews.COVERAGE,
    interviews.DELAY,
    interviews.SYNTHESIS,
    releases.DRY_RELEASES,
    releases.READINESS,
    barriers.BARRIERS,
)
# What the rate of each headline figure is (under the figure).
VALUE_LABELS = {
    interviews.COVERAGE.code: "des arrivants attendus ont eu leur entretien",
    interviews.DELAY.code: f"des entretiens réalisés dans les {settings.INTERVIEW_DUE_DAYS} jours",
    interviews.SYNTHESIS.code: "des synthèses transmises dans le délai",
    releases.DRY_RELEASES.code: "des personnes libérées sont sorties sans aménagement",
    releases.READINESS.code: "des personnes libérées avaient achevé leurs jalons essentiels",
}
# The two indicators of the table by DISP and establishment.
TABLE_CODES = (interviews.COVERAGE.code, interviews.SYNTHESIS.code)


# --- The period ----------------------------------------------------------------------------------


def _shift(month: datetime.date, count: int) -> datetime.date:
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return datetime.date(year, index + 1, 1)


def offered_months(today: datetime.date) -> list[datetime.date]:
    """The MONTHS_OFFERED full months before the month of `today`, newest first."""
    current = today.replace(day=1)
    return [_shift(current, -n) for n in range(1, MONTHS_OFFERED + 1)]


def period_choices(today: datetime.date) -> dict[str, tuple[str, list[datetime.date]]]:
    """{value of the selector: (French label, its months oldest first)}: the last 12 months,
    each full quarter among the offered months, each offered month; newest first."""
    months = offered_months(today)
    twelve = Period.last_twelve_months(today)
    choices = {
        DEFAULT_PERIOD: (twelve.label, sorted(m for m in months if twelve.start <= m)),
    }
    offered = set(months)
    for month in months:  # newest first; a quarter is offered when its three months are
        if month.month % 3 == 1:
            quarter = [_shift(month, n) for n in range(3)]
            if offered.issuperset(quarter):
                number = month.month // 3
                label = f"{QUARTER_NAMES[number]} trimestre {month.year}"
                choices[f"{month.year}-T{number + 1}"] = (label, quarter)
    for month in months:
        label = f"{MONTHS[month.month - 1].capitalize()} {month.year}"
        choices[f"{month:%Y-%m}"] = (label, [month])
    return choices


class PeriodForm(FilterForm):
    """The period selector: a bad or stale value shows the default period, silently."""

    periode = forms.ChoiceField(label="Période", initial=DEFAULT_PERIOD, required=False)

    default_columns = "fr-col-12 fr-col-md-4"
    submit_label = "Afficher"

    def __init__(self, data=None, *, today: datetime.date):
        super().__init__(data)
        self.periods = period_choices(today)
        self.fields["periode"].choices = [
            (value, label) for value, (label, _months) in self.periods.items()
        ]

    @property
    def label(self) -> str:
        return self.periods[self.values["periode"]][0]

    @property
    def months(self) -> list[datetime.date]:
        return self.periods[self.values["periode"]][1]


# --- Secrecy of one figure ---------------------------------------------------------------------


@dataclass
class Counts:
    """A numerator and a denominator as shown: each count, or None when hidden."""

    numerator: int | None
    denominator: int | None

    @property
    def hidden(self) -> bool:
        return self.numerator is None or self.denominator is None


def _shown(value: int | None, key, hidden) -> int | None:
    return None if key in hidden else (value or 0)


def rate_text(counts: Counts) -> str:
    """The rate of shown counts; « secret » when either is hidden (it would give it away)."""
    if counts.hidden:
        return SECRET
    if not counts.denominator:
        return NOT_COMPUTABLE
    return format_value(round(100 * counts.numerator / counts.denominator, 1), "%")


def count_text(count: int | None) -> str:
    return SECRET if count is None else format_number(count)


def secret_pair(numerator: int, denominator: int) -> Counts:
    """A numerator among its denominator (numerator ≤ denominator, the reader knows it), with
    the primary and secondary secrecy of secret_cells."""
    values = {"numerator": numerator or 0, "denominator": denominator or 0}
    hidden = secret_cells(values, [], [("numerator", "denominator")])
    return Counts(
        _shown(numerator, "numerator", hidden), _shown(denominator, "denominator", hidden)
    )


# --- Headline figures ------------------------------------------------------------------------


@dataclass
class Headline:
    definition: Definition
    value: str
    counts: Counts
    as_of: datetime.date | None
    details: list[str] = field(default_factory=list)

    @property
    def value_label(self) -> str:
        return VALUE_LABELS.get(self.definition.code, "")

    @property
    def counts_text(self) -> str:
        return f"{count_text(self.counts.numerator)} sur {count_text(self.counts.denominator)}"


def _days(value: float | None) -> str:
    return NOT_COMPUTABLE if value is None else format_value(value, "jours")


def headlines(national: dict, table_total: dict[str, Counts]) -> list[Headline]:
    """One figure per indicator of the slice but the barriers (the chart). Coverage and
    syntheses show the national total of the table, hidden alike."""
    out = []
    for definition in DEFINITIONS:
        result = national.get(definition.code)
        if result is None or definition is barriers.BARRIERS:
            continue
        if definition.code in table_total:
            counts = table_total[definition.code]
        else:
            counts = secret_pair(result.numerator, result.denominator)
        headline = Headline(definition, rate_text(counts), counts, result.as_of)
        if definition is interviews.COVERAGE:
            on_time = result.parts.get(interviews.VALIDATED_ON_TIME, 0)
            late = (result.numerator or 0) - on_time
            small = any(0 < n < SMALLEST_SHOWN for n in (on_time, late))
            # Hidden with the numerator too: an on-time count shown beside it could give it.
            hide = small or counts.numerator is None
            on_time_counts = Counts(None if hide else on_time, counts.denominator)
            headline.details.append(f"Dans le délai : {rate_text(on_time_counts)}")
        elif definition is interviews.DELAY:
            if counts.denominator is None:
                headline.details += [f"Médiane : {SECRET}", f"9ᵉ décile : {SECRET}"]
            else:
                headline.details += [
                    f"Médiane : {_days(result.figures.get('median_days'))}",
                    f"9ᵉ décile : {_days(result.figures.get('ninth_decile_days'))}",
                ]
        out.append(headline)
    return out


# --- The table by DISP then establishment ---------------------------------------------------


@dataclass
class Line:
    """One line of the table: an establishment, a DISP total or the national total;
    {indicator code: Counts as shown}."""

    name: str
    counts: dict[str, Counts]

    def cells(self) -> list[str]:
        """The cells in the order of the header: per indicator, numerator, denominator, rate."""
        out = []
        for code in TABLE_CODES:
            counts = self.counts[code]
            out += [count_text(counts.numerator), count_text(counts.denominator)]
            out.append(rate_text(counts))
        return out


@dataclass
class Region:
    name: str
    pk: int
    lines: list[Line]
    total: Line


def table_by_region(establishments, by_establishment: dict) -> tuple[list[Region], Line]:
    """Every establishment's counts (0 without snapshot rows), each DISP's total and the national
    total, with secrecy as on the national page (by_region_with_secrecy): the cells and sums
    given to `secret_cells` are those displayed, a numerator is among its denominator."""
    values, sums, pairs = {}, [], []
    grouped = [
        (region, list(items)) for region, items in groupby(establishments, key=lambda e: e.region)
    ]
    for code in TABLE_CODES:
        for part in ("numerator", "denominator"):
            national_cell = ("national", code, part)
            region_cells = []
            for region, items in grouped:
                cells = [("establishment", e.pk, code, part) for e in items]
                for cell, establishment in zip(cells, items, strict=True):
                    result = by_establishment.get(establishment.pk, {}).get(code)
                    values[cell] = (getattr(result, part) or 0) if result else 0
                region_cell = ("region", region.pk, code, part)
                values[region_cell] = sum(values[cell] for cell in cells)
                sums.append((region_cell, cells))
                region_cells.append(region_cell)
            values[national_cell] = sum(values[cell] for cell in region_cells)
            sums.append((national_cell, region_cells))
        for establishment in establishments:
            key = ("establishment", establishment.pk, code)
            pairs.append(((*key, "numerator"), (*key, "denominator")))
    hidden = secret_cells(values, sums, pairs)

    def line(name, *key):
        return Line(
            name,
            {
                code: Counts(
                    _shown(values[(*key, code, "numerator")], (*key, code, "numerator"), hidden),
                    _shown(
                        values[(*key, code, "denominator")], (*key, code, "denominator"), hidden
                    ),
                )
                for code in TABLE_CODES
            },
        )

    regions = [
        Region(
            name=region.name,
            pk=region.pk,
            lines=[line(e.name, "establishment", e.pk) for e in items],
            total=line(f"Total {region.name}", "region", region.pk),
        )
        for region, items in grouped
    ]
    return regions, line("Total national", "national")


# --- The barrier chart -----------------------------------------------------------------------


def barrier_chart(result) -> Chart | None:
    """Prevalence by category: the share of the interviews counted that found it. A category
    count from 1 to 4 is hidden (categories overlap, no sum is shown), all of them when the
    denominator is."""
    if result is None:
        return None
    denominator = result.denominator or 0
    counts = {category: result.parts.get(category, 0) for category in BarrierCategory.values}
    hidden = secret_cells({**counts, "": denominator}, [])
    shown = [None if "" in hidden or c in hidden else n for c, n in counts.items()]
    rates = [
        None if n is None or not denominator else round(100 * n / denominator, 1) for n in shown
    ]
    return bar_chart(
        "Freins relevés par catégorie (part des entretiens)",
        [BarrierCategory(c).label for c in counts],
        [Series("Entretiens relevant ce frein", rates, counts=shown)],
        category_header="Frein",
        svg_id="freins",
    )


# --- The page ---------------------------------------------------------------------------------


@dataclass
class Page:
    headlines: list[Headline]
    regions: list[Region]
    national: Line
    chart: Chart | None
    definitions: tuple[Definition, ...] = DEFINITIONS
    barrier_definition: Definition = barriers.BARRIERS


def read_page(establishments, months: list[datetime.date]) -> Page:
    """The page's figures over these months: two queries whatever the number of
    establishments (`establishments`, already read, ordered by DISP then name)."""
    ids = [e.pk for e in establishments]
    national = figures.read(ids, months)
    by_establishment = figures.read_by_establishment(ids, months, with_parts=False)
    regions, total = table_by_region(establishments, by_establishment)
    return Page(
        headlines=headlines(national, total.counts),
        regions=regions,
        national=total,
        chart=barrier_chart(national.get(barriers.BARRIERS.code)),
    )
