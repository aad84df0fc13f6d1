"""Server time and SQL queries of the busiest pages, rendering time of the synthesis PDF and
delivery throughput of the syntheses, on the data set in the database.

Run by `make bench` on the national data set (DESIGN.md §6). Each page is requested through
Django's test client as the user who would open it, after a few warm-up requests
(insertion/bench/pages.py). The synthesis of the richest validated interview is rendered by
`render_synthesis_pdf` (insertion/bench/render.py). A batch of syntheses goes through a real
Celery worker and a real SMTP server on loopback, once per worker size (1 and 2 processes by
default; insertion/bench/delivery.py; it needs Redis, `--skip-delivery` without). Every measure
is printed as one JSON object per line and appended to `bench-results.jsonl` (with the run's
timestamp), so runs can be compared: p50 / p95 / max in milliseconds, the number of SQL queries,
the target and whether it is met; emails per second for the delivery. What is being measured is
said on stderr as it starts, with the time elapsed. It measures, it does not assert: a benchmark
is not a test (STYLE.md §18).
"""

import argparse
import json
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insertion.bench.delivery import measure_delivery
from insertion.bench.pages import (
    Page,
    interview_pages,
    log_in,
    partner_pages,
    placement_pages,
    release_pages,
    statistics_pages,
)
from insertion.bench.render import measure_render, richest_synthesis
from insertion.bench.timings import summary

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"


def worker_sizes(value: str) -> list[int]:
    """`1,2` → [1, 2]: the worker sizes the delivery is measured with, in that order."""
    try:
        sizes = [int(part) for part in value.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"« {value} » : des nombres de processus séparés par des virgules, comme 1,2."
        )
    return sizes


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
            "--worker-concurrency",
            type=worker_sizes,
            default=[1, 2],
            help="processus du worker Celery, un lot mesuré par valeur (défaut : 1,2)",
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
            help="secondes au plus pour envoyer un lot",
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

    def progress(self, message: str) -> None:
        """What starts now, after how long: on stderr, so stdout stays one JSON per line."""
        self.stderr.write(f"[{time.monotonic() - self.started:5.0f} s] {message}")

    def handle(self, *args, requests, warmup, output, **options):
        self.run = timezone.now().isoformat(timespec="seconds")
        self.started = time.monotonic()
        self.output = Path(output) if output else None
        if not options["delivery_only"]:
            self.measure_pages(requests=requests, warmup=warmup)
            self.measure_render(renders=options["renders"], warmup=options["render_warmup"])
        if not options["skip_delivery"]:
            for concurrency in options["worker_concurrency"]:
                measure = measure_delivery(
                    size=options["delivery_batch"],
                    concurrency=concurrency,
                    redis_url=options["redis_url"],
                    timeout=options["delivery_timeout"],
                    log=self.progress,
                )
                self.emit({"name": "synthesis_delivery", **measure})
        self.progress("Mesures terminées.")

    def measure_pages(self, *, requests: int, warmup: int) -> None:
        self.progress("Choix des pages à mesurer dans le jeu de données…")
        pages = interview_pages()
        if pages is None:
            raise CommandError(
                "Aucun établissement avec un intervenant et des entretiens : chargez d'abord "
                "`seed_demo --scale national`."
            )
        for page in (
            pages + release_pages() + placement_pages() + statistics_pages() + partner_pages()
        ):
            count = page.requests or requests
            first = min(warmup, count)
            self.progress(f"{page.label} : {first} requêtes d'échauffement, {count} mesurées…")
            client = Client(HTTP_HOST="127.0.0.1")
            log_in(client, page.user)
            headers = {"HX-Request": "true"} if page.htmx else {}
            for _ in range(first):
                self._get(client, page, headers)
            timings = []
            for _ in range(count):
                start = time.perf_counter()
                self._get(client, page, headers)
                timings.append((time.perf_counter() - start) * 1000)
            with CaptureQueriesContext(connection) as queries:
                self._get(client, page, headers)
            figures = summary(timings)
            self.emit(
                {
                    "name": page.name,
                    "label": page.label,
                    **figures,
                    "queries": len(queries),
                    "target_p95_ms": page.target_ms,
                    "met": figures["p95_ms"] <= page.target_ms,
                }
            )

    def measure_render(self, *, renders: int, warmup: int) -> None:
        synthesis = richest_synthesis()
        if synthesis is None:
            self.stderr.write("Aucun entretien validé : le rendu de la synthèse n'est pas mesuré.")
            return
        self.progress(f"Rendu du PDF de synthèse : {warmup} d'échauffement, {renders} mesurés…")
        self.emit(measure_render(synthesis, renders=renders, warmup=warmup))

    @staticmethod
    def _get(client, page: Page, headers: dict):
        response = client.get(page.url, headers=headers, secure=True)
        if response.status_code != 200:
            raise CommandError(f"{page.label} : réponse {response.status_code} pour {page.url}")
