"""Server time and SQL queries of the busiest pages, on the data set in the database.

Run by `make bench` on the national data set (DESIGN.md §6). Each page is requested through
Django's test client as the user who would open it, after a few warm-up requests; the command
prints p50 / p95 / max in milliseconds and the number of queries, and whether p95 meets the
target. It measures, it does not assert: a benchmark is not a test (STYLE.md §18).
"""

import statistics
import time
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entretiens.choices import InterviewStatus
from entretiens.models import Interview
from insertion.accounts.models import Role, User
from insertion.establishments.models import Establishment


@dataclass
class Page:
    label: str
    url: str
    user: User
    target_ms: float
    htmx: bool = False


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Mesure le temps serveur et le nombre de requêtes SQL des pages principales."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=50, help="requêtes mesurées par page")
        parser.add_argument("--warmup", type=int, default=5, help="requêtes d'échauffement")

    def handle(self, *args, requests, warmup, **options):
        pages = self.pages()
        self.stdout.write(
            f"{'page':<48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>5}  objectif p95"
        )
        for page in pages:
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(page.user)
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
            verdict = "atteint" if p95 <= page.target_ms else "MANQUÉ"
            self.stdout.write(
                f"{page.label:<48} {statistics.median(timings):8.1f} {p95:8.1f} "
                f"{max(timings):8.1f} {len(queries):5d}  ≤ {page.target_ms:.0f} ms {verdict}"
            )

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
            Page("Entretiens à traiter (liste de travail)", worklist, interviewer, 150),
            Page(
                "Liste de travail : tous, triés par nom",
                f"{worklist}?statut=tous&tri=nom",
                interviewer,
                150,
            ),
            Page(
                "Liste de travail : recherche (htmx)", f"{worklist}?q=mar", interviewer, 150, True
            ),
        ]
        if draft:
            url = reverse("entretiens:interview", args=[draft.pk])
            pages.append(Page("Formulaire d'entretien (brouillon)", url, interviewer, 150))
            verify = reverse("entretiens:verify", args=[draft.pk])
            pages.append(Page("Vérifier et valider", verify, interviewer, 150))
        if validated:
            url = reverse("entretiens:interview", args=[validated.pk])
            pages.append(Page("Entretien validé (lecture)", url, interviewer, 150))
        return pages
