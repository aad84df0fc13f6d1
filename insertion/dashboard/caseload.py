"""The CPIP caseload dashboard (/portefeuille/) and the manager's team view (/equipe/): which
people, with which columns, filtered, sorted and counted how.

Everything starts from `Detainee.objects.visible_to(user).held()` and the readiness annotations
of `insertion/release/readiness.py` (one definition of each rule); this module adds what the
dashboard shows beside them (interview, synthesis, sentence arrangement, alerts) and reads the
filters of the page. Counters are one aggregate query, the team table one grouped query: the
number of queries does not grow with the caseload.

Unread synthesis: the person's latest synthesis that reached the teams (generated or sent),
which the user has neither downloaded nor read on the interview page since it was created
(the access log says so: `synthese.telechargement` on the synthesis, `entretien.consultation`
on its interview).
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery

from entretiens.choices import InterviewStatus, SynthesisStatus
from entretiens.models import Interview, Synthesis
from insertion.accounts.models import Role, User
from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.detainees.models import (
    ArrangementKind,
    ArrangementStatus,
    Detainee,
    SentenceArrangement,
)
from insertion.establishments.models import Establishment
from insertion.release.models import ReleaseAlert
from insertion.release.readiness import NOT_SEEN_DAYS, not_seen_condition, risk_condition

PAGE_SIZE = 50

# Access-log lines that count as having read a synthesis.
SYNTHESIS_DOWNLOAD = Action.SYNTHESIS_DOWNLOAD
INTERVIEW_READ = Action.INTERVIEW_READ
RECEIVED_SYNTHESIS = (SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED)

# Filter values of the page (French, they are in the URL) -> what they mean.
MINE, ALL_ESTABLISHMENTS = "mes", "etablissement"
NO_REFERENT = "aucun"
HORIZONS = {"30": "30 jours", "90": "90 jours", "180": "180 jours"}
NOT_SEEN_MONTHS = {"3": 91, "6": NOT_SEEN_DAYS, "12": 365}
ARRANGEMENT_FILTERS = {
    "aucun": ("Aucun", None),
    "demande": ("Demandé", ArrangementStatus.REQUESTED),
    "accorde": ("Accordé", ArrangementStatus.GRANTED),
    "refuse": ("Refusé", ArrangementStatus.REFUSED),
}
URGENCY = "urgence"
SORTS = {
    URGENCY: (
        "Urgence",
        (
            F("urgency").desc(),
            F("expected_release_date").asc(nulls_last=True),
            "last_name",
            "pk",
        ),
    ),
    "dlp": (
        "Date de libération prévisible",
        (F("expected_release_date").asc(nulls_last=True), "last_name", "first_name", "pk"),
    ),
    "nom": ("Nom", ("last_name", "first_name", "pk")),
}

# Short names of the arrangements for a table cell (the full label is the abbr's title).
ARRANGEMENT_ABBREVIATIONS = {
    ArrangementKind.LSC: ("LSC", "Libération sous contrainte"),
    ArrangementKind.DDSE: ("DDSE", "Détention à domicile sous surveillance électronique"),
    ArrangementKind.SEMI_LIBERTE: ("SL", "Semi-liberté"),
    ArrangementKind.PLACEMENT_EXTERIEUR: ("PE", "Placement à l'extérieur"),
    ArrangementKind.LIBERATION_CONDITIONNELLE: ("LC", "Libération conditionnelle"),
}


def _flag(params, name: str) -> bool:
    return params.get(name, "") in ("1", "on", "oui")


def _choice(params, name: str, allowed) -> str:
    value = params.get(name, "")
    return value if value in allowed else ""


@dataclass(frozen=True)
class CaseloadFilters:
    """The filters of the dashboard, read from the query string (unknown values are ignored,
    as on the person list). The scope (whose people) is `perimeter` for a CPIP and `referent`
    for a manager; the rest narrows the list."""

    is_manager: bool = False
    perimeter: str = MINE
    referent: str = ""
    horizon: str = ""
    risk: bool = False
    late: bool = False
    not_seen: str = ""
    arrangement: str = ""
    alert: bool = False
    unread: bool = False
    query: str = ""
    sort: str = URGENCY

    @classmethod
    def from_params(cls, params, *, user, referent_ids) -> "CaseloadFilters":
        is_manager = user.role == Role.MANAGER
        referent = params.get("referent", "")
        if not is_manager or (referent != NO_REFERENT and referent not in referent_ids):
            referent = ""
        perimeter = ALL_ESTABLISHMENTS if is_manager else MINE
        if not is_manager and params.get("perimetre") == ALL_ESTABLISHMENTS:
            perimeter = ALL_ESTABLISHMENTS
        return cls(
            is_manager=is_manager,
            perimeter=perimeter,
            referent=referent,
            horizon=_choice(params, "horizon", HORIZONS),
            risk=_flag(params, "risque"),
            late=_flag(params, "retard"),
            not_seen=_choice(params, "non_vus", NOT_SEEN_MONTHS),
            arrangement=_choice(params, "amenagement", ARRANGEMENT_FILTERS),
            alert=_flag(params, "alerte"),
            unread=_flag(params, "synthese"),
            query=params.get("q", "").strip()[:100],
            sort=_choice(params, "tri", SORTS) or URGENCY,
        )

    @property
    def whole_establishments(self) -> bool:
        """The list shows other CPIP's people: it names each person's referent."""
        return self.perimeter == ALL_ESTABLISHMENTS and self.referent == ""

    @property
    def narrows(self) -> bool:
        return bool(
            self.horizon
            or self.risk
            or self.late
            or self.not_seen
            or self.arrangement
            or self.alert
            or self.unread
            or self.query
        )

    @property
    def flags(self) -> list[tuple[str, str, bool]]:
        """The "only" checkboxes of the form: (parameter, label, checked)."""
        return [
            ("risque", "à risque de sortie sèche", self.risk),
            ("retard", "avec un jalon en retard", self.late),
            ("alerte", "dont la DLP a été avancée", self.alert),
            ("synthese", "avec une synthèse reçue non lue", self.unread),
        ]

    @property
    def scope_query(self) -> str:
        return urlencode(self.scope_params())

    def scope_params(self) -> dict[str, str]:
        if self.is_manager:
            return {"referent": self.referent} if self.referent else {}
        return {"perimetre": ALL_ESTABLISHMENTS} if self.perimeter == ALL_ESTABLISHMENTS else {}

    def params(self) -> dict[str, str]:
        """The parameters that give these filters back (the export link keeps them)."""
        params = self.scope_params()
        for name, value in (
            ("horizon", self.horizon),
            ("risque", "1" if self.risk else ""),
            ("retard", "1" if self.late else ""),
            ("non_vus", self.not_seen),
            ("amenagement", self.arrangement),
            ("alerte", "1" if self.alert else ""),
            ("synthese", "1" if self.unread else ""),
            ("q", self.query),
            ("tri", "" if self.sort == URGENCY else self.sort),
        ):
            if value:
                params[name] = value
        return params

    def query_string(self) -> str:
        return urlencode(self.params())


# --- Querysets ----------------------------------------------------------------------------


def caseload_referents(user):
    """The manager's filter by referent: the CPIP of their establishments, and any former
    referent who still follows people held there."""
    still_following = (
        Detainee.objects.visible_to(user).held().exclude(referent=None).values("referent_id")
    )
    return (
        User.objects.filter(
            Q(role=Role.CPIP, establishments__in=user.establishment_ids) | Q(pk__in=still_following)
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def caseload_scope(user, filters: CaseloadFilters):
    """The people held whose rows the page shows before the filters narrow them: the CPIP's
    own people (or all of their establishments'), a manager's whole establishments or one
    referent's people."""
    people = Detainee.objects.visible_to(user).held()
    if not filters.is_manager and filters.perimeter == MINE:
        return people.followed_by(user)
    if filters.referent == NO_REFERENT:
        return people.filter(referent__isnull=True)
    if filters.referent:
        return people.filter(referent_id=int(filters.referent))
    return people


def caseload_annotations() -> dict:
    """What the table shows beside the readiness annotations: the latest interview, synthesis
    and sentence arrangement, the unread synthesis (for this user), an unread DLP alert."""
    interview = Interview.objects.filter(detainee_id=OuterRef("pk")).order_by(
        "-version", "-arrival_date", "-pk"
    )
    synthesis = Synthesis.objects.filter(interview__detainee_id=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    arrangement = SentenceArrangement.objects.filter(detainee_id=OuterRef("pk")).order_by(
        "-requested_on", "-pk"
    )
    return {
        "interview_status": Subquery(interview.values("status")[:1]),
        "interview_version": Subquery(interview.values("version")[:1]),
        "synthesis_status": Subquery(synthesis.values("status")[:1]),
        "received_synthesis_id": Subquery(
            synthesis.filter(status__in=RECEIVED_SYNTHESIS).values("pk")[:1]
        ),
        "arrangement_kind": Subquery(arrangement.values("kind")[:1]),
        "arrangement_status": Subquery(arrangement.values("status")[:1]),
        "has_unread_alert": Exists(
            ReleaseAlert.objects.unread().filter(detainee_id=OuterRef("pk"))
        ),
    }


def unread_synthesis_annotation(*, user) -> Exists:
    """To add after `caseload_annotations` (it reads `received_synthesis_id`)."""
    downloaded = AccessLog.objects.filter(
        user=user,
        action=SYNTHESIS_DOWNLOAD,
        object_type="synthesis",
        object_id=OuterRef("pk"),
    )
    read_on_the_interview_page = AccessLog.objects.filter(
        user=user,
        action=INTERVIEW_READ,
        object_type="interview",
        object_id=OuterRef("interview_id"),
        at__gte=OuterRef("created_at"),
    )
    return Exists(
        Synthesis.objects.filter(pk=OuterRef("received_synthesis_id"))
        .exclude(Exists(downloaded))
        .exclude(Exists(read_on_the_interview_page))
    )


def with_caseload_columns(people, *, user, today: datetime.date):
    return (
        people.with_readiness(today)
        .annotate(**caseload_annotations())
        .annotate(synthesis_unread=unread_synthesis_annotation(user=user))
    )


def _within(days: int, today: datetime.date) -> Q:
    return Q(expected_release_date__lte=today + datetime.timedelta(days=days))


def caseload_filter(people, filters: CaseloadFilters, *, today: datetime.date):
    """Narrow an annotated caseload (`with_caseload_columns`) by the page's filters."""
    if filters.horizon:
        people = people.filter(_within(int(filters.horizon), today))
    if filters.risk:
        people = people.filter(risk_condition(today))
    if filters.late:
        people = people.filter(late_count__gt=0)
    if filters.not_seen:
        people = people.filter(not_seen_condition(today, NOT_SEEN_MONTHS[filters.not_seen]))
    if filters.arrangement:
        status = ARRANGEMENT_FILTERS[filters.arrangement][1]
        if status is None:
            people = people.filter(arrangement_status__isnull=True)
        else:
            people = people.filter(arrangement_status=status)
    if filters.alert:
        people = people.filter(has_unread_alert=True)
    if filters.unread:
        people = people.filter(synthesis_unread=True)
    if filters.query:
        people = people.search(filters.query)
    return people


def caseload_rows(user, filters: CaseloadFilters, *, today: datetime.date):
    """The filtered, sorted caseload of the page (and of its CSV export)."""
    people = with_caseload_columns(caseload_scope(user, filters), user=user, today=today)
    people = caseload_filter(people, filters, today=today)
    return people.select_related("referent").order_by(*SORTS[filters.sort][1])


# --- Counters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    count: int
    url: str
    alert: bool = False  # shown in red when not zero


# (key, label, the filter it links to, its condition, alert)
def _counter_definitions(today: datetime.date):
    return (
        ("releases_30", "Libérations dans 30 jours", {"horizon": "30"}, _within(30, today), False),
        ("releases_90", "Libérations dans 90 jours", {"horizon": "90"}, _within(90, today), False),
        ("dry_risk", "Sorties sèches à risque", {"risque": "1"}, risk_condition(today), True),
        ("late", "Jalons en retard", {"retard": "1"}, Q(late_count__gt=0), True),
        ("not_seen", "Non vus depuis 6 mois", {"non_vus": "6"}, not_seen_condition(today), False),
        (
            "unread",
            "Synthèses reçues non lues",
            {"synthese": "1"},
            Q(synthesis_unread=True),
            False,
        ),
        (
            "alerts",
            "Dates de libération avancées",
            {"alerte": "1"},
            Q(has_unread_alert=True),
            True,
        ),
    )


def caseload_counters(
    user, filters: CaseloadFilters, *, today: datetime.date, base_url: str
) -> list[Counter]:
    """The counters of the scope (the filters do not change them), in one aggregate query;
    each links to the list its count is about."""
    definitions = _counter_definitions(today)
    people = with_caseload_columns(caseload_scope(user, filters), user=user, today=today)
    counts = people.aggregate(
        **{key: Count("pk", filter=condition) for key, _, _, condition, _ in definitions}
    )
    scope = filters.scope_params()
    return [
        Counter(
            key=key,
            label=label,
            count=counts[key],
            url=f"{base_url}?{urlencode({**scope, **params})}",
            alert=alert,
        )
        for key, label, params, _, alert in definitions
    ]


# --- What a cell says (the page and the CSV share it) -------------------------------------


def days_left_label(expected_release_date, today: datetime.date) -> str:
    if expected_release_date is None:
        return ""
    days = (expected_release_date - today).days
    if days < 0:
        return "dépassée"
    if days == 0:
        return "aujourd'hui"
    if days == 1:
        return "demain"
    return f"dans {days} jours"


_INTERVIEW_LABELS = {
    InterviewStatus.TO_DO: "Entretien à réaliser",
    InterviewStatus.DRAFT: "Entretien en cours de saisie",
    InterviewStatus.VALIDATED: "Entretien validé",
    InterviewStatus.NOT_DONE: "Entretien non réalisé",
}
_SYNTHESIS_LABELS = {
    SynthesisStatus.PENDING: "Synthèse en préparation",
    SynthesisStatus.RENDERED: "Synthèse en cours d'envoi",
    SynthesisStatus.DELIVERED: "Synthèse envoyée",
    SynthesisStatus.FAILED: "Synthèse en échec",
}


def interview_label(status: str | None, version: int | None) -> str:
    if not status:
        return "Aucun entretien"
    if status == InterviewStatus.DRAFT and version:
        return "Entretien validé, rectification en cours"
    return _INTERVIEW_LABELS.get(status, "")


def synthesis_label(status: str | None) -> str:
    return _SYNTHESIS_LABELS.get(status, "") if status else ""


def arrangement_abbreviation(kind: str | None) -> tuple[str, str]:
    """("LSC", "Libération sous contrainte"), or ("", "") without an arrangement."""
    return ARRANGEMENT_ABBREVIATIONS.get(kind, ("", "")) if kind else ("", "")


def arrangement_status_label(status: str | None) -> str:
    return ArrangementStatus(status).label if status else ""


def arrangement_label(kind: str | None, status: str | None) -> str:
    if not kind:
        return "Aucun"
    return f"{arrangement_abbreviation(kind)[0]} ({arrangement_status_label(status).lower()})"


# --- Team view ----------------------------------------------------------------------------


@dataclass
class TeamRow:
    referent: User | None  # None: the people without referent
    works_here: bool = True
    people: int = 0
    releases_90: int = 0
    dry_risks: int = 0
    late: int = 0


@dataclass
class TeamTable:
    rows: list[TeamRow]
    without_referent: TeamRow
    total: TeamRow


TEAM_RELEASE_DAYS = 90


def team_table(user, *, today: datetime.date) -> TeamTable:
    """One row per CPIP of the manager's establishments (and per former referent who still
    follows people there): people held, releases within 90 days, dry-release risks, people
    with a late milestone. Three queries (counts, CPIP, their establishments) whatever the
    number of people or CPIP."""
    counts = (
        Detainee.objects.visible_to(user)
        .held()
        .with_readiness(today)
        .values("referent_id")
        .annotate(
            people=Count("pk"),
            releases_90=Count("pk", filter=_within(TEAM_RELEASE_DAYS, today)),
            dry_risks=Count("pk", filter=risk_condition(today)),
            late=Count("pk", filter=Q(late_count__gt=0)),
        )
        .order_by()
    )
    by_referent = {row["referent_id"]: row for row in counts}
    works_here = User.establishments.through.objects.filter(
        user_id=OuterRef("pk"), establishment_id__in=user.establishment_ids
    )
    referents = (
        User.objects.filter(
            Q(role=Role.CPIP, establishments__in=user.establishment_ids)
            | Q(pk__in=[pk for pk in by_referent if pk is not None])
        )
        .distinct()
        .annotate(works_here=Exists(works_here))
        .prefetch_related(
            Prefetch("establishments", queryset=Establishment.objects.order_by("name", "pk"))
        )
        .order_by("last_name", "first_name", "pk")
    )
    rows = []
    for referent in referents:
        row = by_referent.get(referent.pk, {})
        if not row and not referent.is_active:
            continue  # a former CPIP with nobody left: nothing to show
        rows.append(_team_row(referent, row, works_here=referent.works_here))
    without_referent = _team_row(None, by_referent.get(None, {}), works_here=True)
    total = TeamRow(
        referent=None,
        people=sum(r.people for r in [*rows, without_referent]),
        releases_90=sum(r.releases_90 for r in [*rows, without_referent]),
        dry_risks=sum(r.dry_risks for r in [*rows, without_referent]),
        late=sum(r.late for r in [*rows, without_referent]),
    )
    return TeamTable(rows=rows, without_referent=without_referent, total=total)


def _team_row(referent, counts: dict, *, works_here: bool) -> TeamRow:
    return TeamRow(
        referent=referent,
        works_here=works_here,
        people=counts.get("people", 0),
        releases_90=counts.get("releases_90", 0),
        dry_risks=counts.get("dry_risks", 0),
        late=counts.get("late", 0),
    )


def reassignment_targets(user):
    """Who may receive people: the active CPIP of the manager's establishments."""
    return (
        User.objects.filter(
            role=Role.CPIP, is_active=True, establishments__in=user.establishment_ids
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def team_people(user, *, referent_id: int | None):
    """The people the manager may reassign: without referent, or followed by one CPIP."""
    people = Detainee.objects.visible_to(user).held()
    if referent_id is None:
        people = people.filter(referent__isnull=True)
    else:
        people = people.filter(referent_id=referent_id)
    return people.select_related("establishment", "referent").order_by(
        F("expected_release_date").asc(nulls_last=True), "last_name", "first_name", "pk"
    )


def reassignment_problems(people, target) -> list[str]:
    """Why these people cannot be given to this CPIP (empty: they can), in French."""
    problems = []
    for person in people:
        if person.is_released:
            problems.append(f"{person} : libération enregistrée, le référent ne change plus.")
        elif person.establishment_id not in target.establishment_ids:
            problems.append(
                f"{target.get_full_name()} ne travaille pas dans l'établissement de {person} "
                f"({person.establishment.name})."
            )
    return problems


# --- CSV export ---------------------------------------------------------------------------

CSV_HEADER = (
    "Nom",
    "Prénom",
    "N° d'écrou",
    "CPIP référent",
    "Date de libération prévisible",
    "Jours avant la DLP",
    "Jalons essentiels faits",
    "Jalons essentiels",
    "Prochain jalon",
    "Date du prochain jalon",
    "Jalons en retard",
    "Dernier contact",
    "Entretien",
    "Synthèse",
    "Synthèse non lue",
    "Aménagement de peine",
    "Sortie sèche à risque",
    "DLP avancée",
)


def _date(value) -> str:
    # dd/mm/yyyy: French Excel reads it as a date (and sorts it), unlike "12 mars 2026".
    return value.strftime("%d/%m/%Y") if value else ""


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def caseload_csv_rows(people, *, today: datetime.date):
    """The lines of the CSV export: the header, then one line per person of `caseload_rows`."""
    yield CSV_HEADER
    for person in people:
        days_left = (
            (person.expected_release_date - today).days if person.expected_release_date else ""
        )
        yield (
            _cell(person.last_name.upper()),
            _cell(person.first_name),
            _cell(person.ecrou_number),
            _cell(person.referent.get_full_name()) if person.referent else "",
            _date(person.expected_release_date),
            days_left,
            person.essential_done if person.essential_total else "",
            person.essential_total or "",
            _cell(person.next_due_label or ""),
            _date(person.next_due_date),
            person.late_count,
            _date(person.last_contact_on) or "Jamais",
            interview_label(person.interview_status, person.interview_version),
            synthesis_label(person.synthesis_status),
            _yes(person.synthesis_unread),
            arrangement_label(person.arrangement_kind, person.arrangement_status),
            _yes(person.dry_risk),
            _yes(person.has_unread_alert),
        )
