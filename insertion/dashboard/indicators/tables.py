"""What a steering page is made of, whatever its level: headline figures, sections of tables and
charts, definitions — every cell already written as shown (a French number, « secret », « non
calculable »), so that the page, the CSV and ODS exports and the report PDF draw the same cells
and none of them can show what another hides.

And the secrecy of one figure: a numerator among its denominator (`secret_pair`), a rate hidden
with either count (`rate_text`).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings

from insertion.core.charts import Chart, format_number, format_value
from insertion.core.secrecy import secret_cells
from insertion.core.templatetags.statistics_tags import HIDDEN_MARK
from insertion.statistics.definitions import Definition

SECRET = HIDDEN_MARK  # every hidden count looks alike, in every output


def smallest_shown() -> int:
    """The smallest count national steering reads (setting STATISTICS_SMALLEST_SHOWN)."""
    return settings.STATISTICS_SMALLEST_SHOWN


NOT_COMPUTABLE = "non calculable"


# --- Secrecy of one figure ---------------------------------------------------------------------


@dataclass
class Counts:
    """A numerator and a denominator as shown: each count, or None when hidden."""

    numerator: int | None
    denominator: int | None

    @property
    def hidden(self) -> bool:
        return self.numerator is None or self.denominator is None


def shown(value: int | None, key, hidden) -> int | None:
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


def days_text(value: float | None) -> str:
    return NOT_COMPUTABLE if value is None else format_value(value, "jours")


def secret_pair(numerator: int, denominator: int) -> Counts:
    """A numerator among its denominator (numerator ≤ denominator, the reader knows it), with
    the primary and secondary secrecy of secret_cells."""
    values = {"numerator": numerator or 0, "denominator": denominator or 0}
    hidden = secret_cells(values, [], [("numerator", "denominator")], smallest=smallest_shown())
    return Counts(shown(numerator, "numerator", hidden), shown(denominator, "denominator", hidden))


def exact_pair(numerator: int | None, denominator: int | None) -> Counts:
    """The counts as they are (a manager's own establishments: no secrecy)."""
    return Counts(numerator or 0, denominator or 0)


# --- Headline figures --------------------------------------------------------------------------


@dataclass
class Headline:
    definition: Definition
    value: str
    value_label: str
    counts_text: str
    as_of: datetime.date | None
    details: list[str] = field(default_factory=list)


# --- Tables ------------------------------------------------------------------------------------


@dataclass
class TableRow:
    """A line: its header (an establishment, a DISP total, a reason…) and its cells as shown."""

    label: str
    cells: list[str]
    total: bool = False  # a total line (bold)


@dataclass
class TableGroup:
    """Lines under a heading line (a DISP), or without one (`title` empty)."""

    title: str
    rows: list[TableRow]


@dataclass
class StatTable:
    """A table of a page, exported as it is (`slug` names its anchor and its export file).

    `headers` name every column, the lines' header first; `column_groups` optionally group the
    other columns under a heading line ((label, number of columns), …)."""

    slug: str
    caption: str
    headers: list[str]
    groups: list[TableGroup]
    column_groups: list[tuple[str, int]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.headers)

    def export_headers(self) -> list[str]:
        """The headers of an export: each column's group before its own name."""
        names = list(self.headers)
        index = 1
        for label, span in self.column_groups:
            for column in range(index, index + span):
                names[column] = f"{label} — {names[column]}"
            index += span
        return names

    def export_rows(self) -> list[list[str]]:
        """Every line of an export (the headers first): a DISP heading line becomes its name
        alone, so that the lines under it read as on the page."""
        rows = [self.export_headers()]
        for group in self.groups:
            if group.title:
                rows.append([group.title] + [""] * (self.width - 1))
            rows += [[row.label, *row.cells] for row in group.rows]
        return rows


def chart_table(chart: Chart) -> StatTable:
    """A chart's data table, as the page shows it under « Voir les données »."""
    rows = [TableRow(row.header, list(row.cells)) for row in chart.table.rows]
    return StatTable(
        slug=chart.chart_id,
        caption=chart.title,
        headers=list(chart.table.headers),
        groups=[TableGroup("", rows)],
    )


# --- Sections and the page ---------------------------------------------------------------------


@dataclass
class Section:
    """A part of the page: a title, what it shows, its tables and charts, its definitions."""

    anchor: str
    title: str
    intro: str = ""
    tables: list[StatTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    empty: str = "Aucun chiffre n'a été calculé pour cette période."


@dataclass
class Page:
    """A level's page over a period: what the page, the exports and the report draw."""

    title: str
    scope: str  # « France entière », the establishments' names…
    period_label: str
    months: list[datetime.date]
    computed_at: datetime.datetime | None
    headlines: list[Headline]
    sections: list[Section]
    definitions: tuple[Definition, ...]
    secrecy: bool = True  # False: exact figures (a manager's own establishments)

    def tables(self) -> list[StatTable]:
        """Every table of the page, the charts' data tables included, in the page's order."""
        out = []
        for section in self.sections:
            out += section.tables
            out += [chart_table(chart) for chart in section.charts]
        return out

    def table(self, slug: str) -> StatTable | None:
        return next((table for table in self.tables() if table.slug == slug), None)
