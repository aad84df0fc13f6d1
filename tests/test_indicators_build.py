"""The sections of a steering page drawn from hand-made Results (issue 15):
insertion/dashboard/indicators/build.py and tables.py, without a database.

Every expected cell is written here as the page shows it (French numbers: « 12,5 % » with a
no-break space before « % », « 1 234 » with a thin one between thousands). With the secrecy (the
national page), a count from 1 to 4 reads « secret », and so does any cell from which the reader
could recompute one by subtraction — inside a table, and across the outputs of a page (headline
figures, tables, charts) which show some counts twice. Without it (a manager's establishments),
every figure is exact.

The reader of this file (`recovered_by_subtraction`) knows every shown count and every sum the
page shows, and that a hidden count is at least 1 (zeros are shown).
"""

import datetime
import re
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertion.core.charts import format_value
from insertion.dashboard.indicators import build, pages
from insertion.dashboard.indicators.tables import (
    Counts,
    Page,
    Section,
    StatTable,
    TableGroup,
    TableRow,
    count_text,
    rate_text,
)
from insertion.detainees.choices import OffenceCategory
from insertion.statistics import figures
from insertion.statistics.definitions import Result
from insertion.statistics.indicators import barriers, followup, interviews, orientations, releases

SECRET = "secret"
NOT_COMPUTABLE = "non calculable"
NBSP = "\u00a0"

COVERAGE = interviews.COVERAGE
DELAY = interviews.DELAY
SYNTHESIS = interviews.SYNTHESIS
ORIENTATIONS = orientations.ORIENTATIONS
OUTCOMES = orientations.REQUEST_OUTCOMES
WAITING = orientations.WAITING_TIME
DEMAND = orientations.DEMAND
DRY = releases.DRY_RELEASES
DELITS = releases.DRY_RELEASES_BY_OFFENCE[OffenceCategory.MISDEMEANOUR]
CRIMES = releases.DRY_RELEASES_BY_OFFENCE[OffenceCategory.FELONY]
READINESS = releases.READINESS
RISK = releases.DRY_RISK
NOT_SEEN = followup.NOT_SEEN
CASELOADS = followup.PEOPLE_PER_CPIP
DLP = followup.DLP_BROUGHT_FORWARD
BARRIERS = barriers.BARRIERS

DRY_LABEL = "Sortie sèche (fin de peine sans aménagement)"


def pct(value: float) -> str:
    return format_value(value, "%")


def days(value: float) -> str:
    return format_value(value, "jours")


def result(definition, numerator=None, denominator=None, **fields) -> Result:
    """A Result as the snapshot gives it back: its value, the rate of its counts."""
    value = Result.rate(numerator or 0, denominator or 0) if numerator is not None else None
    return Result(definition, numerator, denominator, value=value, **fields)


def results(*items: Result) -> dict[str, Result]:
    return {item.definition.code: item for item in items}


# --- Reading what is shown ---------------------------------------------------------------------


def rows(table: StatTable) -> dict[str, list[str]]:
    return {row.label: row.cells for group in table.groups for row in group.rows}


def number(text: str) -> int | None:
    """A count as shown: None for « secret »."""
    if text == SECRET:
        return None
    return int(text.replace("\u202f", ""))


def headline_counts(headline) -> tuple[int | None, int | None]:
    numerator, denominator = headline.counts_text.split(" sur ")
    return number(numerator), number(denominator)


def chart_cells(chart) -> dict[str, tuple[str, ...]]:
    return {row.header: row.cells for row in chart.table.rows}


def chart_count(text: str) -> int | None:
    """A chart's count: « 6 », or the one in brackets of « 12,0 % (6) »; None when hidden."""
    if text in (SECRET, NOT_COMPUTABLE):
        return None
    found = re.search(r"\((.+)\)", text)
    return number(found.group(1) if found else text)


def recovered_by_subtraction(known: dict, lines) -> dict:
    """The hidden cells (None in `known`) the reader recomputes: each line (total, parts) says
    total = sum of the parts; a line whose only unknown is one cell gives it, a line whose
    unknown parts must all be 1 (a hidden count is at least 1) gives them; a recomputed cell
    may open another line. A line of one part says two outputs show the same count."""
    known = dict(known)
    found = {}
    progress = True
    while progress:
        progress = False
        for total, parts in lines:
            hidden = [part for part in parts if known[part] is None]
            if known[total] is None:
                if not hidden:
                    known[total] = found[total] = sum(known[part] for part in parts)
                    progress = True
                continue
            if not hidden:
                continue
            rest = known[total] - sum(known[part] for part in parts if known[part] is not None)
            if len(hidden) == 1 or rest == len(hidden):
                for part in hidden:
                    known[part] = found[part] = rest // len(hidden)
                progress = True
    return found


def table_lines(table: StatTable, columns) -> tuple[dict, list]:
    """The shown counts of the `columns` of a table, and its sums: in a group, the lines above
    its total line add up to it (the lines under it are counted apart); a table by
    establishment ends with a group of its own, whose first line adds up the groups' totals
    (or the lines of its single group without a total)."""
    known, lines = {}, []
    last = table.groups[-1] if len(table.groups) > 1 else None
    group_parts = []
    for group in table.groups:
        if group is last:
            continue
        above = []
        for row in group.rows:
            for column in columns:
                known[(table.slug, row.label, column)] = number(row.cells[column])
            if row.total:
                for column in columns:
                    total = (table.slug, row.label, column)
                    lines.append((total, [(table.slug, r.label, column) for r in above]))
                group_parts.append(row)
                break
            above.append(row)
        else:
            group_parts += above
    if last is not None:
        national = last.rows[0]
        for column in columns:
            known[(table.slug, national.label, column)] = number(national.cells[column])
            parts = [(table.slug, row.label, column) for row in group_parts]
            lines.append(((table.slug, national.label, column), parts))
    return known, lines


# Which tables of a page are made of additive lines, and their count columns.
ADDITIVE_COLUMNS = {
    "etablissements-entretiens": (0, 1, 3, 4),
    "etablissements-sorties": (0, 1, 3, 4),
    "entretiens-motifs": (0,),
    "syntheses-causes": (0,),
    "demandes-devenir": (0,),
    "demande-places": (0, 1),
    "sorties-types": (0,),
    "risque-sortie-seche": (0,),
    "non-vus": (0,),
    "dlp-avancees": (0,),
}


def page_knowledge(tables: list[StatTable]) -> tuple[dict, list]:
    """What the reader knows from the additive tables of a page, and the sums they show —
    the dry releases of « sorties-types » included, the total of the offences' line."""
    known, lines = {}, []
    by_slug = {table.slug: table for table in tables}
    for slug, columns in ADDITIVE_COLUMNS.items():
        if slug in by_slug:
            table_known, table_lines_ = table_lines(by_slug[slug], columns)
            known.update(table_known)
            lines += table_lines_
    offences = by_slug.get("sorties-seches-infraction")
    if offences is not None:
        parts = []
        for label, cells in rows(offences).items():
            known[("sorties-seches-infraction", label, 0)] = number(cells[0])
            parts.append(("sorties-seches-infraction", label, 0))
        lines.append((("sorties-types", DRY_LABEL, 0), parts))
    return known, lines


def assert_no_line_gives_a_hidden_part_back(known: dict, lines) -> None:
    """The rule as the brief states it: under a shown total, no hidden part or at least two."""
    for total, parts in lines:
        hidden = [part for part in parts if known[part] is None]
        if known[total] is not None:
            assert len(hidden) != 1, (total, hidden)


# --- The secrecy of one figure (tables.py) -----------------------------------------------------


def test_a_rate_is_written_in_french_with_one_decimal():
    assert rate_text(Counts(1, 8)) == f"12,5{NBSP}%"
    assert rate_text(Counts(2, 3)) == f"66,7{NBSP}%"
    assert count_text(1234) == "1\u202f234"


def test_a_rate_is_secret_when_its_numerator_or_its_denominator_is():
    assert rate_text(Counts(None, 40)) == SECRET
    assert rate_text(Counts(12, None)) == SECRET


def test_a_rate_without_denominator_cannot_be_computed():
    assert rate_text(Counts(0, 0)) == NOT_COMPUTABLE


# --- Headline figures --------------------------------------------------------------------------


def test_a_headline_gives_the_rate_and_its_counts():
    (headline,) = build.headlines(results(result(NOT_SEEN, 30, 200)), secrecy=True, totals={})
    assert headline.definition is NOT_SEEN
    assert headline.value == pct(15)
    assert headline.value_label == "des personnes détenues n'ont pas vu leur CPIP depuis 6 mois"
    assert headline.counts_text == "30 sur 200"


def test_a_small_numerator_hides_the_headline_rate():
    (headline,) = build.headlines(results(result(NOT_SEEN, 3, 200)), secrecy=True, totals={})
    assert headline.value == SECRET
    assert headline.counts_text == "secret sur 200"


def test_a_headline_without_secrecy_shows_the_exact_counts():
    (headline,) = build.headlines(results(result(NOT_SEEN, 3, 200)), secrecy=False, totals={})
    assert headline.value == pct(1.5)
    assert headline.counts_text == "3 sur 200"


def test_headlines_follow_their_order_and_leave_out_missing_indicators():
    given = results(result(NOT_SEEN, 30, 200), result(DRY, 10, 40), result(COVERAGE, 8, 10))
    headlines = build.headlines(given, secrecy=True, totals={})
    assert [h.definition for h in headlines] == [COVERAGE, DRY, NOT_SEEN]


def test_a_headline_of_a_table_by_establishment_shows_that_table_total():
    totals = {DRY.code: Counts(None, 52)}
    (headline,) = build.headlines(results(result(DRY, 21, 52)), secrecy=True, totals=totals)
    assert headline.counts_text == "secret sur 52"
    assert headline.value == SECRET


def coverage(on_time, late, denominator, **parts) -> Result:
    return result(
        COVERAGE,
        on_time + late,
        denominator,
        parts={interviews.VALIDATED_ON_TIME: on_time, interviews.VALIDATED_LATE: late, **parts},
    )


def test_the_coverage_headline_gives_the_on_time_share_of_the_expected_arrivals():
    given = results(coverage(40, 16, 100, still_open=44))
    (headline,) = build.headlines(given, secrecy=True, totals={})
    assert headline.value == pct(56)
    assert headline.details == [f"Dans le délai : {pct(40)}"]


def test_the_on_time_share_is_secret_when_the_late_ones_are_few():
    # 56 validated, 53 on time: the share would give the 3 late ones.
    given = results(coverage(53, 3, 100, still_open=44))
    (headline,) = build.headlines(given, secrecy=True, totals={})
    assert headline.counts_text == "56 sur 100"
    assert headline.details == [f"Dans le délai : {SECRET}"]


def test_the_on_time_share_is_secret_when_the_validated_are_hidden():
    given = results(coverage(3, 0, 100, still_open=97))
    (headline,) = build.headlines(given, secrecy=True, totals={})
    assert headline.details == [f"Dans le délai : {SECRET}"]


def test_the_on_time_share_is_exact_without_secrecy():
    given = results(coverage(53, 3, 100, still_open=44))
    (headline,) = build.headlines(given, secrecy=False, totals={})
    assert headline.details == [f"Dans le délai : {pct(53)}"]


def delay(distribution: dict[int, int], median, ninth) -> Result:
    total = sum(distribution.values())
    within = sum(n for d, n in distribution.items() if d <= 15)
    return result(
        DELAY,
        within,
        total,
        distribution=distribution,
        figures={"median_days": median, "ninth_decile_days": ninth},
    )


def test_the_delay_quantiles_are_shown_over_five_interviews_or_more():
    # 3, 3, 7, 7 and 20 days: median 7, 9th decile 7 + 0.6 × 13 = 14.8.
    given = results(delay({3: 2, 7: 2, 20: 1}, 7.0, 14.8))
    (headline,) = build.headlines(given, secrecy=True, totals={})
    assert headline.details == [f"Médiane : {days(7)}", f"9ᵉ décile : {days(14.8)}"]
    assert headline.details[0] == "Médiane : 7\u00a0jours"


def test_the_delay_quantiles_are_secret_over_fewer_than_five_interviews():
    # 3, 3, 7 and 20 days: median 5, 9th decile 7 + 0.7 × 13 = 16.1.
    given = results(delay({3: 2, 7: 1, 20: 1}, 5.0, 16.1))
    (headline,) = build.headlines(given, secrecy=True, totals={})
    assert headline.details == [f"Médiane : {SECRET}", f"9ᵉ décile : {SECRET}"]


def test_the_delay_quantiles_are_exact_without_secrecy_even_over_few_interviews():
    given = results(delay({3: 2, 7: 1, 20: 1}, 5.0, 16.1))
    (headline,) = build.headlines(given, secrecy=False, totals={})
    assert headline.details == [f"Médiane : {days(5)}", f"9ᵉ décile : {days(16.1)}"]


def test_the_request_outcomes_headline_gives_the_waiting_time_quantiles():
    waiting = result(
        WAITING,
        None,
        9,
        distribution={10: 3, 30: 4, 60: 2},
        figures={"median_days": 30.0, "ninth_decile_days": 60.0},
    )
    outcomes = result(OUTCOMES, 12, 40, parts={"affecte": 5, "termine": 7, "a_examiner": 28})
    (headline,) = build.headlines(results(outcomes, waiting), secrecy=True, totals={})
    assert headline.counts_text == "12 sur 40"
    assert headline.details == [
        "Attente d'une place :",
        f"Médiane : {days(30)}",
        f"9ᵉ décile : {days(60)}",
    ]


def risk(within: int, beyond: int, denominator: int) -> Result:
    parts = {"within_12_weeks": within, "beyond_12_weeks": beyond}
    return result(RISK, within + beyond, denominator, parts=parts)


def test_the_dry_risk_headline_details_the_people_within_twelve_weeks():
    (headline,) = build.headlines(results(risk(9, 20, 60)), secrecy=True, totals={})
    assert headline.value == pct(48.3)
    assert headline.details == ["DLP dans 12 semaines ou moins : 9"]


def test_the_twelve_weeks_detail_is_secret_when_it_is_small():
    (headline,) = build.headlines(results(risk(3, 20, 60)), secrecy=True, totals={})
    assert headline.details == [f"DLP dans 12 semaines ou moins : {SECRET}"]


def test_the_twelve_weeks_detail_is_secret_when_the_others_are_few():
    # 12 at risk, 10 within 12 weeks: the 2 beyond would be 12 - 10.
    (headline,) = build.headlines(results(risk(10, 2, 60)), secrecy=True, totals={})
    assert headline.counts_text == "12 sur 60"
    assert headline.details == [f"DLP dans 12 semaines ou moins : {SECRET}"]


def test_the_twelve_weeks_detail_shows_zero():
    (headline,) = build.headlines(results(risk(0, 12, 60)), secrecy=True, totals={})
    assert headline.details == ["DLP dans 12 semaines ou moins : 0"]


def test_the_twelve_weeks_detail_is_exact_without_secrecy():
    (headline,) = build.headlines(results(risk(10, 2, 60)), secrecy=False, totals={})
    assert headline.details == ["DLP dans 12 semaines ou moins : 10"]


# --- Tables of parts ---------------------------------------------------------------------------


def parts(*counts, total=None, secrecy=True, additive=True, apart=()):
    items = [(f"Partie {chr(65 + index)}", count) for index, count in enumerate(counts)]
    return build.parts_table(
        "essai",
        "Essai",
        "Motif",
        items,
        ("Ensemble", sum(counts) if total is None else total),
        secrecy=secrecy,
        additive=additive,
        apart=[(f"À part {index}", count) for index, count in enumerate(apart)],
    )


def test_a_table_of_parts_gives_each_count_and_its_share_of_the_total():
    table = parts(10, 30, 0, apart=(7,))
    assert table.headers == ["Motif", "Effectif", "Part"]
    assert table.export_rows()[1:3] == [["Partie A", "10", pct(25)], ["Partie B", "30", pct(75)]]
    assert rows(table)["Partie C"] == ["0", pct(0)]
    assert rows(table)["Ensemble"][0] == "40"
    assert rows(table)["À part 0"] == ["7", ""]


def test_the_total_share_is_written_as_every_other_share():
    # « 100,0 % » with a no-break space, as « 25,0 % » above it (numbers.py: a no-break space
    # before a unit): not « 100 % » with a breaking space, whose « % » could fall to the next
    # line.
    table = parts(10, 30)
    assert rows(table)["Ensemble"][1] == f"100,0{NBSP}%"


def test_a_count_from_1_to_4_is_secret_and_so_is_its_share():
    table = parts(4, 10, 20)
    assert rows(table)["Partie A"] == [SECRET, SECRET]


def test_a_hidden_part_hides_another_so_that_the_total_does_not_give_it_back():
    # 31 - 8 - 20 would give the 3 back: the 8 is hidden too, the smallest other part.
    table = parts(3, 8, 20)
    assert [cells[0] for cells in rows(table).values()] == [SECRET, SECRET, "20", "31"]


def test_zero_is_shown_and_never_hidden_to_protect_another_count():
    table = parts(3, 0, 20)
    assert [cells[0] for cells in rows(table).values()] == [SECRET, "0", SECRET, "23"]


def test_hidden_ones_under_their_total_are_not_left_alone():
    # Two hidden 1s under a total of 2 would both be 1: a larger part joins them.
    table = parts(1, 1, 9)
    assert [cells[0] for cells in rows(table).values()] == [SECRET, SECRET, SECRET, "11"]


def test_a_hidden_total_hides_every_share():
    table = parts(3, 1)
    assert rows(table)["Partie A"] == [SECRET, SECRET]
    assert rows(table)["Partie B"] == [SECRET, SECRET]
    assert rows(table)["Ensemble"][0] == SECRET


def test_counts_apart_are_hidden_from_1_to_4_and_added_to_nothing():
    table = parts(10, 30, apart=(3, 7))
    assert rows(table)["À part 0"] == [SECRET, ""]
    assert rows(table)["À part 1"] == ["7", ""]
    assert rows(table)["Partie A"] == ["10", pct(25)]


def test_overlapping_parts_hide_their_small_counts_only():
    table = parts(30, 4, total=50, additive=False)
    assert rows(table)["Partie A"] == ["30", pct(60)]
    assert rows(table)["Partie B"] == [SECRET, SECRET]


def test_without_secrecy_every_count_is_exact():
    table = parts(3, 1, 9, secrecy=False, apart=(2,))
    assert [cells[0] for cells in rows(table).values()] == ["3", "1", "9", "13", "2"]
    assert rows(table)["Partie A"][1] == pct(23.1)


def test_the_shares_of_a_total_of_zero_cannot_be_computed():
    table = parts(0, 0)
    assert rows(table)["Partie A"] == ["0", NOT_COMPUTABLE]
    assert rows(table)["Ensemble"] == ["0", ""]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=6))
def test_no_hidden_part_of_an_additive_table_can_be_recomputed(counts):
    table = parts(*counts)
    known, lines = table_lines(table, (0,))
    assert all(
        known[("essai", f"Partie {chr(65 + i)}", 0)] is None
        for i, n in enumerate(counts)
        if 0 < n < 5
    )
    assert_no_line_gives_a_hidden_part_back(known, lines)
    assert recovered_by_subtraction(known, lines) == {}


# --- Interviews and syntheses ------------------------------------------------------------------


def test_the_coverage_table_splits_the_expected_arrivals_and_counts_the_exempted_apart():
    given = coverage(40, 16, 100, still_open=24, **{"not_done:refus": 20, "exempt:transfert": 6})
    (table, *_) = build.interview_tables(results(given), "mars 2026", secrecy=True)
    assert table.slug == "entretiens-motifs"
    assert table.caption == "Arrivants attendus selon l'entretien, et exemptés, mars 2026"
    shown = rows(table)
    assert shown["Validés dans le délai"] == ["40", pct(40)]
    assert shown["Validés après l'échéance"] == ["16", pct(16)]
    assert shown["Non réalisés : Refus de la personne"] == ["20", pct(20)]
    assert shown["Non réalisés : Autre motif"] == ["0", pct(0)]
    assert shown["Toujours à réaliser (en retard)"] == ["24", pct(24)]
    assert shown["Arrivants attendus"][0] == "100"
    assert shown["Exemptés : Transfert"] == ["6", ""]
    assert shown["Exemptés : Libération"] == ["0", ""]
    labels = list(shown)
    assert labels.index("Arrivants attendus") < labels.index("Exemptés : Transfert")


def synthesis(on_time, denominator, **parts) -> Result:
    return result(SYNTHESIS, on_time, denominator, parts=parts)


def test_the_synthesis_table_gives_the_late_ones_by_cause_and_those_not_counted_apart():
    given = synthesis(56, 65, delivered_late=5, render_failed=1, no_recipient=3, not_yet_due=4)
    (table,) = build.interview_tables(results(given), "mars 2026", secrecy=True)
    assert table.slug == "syntheses-causes"
    assert table.headers == ["Synthèse", "Effectif", "Part"]
    # The 1 and the 3 hide each other: 65 - 56 - 5 = 4 is their sum only.
    shown = rows(table)
    assert list(shown.items())[:6] == [
        ("Transmises dans le délai", ["56", pct(86.2)]),
        ("Envoyées après l'échéance", ["5", pct(7.7)]),
        ("Échec de la génération du PDF", [SECRET, SECRET]),
        ("Envoi refusé ou abandonné (au moins un destinataire)", ["0", pct(0)]),
        ("Aucun destinataire dans l'établissement", [SECRET, SECRET]),
        ("Envoi encore en cours, échéance passée", ["0", pct(0)]),
    ]
    assert shown["Synthèses dues"][0] == "65"
    assert shown["Pas encore envoyées, échéance à venir (non comptées)"] == [SECRET, ""]
    assert shown["Synthèses de rectifications (non comptées)"] == ["0", ""]


# --- Orientations and demand -------------------------------------------------------------------


def test_orientations_are_shares_of_the_interviews_and_overlap():
    found = result(
        ORIENTATIONS,
        40,
        60,
        parts={
            "travail_detention": 30,
            "travail_detention:haute": 10,
            "formation_pro": 4,
            "withheld": 3,
        },
    )
    (table,) = build.orientation_tables(results(found), "mars 2026", secrecy=True)
    assert table.slug == "orientations-types"
    assert table.headers == ["Orientation", "Effectif", "Part des entretiens"]
    shown = rows(table)
    assert shown["Travail en détention"] == ["30", pct(50)]
    assert shown["Formation professionnelle"] == [SECRET, SECRET]
    assert shown["Entretiens dont les préconisations sont partagées"][0] == "60"
    assert shown["Préconisations non partagées (non comptées)"] == [SECRET, ""]


def test_request_outcomes_split_the_requests_by_state_with_those_that_waited_apart():
    outcomes = result(
        OUTCOMES,
        24,
        60,
        parts={"a_examiner": 20, "liste_attente": 16, "affecte": 14, "termine": 10, "waited": 30},
    )
    (table,) = build.orientation_tables(results(outcomes), "mars 2026", secrecy=True)
    assert table.slug == "demandes-devenir"
    shown = rows(table)
    assert shown["Affecté"] == ["14", pct(23.3)]
    assert shown["Clos"] == ["0", pct(0)]
    assert shown["Demandes"][0] == "60"
    assert shown["Passées par la liste d'attente"] == ["30", ""]


def demand(**fields) -> Result:
    return result(
        DEMAND,
        23,
        21,
        parts={
            "waiting:travail": 20,
            "waiting:numerique": 3,
            "to_review:travail": 6,
            "to_review:numerique": 0,
        },
        figures={"places:travail": 15, "places:numerique": 6},
        **fields,
    )


def test_the_demand_table_hides_small_waiting_counts_with_their_ratio_but_shows_places():
    table = build.demand_table(demand(), secrecy=True)
    assert table.slug == "demande-places"
    assert table.headers == [
        "Type d'offre",
        "En liste d'attente",
        "À examiner",
        "Places",
        "En attente par place",
    ]
    # The 3 waiting for digital offers are hidden, and the 20 for work with them, else
    # 23 - 20 = 3; people waiting per place: 23 / 21.
    assert rows(table) == {
        "Poste de travail": [SECRET, "6", "15", SECRET],
        "Numérique": [SECRET, "0", "6", SECRET],
        "Ensemble": ["23", "6", "21", "1,1"],
    }


def test_the_demand_table_is_exact_without_secrecy():
    table = build.demand_table(demand(), secrecy=False)
    assert rows(table)["Poste de travail"] == ["20", "6", "15", "1,3"]
    assert rows(table)["Numérique"] == ["3", "0", "6", "0,5"]


def test_a_kind_without_places_has_no_ratio():
    given = result(DEMAND, 8, 0, parts={"waiting:travail": 8}, figures={})
    table = build.demand_table(given, secrecy=True)
    assert rows(table)["Poste de travail"] == ["8", "0", "0", NOT_COMPUTABLE]


def test_the_demand_table_says_the_day_of_its_figures():
    table = build.demand_table(
        figures.SnapshotResult(**vars(demand()), as_of=datetime.date(2026, 3, 31)), secrecy=True
    )
    assert table.caption.endswith("par type d'offre au 31/03/2026")


# --- Releases ----------------------------------------------------------------------------------


def release_results(kinds: dict[str, int], delits: tuple, crimes: tuple) -> dict:
    counted = sum(n for kind, n in kinds.items() if kind != "liberation_audience")
    return results(
        result(DRY, kinds.get("sortie_seche", 0), counted, parts=kinds),
        result(DELITS, *delits),
        result(CRIMES, *crimes),
    )


def test_releases_by_kind_are_shares_of_the_people_released_the_hearings_apart():
    given = release_results(
        {"sortie_seche": 40, "lsc": 30, "ddse": 30, "liberation_audience": 3},
        delits=(30, 70),
        crimes=(2, 10),
    )
    by_kind, by_offence = build.release_tables(given, "mars 2026", secrecy=False)
    assert by_kind.slug == "sorties-types"
    assert by_kind.caption == "Personnes libérées selon le type de sortie, mars 2026"
    shown = rows(by_kind)
    assert list(shown) == [
        DRY_LABEL,
        "Sortie en LSC",
        "Sortie en DDSE",
        "Personnes libérées",
        "Libération à l'audience (hors dénominateur)",
    ]
    assert shown[DRY_LABEL] == ["40", pct(40)]
    assert shown["Sortie en LSC"] == ["30", pct(30)]
    assert shown["Personnes libérées"][0] == "100"
    assert shown["Libération à l'audience (hors dénominateur)"] == ["3", ""]
    assert by_offence.slug == "sorties-seches-infraction"
    assert by_offence.headers == ["Infraction", "Sorties sèches", "Personnes libérées", "Taux"]
    assert rows(by_offence) == {
        "Délits": ["30", "70", pct(42.9)],
        "Crimes": ["2", "10", pct(20)],
        "Infraction non renseignée": ["8", "", ""],
    }


def test_a_small_crime_count_cannot_be_derived_from_the_dry_count():
    # 40 dry: 30 for délits, 2 for crimes, 8 unknown. Shown 40 and 30, a hidden 2 needs the 8
    # hidden beside it, else 40 - 30 - 8 = 2.
    given = release_results(
        {"sortie_seche": 40, "lsc": 30, "ddse": 30}, delits=(30, 70), crimes=(2, 10)
    )
    tables = build.release_tables(given, "mars 2026", secrecy=True)
    by_kind, by_offence = tables
    assert rows(by_kind)[DRY_LABEL] == ["40", pct(40)]
    assert rows(by_offence) == {
        "Délits": ["30", "70", pct(42.9)],
        "Crimes": [SECRET, "10", SECRET],
        "Infraction non renseignée": [SECRET, "", ""],
    }
    known, lines = page_knowledge(tables)
    assert recovered_by_subtraction(known, lines) == {}


def test_a_small_crime_count_is_not_the_dry_count_minus_the_delits_when_none_is_unknown():
    given = release_results(
        {"sortie_seche": 32, "lsc": 30, "ddse": 30}, delits=(30, 70), crimes=(2, 10)
    )
    tables = build.release_tables(given, "mars 2026", secrecy=True)
    # 32 - 30 - 0 would give the 2 back: the délits are hidden beside them.
    assert rows(tables[1]) == {
        "Délits": [SECRET, "70", SECRET],
        "Crimes": [SECRET, "10", SECRET],
        "Infraction non renseignée": ["0", "", ""],
    }
    known, lines = page_knowledge(tables)
    assert_no_line_gives_a_hidden_part_back(known, lines)
    assert recovered_by_subtraction(known, lines) == {}


def test_a_hidden_dry_count_hides_its_offences_too():
    given = release_results(
        {"sortie_seche": 10, "lsc": 3, "ddse": 87}, delits=(10, 100), crimes=(0, 0)
    )
    by_kind, by_offence = build.release_tables(given, "mars 2026", secrecy=True)
    assert rows(by_kind)[DRY_LABEL] == [SECRET, SECRET]
    assert rows(by_kind)["Sortie en LSC"] == [SECRET, SECRET]
    assert rows(by_offence)["Délits"] == [SECRET, "100", SECRET]
    assert rows(by_offence)["Crimes"] == ["0", "0", NOT_COMPUTABLE]


def test_no_release_result_draws_no_release_table():
    assert build.release_tables({}, "mars 2026", secrecy=True) == []


# --- The state of the day ----------------------------------------------------------------------


def test_the_people_at_risk_are_split_by_time_to_release_with_the_releasable_apart():
    (table,) = build.today_tables(results(risk(9, 20, 60)), secrecy=True)
    assert table.slug == "risque-sortie-seche"
    shown = rows(table)
    assert shown["Dans 12 semaines ou moins (ou passée)"] == ["9", pct(31)]
    assert shown["Au-delà de 12 semaines"] == ["20", pct(69)]
    assert shown["Personnes à risque de sortie sèche"][0] == "29"
    assert shown["Personnes libérables dans les 90 jours"] == ["60", ""]


def test_a_small_split_of_the_people_at_risk_hides_both_sides():
    (table,) = build.today_tables(results(risk(9, 3, 40)), secrecy=True)
    shown = rows(table)
    assert shown["Dans 12 semaines ou moins (ou passée)"] == [SECRET, SECRET]
    assert shown["Au-delà de 12 semaines"] == [SECRET, SECRET]
    assert shown["Personnes à risque de sortie sèche"][0] == "12"


def test_the_people_not_seen_count_those_never_seen_apart():
    unseen = result(
        NOT_SEEN, 30, 200, parts={"within_12_weeks": 0, "beyond_12_weeks": 30, "never_seen": 2}
    )
    (table,) = build.today_tables(results(unseen), secrecy=True)
    assert table.slug == "non-vus"
    shown = rows(table)
    assert shown["Dans 12 semaines ou moins (ou passée)"] == ["0", pct(0)]
    assert shown["Au-delà ou sans DLP"] == ["30", pct(100)]
    assert shown["Personnes non vues depuis 6 mois"][0] == "30"
    assert shown["dont jamais vues"] == [SECRET, ""]
    assert shown["Personnes détenues"] == ["200", ""]


def caseloads(cpip: int, without: int) -> Result:
    return result(
        CASELOADS,
        None,
        200,
        parts={"with_referent": 200 - without, "without_referent": without},
        figures={"cpip": cpip, "median": 30.5, "ninth_decile": 45.0, "min": 6, "max": 60},
    )


def test_the_people_per_cpip_give_the_distribution_of_their_caseloads():
    (table,) = build.today_tables(results(caseloads(6, 12)), secrecy=True)
    assert table.slug == "personnes-par-cpip"
    assert table.export_rows() == [
        ["Répartition", "Valeur"],
        ["CPIP référents", "6"],
        ["Médiane des personnes suivies", "30,5"],
        ["9ᵉ décile", "45"],
        ["Minimum", "6"],
        ["Maximum", "60"],
        ["Personnes détenues sans CPIP référent", "12"],
    ]


def test_the_caseloads_of_fewer_than_five_cpip_are_secret():
    (table,) = build.today_tables(results(caseloads(3, 2)), secrecy=True)
    assert [cells[0] for cells in rows(table).values()] == ["3", *[SECRET] * 5]


def test_the_caseloads_are_exact_without_secrecy():
    (table,) = build.today_tables(results(caseloads(3, 2)), secrecy=False)
    assert [cells[0] for cells in rows(table).values()] == ["3", "30,5", "45", "6", "60", "2"]


def dlp(reasons: dict[str, int], distribution: dict[int, int], **figures_) -> Result:
    return result(
        DLP,
        sum(reasons.values()),
        50,
        parts={**reasons, "within_12_weeks": 4},
        distribution=distribution,
        figures=figures_,
    )


def test_the_dlps_brought_forward_are_counted_by_reason_with_their_median_and_maximum():
    given = dlp(
        {"reduction": 7, "jonction": 6}, {5: 4, 12: 5, 40: 4}, median_days=12.0, max_days=40.0
    )
    table = build.dlp_table(results(given), "mars 2026", secrecy=True)
    assert table.slug == "dlp-avancees"
    shown = rows(table)
    assert "Date initiale" not in shown
    assert shown["Réduction de peine"] == ["7", pct(53.8)]
    assert shown["Jonction / confusion de peines"] == ["6", pct(46.2)]
    assert shown["DLP avancées"][0] == "13"
    assert shown["dont libération à 12 semaines ou moins du changement"] == [SECRET, ""]
    assert shown["Changements de DLP enregistrés"] == ["50", ""]
    assert shown["Avancée médiane"] == [days(12), ""]
    assert shown["Avancée maximale"] == [days(40), ""]


def test_the_advance_of_fewer_than_five_dlps_is_secret():
    given = dlp({"reduction": 4}, {5: 2, 40: 2}, median_days=22.5, max_days=40.0)
    table = build.dlp_table(results(given), "mars 2026", secrecy=True)
    assert rows(table)["Avancée médiane"] == [SECRET, ""]
    assert rows(table)["Avancée maximale"] == [SECRET, ""]
    exact = build.dlp_table(results(given), "mars 2026", secrecy=False)
    assert rows(exact)["Avancée médiane"] == [days(22.5), ""]
    assert rows(exact)["Réduction de peine"] == ["4", pct(100)]


# --- Tables by DISP then establishment ---------------------------------------------------------

PARIS = SimpleNamespace(name="DISP de Paris")
LYON = SimpleNamespace(name="DISP de Lyon")
RENNES = SimpleNamespace(name="DISP de Rennes")
FRESNES = SimpleNamespace(pk=1, name="Fresnes", region=PARIS)
MELUN = SimpleNamespace(pk=2, name="Melun", region=PARIS)
LYON_CORBAS = SimpleNamespace(pk=3, name="Lyon-Corbas", region=LYON)
VEZIN = SimpleNamespace(pk=4, name="Vezin", region=RENNES)


def by_establishment(**per_name) -> dict:
    """{pk: {code: Result}}, each establishment given its (numerator, denominator) of coverage
    and, when there is one, of syntheses on time."""
    pks = {"fresnes": 1, "melun": 2, "lyon": 3, "vezin": 4}
    out = {}
    for name, counts in per_name.items():
        out[pks[name]] = {
            definition.code: result(definition, *pair)
            for definition, pair in zip((COVERAGE, SYNTHESIS), counts, strict=False)
            if pair is not None
        }
    return out


def entretiens_table(establishments, given, *, secrecy=True, **options):
    groups = build.by_region(establishments) if secrecy else [("", establishments)]
    return build.establishment_table(
        "etablissements-entretiens",
        "mars 2026",
        groups,
        given,
        secrecy=secrecy,
        total_label="Total national" if secrecy else "Total de vos établissements",
        **options,
    )


def test_the_national_table_gives_each_establishment_under_its_disp_with_totals():
    given = by_establishment(
        fresnes=((10, 20), (8, 10)), melun=((15, 25),), lyon=((40, 50), (30, 40))
    )
    table, totals = entretiens_table([FRESNES, MELUN, LYON_CORBAS], given)
    assert table.caption == "Couverture des entretiens et synthèses dans le délai, mars 2026"
    assert table.headers == [
        "Établissement",
        "Validés",
        "Attendus",
        "Taux",
        "Dans le délai",
        "Dues",
        "Taux",
    ]
    assert table.column_groups == [("Entretiens d'arrivée", 3), ("Synthèses dans le délai", 3)]
    assert [(group.title, [row.label for row in group.rows]) for group in table.groups] == [
        ("DISP de Paris", ["Fresnes", "Melun", "Total DISP de Paris"]),
        ("DISP de Lyon", ["Lyon-Corbas", "Total DISP de Lyon"]),
        ("", ["Total national"]),
    ]
    assert rows(table) == {
        "Fresnes": ["10", "20", pct(50), "8", "10", pct(80)],
        "Melun": ["15", "25", pct(60), "0", "0", NOT_COMPUTABLE],
        "Total DISP de Paris": ["25", "45", pct(55.6), "8", "10", pct(80)],
        "Lyon-Corbas": ["40", "50", pct(80), "30", "40", pct(75)],
        "Total DISP de Lyon": ["40", "50", pct(80), "30", "40", pct(75)],
        "Total national": ["65", "95", pct(68.4), "38", "50", pct(76)],
    }
    assert [row.total for row in table.groups[0].rows] == [False, False, True]
    assert totals == {COVERAGE.code: Counts(65, 95), SYNTHESIS.code: Counts(38, 50)}


def test_a_small_establishment_count_hides_another_of_its_disp():
    # Fresnes validated 3: Melun's 20 is hidden too, else 23 - 20 = 3.
    given = by_establishment(fresnes=((3, 10),), melun=((20, 25),), lyon=((40, 50),))
    table, totals = entretiens_table([FRESNES, MELUN, LYON_CORBAS], given)
    assert rows(table)["Fresnes"][:3] == [SECRET, "10", SECRET]
    assert rows(table)["Melun"][:3] == [SECRET, "25", SECRET]
    assert rows(table)["Total DISP de Paris"][:3] == ["23", "35", pct(65.7)]
    assert totals[COVERAGE.code] == Counts(63, 85)


def test_a_small_disp_hides_another_disp_in_the_national_total():
    given = by_establishment(melun=((20, 25),), lyon=((40, 50),), vezin=((2, 2),))
    table, _totals = entretiens_table([MELUN, LYON_CORBAS, VEZIN], given)
    shown = rows(table)
    assert shown["Vezin"][:3] == [SECRET, SECRET, SECRET]
    assert shown["Total DISP de Rennes"][:3] == [SECRET, SECRET, SECRET]
    # Else 62 - 40 - 20 = 2: Paris, the smaller other DISP, is hidden, and so is Melun in it.
    assert shown["Total DISP de Paris"][:3] == [SECRET, SECRET, SECRET]
    assert shown["Melun"][:3] == [SECRET, SECRET, SECRET]
    assert shown["Total DISP de Lyon"][:3] == ["40", "50", pct(80)]
    assert shown["Total national"][:3] == ["62", "77", pct(80.5)]
    known, lines = table_lines(table, (0, 1, 3, 4))
    assert_no_line_gives_a_hidden_part_back(known, lines)
    assert recovered_by_subtraction(known, lines) == {}


def test_an_establishment_without_figures_counts_zero():
    given = by_establishment(fresnes=((10, 20),))
    table, _totals = entretiens_table([FRESNES, MELUN], given)
    assert rows(table)["Melun"] == ["0", "0", NOT_COMPUTABLE, "0", "0", NOT_COMPUTABLE]


def test_the_manager_table_is_exact_and_ends_with_the_national_median():
    # Rates of every establishment of the country: coverage 30, 80, 80, 70 (Vezin has no
    # arrival expected: left out) → median 75,0 %; syntheses 66,7, 90,0 and 50,0 → 66,7 %.
    everyone = by_establishment(
        fresnes=((3, 10), (2, 3)),
        melun=((20, 25), (18, 20)),
        lyon=((40, 50), (20, 40)),
        vezin=((0, 0), (0, 0)),
    )
    everyone[5] = {COVERAGE.code: result(COVERAGE, 7, 10)}
    table, totals = entretiens_table([FRESNES, MELUN], everyone, secrecy=False, median_of=everyone)
    assert [group.title for group in table.groups] == ["", ""]
    assert table.export_rows()[1:] == [
        ["Fresnes", "3", "10", pct(30), "2", "3", pct(66.7)],
        ["Melun", "20", "25", pct(80), "18", "20", pct(90)],
        ["Total de vos établissements", "23", "35", pct(65.7), "20", "23", pct(87)],
        ["Médiane nationale des établissements", "", "", pct(75), "", "", pct(66.7)],
    ]
    assert totals == {COVERAGE.code: Counts(23, 35), SYNTHESIS.code: Counts(20, 23)}


def test_the_national_median_cannot_be_computed_without_any_denominator():
    everyone = by_establishment(fresnes=((0, 0),))
    table, _totals = entretiens_table([FRESNES], everyone, secrecy=False, median_of=everyone)
    assert rows(table)["Médiane nationale des établissements"] == [
        "",
        "",
        NOT_COMPUTABLE,
        "",
        "",
        NOT_COMPUTABLE,
    ]


def test_the_release_table_by_establishment_gives_dry_releases_and_readiness():
    given = {
        1: {DRY.code: result(DRY, 5, 50), READINESS.code: result(READINESS, 8, 10)},
        2: {DRY.code: result(DRY, 5, 50)},
    }
    table, totals = build.establishment_table(
        "etablissements-sorties",
        "mars 2026",
        build.by_region([FRESNES, MELUN]),
        given,
        secrecy=True,
        total_label="Total national",
    )
    assert table.export_headers() == [
        "Établissement",
        "Sorties sèches — Sèches",
        "Sorties sèches — Libérés",
        "Sorties sèches — Taux",
        "Préparation achevée — Achevée",
        "Préparation achevée — Avec plan",
        "Préparation achevée — Taux",
    ]
    assert rows(table)["Total national"] == ["10", "100", pct(10), "8", "10", pct(80)]
    assert totals == {DRY.code: Counts(10, 100), READINESS.code: Counts(8, 10)}


establishment_counts = st.tuples(st.integers(0, 8), st.integers(0, 8)).map(
    lambda pair: (min(pair), max(pair))
)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.integers(0, 2), establishment_counts), min_size=1, max_size=6))
def test_no_hidden_count_of_the_national_table_can_be_recomputed(drawn):
    regions = [SimpleNamespace(name=f"DISP {index}") for index in range(3)]
    establishments = sorted(
        (
            SimpleNamespace(pk=pk, name=f"Établissement {pk}", region=regions[region])
            for pk, (region, _counts) in enumerate(drawn, start=1)
        ),
        key=lambda e: e.region.name,
    )
    given = {
        pk: {COVERAGE.code: result(COVERAGE, *counts)}
        for pk, (_region, counts) in enumerate(drawn, start=1)
    }
    table, _totals = entretiens_table(establishments, given)
    for pk, (_region, (numerator, denominator)) in enumerate(drawn, start=1):
        cells = rows(table)[f"Établissement {pk}"]
        assert (cells[0] == SECRET) >= (0 < numerator < 5)
        assert (cells[1] == SECRET) >= (0 < denominator < 5)
        if SECRET in cells[:2]:
            assert cells[2] == SECRET
    known, lines = table_lines(table, (0, 1))
    assert_no_line_gives_a_hidden_part_back(known, lines)
    assert recovered_by_subtraction(known, lines) == {}


# --- Charts ------------------------------------------------------------------------------------


def barrier_result(denominator=40) -> Result:
    return result(
        BARRIERS,
        30,
        denominator,
        parts={
            "logement": 20,
            "logement:leger": 10,
            "logement:important": 7,
            "logement:bloquant": 3,
            "papiers": 6,
            "papiers:important": 6,
        },
    )


def test_barriers_are_stacked_by_level_as_shares_of_the_interviews():
    chart = build.barrier_chart(barrier_result(), secrecy=False)
    assert chart.chart_id == "freins"
    assert chart.table.headers == ("Frein", "Frein léger", "Frein important", "Frein bloquant")
    cells = chart_cells(chart)
    assert cells["Logement"] == (f"{pct(25)} (10)", f"{pct(17.5)} (7)", f"{pct(7.5)} (3)")
    assert cells["Pièces d'identité et documents"] == (
        f"{pct(0)} (0)",
        f"{pct(15)} (6)",
        f"{pct(0)} (0)",
    )
    assert len(cells) == 16


def test_a_small_barrier_level_hides_another_level_of_its_barrier():
    chart = build.barrier_chart(barrier_result(), secrecy=True)
    cells = chart_cells(chart)
    assert cells["Logement"] == (f"{pct(25)} (10)", SECRET, SECRET)
    assert cells["Pièces d'identité et documents"][1] == f"{pct(15)} (6)"
    assert "(3)" not in chart.summary and "(7)" not in chart.summary
    assert 'data-value="7.5"' not in chart.svg


def test_a_hidden_denominator_hides_every_barrier():
    given = result(BARRIERS, 3, 4, parts={"logement": 3, "logement:leger": 3})
    chart = build.barrier_chart(given, secrecy=True)
    assert {cell for cells in chart_cells(chart).values() for cell in cells} == {SECRET}


def test_no_barrier_result_draws_no_chart():
    assert build.barrier_chart(None, secrecy=True) is None


def funnel_results(on_time=40, placed=12) -> dict:
    return results(
        coverage(on_time, 16, 100, still_open=100 - on_time - 16),
        synthesis(50, 56, delivered_late=6),
        result(ORIENTATIONS, 30, 56),
        result(OUTCOMES, placed, 40),
    )


def test_the_funnel_gives_each_step_of_the_period():
    chart = build.funnel_chart(funnel_results(), secrecy=True)
    assert chart.chart_id == "entonnoir"
    assert chart.table.headers == ("Étape", "Effectif")
    assert chart_cells(chart) == {
        "Arrivants attendus": ("100",),
        "Entretiens réalisés dans le délai": ("40",),
        "Synthèses transmises dans le délai": ("50",),
        "Entretiens avec une orientation": ("30",),
        "Demandes ayant obtenu une place": ("12",),
        "Libérés avec une préparation achevée": ("0",),
    }


def test_a_small_step_of_the_funnel_reads_secret_never_its_number():
    chart = build.funnel_chart(funnel_results(placed=3), secrecy=True)
    assert chart_cells(chart)["Demandes ayant obtenu une place"] == (SECRET,)
    assert "Secret statistique : Demandes ayant obtenu une place." in chart.summary
    assert 'data-value="3"' not in chart.svg
    exact = build.funnel_chart(funnel_results(placed=3), secrecy=False)
    assert chart_cells(exact)["Demandes ayant obtenu une place"] == ("3",)


def test_no_result_draws_no_funnel():
    assert build.funnel_chart({}, secrecy=True) is None


MONTHS = [datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)]


def trend_by_month() -> dict:
    return {
        MONTHS[0]: results(result(COVERAGE, 3, 10), result(SYNTHESIS, 8, 10)),
        MONTHS[1]: results(result(COVERAGE, 6, 8), result(DRY, 5, 12)),
    }


def test_the_trend_hides_the_months_whose_counts_are_small():
    chart = build.trend_chart(trend_by_month(), MONTHS, secrecy=True)
    assert chart.chart_id == "tendances"
    assert chart.title == "Évolution sur 3 mois"
    assert chart.table.headers == (
        "Mois",
        "Couverture des entretiens",
        "Synthèses dans le délai",
        "Sorties sèches",
    )
    assert chart_cells(chart) == {
        "janv. 2026": (SECRET, f"{pct(80)} (8)", NOT_COMPUTABLE),
        "févr. 2026": (f"{pct(75)} (6)", NOT_COMPUTABLE, f"{pct(41.7)} (5)"),
        "mars 2026": (NOT_COMPUTABLE, NOT_COMPUTABLE, NOT_COMPUTABLE),
    }
    assert "30,0" not in chart.summary and "(3)" not in chart.summary


def test_a_month_with_a_small_denominator_is_secret_whatever_its_numerator():
    by_month = {MONTHS[0]: results(result(DRY, 0, 3))}
    chart = build.trend_chart(by_month, MONTHS[:1], secrecy=True)
    assert chart_cells(chart)["janv. 2026"][2] == SECRET


def test_the_trend_is_exact_without_secrecy():
    chart = build.trend_chart(trend_by_month(), MONTHS, secrecy=False)
    assert chart_cells(chart)["janv. 2026"] == (
        f"{pct(30)} (3)",
        f"{pct(80)} (8)",
        NOT_COMPUTABLE,
    )


# --- Exports and the page's tables (tables.py) -------------------------------------------------


def test_an_export_names_each_column_under_its_group_and_keeps_the_disp_lines():
    table = StatTable(
        slug="essai",
        caption="Essai",
        headers=["Établissement", "Validés", "Attendus", "Taux", "Note"],
        groups=[
            TableGroup("DISP de Paris", [TableRow("Fresnes", ["10", "20", pct(50), "a"])]),
            TableGroup("", [TableRow("Total national", ["10", "20", pct(50), "b"], True)]),
        ],
        column_groups=[("Entretiens d'arrivée", 3)],
    )
    assert table.export_rows() == [
        [
            "Établissement",
            "Entretiens d'arrivée — Validés",
            "Entretiens d'arrivée — Attendus",
            "Entretiens d'arrivée — Taux",
            "Note",
        ],
        ["DISP de Paris", "", "", "", ""],
        ["Fresnes", "10", "20", pct(50), "a"],
        ["Total national", "10", "20", pct(50), "b"],
    ]


def test_the_tables_of_a_page_include_the_charts_data_tables_in_the_page_order():
    first = parts(10, 30)
    funnel = build.funnel_chart(funnel_results(placed=3), secrecy=True)
    second = StatTable("autre", "Autre", ["A", "B"], [TableGroup("", [TableRow("x", ["1"])])])
    trend = build.trend_chart(trend_by_month(), MONTHS, secrecy=True)
    page = Page(
        title="Indicateurs de pilotage",
        scope="France entière",
        period_label="mars 2026",
        months=MONTHS[2:],
        computed_at=None,
        headlines=[],
        sections=[
            Section("a", "A", tables=[first], charts=[funnel]),
            Section("b", "B", tables=[second], charts=[trend]),
        ],
        definitions=(),
    )
    assert [table.slug for table in page.tables()] == ["essai", "entonnoir", "autre", "tendances"]
    funnel_table = page.table("entonnoir")
    assert funnel_table.caption == "De l'arrivée à la sortie : chaque étape de la période"
    assert funnel_table.export_rows()[0] == ["Étape", "Effectif"]
    assert ["Demandes ayant obtenu une place", SECRET] in funnel_table.export_rows()
    assert ["janv. 2026", SECRET, f"{pct(80)} (8)", NOT_COMPUTABLE] in page.table(
        "tendances"
    ).export_rows()
    assert page.table("inconnue") is None


# --- A whole national page: nothing hidden comes back ------------------------------------------


def national_world() -> tuple[list, dict, dict]:
    """Four prisons in three DISP, small counts everywhere; the country's Results are the sums
    of the establishments' (coverage, syntheses, dry releases, readiness)."""
    establishments = [FRESNES, MELUN, LYON_CORBAS, VEZIN]
    per_establishment = {
        COVERAGE: [(3, 10), (20, 25), (40, 50), (2, 2)],
        SYNTHESIS: [(2, 3), (18, 20), (35, 40), (1, 2)],
        DRY: [(4, 9), (6, 12), (10, 30), (1, 1)],
        READINESS: [(0, 0), (3, 5), (8, 12), (0, 1)],
    }
    by_pk = {
        e.pk: {d.code: result(d, *counts[i]) for d, counts in per_establishment.items()}
        for i, e in enumerate(establishments)
    }
    country = results(
        coverage(50, 15, 87, still_open=19, **{"not_done:refus": 2, "not_done:sante": 1}),
        synthesis(56, 65, delivered_late=5, render_failed=1, no_recipient=3, not_yet_due=4),
        result(
            DRY,
            21,
            52,
            parts={"sortie_seche": 21, "lsc": 12, "ddse": 4, "liberation_conditionnelle": 15},
        ),
        result(DELITS, 15, 40),
        result(CRIMES, 2, 6),
        result(READINESS, 11, 18),
        result(ORIENTATIONS, 40, 60, parts={"travail_detention": 30, "formation_pro": 4}),
        result(
            OUTCOMES,
            12,
            40,
            parts={
                "a_examiner": 10,
                "liste_attente": 12,
                "affecte": 3,
                "termine": 9,
                "refuse": 4,
                "retire": 2,
            },
        ),
        demand(),
        risk(9, 3, 40),
        result(
            NOT_SEEN, 30, 200, parts={"within_12_weeks": 4, "beyond_12_weeks": 26, "never_seen": 2}
        ),
        caseloads(6, 3),
        dlp({"reduction": 7, "jonction": 2}, {5: 2, 12: 5, 40: 2}, median_days=12.0),
        barrier_result(),
    )
    return establishments, by_pk, country


def national_page(monkeypatch, establishments, by_pk, country, by_month=None, months=None):
    """pages.national_page as the country's page draws it, its three reads answered by the
    hand-made Results."""
    months = months or [datetime.date(2026, 3, 1)]
    monkeypatch.setattr(figures, "read", lambda *args, **kwargs: country)
    monkeypatch.setattr(figures, "read_by_establishment", lambda *args, **kwargs: by_pk)
    monkeypatch.setattr(figures, "read_by_month", lambda *args, **kwargs: by_month or {})
    return pages.national_page(
        establishments, months, "mars 2026", None, today=datetime.date(2026, 4, 15)
    )


def manager_page(monkeypatch, establishments, by_pk, country):
    """pages.manager_page for every establishment of the hand-made country."""
    monkeypatch.setattr(figures, "read", lambda *args, **kwargs: country)
    monkeypatch.setattr(figures, "read_by_establishment", lambda *args, **kwargs: by_pk)
    monkeypatch.setattr(figures, "read_by_month", lambda *args, **kwargs: {})
    ids = [e.pk for e in establishments]
    return pages.manager_page(establishments, ids, [datetime.date(2026, 3, 1)], "mars 2026", None)


def shown_counts(page) -> list[tuple[str, str]]:
    """Every count the page writes: whole numbers in the tables' cells, the ones in brackets
    beside a chart's rates, and the headlines' « N sur D »."""
    found = []
    for table in page.tables():
        for row in table.export_rows()[1:]:
            for cell in row[1:]:
                if re.fullmatch(r"[\d\u202f]+", cell):
                    found.append((table.slug, cell))
                found += [(table.slug, n) for n in re.findall(r"\((\d+)\)", cell)]
    for headline in page.headlines:
        code = headline.definition.code
        found += [(code, str(n)) for n in headline_counts(headline) if n is not None]
    return found


def test_no_hidden_count_of_the_national_tables_can_be_recomputed(monkeypatch):
    page = national_page(monkeypatch, *national_world())
    tables = page.tables()
    assert {"entretiens-motifs", "sorties-types", "demande-places", "dlp-avancees"} <= {
        table.slug for table in tables
    }
    known, lines = page_knowledge(tables)
    assert_no_line_gives_a_hidden_part_back(known, lines)
    assert recovered_by_subtraction(known, lines) == {}


def test_no_count_from_1_to_4_appears_on_the_national_page(monkeypatch):
    page = national_page(monkeypatch, *national_world())
    counts = shown_counts(page)
    assert ("entretiens-motifs", "50") in counts  # the reading finds the counts
    assert [(where, n) for where, n in counts if 0 < number(n) < 5] == []


def test_the_manager_page_shows_the_exact_counts(monkeypatch):
    page = manager_page(monkeypatch, *national_world())
    assert ("entretiens-motifs", "1") in shown_counts(page)
    for table in page.tables():
        assert SECRET not in [cell for row in table.export_rows() for cell in row], table.slug
    assert rows(page.table("entretiens-motifs"))["Non réalisés : État de santé"] == ["1", pct(1.1)]
    assert rows(page.table("etablissements-entretiens"))["Vezin"][:2] == ["2", "2"]


# --- Across the outputs of a page: a count shown twice ----------------------------------------
#
# The tables hide their counts each on its own (one secret_cells per table), but a page shows
# some counts in several places: the national totals of the tables by establishment are the
# headline figures, the funnel's steps are the numerators of the indicators, the validated
# interviews are the on-time and the late ones. What one output hides to protect a small count,
# another must not show.


def cross_output_knowledge(page, *extra: tuple) -> tuple[dict, list]:
    known, lines = page_knowledge(page.tables())
    for name, value, same_as in extra:
        known[name] = value
        if same_as is not None:
            lines.append((name, same_as if isinstance(same_as, list) else [same_as]))
    return known, lines


def headline_of(page, definition):
    return next(h for h in page.headlines if h.definition is definition)


def chart_of(page, chart_id):
    return next(chart for s in page.sections for chart in s.charts if chart.chart_id == chart_id)


def test_the_funnel_does_not_show_the_on_time_interviews_the_coverage_table_hides(monkeypatch):
    # 87 expected: 6 on time, 50 late, 2 refusals, 29 still open. The table hides the 2 and
    # the 6 beside it (its smallest other part); the funnel shows the 6: 87 - 6 - 50 - 29 = 2.
    establishments, by_pk, country = national_world()
    country.update(results(coverage(6, 50, 87, still_open=29, **{"not_done:refus": 2})))
    page = national_page(monkeypatch, establishments, by_pk, country)
    funnel = chart_cells(chart_of(page, "entonnoir"))
    known, lines = cross_output_knowledge(
        page,
        (
            ("entonnoir", "on_time"),
            chart_count(funnel["Entretiens réalisés dans le délai"][0]),
            ("entretiens-motifs", "Validés dans le délai", 0),
        ),
    )
    assert recovered_by_subtraction(known, lines) == {}


def test_the_coverage_headline_does_not_give_back_a_small_reason_of_the_table(monkeypatch):
    # 87 expected: 50 on time, 15 late, 2 refusals, 20 still open. The table hides the 2 and
    # the 15; the headline shows 65 validated (on time + late): 65 - 50 = 15, then
    # 87 - 50 - 15 - 20 = 2.
    _establishments, _by_pk, country = national_world()
    country.update(results(coverage(50, 15, 87, still_open=20, **{"not_done:refus": 2})))
    by_pk = {1: {COVERAGE.code: result(COVERAGE, 65, 87)}}
    page = national_page(monkeypatch, [FRESNES], by_pk, country)
    assert rows(page.table("entretiens-motifs"))["Non réalisés : Refus de la personne"][0] == (
        SECRET
    )
    validated, _expected = headline_counts(headline_of(page, COVERAGE))
    known, lines = cross_output_knowledge(page, (("headline", "validated"), validated, None))
    on_time_and_late = [
        ("entretiens-motifs", "Validés dans le délai", 0),
        ("entretiens-motifs", "Validés après l'échéance", 0),
    ]
    lines.append((("headline", "validated"), on_time_and_late))
    assert recovered_by_subtraction(known, lines) == {}


def test_the_synthesis_counts_shown_elsewhere_do_not_give_back_a_small_cause(monkeypatch):
    # 100 due: 6 on time, 90 late, 4 failed renderings. The table hides the 4 and the 6; the
    # headline (the national total of the table by establishment) and the funnel show 6, and
    # 100 - 6 - 90 = 4.
    _establishments, _by_pk, country = national_world()
    country.update(results(synthesis(6, 100, delivered_late=90, render_failed=4)))
    by_pk = {
        1: {SYNTHESIS.code: result(SYNTHESIS, 6, 50)},
        2: {SYNTHESIS.code: result(SYNTHESIS, 0, 50)},
    }
    page = national_page(monkeypatch, [FRESNES, MELUN], by_pk, country)
    on_time = ("syntheses-causes", "Transmises dans le délai", 0)
    funnel = chart_cells(chart_of(page, "entonnoir"))
    known, lines = cross_output_knowledge(
        page,
        (("headline", "on_time"), headline_counts(headline_of(page, SYNTHESIS))[0], on_time),
        (
            ("entonnoir", "on_time"),
            chart_count(funnel["Synthèses transmises dans le délai"][0]),
            on_time,
        ),
    )
    assert recovered_by_subtraction(known, lines) == {}


def test_the_trend_of_a_one_month_period_does_not_show_what_its_tables_hide(monkeypatch):
    # The period is March: the trend's last month is the period, its syntheses on time the
    # count the causes table hides (100 - 6 - 90 = 4 failed renderings). The reader is given
    # the tables and the trend only (no headline, no funnel).
    _establishments, _by_pk, country = national_world()
    country.update(results(synthesis(6, 100, delivered_late=90, render_failed=4)))
    march = datetime.date(2026, 3, 1)
    by_month = {march: results(result(SYNTHESIS, 6, 100))}
    by_pk = {
        1: {SYNTHESIS.code: result(SYNTHESIS, 3, 50)},
        2: {SYNTHESIS.code: result(SYNTHESIS, 3, 50)},
    }
    page = national_page(monkeypatch, [FRESNES, MELUN], by_pk, country, by_month, [march])
    trend = chart_cells(chart_of(page, "tendances"))
    known, lines = cross_output_knowledge(
        page,
        (
            ("tendances", "on_time"),
            chart_count(trend["mars 2026"][1]),
            ("syntheses-causes", "Transmises dans le délai", 0),
        ),
    )
    assert recovered_by_subtraction(known, lines) == {}


def test_the_trend_months_of_a_period_do_not_add_up_to_a_small_month(monkeypatch):
    # A quarter: 20, 30 and 3 interviews validated in January, February and March. The trend
    # hides March's 3 alone; the headline shows the quarter's 53: 53 - 20 - 30 = 3.
    _establishments, _by_pk, country = national_world()
    country.update(results(coverage(40, 13, 75, still_open=22)))
    by_month = {
        MONTHS[0]: results(result(COVERAGE, 20, 25)),
        MONTHS[1]: results(result(COVERAGE, 30, 40)),
        MONTHS[2]: results(result(COVERAGE, 3, 10)),
    }
    by_pk = {1: {COVERAGE.code: result(COVERAGE, 53, 75)}}
    page = national_page(monkeypatch, [FRESNES], by_pk, country, by_month, MONTHS)
    trend = chart_cells(chart_of(page, "tendances"))
    months = [("tendances", label) for label in ("janv. 2026", "févr. 2026", "mars 2026")]
    known = {month: chart_count(trend[month[1]][0]) for month in months}
    known[("headline", "validated")] = headline_counts(headline_of(page, COVERAGE))[0]
    assert known[months[2]] is None  # March is secret in the trend
    assert recovered_by_subtraction(known, [(("headline", "validated"), months)]) == {}


def test_the_dry_release_headline_does_not_show_the_dry_count_the_kinds_table_hides(
    monkeypatch,
):
    # 100 released: 10 dry, 3 under LSC, 87 under DDSE. The kinds' table hides the 3 and the
    # 10; the table by establishment (two prisons, 5 dry each) and the headline show 10:
    # 100 - 10 - 87 = 3.
    _establishments, _by_pk, country = national_world()
    country.update(
        release_results({"sortie_seche": 10, "lsc": 3, "ddse": 87}, delits=(10, 100), crimes=(0, 0))
    )
    by_pk = {1: {DRY.code: result(DRY, 5, 50)}, 2: {DRY.code: result(DRY, 5, 50)}}
    page = national_page(monkeypatch, [FRESNES, MELUN], by_pk, country)
    dry = ("sorties-types", DRY_LABEL, 0)
    national_dry = number(rows(page.table("etablissements-sorties"))["Total national"][0])
    known, lines = cross_output_knowledge(
        page,
        (("headline", "dry"), headline_counts(headline_of(page, DRY))[0], dry),
        (("etablissements-sorties", "Total national", 0), national_dry, dry),
    )
    assert recovered_by_subtraction(known, lines) == {}


def test_the_request_outcomes_headline_does_not_give_back_a_small_allocated_count(monkeypatch):
    # 12 placed = 3 allocated + 9 done: the table hides the 3 (and the 4 refused, the 2
    # withdrawn); the headline and the funnel show 12, and 12 - 9 = 3.
    page = national_page(monkeypatch, *national_world())
    assert rows(page.table("demandes-devenir"))["Affecté"][0] == SECRET
    funnel = chart_cells(chart_of(page, "entonnoir"))
    placed = [("demandes-devenir", "Affecté", 0), ("demandes-devenir", "Terminé", 0)]
    known, lines = cross_output_knowledge(
        page,
        (("headline", "placed"), headline_counts(headline_of(page, OUTCOMES))[0], placed),
        (
            ("entonnoir", "placed"),
            chart_count(funnel["Demandes ayant obtenu une place"][0]),
            ("headline", "placed"),
        ),
    )
    assert recovered_by_subtraction(known, lines) == {}


@pytest.mark.parametrize("secrecy", [True, False])
def test_every_table_of_a_page_has_cells_for_every_header(monkeypatch, secrecy):
    draw = national_page if secrecy else manager_page
    page = draw(monkeypatch, *national_world())
    for table in page.tables():
        assert {len(row) for row in table.export_rows()} == {table.width}, table.slug
