"""A steering page per level, read from the nightly snapshot in a constant number of queries
whatever the number of establishments: `national` (the whole country by DISP then
establishment, with statistical secrecy) and `manager` (their establishments with exact figures,
each against the national median of the establishments). `page_for` chooses by role; the page,
the exports and the report call it alike.
"""

import datetime

from django.utils import timezone

from insertion.accounts.models import Role
from insertion.establishments.models import Establishment
from insertion.statistics import figures
from insertion.statistics.indicators import barriers, followup, interviews, orientations, releases
from insertion.statistics.models import MonthSecrecy

from . import build
from .partners import DEFINITION as PARTNERS_DEFINITION
from .partners import partner_section
from .period import PeriodForm, offered_months, today_month, trend_months
from .tables import Page, Section

DEFINITIONS = (
    interviews.COVERAGE,
    interviews.DELAY,
    interviews.SYNTHESIS,
    barriers.BARRIERS,
    orientations.ORIENTATIONS,
    orientations.REQUEST_OUTCOMES,
    orientations.WAITING_TIME,
    orientations.DEMAND,
    releases.DRY_RELEASES,
    releases.READINESS,
    releases.DRY_RISK,
    followup.PEOPLE_PER_CPIP,
    followup.NOT_SEEN,
    followup.DLP_BROUGHT_FORWARD,
)
NATIONAL_TITLE = "Indicateurs de pilotage"
MANAGER_TITLE = "Indicateurs de vos établissements"


def _sections(
    results, by_month, months, period_label, establishment_tables, *, secrecy
) -> list[Section]:
    trend = trend_months(months)
    entretiens, sorties = establishment_tables
    dlp = build.dlp_table(results, period_label, secrecy=secrecy)
    risk_and_unseen = build.today_tables(results, secrecy=secrecy)
    barrier_chart = build.barrier_chart(results.get(barriers.BARRIERS.code), secrecy=secrecy)
    funnel = build.funnel_chart(results, secrecy=secrecy)
    return [
        # A section's anchor differs from its chart's id: each is an id of the page.
        Section(
            "parcours",
            "De l'arrivée à la sortie",
            "Chaque étape compte les personnes ou les demandes de la période selon son propre "
            "indicateur (voir les définitions) : ce n'est pas une même cohorte suivie d'une "
            "étape à l'autre.",
            charts=[funnel] if funnel else [],
        ),
        Section(
            "evolution",
            f"Évolution sur {len(trend)} mois",
            "Taux de chaque mois (jusqu'au dernier mois de la période), calculés sur les "
            "effectifs du mois.",
            charts=[build.trend_chart(by_month, trend, secrecy=secrecy, period=months)],
        ),
        Section(
            "entretiens",
            "Entretiens d'arrivée et synthèses",
            "Entretiens d'arrivée validés parmi les arrivants attendus, et synthèses transmises "
            "dans le délai parmi les synthèses dues.",
            tables=[entretiens, *build.interview_tables(results, period_label, secrecy=secrecy)],
            definitions=[interviews.COVERAGE, interviews.DELAY, interviews.SYNTHESIS],
        ),
        Section(
            "freins-releves",
            "Freins relevés à l'entretien d'arrivée",
            charts=[barrier_chart] if barrier_chart else [],
            definitions=[barriers.BARRIERS],
        ),
        Section(
            "orientations",
            "Orientations, demandes et places",
            tables=build.orientation_tables(results, period_label, secrecy=secrecy),
            definitions=[
                orientations.ORIENTATIONS,
                orientations.REQUEST_OUTCOMES,
                orientations.WAITING_TIME,
                orientations.DEMAND,
            ],
        ),
        Section(
            "sorties",
            "Sorties",
            tables=[
                sorties,
                *build.release_tables(results, period_label, secrecy=secrecy),
                *[t for t in risk_and_unseen if t.slug == "risque-sortie-seche"],
            ],
            definitions=[releases.DRY_RELEASES, releases.READINESS, releases.DRY_RISK],
        ),
        Section(
            "suivi",
            "Suivi par les CPIP",
            tables=[
                *[t for t in risk_and_unseen if t.slug != "risque-sortie-seche"],
                *([dlp] if dlp else []),
            ],
            definitions=[
                followup.PEOPLE_PER_CPIP,
                followup.NOT_SEEN,
                followup.DLP_BROUGHT_FORWARD,
            ],
        ),
    ]


def _draw(results, by_month, months, period_label, groups, by_establishment, **options):
    """The headlines and the sections of a page. With a ledger (`secrecy`), drawn again until no
    output hides a count that another one shows (build.Ledger): a few passes of pure Python."""
    ledger = options.pop("secrecy")
    while True:
        tables, totals = [], {}
        for slug in build.ESTABLISHMENT_TABLES:
            table, total = build.establishment_table(
                slug, period_label, groups, by_establishment, secrecy=ledger, **options
            )
            tables.append(table)
            totals.update(total)
        headlines = build.headlines(results, secrecy=ledger, totals=totals)
        sections = _sections(results, by_month, months, period_label, tables, secrecy=ledger)
        if not ledger or not ledger.grew:
            return headlines, sections
        ledger.grew = False


def _national_drawing(
    establishments,
    months: list[datetime.date],
    period_label: str,
    *,
    today_month: datetime.date | None,
    ledger: build.Ledger,
):
    """The headlines and sections of the country over `months`, hidden as `ledger` says and
    teaches it. Three queries."""
    ids = [e.pk for e in establishments]
    results = figures.read(ids, months, today_month=today_month)
    by_establishment = figures.read_by_establishment(
        ids, months, with_parts=False, today_month=today_month, codes=build.ESTABLISHMENT_CODES
    )
    by_month = figures.read_by_month(
        ids, trend_months(months), with_parts=False, codes=build.TREND_CODE_LIST
    )
    return _draw(
        results,
        by_month,
        months,
        period_label,
        build.by_region(establishments),
        by_establishment,
        secrecy=ledger,
        total_label="Total national",
    )


def months_secrecy(
    establishments, months: list[datetime.date], computed_at, *, today: datetime.date
) -> dict[datetime.date, dict[str, list[str]]]:
    """{month: what its national page hides} for `months`, from the figures of `computed_at`:
    one query when every month is known (MonthSecrecy), else each missing month's page drawn
    (three queries and a drawing each) and stored, and the older refreshes' rows deleted."""
    stored = computed_at is not None  # else hand-made figures (tests): drawn, not stored
    known = (
        dict(
            MonthSecrecy.objects.filter(month__in=months, computed_at=computed_at).values_list(
                "month", "hidden"
            )
        )
        if stored
        else {}
    )
    missing = [month for month in months if month not in known]
    if not missing:
        return known
    made = []
    for month in missing:
        ledger = build.Ledger()
        _national_drawing(
            establishments,
            [month],
            "",
            today_month=today_month([month], today),
            ledger=ledger,
        )
        known[month] = ledger.drawn
        made.append(MonthSecrecy(month=month, computed_at=computed_at, hidden=ledger.drawn))
    if stored:
        MonthSecrecy.objects.bulk_create(made, ignore_conflicts=True)
        MonthSecrecy.objects.filter(computed_at__lt=computed_at).delete()
    return known


def prepare_months_secrecy(*, today: datetime.date | None = None) -> int:
    """Every month a national page may show (the months offered and their trends' months),
    from the last refresh: the nightly beat does it so that no user waits for it. The number
    of months drawn now (0 when all are known, or before the first refresh)."""
    computed_at = figures.freshness()
    if computed_at is None:
        return 0
    today = today or timezone.localdate()
    offered = offered_months(today)
    needed = sorted(set(offered) | set(trend_months([min(offered)])))
    known = MonthSecrecy.objects.filter(month__in=needed, computed_at=computed_at).count()
    establishments = list(
        Establishment.objects.select_related("region").order_by("region__name", "name")
    )
    months_secrecy(establishments, needed, computed_at, today=today)
    return len(needed) - known


def inherited_secrecy(
    by_month: dict[datetime.date, dict[str, list[str]]], months: list[datetime.date]
) -> dict[str, frozenset[str]]:
    """What a period's page starts hiding, by output name: the cells one of its months hides;
    for the trend, whose cells are months, the cells hidden by the pages of those months."""
    period, trend = set(months), set(trend_months(months))
    cells: dict[str, set[str]] = {}
    for month, drawn in by_month.items():
        for name, hidden in drawn.items():
            if month in (trend if name.startswith(build.TREND_NAME) else period):
                cells.setdefault(name, set()).update(hidden)
    return {name: frozenset(hidden) for name, hidden in cells.items()}


def national_page(
    establishments,
    months: list[datetime.date],
    period_label: str,
    computed_at,
    *,
    today: datetime.date,
) -> Page:
    """The country: `establishments` (all of them, read, ordered by DISP then name), the
    « today » indicators as period.today_month says. Statistical secrecy within the page and
    across periods: a cell the page of one of its months hides starts hidden
    (`months_secrecy`). Four queries whatever their number, once the months' secrecy is
    known."""
    needed = sorted(set(months) | set(trend_months(months)))
    by_month = months_secrecy(establishments, needed, computed_at, today=today)
    ledger = build.Ledger(inherited_secrecy(by_month, months))
    headlines, sections = _national_drawing(
        establishments,
        months,
        period_label,
        today_month=today_month(months, today),
        ledger=ledger,
    )
    return Page(
        title=NATIONAL_TITLE,
        scope="France entière",
        period_label=period_label,
        months=months,
        computed_at=computed_at,
        headlines=headlines,
        sections=sections,
        definitions=DEFINITIONS,
        secrecy=True,
    )


def manager_page(
    establishments,
    all_ids: list[int],
    months: list[datetime.date],
    period_label: str,
    computed_at,
    *,
    today_month: datetime.date | None = None,
) -> Page:
    """A manager's establishments with exact figures, each against the national median of the
    establishments (`all_ids`: every establishment's id). Three queries."""
    ids = [e.pk for e in establishments]
    results = figures.read(ids, months, today_month=today_month)
    everyone = figures.read_by_establishment(
        all_ids, months, with_parts=False, today_month=today_month, codes=build.ESTABLISHMENT_CODES
    )
    by_month = figures.read_by_month(
        ids, trend_months(months), with_parts=False, codes=build.TREND_CODE_LIST
    )
    headlines, sections = _draw(
        results,
        by_month,
        months,
        period_label,
        [("", establishments)],
        everyone,
        secrecy=False,
        total_label="Total de vos établissements",
        median_of=everyone,
    )
    return Page(
        title=MANAGER_TITLE,
        scope=", ".join(e.name for e in establishments),
        period_label=period_label,
        months=months,
        computed_at=computed_at,
        headlines=headlines,
        sections=sections,
        definitions=DEFINITIONS,
        secrecy=False,
    )


def page_for(user, period: PeriodForm, *, today: datetime.date | None = None) -> Page | None:
    """The user's level's page over the period; None before the first nightly refresh."""
    months = period.months
    today = today or timezone.localdate()
    current = today_month(months, today)
    computed_at = figures.freshness()
    if computed_at is None:
        return None
    establishments = list(
        Establishment.objects.visible_to(user)
        .select_related("region")
        .order_by("region__name", "name")
    )
    if user.role == Role.NATIONAL:
        page = national_page(establishments, months, period.label, computed_at, today=today)
        return with_partners(page, establishments, by="region", today=today)
    all_ids = list(Establishment.objects.values_list("pk", flat=True))
    page = manager_page(
        establishments, all_ids, months, period.label, computed_at, today_month=current
    )
    return with_partners(page, establishments, by="establishment", today=today)


def with_partners(page: Page, establishments, *, by: str, today: datetime.date) -> Page:
    """The page with its section « Entreprises partenaires » (partners.py) and its definition:
    by DISP with secrecy for national steering, by establishment exact for a manager. Five
    queries."""
    page.sections.append(
        partner_section(
            establishments,
            page.months,
            page.period_label,
            by=by,
            secrecy=page.secrecy,
            today=today,
        )
    )
    page.definitions = (*page.definitions, PARTNERS_DEFINITION)
    return page
