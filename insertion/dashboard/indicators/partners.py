"""The section « Entreprises partenaires » of the steering pages (issue 16): by DISP for national
steering, by establishment for a manager — active companies and open offers on the day, and
over the period the persons' agreements, the profiles sent, the people put forward for an offer
and the hires (insertion/statistics/partners.py reads them).

Statistical secrecy (national): the four counts about people follow the indicators' rule — 1 to
the threshold minus one hidden, and what would give it away along the table's sums (each DISP
line adds up to the total line) — month by month first: a period's cell that the table of one
of its months hides starts hidden, so that two periods subtracted give no hidden count back.
The months' tables are drawn here from the same read (a few small tables: nothing stored).
Companies and offers are not people: shown as they are.
"""

import datetime

from insertion.core.secrecy import secret_cells
from insertion.statistics.definitions import Definition
from insertion.statistics.partners import MEASURES, companies_and_offers, monthly_counts

from .tables import Section, StatTable, TableGroup, TableRow, count_text, smallest_shown

DEFINITION = Definition(
    code="partenaires",
    title="Entreprises partenaires",
    numerator="Entreprises actives liées à un établissement du périmètre et leurs offres "
    "ouvertes, à la date du jour ; sur la période : accords des personnes (selon la date de "
    "l'accord, retirés depuis ou non), profils envoyés à une entreprise (selon la date d'envoi), "
    "personnes proposées pour une offre (étape « proposé ») et embauches ou entrées en "
    "formation (selon la date de l'étape).",
    exclusions="Chaque personne compte dans l'établissement où elle est détenue aujourd'hui. "
    "Une entreprise liée à deux DISP compte dans chacune, une fois dans le total.",
    unit="",
)
# Short headers under two groups: the table holds in the page's width (a table wider than its
# container scrolls, and a scrolling region without focus is out of reach of the keyboard).
HEADERS = [
    "Entreprises actives",
    "Offres ouvertes",
    "Accords",
    "Profils envoyés",
    "Personnes proposées",
    "Embauches",
]
COLUMN_GROUPS = [
    ("Aujourd'hui", 2),
    ("Sur la période (embauches : entrées en formation comprises)", 4),
]


def _secret(values_of, groups, months, smallest) -> set:
    """The cells (group or "all", measure) to hide over `months`: those the table of one of the
    months hides start hidden (module docstring)."""

    def table(counts):
        values, sums = {}, []
        for measure in MEASURES:
            cells = [(key, measure) for key in groups]
            for cell in cells:
                values[cell] = counts(cell[0], measure)
            values[("all", measure)] = sum(values[cell] for cell in cells)
            sums.append((("all", measure), cells))
        return values, sums

    start: set = set()
    for month in months:
        values, sums = table(lambda key, measure, m=month: values_of(key, measure, [m]))
        start |= secret_cells(values, sums, smallest=smallest)
    values, sums = table(lambda key, measure: values_of(key, measure, months))
    return secret_cells(values, sums, hidden=start, smallest=smallest)


def partner_section(
    establishments,
    months: list[datetime.date],
    period_label: str,
    *,
    by: str,
    secrecy: bool,
    today: datetime.date,
) -> Section:
    """The section over `months` for `establishments` grouped `by` "region" (DISP lines) or
    "establishment" (a line each); `secrecy`: national steering's. Five queries."""
    ids = [e.pk for e in establishments]
    counts = monthly_counts(ids, months, by=by)
    stock = companies_and_offers(establishments, by=by, today=today)
    if by == "region":
        labels: dict = {}
        for e in establishments:
            labels.setdefault(e.region_id, e.region.name)
    else:
        labels = {e.pk: e.name for e in establishments}

    def values_of(key, measure, over) -> int:
        return sum(counts.get((key, month), {}).get(measure, 0) for month in over)

    hidden = _secret(values_of, list(labels), months, smallest_shown()) if secrecy else set()

    def line(label, key, *, total=False) -> TableRow:
        companies, offers = stock.get(None if key == "all" else key, (0, 0))
        cells = [count_text(companies), count_text(offers)]
        for measure in MEASURES:
            value = (
                sum(values_of(group, measure, months) for group in labels)
                if key == "all"
                else values_of(key, measure, months)
            )
            cells.append(count_text(None if (key, measure) in hidden else value))
        return TableRow(label, cells, total)

    total_label = "Total national" if by == "region" else "Total de vos établissements"
    rows = [line(label, key) for key, label in labels.items()]
    table = StatTable(
        slug="entreprises-partenaires",
        caption=f"Entreprises partenaires, offres, accords, profils envoyés et embauches, "
        f"{period_label}",
        headers=["DISP" if by == "region" else "Établissement", *HEADERS],
        groups=[TableGroup("", rows), TableGroup("", [line(total_label, "all", total=True)])],
        column_groups=COLUMN_GROUPS,
    )
    return Section(
        "entreprises",
        "Entreprises partenaires",
        intro="Les entreprises engagées auprès des établissements, leurs offres, et ce qu'il "
        "advient des personnes qui acceptent que leur profil leur soit transmis.",
        tables=[table],
        definitions=[DEFINITION],
    )
