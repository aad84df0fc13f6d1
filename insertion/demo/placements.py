"""Offers of the establishments and requests ("demandes") of the people, in the demo world and in
the national data set: a step run once the people, their interviews and syntheses are in
(`generate.seed_demo_world`, `generate.seed_national`).

Offers. Each establishment gets work posts (service général, ateliers, concessions), vocational
training sessions (dated, 4 to 9 months, back to back since the establishment began using the
tool — its interview rollout, or a year ago; a permanent pre-qualification in the large ones),
classes (remise à niveau, CFG, DAEU…), literacy and French classes and digital workshops; large
establishments run several groups. Places follow the number of people held there (not the
capacity: the demo holds a tenth of its establishments' real population) — about a quarter of
them can work, one in ten train (in French prisons 30 % work and 10 % train). Some past sessions
are closed, a few work posts too.

Requests. A validated interview whose « Préconisations » section is shared turns each
orientation that goes to a service into a request, made at the validation, with the
orientation's priority and details (the rule of `placements.services.requests_from_interview`).
People also ask directly (their own written request, their CPIP, the team): for work above all.
Each request lives its life from its creation to the end of the stay: examined a few days later
(some still "à examiner", a few overdue), refused (typed reason) or put on the waiting list, then
allocated to an offer of its kind in the same establishment (training people join the next
session), then "terminé"; some are withdrawn. A transfer or a release closes what is still open,
on the day, with that reason. A request that ended may be followed by another one of the same
kind (at most one open per person and kind, as the database requires).

Today's state respects the places: for each establishment and kind, the people held whose
request is past review fill the current offers (a few places left free), in roughly the order of
the waiting list (`placements.waiting`); the others wait — "34 en attente pour 8 places".

Every step is in the request's history (RequestEvent) with its date and author (the team
member, the CPIP, the interviewer who validated; nobody for the automatic closing).

The establishment of the demo team account (equipe@, Fresnes) gets a work queue to show
whatever the seed (`showcase`): about ten requests to examine, three of them overdue, waiting
lists for work and training longer than their places, a person followed by cpip@ waiting for a
training whose current session has a free place (the browser test places them).

Rows are built in memory and copied in (COPY on PostgreSQL), ids handed out here: a constant
number of queries whatever the number of people. Draws come from a generator seeded by one
draw of the world's generator.
"""

import dataclasses
import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from entretiens.choices import InterviewStatus, Priority, Section
from entretiens.models import Orientation
from entretiens.sharing import is_shared
from insertion.accounts.models import Role, User
from insertion.demo import accounts as demo_accounts
from insertion.demo.generate import Ranges, Weighted, days, random_date
from insertion.demo.release_plans import insert_rows
from insertion.detainees.models import Detainee, Incarceration
from insertion.establishments.models import Establishment
from insertion.person.receivers import REQUEST_MILESTONES
from insertion.placements.choices import (
    ORIENTATION_TO_OFFER_KIND,
    ClosingReason,
    OfferKind,
    RefusalReason,
    RequestOrigin,
    RequestStatus,
    WorkSetting,
)
from insertion.placements.models import Offer, PlacementRequest, RequestEvent
from insertion.release.models import (
    Milestone,
    MilestoneChange,
    MilestoneKind,
    MilestoneNote,
    MilestoneStatus,
    ReleasePlan,
)

Status = RequestStatus
KINDS = (
    OfferKind.WORK,
    OfferKind.TRAINING,
    OfferKind.EDUCATION,
    OfferKind.LITERACY,
    OfferKind.DIGITAL,
)

# --- Offers ------------------------------------------------------------------------------

# Places of each kind, as a share of the people held in the establishment.
PLACES_SHARE = {
    OfferKind.WORK: 0.25,
    OfferKind.TRAINING: 0.08,
    OfferKind.EDUCATION: 0.08,
    OfferKind.LITERACY: 0.03,
    OfferKind.DIGITAL: 0.03,
}
WORK_SERVICE = "Responsable du travail"
TRAINING_SERVICE = "Responsable local de formation (RLF)"
TEACHING_SERVICE = "Service d'enseignement (ULE)"

# Work posts, in the order an establishment opens them: (title, setting, service, places,
# requirements). "{n}" is a building or a workshop number when a post is repeated.
WORK_POSTS = [
    ("Cuisine", WorkSetting.GENERAL_SERVICE, WORK_SERVICE, (6, 15), "Formation à l'hygiène "
     "alimentaire suivie à la prise de poste."),
    ("Auxiliaire d'étage — bâtiment {n}", WorkSetting.GENERAL_SERVICE, WORK_SERVICE, (8, 20), ""),
    ("Atelier de conditionnement{n}", WorkSetting.WORKSHOP, WORK_SERVICE, (15, 40), ""),
    ("Conditionnement de produits cosmétiques", WorkSetting.CONCESSION,
     "Concessionnaire Cosmépack", (15, 40), ""),
    ("Buanderie", WorkSetting.GENERAL_SERVICE, WORK_SERVICE, (5, 8), ""),
    ("Maintenance des bâtiments", WorkSetting.GENERAL_SERVICE, WORK_SERVICE, (5, 10),
     "Expérience dans le bâtiment appréciée."),
    ("Atelier de montage{n}", WorkSetting.WORKSHOP, WORK_SERVICE, (10, 30),
     "Station debout prolongée."),
    ("Montage de faisceaux électriques", WorkSetting.CONCESSION,
     "Concessionnaire Câblage Services", (10, 30), "Bonne vision des couleurs."),
    ("Cantine et distribution des repas", WorkSetting.GENERAL_SERVICE, WORK_SERVICE, (5, 10), ""),
    ("Atelier de façonnage{n}", WorkSetting.WORKSHOP, WORK_SERVICE, (10, 30), ""),
    ("Façonnage et mise sous pli", WorkSetting.CONCESSION, "Concessionnaire Routage Plus",
     (10, 35), ""),
]  # fmt: skip
CLOSED_POST = (
    "Tri et reconditionnement de cintres (concession arrêtée)",
    WorkSetting.CONCESSION,
    "Concessionnaire Recycl'Cintres",
    (10, 25),
    "",
)
CLOSED_POST_SHARE = 0.15
WORK_LEAST, WORK_MOST = 5, 40  # places of the smallest and largest posts
BUILDINGS = "ABCDEFGHJK"

# Training sessions: (title, requirements, months). Back to back, with a few weeks between.
TRAININGS = [
    ("CAP cuisine", "Niveau A2 en français ; aptitude médicale.", (6, 9)),
    ("Agent de propreté et d'hygiène (APH)", "", (4, 6)),
    ("Préparateur de commandes — CACES R489", "Aptitude médicale à la conduite d'engins ; "
     "niveau A2 en français.", (4, 6)),
    ("Titre professionnel plaquiste", "Aptitude au travail en hauteur.", (6, 9)),
    ("Agent d'entretien du bâtiment", "", (5, 8)),
    ("Titre professionnel peintre en bâtiment", "", (6, 9)),
    ("Employé commercial en magasin", "Niveau A2 en français.", (4, 7)),
]  # fmt: skip
PERMANENT_TRAINING = ("Pré-qualification : découverte des métiers", "")
PERMANENT_TRAINING_FROM = 300  # people held
TRAINING_PLACES = (8, 12)
CLASS_PLACES = (10, 15)
SESSION_GAP = (14, 56)
CLOSED_SESSION_SHARE = 0.3  # ended sessions the team marked inactive

# Classes: (kind, title, service, dated by school year, requirements), in the order they open.
CLASSES = [
    (OfferKind.EDUCATION, "Remise à niveau", TEACHING_SERVICE, False, ""),
    (OfferKind.EDUCATION, "Préparation au certificat de formation générale (CFG)",
     TEACHING_SERVICE, True, ""),
    (OfferKind.EDUCATION, "Diplôme d'accès aux études universitaires (DAEU)", TEACHING_SERVICE,
     True, "Niveau fin de collège ; test de positionnement."),
    (OfferKind.EDUCATION, "Préparation au diplôme national du brevet", TEACHING_SERVICE, True, ""),
    (OfferKind.LITERACY, "Atelier savoirs de base (lutte contre l'illettrisme)",
     TEACHING_SERVICE, False, ""),
    (OfferKind.LITERACY, "Français langue étrangère (FLE)", TEACHING_SERVICE, False, ""),
    (OfferKind.DIGITAL, "Initiation au numérique", TRAINING_SERVICE, False, ""),
    (OfferKind.DIGITAL, "Démarches en ligne avant la sortie", TRAINING_SERVICE, False,
     "Savoir lire."),
]  # fmt: skip
SCHOOL_YEAR_START = (9, 7)  # classes of the school year: early September to late June
SCHOOL_YEAR_END = (6, 26)
# Before an establishment's rollout date (none: this long before today), no request existed.
USE_WITHOUT_ROLLOUT_DAYS = 365


def work_posts(target: float) -> list[tuple]:
    """The posts an establishment opens for `target` places, in the order of WORK_POSTS, then
    more floors and workshops: as many as their usual sizes need, four at least from 30
    places (a kitchen, floors, a workshop, a concession)."""
    posts, repeats, usual = [], Counter(), 0.0
    for index in range(10 * len(WORK_POSTS)):
        if posts and usual >= target and (len(posts) >= 4 or target < 30):
            break
        title, setting, service, size, requirements = WORK_POSTS[index % len(WORK_POSTS)]
        repeats[title] += 1
        number = repeats[title]
        if "{n}" not in title:
            if number > 1:
                continue  # one kitchen, one concession of each company
        elif "bâtiment" in title:
            title = title.replace(
                "{n}", BUILDINGS[number - 1] if number <= len(BUILDINGS) else str(number)
            )
        else:
            title = title.replace("{n}", f" {number}" if number > 1 else "")
        posts.append((title, setting, service, size, requirements))
        usual += sum(size) / 2
    return posts


def grouped(rows: list[tuple], index: int) -> tuple:
    """The index-th of `rows` taken in turn: the title of the second round says « groupe 2 »
    (large establishments run several groups of a training or a class)."""
    title, *rest = rows[index % len(rows)]
    group = index // len(rows) + 1
    return (f"{title} (groupe {group})" if group > 1 else title, *rest)


def fitted(places: int, missing: float, least: int) -> int:
    """The places of the last offer opened to reach a target: no more than missing, no fewer
    than the least such an offer has."""
    return max(least, min(places, round(missing)))


@dataclasses.dataclass(slots=True, eq=False)
class OfferPlan:
    id: int
    establishment_id: int
    kind: str
    title: str
    service: str
    places: int
    work_setting: str = ""
    permanent: bool = True
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    requirements: str = ""
    active: bool = True

    def open_on(self, day: datetime.date) -> bool:
        """Could take someone starting that day (an inactive permanent post never did here)."""
        if self.permanent:
            return self.active
        return self.start_date <= day <= self.end_date - days(30)

    def current(self, today: datetime.date) -> bool:
        """`Offer.objects.current`: active, and permanent or not ended."""
        return self.active and (self.permanent or self.end_date >= today)


class OfferBook:
    """The offers of every establishment, with their ids."""

    def __init__(self, rng: random.Random, today: datetime.date, first_id: int):
        self.rng = rng
        self.today = today
        self.ids = iter(range(first_id, first_id + 10**9))
        self.offers: list[OfferPlan] = []
        self.by_kind: dict[tuple[int, str], list[OfferPlan]] = defaultdict(list)

    def add(self, establishment_id: int, kind: str, title: str, service: str, places: int, **kw):
        offer = OfferPlan(next(self.ids), establishment_id, kind, title, service, places, **kw)
        self.offers.append(offer)
        self.by_kind[establishment_id, kind].append(offer)
        return offer

    def establishment(self, establishment_id: int, held: int, since: datetime.date) -> None:
        """The offers of one establishment holding `held` people, in use since `since`."""
        rng = self.rng
        target = PLACES_SHARE[OfferKind.WORK] * held
        posts = work_posts(target)
        scale = target / sum((low + high) / 2 for _, _, _, (low, high), _ in posts)
        for title, setting, service, (low, high), requirements in posts:
            places = round((low + high) / 2 * scale * rng.uniform(0.8, 1.2))
            self.add(
                establishment_id,
                OfferKind.WORK,
                title,
                service,
                min(WORK_MOST, max(WORK_LEAST, places)),
                work_setting=setting,
                requirements=requirements,
            )
        if rng.random() < CLOSED_POST_SHARE:
            title, setting, service, (low, high), requirements = CLOSED_POST
            self.add(
                establishment_id,
                OfferKind.WORK,
                title,
                service,
                rng.randint(low, high),
                work_setting=setting,
                active=False,
            )

        groups = max(1, round(PLACES_SHARE[OfferKind.TRAINING] * held / 10))
        for index in range(groups):
            self._sessions(establishment_id, grouped(TRAININGS, index), since, first=index == 0)
        if held >= PERMANENT_TRAINING_FROM:
            title, requirements = PERMANENT_TRAINING
            self.add(
                establishment_id,
                OfferKind.TRAINING,
                title,
                TRAINING_SERVICE,
                rng.randint(*TRAINING_PLACES),
                requirements=requirements,
            )

        for kind in (OfferKind.EDUCATION, OfferKind.LITERACY, OfferKind.DIGITAL):
            target = PLACES_SHARE[kind] * held
            classes = [row[1:] for row in CLASSES if row[0] == kind]
            total = index = 0
            while index == 0 or total < target:
                title, service, dated, requirements = grouped(classes, index)
                index += 1
                places = fitted(rng.randint(*CLASS_PLACES), target - total, CLASS_PLACES[0])
                total += places
                if dated:
                    self._school_years(
                        establishment_id, kind, title, service, places, requirements, since
                    )
                else:
                    self.add(
                        establishment_id, kind, title, service, places, requirements=requirements
                    )

    def _sessions(self, establishment_id: int, training: tuple, since, *, first: bool) -> None:
        """Sessions of one training, back to back: the current one (or the next, soon), then
        the earlier ones down to the establishment's first use of the tool. The first training
        of an establishment always has a session under way with months to go."""
        rng, today = self.rng, self.today
        title, requirements, (low, high) = training
        length = rng.randint(low * 30, high * 30)
        if first:
            start = today - days(rng.randint(20, max(21, length - 90)))
        else:
            start = today - days(rng.randint(-40, length - 30))
        sessions = [(start, start + days(length))]
        while sessions[-1][0] > since:
            end = sessions[-1][0] - days(rng.randint(*SESSION_GAP))
            length = rng.randint(low * 30, high * 30)
            sessions.append((end - days(length), end))
        places = rng.randint(*TRAINING_PLACES)
        for start, end in reversed(sessions):
            ended = end < today
            self.add(
                establishment_id,
                OfferKind.TRAINING,
                f"{title} — session du {start:%d/%m/%Y}",
                TRAINING_SERVICE,
                places,
                permanent=False,
                start_date=start,
                end_date=end,
                requirements=requirements,
                active=not (ended and rng.random() < CLOSED_SESSION_SHARE),
            )

    def _school_years(self, establishment_id, kind, title, service, places, requirements, since):
        today = self.today
        year = today.year if (today.month, today.day) >= SCHOOL_YEAR_START else today.year - 1
        while True:
            start = datetime.date(year, *SCHOOL_YEAR_START)
            end = datetime.date(year + 1, *SCHOOL_YEAR_END)
            ended = end < today
            self.add(
                establishment_id,
                kind,
                f"{title} — année {year}-{year + 1}",
                service,
                places,
                permanent=False,
                start_date=start,
                end_date=end,
                requirements=requirements,
                active=not (ended and self.rng.random() < CLOSED_SESSION_SHARE),
            )
            if start <= since:
                break
            year -= 1


# --- Requests ----------------------------------------------------------------------------

# Share of stays with a direct request of each kind (when the interview asked nothing of it).
DIRECT_SHARE = {
    OfferKind.WORK: 0.85,
    OfferKind.TRAINING: 0.3,
    OfferKind.EDUCATION: 0.15,
    OfferKind.LITERACY: 0.04,
    OfferKind.DIGITAL: 0.06,
}
# People ask early in their stay: days after the arrival (or the first use of the tool).
DIRECT_DELAY_MEAN = 60
DIRECT_ORIGINS = Weighted(
    {RequestOrigin.PERSON: 55, RequestOrigin.CPIP: 25, RequestOrigin.TEAM: 20}
)
DIRECT_PRIORITIES = Weighted({Priority.HIGH: 20, Priority.MEDIUM: 50, Priority.LOW: 30})
DIRECT_DETAILS = {
    OfferKind.WORK: [
        "Demande écrite de la personne.",
        "A travaillé en cuisine lors d'une précédente détention.",
        "Souhaite indemniser les parties civiles.",
        "Sans ressources suffisantes : demande à examiner en priorité.",
        "",
    ],
    OfferKind.TRAINING: [
        "Souhaite se former à un métier du bâtiment.",
        "Intéressé·e par la prochaine session qualifiante.",
        "",
    ],
    OfferKind.EDUCATION: ["Souhaite reprendre une scolarité.", "Veut préparer un diplôme.", ""],
    OfferKind.LITERACY: ["Difficultés de lecture repérées par le CPIP.", ""],
    OfferKind.DIGITAL: ["Pour préparer les démarches en ligne de la sortie.", ""],
}
# After a request ended (done / refused / withdrawn), the person may ask again.
FOLLOW_UP_SHARE = {
    Status.DONE: {
        OfferKind.WORK: 0.75,
        OfferKind.TRAINING: 0.3,
        OfferKind.EDUCATION: 0.25,
        OfferKind.LITERACY: 0.1,
        OfferKind.DIGITAL: 0.1,
    },
    Status.REFUSED: 0.15,
    Status.WITHDRAWN: 0.05,
}
FOLLOW_UP_DELAY = (7, 90)
MAX_REQUESTS_PER_KIND = 3

REVIEW_DELAY = Ranges((45, 1, 4), (35, 5, 10), (15, 11, 25), (5, 26, 60))
REFUSED_AT_REVIEW = 0.07
WITHDRAWN_WHILE_WAITING = 0.06
REFUSED_WHILE_WAITING = 0.04
# Days on the waiting list before a place (training: until a session starts).
WAIT = {
    OfferKind.WORK: Ranges((25, 10, 60), (40, 61, 180), (35, 181, 450)),
    OfferKind.TRAINING: Ranges((50, 14, 60), (50, 61, 180)),
    OfferKind.EDUCATION: Ranges((60, 7, 45), (40, 46, 150)),
    OfferKind.LITERACY: Ranges((60, 7, 45), (40, 46, 150)),
    OfferKind.DIGITAL: Ranges((50, 7, 60), (50, 61, 180)),
}
SESSION_TAKEN = 0.6  # chosen for the next session, or left for the one after
# Days in a permanent post or class.
DURATION = {
    OfferKind.WORK: Ranges((40, 60, 180), (40, 181, 365), (20, 366, 720)),
    OfferKind.TRAINING: Ranges((1, 60, 240)),
    OfferKind.EDUCATION: Ranges((60, 60, 180), (40, 181, 300)),
    OfferKind.LITERACY: Ranges((60, 60, 180), (40, 181, 300)),
    OfferKind.DIGITAL: Ranges((1, 30, 90)),
}
DROPPED_OUT = 0.12  # left a dated session before its end
REFUSALS = Weighted(
    {
        RefusalReason.REQUIREMENTS: 35,
        RefusalReason.CPU: 25,
        RefusalReason.SECURITY: 15,
        RefusalReason.TIMETABLE: 15,
        RefusalReason.OTHER: 10,
    }
)
NO_PLACE_BEFORE_RELEASE_DAYS = 90
REFUSAL_DETAILS = {
    RefusalReason.NO_PLACE_BEFORE_RELEASE: ["", "Libération prévue avant la prochaine session."],
    RefusalReason.REQUIREMENTS: ["", "Niveau de français insuffisant pour la session.",
                                 "Aptitude médicale non obtenue."],
    RefusalReason.TIMETABLE: ["", "Suit déjà une formation sur le même créneau."],
    RefusalReason.CPU: ["", "Avis défavorable de la CPU du mois."],
    RefusalReason.SECURITY: ["", "Avis défavorable du chef de détention."],
    RefusalReason.OTHER: ["Poste incompatible avec l'état de santé (avis de l'unité sanitaire).",
                          "La personne a refusé le poste proposé."],
}  # fmt: skip
WITHDRAWAL_NOTES = [
    "",
    "La personne ne souhaite plus ce poste.",
    "Préfère se consacrer à sa formation.",
    "Raisons de santé.",
]
FREE_PLACES = Weighted({0: 55, 1: 25, 2: 15, 3: 5})
PRIORITY_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
FAR = datetime.date(9999, 12, 31)

# What the demo team's establishment shows, whatever the seed (module docstring).
SHOWCASE_TO_REVIEW = 10
SHOWCASE_OVERDUE = 3
OVERDUE_DAYS = 10
SHOWCASE_LISTS = (OfferKind.WORK, OfferKind.TRAINING)
DEMO_CPIP = "cpip@demo.insertion.fr"
RANK_REASON = "Aménagement de peine subordonné à un emploi en détention (avis du JAP)."

INTERVIEW_NOTE = "Préconisation de l'entretien d'arrivée"


@dataclasses.dataclass(slots=True, eq=False)
class RequestPlan:
    detainee_id: int
    establishment_id: int
    kind: str
    priority: str
    origin: str
    created_on: datetime.date
    created_by_id: int | None
    interview_id: int | None = None
    details: str = ""
    status: str = Status.TO_REVIEW
    waiting_since: datetime.date | None = None
    offer: OfferPlan | None = None
    start_date: datetime.date | None = None
    ended_on: datetime.date | None = None
    refusal_reason: str = ""
    closing_reason: str = ""
    status_note: str = ""
    manual_rank: int | None = None
    override_reason: str = ""
    # (from status, to status, by, day or moment, note), in order.
    events: list = dataclasses.field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status in (Status.TO_REVIEW, Status.WAITING, Status.ALLOCATED)

    def move(self, to_status: str, by, when, note: str = "") -> None:
        self.events.append((self.status, to_status, by, when, note))
        self.status = to_status
        self.status_note = note


@dataclasses.dataclass(slots=True)
class StayRow:
    detainee_id: int
    establishment_id: int
    arrival: datetime.date
    departure: datetime.date | None
    departure_reason: str


class World:
    """What the step reads from the database: establishments, staff, people, interviews."""

    def __init__(self, establishments: list[Establishment], today: datetime.date):
        ids = [e.pk for e in establishments]
        self.establishments = establishments
        self.since = {
            e.pk: e.interview_rollout_date or today - days(USE_WITHOUT_ROLLOUT_DAYS)
            for e in establishments
        }
        self.team: dict[int, list[int]] = defaultdict(list)
        managers: dict[int, list[int]] = defaultdict(list)
        self.showcased: set[int] = set()
        links = (
            User.establishments.through.objects.filter(
                establishment_id__in=ids,
                user__role__in=(Role.PRISON_TEAM, Role.MANAGER),
                user__is_active=True,
            )
            .order_by("establishment_id", "user_id")
            .values_list("establishment_id", "user_id", "user__role", "user__email")
        )
        for establishment_id, user_id, role, email in links:
            if role == Role.PRISON_TEAM:
                self.team[establishment_id].append(user_id)
                if email in demo_accounts.DEMO_EMAILS:
                    self.showcased.add(establishment_id)
            else:
                managers[establishment_id].append(user_id)
        for establishment_id, users in managers.items():
            if not self.team[establishment_id]:
                self.team[establishment_id] = users
        self.demo_cpip = User.objects.filter(email=DEMO_CPIP).values_list("pk", flat=True).first()

        stays = (
            Incarceration.objects.filter(establishment_id__in=ids)
            .order_by("detainee_id", "arrival_date", "pk")
            .values_list(
                "pk",
                "detainee_id",
                "establishment_id",
                "arrival_date",
                "departure_date",
                "departure_reason",
            )
        )
        self.stays = {row[0]: StayRow(*row[1:]) for row in stays}
        people = Detainee.objects.filter(pk__in={stay.detainee_id for stay in self.stays.values()})
        if len(ids) == Establishment.objects.count():
            people = Detainee.objects.all()  # everyone: no list of ids to send
        self.people = {
            pk: (referent_id, release)
            for pk, referent_id, release in people.values_list(
                "pk", "referent_id", "expected_release_date"
            )
        }
        self.held = Counter(
            stay.establishment_id for stay in self.stays.values() if stay.departure is None
        )
        # The orientations of validated interviews that go to a service, shared ones only.
        self.orientations: dict[int, list[tuple]] = defaultdict(list)
        rows = (
            Orientation.objects.filter(
                interview__status=InterviewStatus.VALIDATED,
                interview__establishment_id__in=ids,
                kind__in=list(ORIENTATION_TO_OFFER_KIND),
            )
            .order_by("interview_id", "pk")
            .values_list(
                "interview__incarceration_id",
                "interview_id",
                "interview__withheld_sections",
                "interview__validated_at",
                "interview__validated_by_id",
                "kind",
                "priority",
                "details",
            )
        )
        for stay_id, interview_id, withheld, validated_at, by, kind, priority, details in rows:
            if not is_shared(withheld, Section.RECOMMENDATIONS):
                continue
            self.orientations[stay_id].append(
                (interview_id, validated_at, by, ORIENTATION_TO_OFFER_KIND[kind], priority, details)
            )


class Simulation:
    """The life of each request, up to the end of the stay (or today)."""

    def __init__(self, rng: random.Random, today: datetime.date, world: World, book: OfferBook):
        self.rng = rng
        self.today = today
        self.world = world
        self.book = book
        self.requests: list[RequestPlan] = []
        # Requests open today (people held), by establishment and kind, for the places.
        self.open_today: dict[tuple[int, str], list[RequestPlan]] = defaultdict(list)
        self.open_kinds: dict[int, set[str]] = defaultdict(set)

    def team_member(self, establishment_id: int) -> int | None:
        team = self.world.team.get(establishment_id)
        return self.rng.choice(team) if team else None

    def stay(self, stay_id: int, stay: StayRow) -> None:
        rng, world = self.rng, self.world
        horizon = stay.departure or self.today
        first = max(stay.arrival, world.since[stay.establishment_id])
        referent_id = world.people[stay.detainee_id][0]
        chains = []
        asked = set()
        for interview_id, validated_at, by, kind, priority, details in world.orientations.get(
            stay_id, ()
        ):
            if kind in asked:  # one request per kind and interview
                continue
            asked.add(kind)
            request = RequestPlan(
                detainee_id=stay.detainee_id,
                establishment_id=stay.establishment_id,
                kind=kind,
                priority=priority,
                origin=RequestOrigin.INTERVIEW,
                created_on=timezone.localtime(validated_at).date(),
                created_by_id=by,
                interview_id=interview_id,
                details=details,
            )
            request.events.append(("", Status.TO_REVIEW, by, validated_at, INTERVIEW_NOTE))
            chains.append(request)
        for kind in KINDS:
            if kind in asked or rng.random() >= DIRECT_SHARE[kind]:
                continue
            if stay.arrival >= first:
                created_on = first + days(2 + int(rng.expovariate(1 / DIRECT_DELAY_MEAN)))
            else:  # held before the tool: asked any day since
                created_on = random_date(rng, first, horizon)
            if created_on > horizon:
                continue
            chains.append(self.direct(stay, kind, created_on, referent_id))
        for request in chains:
            for count in range(MAX_REQUESTS_PER_KIND):
                self.live(request, stay, horizon)
                follow = FOLLOW_UP_SHARE.get(request.status)
                if isinstance(follow, dict):
                    follow = follow[request.kind]
                if follow is None or count + 1 == MAX_REQUESTS_PER_KIND or rng.random() >= follow:
                    break
                created_on = request.ended_on + days(rng.randint(*FOLLOW_UP_DELAY))
                if created_on > horizon:
                    break
                request = self.direct(stay, request.kind, created_on, referent_id)

    def direct(self, stay: StayRow, kind: str, created_on, referent_id) -> RequestPlan:
        rng = self.rng
        origin = DIRECT_ORIGINS.pick(rng)
        if origin == RequestOrigin.CPIP and referent_id is None:
            origin = RequestOrigin.PERSON
        by = (
            referent_id if origin == RequestOrigin.CPIP else self.team_member(stay.establishment_id)
        )
        request = RequestPlan(
            detainee_id=stay.detainee_id,
            establishment_id=stay.establishment_id,
            kind=kind,
            priority=DIRECT_PRIORITIES.pick(rng),
            origin=origin,
            created_on=created_on,
            created_by_id=by,
            details=rng.choice(DIRECT_DETAILS[kind]),
        )
        request.events.append(("", Status.TO_REVIEW, by, created_on, ""))
        return request

    def live(self, request: RequestPlan, stay: StayRow, horizon: datetime.date) -> None:
        """From the creation to the end of the request, or to the horizon (then: closed at the
        departure, or left as it is today)."""
        self.requests.append(request)
        rng = self.rng
        establishment_id = request.establishment_id
        reviewed = request.created_on + days(REVIEW_DELAY.pick(rng))
        if reviewed <= horizon:
            self.review(request, reviewed, horizon)
        if request.open:
            if stay.departure is not None:
                reason = ClosingReason(stay.departure_reason)
                note = f"{reason.label} le {stay.departure:%d/%m/%Y}"
                request.move(Status.CLOSED, None, stay.departure, note)
                request.closing_reason = reason
                request.ended_on = stay.departure
            else:
                self.open_today[establishment_id, request.kind].append(request)
                self.open_kinds[request.detainee_id].add(request.kind)

    def review(self, request: RequestPlan, reviewed: datetime.date, horizon) -> None:
        """Refused at once, or on the waiting list; then withdrawn, refused, or placed."""
        rng = self.rng
        team = self.team_member(request.establishment_id)
        if rng.random() < REFUSED_AT_REVIEW:
            self.refuse(request, reviewed, team)
            return
        request.move(Status.WAITING, team, reviewed)
        request.waiting_since = reviewed
        draw = rng.random()
        if draw < WITHDRAWN_WHILE_WAITING + REFUSED_WHILE_WAITING:
            day = reviewed + days(rng.randint(7, 200))
            if day > horizon:
                return  # still waiting
            if draw < WITHDRAWN_WHILE_WAITING:
                request.move(Status.WITHDRAWN, team, day, rng.choice(WITHDRAWAL_NOTES))
                request.ended_on = day
            else:
                self.refuse(request, day, team)
            return
        placement = self.placement(request, reviewed)
        if placement is None:
            return
        decided, offer, start, end, note = placement
        if decided > horizon:
            return
        request.move(Status.ALLOCATED, team, decided)
        request.offer, request.start_date = offer, start
        if end <= horizon:
            request.move(Status.DONE, team, end, note)
            request.ended_on = end

    def refuse(self, request: RequestPlan, day: datetime.date, team) -> None:
        rng = self.rng
        reason = REFUSALS.pick(rng)
        release = self.world.people[request.detainee_id][1]
        if release and 0 <= (release - day).days <= NO_PLACE_BEFORE_RELEASE_DAYS:
            reason = RefusalReason.NO_PLACE_BEFORE_RELEASE
        request.move(Status.REFUSED, team, day, rng.choice(REFUSAL_DETAILS[reason]))
        request.refusal_reason = reason
        request.ended_on = day

    def placement(self, request: RequestPlan, waiting_since: datetime.date):
        """(decided on, offer, start, end, note at the end) of the place the request gets, or
        None when no offer of its kind ever opens for it."""
        rng = self.rng
        offers = self.book.by_kind.get((request.establishment_id, request.kind), [])
        day = waiting_since + days(WAIT[request.kind].pick(rng))
        if request.kind == OfferKind.TRAINING:
            sessions = sorted(
                (o for o in offers if not o.permanent and o.start_date >= day - days(45)),
                key=lambda o: o.start_date,
            )
            permanent = [o for o in offers if o.permanent and o.active]
            if permanent and (not sessions or rng.random() < 0.3):
                offer = rng.choice(permanent)
            else:
                offer = next((o for o in sessions if rng.random() < SESSION_TAKEN), None)
                if offer is None:
                    return None
                if offer.start_date >= waiting_since:
                    start = offer.start_date
                    decided = max(waiting_since, start - days(rng.randint(7, 21)))
                    return (decided, offer, start, *self._end(offer, start))
        else:
            candidates = [o for o in offers if o.open_on(day)]
            if not candidates:
                later = [o for o in offers if not o.permanent and o.start_date > day]
                if not later:
                    return None
                offer = later[0]
                start = offer.start_date
                decided = max(waiting_since, start - days(rng.randint(3, 14)))
                return (decided, offer, start, *self._end(offer, start))
            offer = rng.choice(candidates)
        start = day + days(rng.randint(0, 7))
        if not offer.permanent:
            start = min(max(start, offer.start_date), offer.end_date)
        decided = max(waiting_since, start - days(rng.randint(0, 7)))
        return (decided, offer, start, *self._end(offer, start))

    def _end(self, offer: OfferPlan, start: datetime.date) -> tuple[datetime.date, str]:
        rng = self.rng
        if offer.permanent:
            end = start + days(DURATION[offer.kind].pick(rng))
            note = "Fin du contrat d'emploi pénitentiaire." if offer.kind == OfferKind.WORK else ""
            return end, rng.choice((note, ""))
        if offer.end_date > start + days(14) and rng.random() < DROPPED_OUT:
            return random_date(rng, start + days(14), offer.end_date), "Arrêt avant la fin."
        return offer.end_date, "Fin de la session."

    def run(self) -> None:
        for stay_id, stay in self.world.stays.items():
            self.stay(stay_id, stay)


def fill_places(rng: random.Random, today: datetime.date, sim: Simulation, showcased: set[int]):
    """Today's state within the places: for each establishment and kind, the requests of people
    held that are past review fill the current offers (a few places left free), in roughly the
    order of the waiting list; the others wait."""
    for (establishment_id, kind), requests in sorted(sim.open_today.items()):
        offers = [
            o
            for o in sim.book.by_kind.get((establishment_id, kind), [])
            if o.current(today) and (o.permanent or o.start_date <= today + days(60))
        ]
        room = {}
        for offer in offers:
            free = FREE_PLACES.pick(rng)
            started = not offer.permanent and offer.start_date <= today
            if establishment_id in showcased and kind == OfferKind.TRAINING and started:
                free = max(free, 2)  # a place for the browser test, and one to spare
            room[offer.id] = max(0, offer.places - free)
        waiting = []
        allocated = sorted(
            (r for r in requests if r.status == Status.ALLOCATED), key=lambda r: r.start_date
        )
        for request in allocated:
            if room.get(request.offer.id, 0) > 0:
                room[request.offer.id] -= 1
                continue
            request.events.pop()  # no place today: back on the list
            request.status, request.status_note = Status.WAITING, ""
            request.offer = request.start_date = None
            waiting.append(request)
        waiting.extend(r for r in requests if r.status == Status.WAITING)
        release = sim.world.people
        waiting.sort(
            key=lambda r: (
                PRIORITY_RANK.get(r.priority, len(PRIORITY_RANK)),
                release[r.detainee_id][1] or FAR,
                r.waiting_since,
            )
        )
        for offer in offers:
            while room[offer.id] > 0 and waiting:
                index = min(int(rng.expovariate(1 / 3)), len(waiting) - 1)
                allocate_today(rng, today, waiting.pop(index), offer, sim)
                room[offer.id] -= 1


def allocate_today(rng, today, request: RequestPlan, offer: OfferPlan, sim: Simulation) -> None:
    if not offer.permanent and offer.start_date > today:
        start = offer.start_date
        decided = random_date(rng, max(request.waiting_since, today - days(20)), today)
    else:
        earliest = max(request.waiting_since + days(1), today - days(150))
        if not offer.permanent:
            earliest = max(earliest, offer.start_date)
        start = random_date(rng, min(earliest, today), today)
        decided = max(request.waiting_since, start - days(rng.randint(0, 7)))
    request.move(Status.ALLOCATED, sim.team_member(request.establishment_id), decided)
    request.offer, request.start_date = offer, start


def showcase(rng: random.Random, today: datetime.date, sim: Simulation, establishment_id: int):
    """The demo team's queue (module docstring): requests are added where the draws left too
    few, for people held there with no open request of the kind."""
    world = sim.world
    people = sorted(
        stay.detainee_id
        for stay in world.stays.values()
        if stay.departure is None and stay.establishment_id == establishment_id
    )
    rng.shuffle(people)

    def add(kind: str, created_on, *, origin=RequestOrigin.PERSON, by=None, waiting=False, who=()):
        for detainee_id in list(who) or people:
            if kind in sim.open_kinds[detainee_id]:
                continue
            referent_id = world.people[detainee_id][0]
            stay = StayRow(detainee_id, establishment_id, today, None, "")
            request = sim.direct(stay, kind, created_on, referent_id)
            if by is not None:
                request.origin, request.created_by_id = origin, by
                request.events[0] = ("", Status.TO_REVIEW, by, created_on, "")
                request.priority = Priority.HIGH
            sim.requests.append(request)
            sim.open_today[establishment_id, kind].append(request)
            sim.open_kinds[detainee_id].add(kind)
            if waiting:
                reviewed = min(today, created_on + days(rng.randint(3, 10)))
                request.move(Status.WAITING, sim.team_member(establishment_id), reviewed)
                request.waiting_since = reviewed
            return request
        return None

    def queue(kind=None):
        return [
            r
            for (e, k), requests in sim.open_today.items()
            if e == establishment_id and (kind is None or k == kind)
            for r in requests
        ]

    to_review = [r for r in queue() if r.status == Status.TO_REVIEW]
    overdue = sorted(
        (r for r in to_review if (today - r.created_on).days > OVERDUE_DAYS),
        key=lambda r: (r.created_on, r.detainee_id, r.kind),
    )
    # A handful late, not more: the team examined the others in time.
    for request in overdue[: max(0, len(overdue) - SHOWCASE_OVERDUE)]:
        reviewed = request.created_on + days(rng.randint(2, OVERDUE_DAYS))
        request.move(Status.WAITING, sim.team_member(establishment_id), reviewed)
        request.waiting_since = reviewed
    to_review = [r for r in queue() if r.status == Status.TO_REVIEW]
    overdue = [r for r in to_review if (today - r.created_on).days > OVERDUE_DAYS]
    for index in range(max(0, SHOWCASE_TO_REVIEW - len(to_review))):
        late = index < SHOWCASE_OVERDUE - len(overdue)
        created_on = today - days(rng.randint(11, 20) if late else rng.randint(0, 8))
        add(KINDS[index % len(KINDS)], created_on)

    for kind in SHOWCASE_LISTS:
        places = sum(
            o.places for o in sim.book.by_kind.get((establishment_id, kind), []) if o.current(today)
        )
        waiting = sum(1 for r in queue(kind) if r.status == Status.WAITING)
        for _ in range(max(0, places + max(3, places // 3) - waiting)):
            add(kind, today - days(rng.randint(20, 200)), waiting=True)

    cpip = world.demo_cpip
    if cpip is not None:
        followed = [p for p in people if world.people[p][0] == cpip]
        listed = [
            r
            for r in queue(OfferKind.TRAINING)
            if r.status == Status.WAITING and world.people[r.detainee_id][0] == cpip
        ]
        if not listed and followed:
            add(
                OfferKind.TRAINING,
                today - days(rng.randint(30, 60)),
                origin=RequestOrigin.CPIP,
                by=cpip,
                waiting=True,
                who=sorted(followed),
            )

    # One rank fixed by the team on the work list, with its reason.
    work = sorted(
        (r for r in queue(OfferKind.WORK) if r.status == Status.WAITING and r.manual_rank is None),
        key=lambda r: r.waiting_since,
    )
    if work:
        request = work[len(work) // 2]
        request.manual_rank, request.override_reason = 1, RANK_REASON
        day = random_date(rng, request.waiting_since, today)
        team = sim.team_member(establishment_id)
        request.events.append(
            (Status.WAITING, Status.WAITING, team, day, f"Rang fixé à 1 : {RANK_REASON}")
        )


# --- Insertion ---------------------------------------------------------------------------


def next_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


class Moments:
    """An aware moment of a day during office hours, never after now (`interviews.at`, with the
    time zone looked up once: it is called half a million times for the national data set)."""

    def __init__(self, rng: random.Random, now: datetime.datetime):
        self.rng = rng
        self.now = now
        self.zone = timezone.get_current_timezone()
        self.minutes = (0, 10, 15, 20, 30, 40, 45, 50)

    def on(self, day: datetime.date, hours: tuple[int, int]) -> datetime.datetime:
        rng = self.rng
        moment = datetime.datetime.combine(
            day, datetime.time(rng.randint(*hours), rng.choice(self.minutes)), tzinfo=self.zone
        )
        return min(moment, self.now)


def insert_plain(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows of values for the fields `names` (attnames), the model's defaults for the
    others (columns added by later migrations too), ids given: COPY on PostgreSQL."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    others = [field for attname, field in fields.items() if attname not in names]
    columns = tuple(fields[name].column for name in names) + tuple(f.column for f in others)
    rest = tuple(field.get_default() for field in others)
    if rest:
        rows = [row + rest for row in rows]
    if connection.vendor != "postgresql":  # as the ORM stores them (SQLite: naive UTC text)
        adapt = connection.ops.adapt_datetimefield_value
        moments = {
            i for i, name in enumerate(names) if isinstance(fields[name], models.DateTimeField)
        }
        rows = [tuple(adapt(v) if i in moments else v for i, v in enumerate(row)) for row in rows]
    insert_rows(model, columns, rows)


def reset_sequences(*models) -> None:
    """The ids were handed out here: the sequences must know the largest."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


OFFER_FIELDS = (*(f.name for f in dataclasses.fields(OfferPlan)), "created_at", "updated_at")
REQUEST_FIELDS = (
    "id",
    "detainee_id",
    "establishment_id",
    "offer_kind",
    "offer_id",
    "priority",
    "origin",
    "interview_id",
    "details",
    "status",
    "waiting_since",
    "start_date",
    "ended_on",
    "refusal_reason",
    "closing_reason",
    "status_note",
    "manual_rank",
    "override_reason",
    "created_by_id",
    "created_at",
    "updated_at",
)
EVENT_FIELDS = ("id", "request_id", "from_status", "to_status", "by_id", "at", "note")
# Office hours of each step of a request.
HOURS = {
    Status.TO_REVIEW: (9, 17),
    Status.WAITING: (9, 11),
    Status.ALLOCATED: (13, 15),
    Status.DONE: (16, 17),
    Status.REFUSED: (10, 12),
    Status.WITHDRAWN: (10, 16),
    Status.CLOSED: (7, 8),
}


def placements_step(
    rng: random.Random, today: datetime.date, establishments: Iterable[Establishment] | None = None
) -> Counter:
    """Offers and requests of `establishments` (every one by default), for the people already
    in the database; returns the rows' counts by table."""
    rng = random.Random(rng.getrandbits(64))
    moments = Moments(rng, timezone.now())
    establishments = sorted(
        Establishment.objects.all() if establishments is None else establishments,
        key=lambda e: e.pk,
    )
    if not establishments:
        return Counter()
    world = World(establishments, today)

    book = OfferBook(rng, today, next_id(Offer))
    for establishment in establishments:
        book.establishment(
            establishment.pk, world.held[establishment.pk], world.since[establishment.pk]
        )
    sim = Simulation(rng, today, world, book)
    sim.run()
    fill_places(rng, today, sim, world.showcased)
    for establishment_id in sorted(world.showcased):
        showcase(rng, today, sim, establishment_id)

    offer_rows = []
    for offer in book.offers:
        # Entered when the establishment began using the tool, or before the session.
        entered = world.since[offer.establishment_id]
        if not offer.permanent:
            entered = offer.start_date - days(60)
        created_at = moments.on(entered, (9, 12))
        offer_rows.append((*dataclasses.astuple(offer), created_at, created_at))
    insert_plain(Offer, OFFER_FIELDS, offer_rows)

    request_id = next_id(PlacementRequest)
    event_id = next_id(RequestEvent)
    request_rows, event_rows = [], []
    sim.requests.sort(key=lambda r: (r.created_on, r.detainee_id, r.kind))
    for request in sim.requests:
        first = previous = None
        for from_status, to_status, by, when, note in request.events:
            if not isinstance(when, datetime.datetime):
                when = moments.on(when, HOURS[to_status])
            if previous is not None and when < previous:
                when = previous  # the same day: in the order of the story
            previous = when
            first = first or when
            event_rows.append((event_id, request_id, from_status, to_status, by, when, note))
            event_id += 1
        request_rows.append(
            (
                request_id,
                request.detainee_id,
                request.establishment_id,
                request.kind,
                request.offer.id if request.offer else None,
                request.priority,
                request.origin,
                request.interview_id,
                request.details,
                request.status,
                request.waiting_since,
                request.start_date,
                request.ended_on,
                request.refusal_reason,
                request.closing_reason,
                request.status_note,
                request.manual_rank,
                request.override_reason,
                request.created_by_id,
                first,
                previous,
            )
        )
        request_id += 1
    insert_plain(PlacementRequest, REQUEST_FIELDS, request_rows)
    insert_plain(RequestEvent, EVENT_FIELDS, event_rows)
    reset_sequences(Offer, PlacementRequest, RequestEvent)
    moved = plans_follow_allocations(sim.requests)
    return Counter(
        offers=len(offer_rows),
        placement_requests=len(request_rows),
        request_events=len(event_rows),
        milestones_moved_by_requests=moved,
    )


def plans_follow_allocations(requests: list[RequestPlan]) -> int:
    """What `person/receivers.plan_follows_request` would have done for the allocations running
    today: the plan's « Travail / Formation professionnelle en détention » milestone is « en
    cours » (added when the plan lacks it), with the note saying which offer and from when.
    A constant number of queries (reads, bulk inserts, one bulk update) whatever their number."""
    running = [
        r
        for r in requests
        if r.status == Status.ALLOCATED and r.kind in REQUEST_MILESTONES and r.offer is not None
    ]
    plans = {
        plan.detainee_id: plan
        for plan in ReleasePlan.objects.filter(
            detainee_id__in={r.detainee_id for r in running}, closed_on__isnull=True
        ).select_related("detainee")
    }
    running = [r for r in running if r.detainee_id in plans]
    if not running:
        return 0
    kinds = {k.code: k for k in MilestoneKind.objects.filter(code__in=REQUEST_MILESTONES.values())}
    existing = {
        (m.plan_id, m.kind.code): m
        for m in Milestone.objects.filter(
            plan__in=plans.values(), kind__code__in=list(kinds)
        ).select_related("kind")
    }
    last = dict(
        Milestone.objects.filter(plan__in=plans.values())
        .values_list("plan_id")
        .annotate(top=Max("position"))
        .order_by()
    )
    added, updated, noted = [], [], []
    for request in running:
        plan = plans[request.detainee_id]
        code = REQUEST_MILESTONES[request.kind]
        milestone = existing.get((plan.pk, code))
        if milestone is None:
            kind = kinds.get(code)
            if kind is None:
                continue
            last[plan.pk] = last.get(plan.pk, 0) + 1
            milestone = Milestone(
                plan=plan,
                kind=kind,
                label=kind.label,
                category=kind.category,
                essential=kind.essential,
                status=MilestoneStatus.IN_PROGRESS,
                target_date=plan.detainee.expected_release_date,
                position=last[plan.pk],
            )
            existing[(plan.pk, code)] = milestone
            added.append(milestone)
            previous = ""
        else:
            previous = milestone.status
            if previous != MilestoneStatus.IN_PROGRESS:  # as milestone_set_status would
                milestone.status = MilestoneStatus.IN_PROGRESS
                milestone.done_on = None
                milestone.not_applicable_reason = ""
                updated.append(milestone)
        by = next(
            (by for _, to, by, _, _ in reversed(request.events) if to == Status.ALLOCATED), None
        )
        offer = request.offer
        text = (
            f"Affectation : « {offer.title} » à partir du {request.start_date:%d/%m/%Y} "
            f"({offer.service})."
        )
        noted.append((milestone, text, by, previous))
    Milestone.objects.bulk_create(added)
    Milestone.objects.bulk_update(updated, ["status", "done_on", "not_applicable_reason"])
    MilestoneNote.objects.bulk_create(
        MilestoneNote(milestone=milestone, text=text, by_id=by) for milestone, text, by, _ in noted
    )
    MilestoneChange.objects.bulk_create(
        MilestoneChange(
            milestone=milestone, by_id=by, from_status=previous, to_status=milestone.status
        )
        for milestone, _, by, previous in noted
        if previous != milestone.status
    )
    return len(noted)
