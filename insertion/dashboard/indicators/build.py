"""The sections of a steering page, drawn from the snapshot's Results, at any level: `secrecy`
True applies the statistical secrecy (insertion/core/secrecy.py) to every count of a table or a
chart — the cells given to `secret_cells` are those displayed, with the sums and the « at most »
pairs the reader knows, and a rate is hidden with either of its counts; False shows the exact
figures (a manager's own establishments).

A page shows some counts in several outputs: the national total of a table by establishment is
a headline figure, the funnel's steps are indicators' numerators, the validated interviews are
the on-time and the late ones of the reasons' table. Given a Ledger as `secrecy`, each output
names those counts (`shared`: its cell → the count's key, as `(code, "n")`), starts with the
ones another output hid, and tells the ledger the ones it hides; the page draws again until no
output hides a new one (pages.py), so a count is shown everywhere or nowhere.

Everything here is aggregate: no person is ever read, let alone named.
"""

import datetime
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings

from entretiens.choices import BarrierCategory, BarrierLevel, OrientationKind
from insertion.core.charts import SECRET as CHART_SECRET
from insertion.core.charts import (
    Chart,
    Series,
    bar_chart,
    format_number,
    format_value,
    line_chart,
)
from insertion.core.secrecy import secret_cells
from insertion.detainees.choices import ReleaseDateChangeReason, ReleaseKind
from insertion.placements.choices import OfferKind, RequestStatus
from insertion.statistics.definitions import Result
from insertion.statistics.indicators import followup, interviews, orientations, releases
from insertion.statistics.indicators.barriers import PRESENT_LEVELS
from insertion.statistics.indicators.releases import DRY_RELEASES_BY_OFFENCE

from .tables import (
    NOT_COMPUTABLE,
    SECRET,
    Counts,
    Headline,
    StatTable,
    TableGroup,
    TableRow,
    count_text,
    days_text,
    rate_text,
    shown,
    smallest_shown,
)

# What the rate of each headline figure is (under the figure).
VALUE_LABELS = {
    interviews.COVERAGE.code: "des arrivants attendus ont eu leur entretien",
    interviews.DELAY.code: f"des entretiens réalisés dans les {settings.INTERVIEW_DUE_DAYS} jours",
    interviews.SYNTHESIS.code: "des synthèses transmises dans le délai",
    orientations.REQUEST_OUTCOMES.code: "des demandes issues des orientations ont obtenu une place",
    releases.DRY_RELEASES.code: "des personnes libérées sont sorties sans aménagement",
    releases.READINESS.code: "des personnes libérées avaient achevé leurs jalons essentiels",
    releases.DRY_RISK.code: "des personnes libérables sous 90 jours sont à risque de sortie sèche",
    followup.NOT_SEEN.code: "des personnes détenues n'ont pas vu leur CPIP depuis 6 mois",
}
HEADLINE_DEFINITIONS = (
    interviews.COVERAGE,
    interviews.DELAY,
    interviews.SYNTHESIS,
    orientations.REQUEST_OUTCOMES,
    releases.DRY_RELEASES,
    releases.READINESS,
    releases.DRY_RISK,
    followup.NOT_SEEN,
)


# --- Secrecy helpers ---------------------------------------------------------------------------


def cell_id(cell) -> str:
    """A cell's key as text, the same from one period to another (stored by MonthSecrecy)."""
    return json.dumps(cell, default=str)


class Ledger:
    """The counts a page hides in one output or another, by key (`(code, "n")`…): what every
    other output showing them must hide too. `grew` says whether a drawing hid a new one.

    Across periods: `inherited` holds, by output name, the cells (`cell_id`) that the national
    page of one of the period's months hides. A period's count is the sum of its months' counts:
    shown while a month hides it, it would give that month's count away by subtraction (the
    period minus its other months, or minus a shorter period). Such a cell starts hidden.
    `drawn` is what this page hides, by output name: a month's page stores it."""

    def __init__(self, inherited: dict[str, frozenset[str]] | None = None):
        self.hidden: set = set()
        self.grew = False
        self.inherited = inherited or {}
        self.drawn: dict[str, list[str]] = {}

    def carried(self, name: str | None, values: dict) -> set:
        known = self.inherited.get(name) if name else None
        if not known:
            return set()
        return {cell for cell in values if cell_id(cell) in known}

    def record(self, name: str | None, hidden: set) -> None:
        if name:
            self.drawn[name] = sorted(cell_id(cell) for cell in hidden)

    def seeds(self, shared: dict) -> set:
        return {cell for cell, key in shared.items() if key in self.hidden}

    def note(self, shared: dict, hidden: set) -> None:
        new = {key for cell, key in shared.items() if cell in hidden} - self.hidden
        if new:
            self.hidden |= new
            self.grew = True


Secrecy = bool | Ledger


def hide(
    values: dict, sums=(), pairs=(), *, secrecy: Secrecy, shared=None, name: str | None = None
) -> set:
    """The cells to hide (none without secrecy). With a Ledger, the `shared` cells another
    output hid start hidden, and the cells of output `name` that one of the period's months
    hides; the ledger learns the ones hidden here."""
    if not secrecy:
        return set()
    shared = shared or {}
    ledger = secrecy if isinstance(secrecy, Ledger) else None
    seeds = (ledger.seeds(shared) | ledger.carried(name, values)) if ledger else set()
    hidden = secret_cells(values, list(sums), list(pairs), hidden=seeds, smallest=smallest_shown())
    noted(secrecy, shared, hidden)
    if ledger:
        ledger.record(name, hidden)
    return hidden


def noted(secrecy: Secrecy, shared: dict | None, hidden: set) -> set:
    """Tell the ledger (if any) the shared cells hidden after secret_cells; `hidden` back."""
    if isinstance(secrecy, Ledger) and shared:
        secrecy.note(shared, hidden)
    return hidden


def pair(
    numerator: int | None,
    denominator: int | None,
    *,
    secrecy: Secrecy,
    code: str | None = None,
) -> Counts:
    """A numerator among its denominator, hidden as secret_cells says (or exact); `code`: the
    indicator they are the counts of, for the ledger."""
    values = {"n": numerator or 0, "d": denominator or 0}
    shared = {"n": (code, "n"), "d": (code, "d")} if code else None
    name = f"paire:{code}" if code else None
    hidden = hide(values, pairs=[("n", "d")], secrecy=secrecy, shared=shared, name=name)
    return Counts(shown(values["n"], "n", hidden), shown(values["d"], "d", hidden))


def share_text(count: int | None, total: int | None) -> str:
    return rate_text(Counts(count, total))


# --- Headline figures --------------------------------------------------------------------------


def headlines(results: dict, *, secrecy: Secrecy, totals: dict[str, Counts]) -> list[Headline]:
    """One figure per indicator of HEADLINE_DEFINITIONS that has a Result. The indicators of a
    table by establishment show its total (`totals`), hidden alike."""
    out = []
    for definition in HEADLINE_DEFINITIONS:
        code = definition.code
        result = results.get(code)
        if result is None:
            continue
        counts = totals.get(code) or pair(
            result.numerator, result.denominator, secrecy=secrecy, code=code
        )
        headline = Headline(
            definition,
            rate_text(counts),
            VALUE_LABELS.get(code, ""),
            f"{count_text(counts.numerator)} sur {count_text(counts.denominator)}",
            getattr(result, "as_of", None),
        )
        if definition is interviews.COVERAGE:
            on_time, _late = _split(
                result, counts, interviews.VALIDATED_ON_TIME, "late", secrecy=secrecy
            )
            headline.details.append(
                f"Dans le délai : {rate_text(Counts(on_time, counts.denominator))}"
            )
        elif definition in (interviews.DELAY, orientations.REQUEST_OUTCOMES):
            quantiles = result
            if definition is orientations.REQUEST_OUTCOMES:
                quantiles = results.get(orientations.WAITING_TIME.code)
                headline.details.append("Attente d'une place :")
            if quantiles is None or _quantiles_hidden(quantiles, secrecy=secrecy):
                headline.details += [f"Médiane : {SECRET}", f"9ᵉ décile : {SECRET}"]
            else:
                headline.details += [
                    f"Médiane : {days_text(quantiles.figures.get('median_days'))}",
                    f"9ᵉ décile : {days_text(quantiles.figures.get('ninth_decile_days'))}",
                ]
        elif definition is releases.DRY_RISK:
            within, _beyond = _split(result, counts, "within_12_weeks", "beyond", secrecy=secrecy)
            headline.details.append(f"DLP dans 12 semaines ou moins : {count_text(within)}")
        out.append(headline)
    return out


def _quantiles_hidden(result: Result, *, secrecy: Secrecy) -> bool:
    """A median over fewer values than the smallest count shown could be one person's."""
    return secrecy and 0 < sum(result.distribution.values()) < smallest_shown()


def _split(result: Result, counts: Counts, first: str, second: str, *, secrecy: Secrecy):
    """The numerator of `result` as its part `first` and the rest (`second`), each hidden so
    that neither can be recovered from the numerator, nor the numerator from them when it is
    hidden (`counts`: the numerator and denominator as the headline shows them)."""
    total = result.numerator or 0
    part = result.parts.get(first, 0)
    values = {"n": total, first: part, second: total - part}
    if not secrecy:
        return [values[first], values[second]]
    code = result.definition.code
    shared = {cell: (code, cell) for cell in values}
    start = {"n"} if counts.numerator is None else set()
    name = f"partage:{code}:{first}"
    if isinstance(secrecy, Ledger):
        start |= secrecy.seeds(shared) | secrecy.carried(name, values)
    hidden = secret_cells(values, [("n", [first, second])], hidden=start, smallest=smallest_shown())
    hidden = noted(secrecy, shared, hidden)
    if isinstance(secrecy, Ledger):
        secrecy.record(name, hidden)
    return [shown(values[first], first, hidden), shown(values[second], second, hidden)]


# --- Tables by DISP then establishment ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """An indicator of a table by establishment: its code, group label and count headers."""

    code: str
    label: str
    numerator: str
    denominator: str


ESTABLISHMENT_TABLES = {
    "etablissements-entretiens": (
        "Couverture des entretiens et synthèses dans le délai",
        (
            Column(interviews.COVERAGE.code, "Entretiens d'arrivée", "Validés", "Attendus"),
            Column(interviews.SYNTHESIS.code, "Synthèses dans le délai", "Dans le délai", "Dues"),
        ),
    ),
    "etablissements-sorties": (
        "Sorties sèches et préparation achevée à la libération",
        (
            Column(releases.DRY_RELEASES.code, "Sorties sèches", "Sèches", "Libérés"),
            Column(releases.READINESS.code, "Préparation achevée", "Achevée", "Avec plan"),
        ),
    ),
}


# The indicators the tables by establishment read (figures.read_by_establishment reads no other).
ESTABLISHMENT_CODES = [
    column.code for _caption, columns in ESTABLISHMENT_TABLES.values() for column in columns
]


def establishment_table(
    slug: str,
    period_label: str,
    groups: list[tuple[str, list]],
    by_establishment: dict,
    *,
    secrecy: Secrecy,
    total_label: str,
    median_of: dict | None = None,
) -> tuple[StatTable, dict[str, Counts]]:
    """Each establishment's counts (0 without snapshot rows), each group's total (a DISP) and
    the total, and the total's Counts per indicator. `groups`: [(group name, establishments)];
    a single group without a name draws no heading line nor group total. `median_of`: every
    establishment's Results of the country ({id: {code: Result}}), for a last line « Médiane
    nationale des établissements » (the median of their rates, those without denominator left
    out)."""
    caption, columns = ESTABLISHMENT_TABLES[slug]
    values, sums, pairs = {}, [], []
    titled = any(name for name, _items in groups)
    for column in columns:
        for part in ("numerator", "denominator"):
            top = ("all", column.code, part)
            group_cells = []
            for group_name, items in groups:
                cells = [("est", e.pk, column.code, part) for e in items]
                for cell, establishment in zip(cells, items, strict=True):
                    result = by_establishment.get(establishment.pk, {}).get(column.code)
                    values[cell] = (getattr(result, part) or 0) if result else 0
                if titled:
                    group_cell = ("group", group_name, column.code, part)
                    values[group_cell] = sum(values[cell] for cell in cells)
                    sums.append((group_cell, cells))
                    group_cells.append(group_cell)
                else:
                    group_cells += cells
            values[top] = sum(values[cell] for cell in group_cells)
            sums.append((top, group_cells))
        for _name, items in groups:
            for establishment in items:
                key = ("est", establishment.pk, column.code)
                pairs.append(((*key, "numerator"), (*key, "denominator")))
    shared = {
        ("all", column.code, part): (column.code, part[0])
        for column in columns
        for part in ("numerator", "denominator")
    }
    hidden = hide(values, sums, pairs, secrecy=secrecy, shared=shared, name=slug)

    def counts(key, code) -> Counts:
        n, d = (*key, code, "numerator"), (*key, code, "denominator")
        return Counts(shown(values[n], n, hidden), shown(values[d], d, hidden))

    def row(label, key, total=False) -> TableRow:
        cells = []
        for column in columns:
            c = counts(key, column.code)
            cells += [count_text(c.numerator), count_text(c.denominator), rate_text(c)]
        return TableRow(label, cells, total)

    table_groups = []
    for name, items in groups:
        rows = [row(e.name, ("est", e.pk)) for e in items]
        if titled:
            rows.append(row(f"Total {name}", ("group", name), total=True))
        table_groups.append(TableGroup(name, rows))
    last = [row(total_label, ("all",), total=True)]
    if median_of is not None:
        cells = []
        for column in columns:
            rates = [
                result[column.code].value
                for result in median_of.values()
                if column.code in result and result[column.code].denominator
            ]
            median = statistics.median(rates) if rates else None
            cells += ["", "", NOT_COMPUTABLE if median is None else rate_text_value(median)]
        last.append(TableRow("Médiane nationale des établissements", cells, total=True))
    table_groups.append(TableGroup("", last))
    headers = ["Établissement"]
    for column in columns:
        headers += [column.numerator, column.denominator, "Taux"]
    table = StatTable(
        slug=slug,
        caption=f"{caption}, {period_label}",
        headers=headers,
        groups=table_groups,
        column_groups=[(column.label, 3) for column in columns],
    )
    return table, {column.code: counts(("all",), column.code) for column in columns}


def rate_text_value(value: float) -> str:
    return format_value(round(value, 1), "%")


def by_region(establishments) -> list[tuple[str, list]]:
    return [
        (region.name, list(items))
        for region, items in groupby(establishments, key=lambda e: e.region)
    ]


# --- Tables of parts ---------------------------------------------------------------------------


def parts_table(
    slug: str,
    caption: str,
    header: str,
    items: Sequence[tuple[str, int]],
    total: tuple[str, int],
    *,
    secrecy: Secrecy,
    additive: bool = True,
    apart: Sequence[tuple[str, int]] = (),
    share_header: str = "Part",
    subtotals: Sequence[tuple[str, Sequence[int]]] = (),
    shared: dict | None = None,
) -> StatTable:
    """Parts of a total, each with its share of it. `additive`: the parts add up to the total
    (a sum the reader knows, secondary secrecy); else they overlap (each part among the total).
    `apart`: counts shown under the total, not in it (exempted, not yet due…), each hidden
    from 1 to 4 but not summed. `subtotals`: [(name, indexes of items)], a count the page shows
    elsewhere as the sum of these items (the validated interviews: on time and late), cell
    ("sub", name). `shared`: the cells (an item's index, "total", ("apart", i), ("sub", name))
    that other outputs show, by their key for the ledger."""
    label, total_count = total
    values = {"total": total_count or 0}
    values.update({index: count or 0 for index, (_l, count) in enumerate(items)})
    values.update({("apart", index): count or 0 for index, (_l, count) in enumerate(apart)})
    sums = []
    if additive and items:
        top = list(range(len(items)))
        for name, indexes in subtotals:
            cell = ("sub", name)
            values[cell] = sum(values[index] for index in indexes)
            sums.append((cell, list(indexes)))
            top = [cell if part == indexes[0] else part for part in top if part not in indexes[1:]]
        sums.append(("total", top))
    hidden = hide(values, sums, secrecy=secrecy, shared=shared, name=slug)
    total_shown = shown(values["total"], "total", hidden)
    if secrecy and total_shown is None:  # every share gives the total away
        hidden = noted(secrecy, shared, hidden | set(values))
        if isinstance(secrecy, Ledger):
            secrecy.record(slug, hidden)
    rows = []
    for index, (item_label, count) in enumerate(items):
        n = shown(count, index, hidden)
        rows.append(TableRow(item_label, [count_text(n), share_text(n, total_shown)]))
    rows.append(
        TableRow(
            label,
            [count_text(total_shown), format_value(100, "%") if total_shown else ""],
            True,
        )
    )
    for index, (item_label, count) in enumerate(apart):
        n = shown(count, ("apart", index), hidden)
        rows.append(TableRow(item_label, [count_text(n), ""]))
    return StatTable(slug, caption, [header, "Effectif", share_header], [TableGroup("", rows)])


def interview_tables(results: dict, period_label: str, *, secrecy: Secrecy) -> list[StatTable]:
    out = []
    coverage = results.get(interviews.COVERAGE.code)
    if coverage is not None:
        code = interviews.COVERAGE.code
        keys = [key for key in interviews.COVERAGE_PARTS if not key.startswith(interviews.EXEMPT)]
        inside = [(interviews.COVERAGE_PARTS[key], coverage.parts.get(key, 0)) for key in keys]
        on_time = keys.index(interviews.VALIDATED_ON_TIME)
        late = keys.index(interviews.VALIDATED_LATE)
        exempt = [
            (label, coverage.parts.get(key, 0))
            for key, label in interviews.COVERAGE_PARTS.items()
            if key.startswith(interviews.EXEMPT)
        ]
        out.append(
            parts_table(
                "entretiens-motifs",
                f"Arrivants attendus selon l'entretien, et exemptés, {period_label}",
                "Entretien",
                inside,
                ("Arrivants attendus", coverage.denominator),
                apart=exempt,
                secrecy=secrecy,
                # The validated interviews (the headline, the table by establishment) are the
                # on-time ones (the funnel) and the late ones.
                subtotals=[("validated", [on_time, late])],
                shared={
                    "total": (code, "d"),
                    ("sub", "validated"): (code, "n"),
                    on_time: (code, interviews.VALIDATED_ON_TIME),
                    late: (code, "late"),
                },
            )
        )
    synthesis = results.get(interviews.SYNTHESIS.code)
    if synthesis is not None:
        late = [
            (label, synthesis.parts.get(key, 0))
            for key, label in interviews.SYNTHESIS_PARTS.items()
            if key not in (interviews.NOT_YET_DUE, interviews.RECTIFICATIONS)
        ]
        out.append(
            parts_table(
                "syntheses-causes",
                f"Synthèses dues selon leur transmission, {period_label}",
                "Synthèse",
                [("Transmises dans le délai", synthesis.numerator), *late],
                ("Synthèses dues", synthesis.denominator),
                apart=[
                    (interviews.SYNTHESIS_PARTS[key], synthesis.parts.get(key, 0))
                    for key in (interviews.NOT_YET_DUE, interviews.RECTIFICATIONS)
                ],
                secrecy=secrecy,
                shared={
                    0: (interviews.SYNTHESIS.code, "n"),
                    "total": (interviews.SYNTHESIS.code, "d"),
                },
            )
        )
    return out


def orientation_tables(results: dict, period_label: str, *, secrecy: Secrecy) -> list[StatTable]:
    out = []
    found = results.get(orientations.ORIENTATIONS.code)
    if found is not None:
        out.append(
            parts_table(
                "orientations-types",
                f"Orientations préconisées, par type (un entretien peut en préconiser "
                f"plusieurs), {period_label}",
                "Orientation",
                [
                    (label, found.parts.get(kind, 0))
                    for kind, label in OrientationKind.choices
                    if kind in found.parts
                ],
                ("Entretiens dont les préconisations sont partagées", found.denominator),
                additive=False,
                apart=[
                    ("Préconisations non partagées (non comptées)", found.parts.get("withheld", 0))
                ],
                share_header="Part des entretiens",
                secrecy=secrecy,
                shared={"total": (orientations.ORIENTATIONS.code, "d")},
            )
        )
    outcomes = results.get(orientations.REQUEST_OUTCOMES.code)
    if outcomes is not None:
        statuses = list(RequestStatus.values)
        code = orientations.REQUEST_OUTCOMES.code
        out.append(
            parts_table(
                "demandes-devenir",
                f"Devenir des demandes issues des orientations, {period_label}",
                "État de la demande",
                [(label, outcomes.parts.get(status, 0)) for status, label in RequestStatus.choices],
                ("Demandes", outcomes.denominator),
                apart=[("Passées par la liste d'attente", outcomes.parts.get("waited", 0))],
                secrecy=secrecy,
                # The requests placed (the headline, the funnel): allocated and done.
                subtotals=[("placed", [statuses.index(s) for s in orientations.PLACED])],
                shared={"total": (code, "d"), ("sub", "placed"): (code, "n")},
            )
        )
    demand = results.get(orientations.DEMAND.code)
    if demand is not None:
        out.append(demand_table(demand, secrecy=secrecy))
    return out


def demand_table(demand: Result, *, secrecy: Secrecy) -> StatTable:
    """Per kind of offer, today: people waiting (hidden as counts of people), requests to
    review, places (not people: shown) and people waiting per place."""
    kinds = [
        (kind, label)
        for kind, label in OfferKind.choices
        if any(f"{prefix}:{kind}" in demand.parts for prefix in ("waiting", "to_review"))
        or f"places:{kind}" in demand.figures
    ]
    values = {}
    for prefix in ("waiting", "to_review"):
        for kind, _label in kinds:
            values[(prefix, kind)] = demand.parts.get(f"{prefix}:{kind}", 0)
        values[(prefix, "")] = sum(values[(prefix, kind)] for kind, _label in kinds)
    sums = [
        ((prefix, ""), [(prefix, kind) for kind, _l in kinds])
        for prefix in ("waiting", "to_review")
    ]
    hidden = hide(values, sums, secrecy=secrecy, name="demande")
    rows = []
    for kind, label in [*kinds, ("", "Ensemble")]:
        waiting = shown(values[("waiting", kind)], ("waiting", kind), hidden)
        review = shown(values[("to_review", kind)], ("to_review", kind), hidden)
        if kind:
            places = int(demand.figures.get(f"places:{kind}") or 0)
        else:
            places = int(demand.denominator or 0)
        ratio = (
            SECRET
            if waiting is None
            else NOT_COMPUTABLE
            if not places
            else format_number(round(waiting / places, 2))
        )
        rows.append(
            TableRow(
                label,
                [count_text(waiting), count_text(review), format_number(places), ratio],
                total=not kind,
            )
        )
    as_of = getattr(demand, "as_of", None)
    day = f" au {as_of:%d/%m/%Y}" if as_of else ""
    return StatTable(
        "demande-places",
        f"Demandes en attente et places disponibles, par type d'offre{day}",
        ["Type d'offre", "En liste d'attente", "À examiner", "Places", "En attente par place"],
        [TableGroup("", rows)],
    )


def release_tables(results: dict, period_label: str, *, secrecy: Secrecy) -> list[StatTable]:
    """Releases by kind, and dry releases for délits and crimes apart — one set of cells for
    both tables: the dry count is a part of the kinds' line and the total of the offences'."""
    dry = results.get(releases.DRY_RELEASES.code)
    if dry is None:
        return []
    kinds = [(kind, label) for kind, label in ReleaseKind.choices if kind in dry.parts]
    counted = [(kind, label) for kind, label in kinds if kind not in releases.NOT_COUNTED_KINDS]
    by_offence = [
        (category, results.get(definition.code))
        for category, definition in DRY_RELEASES_BY_OFFENCE.items()
    ]
    values = {"released": dry.denominator or 0}
    for kind, _label in kinds:
        values[("kind", kind)] = dry.parts.get(kind, 0)
    sums = [("released", [("kind", kind) for kind, _l in counted])] if counted else []
    pairs = []
    offence_cells = []
    for category, result in by_offence:
        values[("dry", category)] = (result.numerator or 0) if result else 0
        values[("of", category)] = (result.denominator or 0) if result else 0
        offence_cells.append(("dry", category))
        pairs.append((("dry", category), ("of", category)))
    dry_cell = ("kind", ReleaseKind.DRY)
    if dry_cell in values:
        values["dry_other"] = values[dry_cell] - sum(values[c] for c in offence_cells)
        sums.append((dry_cell, [*offence_cells, "dry_other"]))
    code = releases.DRY_RELEASES.code
    shared = {"released": (code, "d"), dry_cell: (code, "n")}
    hidden = hide(values, sums, pairs, secrecy=secrecy, shared=shared, name="sorties")
    released = shown(values["released"], "released", hidden)
    rows = [
        TableRow(
            label,
            [
                count_text(n := shown(values[("kind", kind)], ("kind", kind), hidden)),
                share_text(n, released) if kind not in releases.NOT_COUNTED_KINDS else "",
            ],
        )
        for kind, label in counted
    ]
    rows.append(
        TableRow(
            "Personnes libérées",
            [count_text(released), format_value(100, "%") if released else ""],
            True,
        )
    )
    rows += [
        TableRow(
            f"{label} (hors dénominateur)",
            [count_text(shown(values[("kind", kind)], ("kind", kind), hidden)), ""],
        )
        for kind, label in kinds
        if kind in releases.NOT_COUNTED_KINDS
    ]
    by_kind = StatTable(
        "sorties-types",
        f"Personnes libérées selon le type de sortie, {period_label}",
        ["Type de sortie", "Effectif", "Part"],
        [TableGroup("", rows)],
    )
    offence_rows = []
    for category, _result in by_offence:
        counts = Counts(
            shown(values[("dry", category)], ("dry", category), hidden),
            shown(values[("of", category)], ("of", category), hidden),
        )
        definition = DRY_RELEASES_BY_OFFENCE[category]
        offence_rows.append(
            TableRow(
                definition.title.split("— ")[-1].capitalize(),
                [count_text(counts.numerator), count_text(counts.denominator), rate_text(counts)],
            )
        )
    if "dry_other" in values:
        other = shown(values["dry_other"], "dry_other", hidden)
        offence_rows.append(TableRow("Infraction non renseignée", [count_text(other), "", ""]))
    by_offence_table = StatTable(
        "sorties-seches-infraction",
        f"Sorties sèches selon l'infraction, {period_label}",
        ["Infraction", "Sorties sèches", "Personnes libérées", "Taux"],
        [TableGroup("", offence_rows)],
    )
    return [by_kind, by_offence_table]


def today_tables(results: dict, *, secrecy: Secrecy) -> list[StatTable]:
    """The state of the day: risk of a dry release and people not seen, split by time to
    release (12 weeks or less / more)."""
    out = []
    risk = results.get(releases.DRY_RISK.code)
    if risk is not None:
        within = risk.parts.get("within_12_weeks", 0)
        out.append(
            parts_table(
                "risque-sortie-seche",
                "Personnes à risque de sortie sèche selon la DLP, à la date des données",
                "Date de libération prévue",
                [
                    ("Dans 12 semaines ou moins (ou passée)", within),
                    ("Au-delà de 12 semaines", (risk.numerator or 0) - within),
                ],
                ("Personnes à risque de sortie sèche", risk.numerator),
                apart=[("Personnes libérables dans les 90 jours", risk.denominator)],
                secrecy=secrecy,
                shared={
                    "total": (releases.DRY_RISK.code, "n"),
                    0: (releases.DRY_RISK.code, "within_12_weeks"),
                    1: (releases.DRY_RISK.code, "beyond"),
                    ("apart", 0): (releases.DRY_RISK.code, "d"),
                },
            )
        )
    unseen = results.get(followup.NOT_SEEN.code)
    if unseen is not None:
        out.append(
            parts_table(
                "non-vus",
                "Personnes non vues par leur CPIP depuis 6 mois selon la DLP, à la date des "
                "données",
                "Date de libération prévue",
                [
                    (
                        "Dans 12 semaines ou moins (ou passée)",
                        unseen.parts.get("within_12_weeks", 0),
                    ),
                    ("Au-delà ou sans DLP", unseen.parts.get("beyond_12_weeks", 0)),
                ],
                ("Personnes non vues depuis 6 mois", unseen.numerator),
                apart=[
                    ("dont jamais vues", unseen.parts.get("never_seen", 0)),
                    ("Personnes détenues", unseen.denominator),
                ],
                secrecy=secrecy,
                shared={
                    "total": (followup.NOT_SEEN.code, "n"),
                    ("apart", 1): (followup.NOT_SEEN.code, "d"),
                },
            )
        )
    caseloads = results.get(followup.PEOPLE_PER_CPIP.code)
    if caseloads is not None:
        figures = caseloads.figures
        cpips = int(figures.get("cpip") or 0)
        few = secrecy and 0 < cpips < smallest_shown()  # a median of 3 CPIPs is one CPIP's
        without = caseloads.parts.get("without_referent", 0)
        without_shown = None if secrecy and 0 < without < smallest_shown() else without

        def figure(name):
            value = figures.get(name)
            return SECRET if few else NOT_COMPUTABLE if value is None else format_number(value)

        rows = [
            TableRow("CPIP référents", [format_number(cpips)]),
            TableRow("Médiane des personnes suivies", [figure("median")]),
            TableRow("9ᵉ décile", [figure("ninth_decile")]),
            TableRow("Minimum", [figure("min")]),
            TableRow("Maximum", [figure("max")]),
            TableRow("Personnes détenues sans CPIP référent", [count_text(without_shown)]),
        ]
        out.append(
            StatTable(
                "personnes-par-cpip",
                "Personnes détenues suivies par CPIP référent, à la date des données",
                ["Répartition", "Valeur"],
                [TableGroup("", rows)],
            )
        )
    return out


def dlp_table(results: dict, period_label: str, *, secrecy: Secrecy) -> StatTable | None:
    changes = results.get(followup.DLP_BROUGHT_FORWARD.code)
    if changes is None:
        return None
    reasons = [
        (label, changes.parts.get(reason, 0))
        for reason, label in ReleaseDateChangeReason.choices
        if reason != ReleaseDateChangeReason.INITIAL
    ]
    table = parts_table(
        "dlp-avancees",
        f"Dates de libération avancées, par motif, {period_label}",
        "Motif",
        reasons,
        ("DLP avancées", changes.numerator),
        apart=[
            (
                "dont libération à 12 semaines ou moins du changement",
                changes.parts.get("within_12_weeks", 0),
            ),
            ("Changements de DLP enregistrés", changes.denominator),
        ],
        secrecy=secrecy,
    )
    hidden = _quantiles_hidden(changes, secrecy=secrecy)
    for label, name in (("Avancée médiane", "median_days"), ("Avancée maximale", "max_days")):
        value = SECRET if hidden else days_text(changes.figures.get(name))
        table.groups[0].rows.append(TableRow(label, [value, ""]))
    return table


# --- Charts ------------------------------------------------------------------------------------


def barrier_chart(result: Result | None, *, secrecy: Secrecy) -> Chart | None:
    """Prevalence by category, stacked by level (léger, important, bloquant): the share of the
    interviews counted that found it at that level. A category's levels add up to its bar (a sum
    the reader sees); categories overlap (no sum across them); every count is hidden when the
    denominator is."""
    if result is None:
        return None
    levels = [(level, label) for level, label in BarrierLevel.choices if level in PRESENT_LEVELS]
    denominator = result.denominator or 0
    values, sums = {"": denominator}, []
    for category in BarrierCategory.values:
        values[category] = result.parts.get(category, 0)
        cells = [(category, level) for level, _label in levels]
        values.update({cell: result.parts.get(f"{category}:{cell[1]}", 0) for cell in cells})
        sums.append((category, cells))
    hidden = hide(values, sums, secrecy=secrecy, name="freins")
    if "" in hidden:
        hidden = set(values)
        if isinstance(secrecy, Ledger):
            secrecy.record("freins", hidden)
    series = []
    for level, label in levels:
        counts = [
            None if (c, level) in hidden else values[(c, level)] for c in BarrierCategory.values
        ]
        rates = [
            None if n is None or not denominator else round(100 * n / denominator, 1)
            for n in counts
        ]
        series.append(Series(f"Frein {label.lower()}", rates, counts=counts))
    return bar_chart(
        "Freins relevés par catégorie et par niveau (part des entretiens)",
        [BarrierCategory(c).label for c in BarrierCategory.values],
        series,
        category_header="Frein",
        svg_id="freins",
    )


def funnel_chart(results: dict, *, secrecy: Secrecy) -> Chart | None:
    """The period's chain, each step a count of its own indicator (not one cohort followed
    from step to step): arrivals expected → interviewed on time → synthesis on time →
    interviews with an orientation → requests placed → released with a plan done."""
    steps = [
        ("Arrivants attendus", interviews.COVERAGE.code, "d"),
        (
            "Entretiens réalisés dans le délai",
            interviews.COVERAGE.code,
            interviews.VALIDATED_ON_TIME,
        ),
        ("Synthèses transmises dans le délai", interviews.SYNTHESIS.code, "n"),
        ("Entretiens avec une orientation", orientations.ORIENTATIONS.code, "n"),
        ("Demandes ayant obtenu une place", orientations.REQUEST_OUTCOMES.code, "n"),
        ("Libérés avec une préparation achevée", releases.READINESS.code, "n"),
    ]
    if not any(code in results for _label, code, _key in steps):
        return None
    counts = []
    for _label, code, key in steps:
        result = results.get(code)
        if result is None:
            counts.append(0)
        elif key == "n":
            counts.append(result.numerator or 0)
        elif key == "d":
            counts.append(result.denominator or 0)
        else:
            counts.append(result.parts.get(key, 0))
    shared = {index: (code, key) for index, (_label, code, key) in enumerate(steps)}
    hidden = hide(dict(enumerate(counts)), secrecy=secrecy, shared=shared, name="entonnoir")
    return bar_chart(
        "De l'arrivée à la sortie : chaque étape de la période",
        [label for label, _code, _key in steps],
        [Series.of_counts("Effectif", [None if i in hidden else n for i, n in enumerate(counts)])],
        unit="",
        category_header="Étape",
        svg_id="entonnoir",
    )


TREND_CODES = (
    (interviews.COVERAGE.code, "Couverture des entretiens"),
    (interviews.SYNTHESIS.code, "Synthèses dans le délai"),
    (releases.DRY_RELEASES.code, "Sorties sèches"),
)


# The indicators the trend reads (figures.read_by_month reads no other).
TREND_CODE_LIST = [code for code, _label in TREND_CODES]


# The trend's outputs are named after it: their cells are months, hidden as the pages of those
# months hide them (pages.py), not as the period's months do.
TREND_NAME = "tendance:"


def trend_chart(
    by_month: dict,
    months: list[datetime.date],
    *,
    secrecy: Secrecy,
    period: Sequence[datetime.date] = (),
) -> Chart:
    """The rates of TREND_CODES month by month, each month's counts hidden as a pair. The
    months of the `period` add up to the period's counts (shown elsewhere on the page): a
    hidden month hides another one beside it, and a count hidden elsewhere hides its months."""
    inside = [month for month in period if month in months]
    series = []
    for code, label in TREND_CODES:
        values, pairs, sums, shared = {}, [], [], {}
        for month in months:
            result = by_month.get(month, {}).get(code)
            values[("n", month)] = (result.numerator or 0) if result else 0
            values[("d", month)] = (result.denominator or 0) if result else 0
            pairs.append((("n", month), ("d", month)))
        if len(inside) == 1:
            shared = {("n", inside[0]): (code, "n"), ("d", inside[0]): (code, "d")}
        elif inside and len(inside) == len(period):  # else the sum is not the period's count
            for part in ("n", "d"):
                values[(part, "period")] = sum(values[(part, month)] for month in inside)
                sums.append(((part, "period"), [(part, month) for month in inside]))
                shared[(part, "period")] = (code, part)
        hidden = hide(
            values, sums, pairs, secrecy=secrecy, shared=shared, name=f"{TREND_NAME}{code}"
        )
        rates, counts = [], []
        for month in months:
            n, d = values[("n", month)], values[("d", month)]
            if ("n", month) in hidden or ("d", month) in hidden:
                rates.append(CHART_SECRET)
                counts.append(None)
            else:
                rates.append(None if not d else round(100 * n / d, 1))
                counts.append(n)
        series.append(Series(label, rates, counts=counts))
    return line_chart(
        f"Évolution sur {len(months)} mois",
        months,
        series,
        svg_id="tendances",
    )
