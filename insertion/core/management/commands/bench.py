"""Server time and SQL queries of the busiest pages, on the data set in the database.

Run by `make bench` on the national data set (DESIGN.md §6). Each page is requested through
Django's test client as the user who would open it, after a few warm-up requests. Every
measure is printed as one JSON object per line and appended to `bench-results.jsonl` (with the
run's timestamp), so runs can be compared: p50 / p95 / max in milliseconds, the number of SQL
queries, the target and whether p95 meets it. It measures, it does not assert: a benchmark is
not a test (STYLE.md §18).
"""

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

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
    name: str
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
        parser.add_argument(
            "--output",
            default="bench-results.jsonl",
            help="fichier où ajouter les résultats (vide : aucun)",
        )

    def emit(self, record: dict) -> None:
        line = json.dumps({**record, "run": self.run}, ensure_ascii=False)
        self.stdout.write(line)
        if self.output:
            with self.output.open("a", encoding="utf-8") as results:
                results.write(line + "\n")

    def handle(self, *args, requests, warmup, output, **options):
        from django.utils import timezone

        self.run = timezone.now().isoformat(timespec="seconds")
        self.output = Path(output) if output else None
        pages = self.pages()
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
        return pages
