"""The pages `manage.py bench` measures: the heaviest realistic case of each, found in the data
set, with the user who would open it and the p95 it should meet (issue 12's targets for the
interview form, the dashboards and the person page; 150 ms for the others, the team's queue
and the waiting list of issue 14 among them)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from entretiens.choices import InterviewStatus
from entretiens.models import Interview
from insertion.accounts.models import Role, User
from insertion.detainees.models import Detainee
from insertion.establishments.models import Establishment, Region
from insertion.partners.choices import EngagementKind, OfferKind, OfferSetting
from insertion.partners.models import Company, Offer
from insertion.partners.siret import luhn_ok
from insertion.placements.choices import OPEN_REQUEST_STATUSES, RequestStatus
from insertion.placements.models import PlacementRequest
from insertion.statistics import figures

DEFAULT_TARGET_MS = 150
# The partnerships officer and the fictional company the bench adds to the data set (once).
BENCH_PARTNERSHIPS_EMAIL = "partenariats.mesures@demo.insertion.fr"
BENCH_COMPANY_SIRET_STEM = "9990000000000"
BENCH_OFFER_TITLE = "Commis de cuisine (offre fictive des mesures)"
# The manager's dashboard measured on an establishment of about this many people held, and
# again on the largest one.
MANAGER_HELD = 900


@dataclass
class Page:
    name: str
    label: str
    url: str
    user: User
    target_ms: float = DEFAULT_TARGET_MS
    htmx: bool = False
    # Fewer requests for a page that takes seconds (the report PDF): None, the command's own.
    requests: int | None = None


def log_in(client, user: User) -> None:
    """A session past both factors, as a user's is: the password (force_login) and a verified
    TOTP device (one made for the measures if the user has none)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Mesures", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def interview_pages() -> list[Page] | None:
    """The interviewer of the establishment with the most interviews to do: the worklist (and
    its search), the richest draft, a validated interview. None without such an interviewer."""
    establishment = (
        Establishment.objects.annotate(
            owed=Count("interviews", filter=Q(interviews__status=InterviewStatus.TO_DO))
        )
        .order_by("-owed", "pk")
        .first()
    )
    interviewer = (
        User.objects.filter(role=Role.INTERVIEWER, establishments=establishment)
        .order_by("pk")
        .first()
    )
    if establishment is None or interviewer is None:
        return None
    in_scope = Interview.objects.filter(establishment__in=interviewer.establishments.all())
    draft = (
        in_scope.filter(status=InterviewStatus.DRAFT, version=0)
        .annotate(rows=Count("experiences", distinct=True) + Count("diplomas", distinct=True))
        .order_by("-rows", "pk")
        .first()
    )
    validated = in_scope.filter(status=InterviewStatus.VALIDATED).order_by("pk").first()
    worklist = reverse("entretiens:worklist")
    pages = [
        Page("worklist", "Entretiens à traiter (liste de travail)", worklist, interviewer),
        Page(
            "worklist_all_by_name",
            "Liste de travail : tous, triés par nom",
            f"{worklist}?statut=tous&tri=nom",
            interviewer,
        ),
        Page(
            "worklist_search_htmx",
            "Liste de travail : recherche (htmx)",
            f"{worklist}?q=mar",
            interviewer,
            htmx=True,
        ),
    ]
    if draft:
        url = reverse("entretiens:interview", args=[draft.pk])
        pages.append(
            Page("interview_form", "Formulaire d'entretien (brouillon)", url, interviewer, 100)
        )
        verify = reverse("entretiens:verify", args=[draft.pk])
        pages.append(Page("interview_verify", "Vérifier et valider", verify, interviewer))
    if validated:
        url = reverse("entretiens:interview", args=[validated.pk])
        pages.append(Page("interview_read", "Entretien validé (lecture)", url, interviewer))
    return pages


def _manager_of(establishment_pk: int) -> User | None:
    """A manager of that establishment alone if there is one (the national data set has one
    per establishment), else the one attached to the fewest."""
    attached_here = User.objects.filter(establishments=establishment_pk).values("pk")
    managers = User.objects.filter(
        role=Role.MANAGER, is_active=True, pk__in=attached_here
    ).annotate(attached=Count("establishments", distinct=True))
    return managers.order_by("attached", "pk").first()


def release_pages() -> list[Page]:
    """The CPIP of the largest caseload (140 people in the national data set: the demo CPIP),
    the manager of the establishment closest to 900 people held and the one of the largest,
    and the person page of the CPIP's person with the most milestones, contacts and DLP
    changes."""
    held = Count("caseload", filter=Q(caseload__release_date__isnull=True))
    cpip = (
        User.objects.filter(role=Role.CPIP, is_active=True)
        .annotate(people=held)
        .order_by("-people", "pk")
        .first()
    )
    pages = []
    if cpip is None or not cpip.people:
        return pages
    dashboard = reverse("caseload:dashboard")
    label = f"Portefeuille d'un CPIP ({cpip.people} personnes)"
    pages.append(Page("dashboard_cpip", label, dashboard, cpip, 100))
    sizes = list(
        Establishment.objects.annotate(
            held=Count("detainees", filter=Q(detainees__release_date__isnull=True))
        )
        .filter(held__gt=0)
        .values_list("pk", "held")
    )
    if sizes:
        typical = min(sizes, key=lambda row: (abs(row[1] - MANAGER_HELD), row[0]))
        largest = min(sizes, key=lambda row: (-row[1], row[0]))
        for name, (pk, people), target_ms, which in [
            ("dashboard_manager", typical, 200, "d'un établissement"),
            ("dashboard_manager_largest", largest, 400, "du plus grand établissement"),
        ]:
            manager = _manager_of(pk)
            if manager is not None:
                label = f"Portefeuilles {which} ({people} personnes), encadrement"
                pages.append(Page(name, label, dashboard, manager, target_ms))
    person = (
        Detainee.objects.held()
        .filter(referent=cpip)
        .annotate(
            size=Count("release_plan__milestones", distinct=True)
            + Count("contacts", distinct=True)
            + Count("release_date_changes", distinct=True)
        )
        .order_by("-size", "pk")
        .first()
    )
    if person is not None:
        url = reverse("person:detail", args=[person.pk])
        pages.append(Page("person_page", "Page d'une personne (plan de sortie)", url, cpip, 100))
    return pages


def placement_pages() -> list[Page]:
    """The prison team of the establishment with the most open requests: their work queue, and
    the longest waiting list of the data set (issue 14: p95 ≤ 150 ms)."""
    open_requests = Count(
        "placement_requests",
        filter=Q(placement_requests__status__in=OPEN_REQUEST_STATUSES),
    )
    establishment = (
        Establishment.objects.annotate(open=open_requests)
        .filter(open__gt=0)
        .order_by("-open", "pk")
        .first()
    )
    if establishment is None:
        return []
    team = (
        User.objects.filter(role=Role.PRISON_TEAM, is_active=True, establishments=establishment)
        .order_by("pk")
        .first()
    )
    if team is None:
        return []
    pages = [
        Page(
            "team_queue",
            f"File de travail de l'équipe ({establishment.open} demandes en cours)",
            f"{reverse('placements:queue')}?etablissement={establishment.pk}",
            team,
        )
    ]
    longest = (
        PlacementRequest.objects.filter(establishment=establishment, status=RequestStatus.WAITING)
        .values("offer_kind")
        .annotate(waiting=Count("pk"))
        .order_by("-waiting", "offer_kind")
        .first()
    )
    if longest is not None:
        url = reverse("placements:waiting_list", args=[longest["offer_kind"]])
        pages.append(
            Page(
                "waiting_list",
                f"Liste d'attente ({longest['waiting']} personnes)",
                f"{url}?etablissement={establishment.pk}",
                team,
            )
        )
    return pages


def statistics_pages() -> list[Page]:
    """The national steering page of the indicators over the last 12 months and over one month
    (DESIGN.md §6: p95 ≤ 500 ms whatever the period), read from the nightly snapshot; the page
    of the manager of the most establishments (their exact figures against the national
    median), same target; the national report PDF of the last 12 months (about 23 pages on the
    national data set, a line per establishment in its long tables, drawn by WeasyPrint: 4 s)."""
    national = User.objects.filter(role=Role.NATIONAL, is_active=True).order_by("pk").first()
    if national is None:
        return []
    url = reverse("dashboard:indicators")
    month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    pages = [
        Page("stats_national", "Indicateurs nationaux, 12 derniers mois", url, national, 500),
        Page(
            "stats_national_month",
            "Indicateurs nationaux, un mois",
            f"{url}?periode={month:%Y-%m}",
            national,
            500,
        ),
    ]
    manager = (
        User.objects.filter(role=Role.MANAGER, is_active=True)
        .annotate(count=Count("establishments"))
        .order_by("-count", "pk")
        .first()
    )
    if manager is not None:
        pages.append(
            Page(
                "stats_establishment",
                f"Indicateurs de l'encadrement, 12 derniers mois "
                f"({manager.count} établissement(s))",
                url,
                manager,
                500,
            )
        )
    if figures.freshness() is None:  # the report needs the figures (else: back to the page)
        return pages
    pages.append(
        Page(
            "stats_report_pdf",
            "Rapport de pilotage national (PDF), 12 derniers mois",
            reverse("dashboard:indicators_report"),
            national,
            4000,
            requests=10,
        )
    )
    return pages


def partner_pages() -> list[Page]:
    """The people an offer at release fits (issue 16, DESIGN.md §6: p95 ≤ 300 ms), for a
    partnerships officer of every establishment of the DISP holding the most people: a job in
    the département of its first establishment, open with no closing date (the widest release
    window). The officer, the fictional company and its offer are added to the data set the
    first time, found again after. Nothing without an establishment."""
    held = Count(
        "establishments__detainees", filter=Q(establishments__detainees__release_date=None)
    )
    region = Region.objects.annotate(held=held).order_by("-held", "pk").first()
    establishments = list(Establishment.objects.filter(region=region).order_by("name", "pk"))
    if not establishments:
        return []
    first = establishments[0]
    officer, _ = User.objects.get_or_create(
        email=BENCH_PARTNERSHIPS_EMAIL,
        defaults={
            "first_name": "Agent",
            "last_name": "Partenariats",
            "role": Role.PARTNERSHIPS,
            "charter_accepted_at": timezone.now(),
        },
    )
    officer.establishments.set(establishments)
    siret = next(
        BENCH_COMPANY_SIRET_STEM + str(key)
        for key in range(10)
        if luhn_ok(BENCH_COMPANY_SIRET_STEM + str(key))
    )
    company, _ = Company.objects.get_or_create(
        siret=siret,
        defaults={
            "name": "Restauration fictive des mesures",
            "sector": "hotellerie",
            "departments": [first.department],
            "engagement": EngagementKind.DISP_PARTNER,
        },
    )
    company.establishments.set(establishments)
    offer, _ = Offer.objects.get_or_create(
        company=company,
        title=BENCH_OFFER_TITLE,
        defaults={
            "kind": OfferKind.JOB,
            "sector": "hotellerie",
            "setting": OfferSetting.AT_RELEASE,
            "department": first.department,
            "places": 5,
            "opens_on": timezone.localdate() - datetime.timedelta(days=30),
        },
    )
    url = reverse("partners:offer_matches", args=[offer.pk])
    label = f"Personnes pour une offre à la sortie ({len(establishments)} établissements)"
    return [Page("partner_matching", label, url, officer, 300)]
