"""Server time and SQL queries of the busiest pages, rendering time of the synthesis PDF and
delivery throughput of the syntheses, on the data set in the database.

Run by `make bench` on the national data set (DESIGN.md §6). Each page is requested through
Django's test client as the user who would open it, after a few warm-up requests. The synthesis
of the richest validated interview is rendered by `render_synthesis_pdf` (DESIGN.md §6: ≤ 1 s
for a 3-page synthesis). A batch of syntheses goes through a real Celery worker and a real SMTP
server on loopback (insertion/core/bench_delivery.py; it needs Redis, `--skip-delivery`
without). Every measure is printed as one JSON object per line and appended to
`bench-results.jsonl` (with the run's timestamp), so runs can be compared: p50 / p95 / max in
milliseconds, the number of SQL queries, the target and whether p95 meets it; emails per second
for the delivery. It measures, it does not assert: a benchmark is not a test (STYLE.md §18).
"""

import io
import json
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import InterviewStatus
from entretiens.models import (
    Diploma,
    Experience,
    Interview,
    KnowHow,
    Orientation,
    Project,
    SoftSkillRating,
    Synthesis,
)
from entretiens.pdf import render_synthesis_pdf
from entretiens.synthesis import synthesis_due_date
from insertion.accounts.models import Role, User
from insertion.establishments.models import Establishment


@dataclass
class Page:
    name: str
    label: str
    url: str
    user: User
    target_ms: float
    htmx: bool = False


# The rows of an interview that make its synthesis long (tables of the PDF).
ROW_MODELS = [Experience, Diploma, Project, KnowHow, SoftSkillRating, Orientation]
RENDER_TARGET_MS = 1000  # DESIGN.md §6
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"


def _log_in(client: Client, user: User) -> None:
    """A session past both factors, as a user's is: the password (force_login) and a verified
    TOTP device (one made for the measures if the user has none)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Mesures", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _rows(model) -> Coalesce:
    counted = (
        model.objects.filter(interview=OuterRef("pk"))
        .order_by()
        .values("interview")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class Command(BaseCommand):
    help = (
        "Mesure le temps serveur et le nombre de requêtes SQL des pages principales, le temps "
        "de rendu du PDF de synthèse et le débit d'envoi des synthèses."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=50, help="requêtes mesurées par page")
        parser.add_argument("--warmup", type=int, default=5, help="requêtes d'échauffement")
        parser.add_argument(
            "--output",
            default="bench-results.jsonl",
            help="fichier où ajouter les résultats (vide : aucun)",
        )
        parser.add_argument(
            "--renders", type=int, default=20, help="rendus mesurés du PDF de synthèse"
        )
        parser.add_argument(
            "--render-warmup", type=int, default=2, help="rendus d'échauffement du PDF"
        )
        parser.add_argument(
            "--delivery-batch",
            type=int,
            default=200,
            help="synthèses envoyées (à trois destinataires chacune) pour mesurer l'envoi",
        )
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL,
            help=(
                "base Redis réservée à la mesure de l'envoi, vidée avant et après "
                f"(BENCH_REDIS_URL, sinon {DEFAULT_REDIS_URL})"
            ),
        )
        parser.add_argument(
            "--delivery-timeout",
            type=float,
            default=900,
            help="secondes au plus pour envoyer le lot",
        )
        measures = parser.add_mutually_exclusive_group()
        measures.add_argument(
            "--skip-delivery",
            action="store_true",
            help="ne pas mesurer l'envoi des synthèses (qui demande Redis)",
        )
        measures.add_argument(
            "--delivery-only",
            action="store_true",
            help="mesurer seulement l'envoi des synthèses (ni les pages ni le rendu du PDF)",
        )

    def emit(self, record: dict) -> None:
        line = json.dumps({**record, "run": self.run}, ensure_ascii=False)
        self.stdout.write(line)
        if self.output:
            with self.output.open("a", encoding="utf-8") as results:
                results.write(line + "\n")

    def handle(self, *args, requests, warmup, output, **options):
        self.run = timezone.now().isoformat(timespec="seconds")
        self.output = Path(output) if output else None
        if not options["delivery_only"]:
            self.measure_pages(requests=requests, warmup=warmup)
            self.measure_render(renders=options["renders"], warmup=options["render_warmup"])
        if not options["skip_delivery"]:
            self.measure_delivery(
                size=options["delivery_batch"],
                redis_url=options["redis_url"],
                timeout=options["delivery_timeout"],
            )

    def measure_pages(self, *, requests: int, warmup: int) -> None:
        pages = self.pages()
        for page in pages:
            client = Client(HTTP_HOST="127.0.0.1")
            _log_in(client, page.user)
            headers = {"HX-Request": "true"} if page.htmx else {}
            for _ in range(warmup):
                self._get(client, page, headers)
            timings = []
            for _ in range(requests):
                start = time.perf_counter()
                self._get(client, page, headers)
                timings.append((time.perf_counter() - start) * 1000)
            with CaptureQueriesContext(connection) as queries:
                self._get(client, page, headers)
            p95 = _percentile(timings, 0.95)
            self.emit(
                {
                    "name": page.name,
                    "label": page.label,
                    "p50_ms": round(statistics.median(timings), 1),
                    "p95_ms": round(p95, 1),
                    "max_ms": round(max(timings), 1),
                    "queries": len(queries),
                    "n": requests,
                    "target_p95_ms": page.target_ms,
                    "met": p95 <= page.target_ms,
                }
            )

    def measure_render(self, *, renders: int, warmup: int) -> None:
        """The PDF of the richest synthesis, rendered from objects already in memory (the
        rendering itself reads nothing from the database)."""
        from pypdf import PdfReader  # a development dependency, as the bench is a dev tool

        synthesis = self.richest_synthesis()
        if synthesis is None:
            self.stderr.write("Aucun entretien validé : le rendu de la synthèse n'est pas mesuré.")
            return
        for _ in range(warmup):
            render_synthesis_pdf(synthesis)
        timings = []
        for _ in range(renders):
            start = time.perf_counter()
            pdf = render_synthesis_pdf(synthesis)
            timings.append((time.perf_counter() - start) * 1000)
        p95 = _percentile(timings, 0.95)
        self.emit(
            {
                "name": "synthesis_render",
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(max(timings), 1),
                "n": renders,
                "pages": len(PdfReader(io.BytesIO(pdf)).pages),
                "target_p95_ms": RENDER_TARGET_MS,
                "met": p95 <= RENDER_TARGET_MS,
            }
        )

    @staticmethod
    def richest_synthesis() -> Synthesis | None:
        """The synthesis of the last version of the validated interview with the most rows
        (experiences, diplomas, projects…): the longest PDF of the data set. When the data set
        holds versions without their syntheses, an unsaved one is built as `synthesis_create`
        would (no previous version to replace)."""
        rows = sum((_rows(model) for model in ROW_MODELS), Value(0))
        interview = (
            Interview.objects.filter(version__gte=1)
            .annotate(rows=rows)
            .select_related("establishment")
            .order_by("-rows", "pk")
            .first()
        )
        if interview is None:
            return None
        version = interview.versions.order_by("-number").first()
        synthesis = (
            Synthesis.objects.select_related("version", "establishment", "replaces")
            .filter(version=version)
            .first()
        )
        return synthesis or Synthesis(
            interview=interview,
            version=version,
            establishment=interview.establishment,
            number=version.number,
            due_date=synthesis_due_date(timezone.localtime(version.validated_at).date()),
        )

    def measure_delivery(self, *, size: int, redis_url: str, timeout: float) -> None:
        # Imported here: it needs aiosmtpd (a development dependency) and Redis.
        from insertion.core.bench_delivery import measure_delivery

        measure = measure_delivery(
            size=size, redis_url=redis_url, timeout=timeout, log=self.stderr.write
        )
        self.emit({"name": "synthesis_delivery", **measure})

    @staticmethod
    def _get(client, page: Page, headers: dict):
        response = client.get(page.url, headers=headers, secure=True)
        if response.status_code != 200:
            raise CommandError(f"{page.label} : réponse {response.status_code} pour {page.url}")

    def pages(self) -> list[Page]:
        """The heaviest realistic case of each page: the establishment with the most interviews,
        the richest draft, a search."""
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
            raise CommandError(
                "Aucun établissement avec un intervenant et des entretiens : chargez d'abord "
                "`seed_demo --scale national`."
            )
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
            Page("worklist", "Entretiens à traiter (liste de travail)", worklist, interviewer, 150),
            Page(
                "worklist_all_by_name",
                "Liste de travail : tous, triés par nom",
                f"{worklist}?statut=tous&tri=nom",
                interviewer,
                150,
            ),
            Page(
                "worklist_search_htmx",
                "Liste de travail : recherche (htmx)",
                f"{worklist}?q=mar",
                interviewer,
                150,
                htmx=True,
            ),
        ]
        if draft:
            url = reverse("entretiens:interview", args=[draft.pk])
            pages.append(
                Page("interview_form", "Formulaire d'entretien (brouillon)", url, interviewer, 150)
            )
            verify = reverse("entretiens:verify", args=[draft.pk])
            pages.append(Page("interview_verify", "Vérifier et valider", verify, interviewer, 150))
        if validated:
            url = reverse("entretiens:interview", args=[validated.pk])
            pages.append(
                Page("interview_read", "Entretien validé (lecture)", url, interviewer, 150)
            )
        return pages + self.release_pages()

    @staticmethod
    def release_pages() -> list[Page]:
        """The CPIP of the largest caseload (120 people in the national data set: the demo
        CPIP), the manager of the establishment closest to 900 people held, and the person page
        of the CPIP's person with the most milestones, contacts and DLP changes."""
        from insertion.detainees.models import Detainee

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
        pages.append(
            Page(
                "dashboard_cpip",
                f"Portefeuille d'un CPIP ({cpip.people} personnes)",
                dashboard,
                cpip,
                150,
            )
        )
        sizes = (
            Establishment.objects.annotate(
                held=Count("detainees", filter=Q(detainees__release_date__isnull=True))
            )
            .filter(held__gt=0)
            .values_list("pk", "held")
        )
        if sizes:
            target_pk, target_held = min(sizes, key=lambda row: (abs(row[1] - 900), row[0]))
            # A manager of that establishment alone if there is one (the national data set
            # has one per establishment), else the one attached to the fewest.
            attached_here = User.objects.filter(establishments=target_pk).values("pk")
            managers = User.objects.filter(
                role=Role.MANAGER, is_active=True, pk__in=attached_here
            ).annotate(attached=Count("establishments", distinct=True))
            manager = managers.order_by("attached", "pk").first()
            if manager is not None:
                label = f"Portefeuilles d'un établissement ({target_held} personnes), encadrement"
                pages.append(Page("dashboard_manager", label, dashboard, manager, 400))
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
            url = reverse("detainees:detail", args=[person.pk])
            pages.append(
                Page("person_page", "Page d'une personne (plan de sortie)", url, cpip, 150)
            )
        return pages
