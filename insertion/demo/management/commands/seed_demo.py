"""`manage.py seed_demo`: the fictional demo world, or the national-scale data set (benchmarks)."""

import argparse
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from insertion.accounts.models import User
from insertion.demo.accounts import DEMO_EMAILS
from insertion.demo.generate import seed_demo_world, seed_national
from insertion.demo.imports import seed_past_import
from insertion.demo.partners import seed_partners
from insertion.detainees.models import Detainee
from insertion.establishments.models import Establishment, ProbationService, Region

LABELS = {
    "regions": "directions interrégionales",
    "probation_services": "SPIP",
    "establishments": "établissements",
    "synthesis_recipients": "destinataires des synthèses",
    "users": "comptes",
    "user_establishments": "rattachements de comptes à un établissement",
    "detainees": "personnes détenues ou libérées",
    "incarcerations": "incarcérations",
    "release_date_changes": "valeurs de DLP (date initiale et changements)",
    "arrangements": "aménagements de peine",
    "syntheses": "synthèses d'entretien",
    "synthesis_deliveries": "envois de synthèse aux équipes",
    "synthesis_reads": "synthèses déjà lues par le CPIP référent",
    "release_plans": "plans de préparation à la sortie",
    "milestones": "jalons des plans en cours",
    "milestone_changes": "changements d'état de jalons",
    "contacts": "contacts avec les personnes",
    "release_alerts": "alertes de DLP avancée",
    "offers": "offres des établissements (travail, formation, enseignement…)",
    "placement_requests": "demandes des personnes (à examiner, en liste d'attente, affectées…)",
    "request_events": "changements d'état des demandes",
    "import_runs": "import d'extraction appliqué (historique des imports)",
    "partner_companies": "entreprises partenaires (fictives)",
    "partner_contacts": "contacts des entreprises partenaires",
    "partner_offers": "offres des entreprises partenaires",
    "partner_agreements": "accords de personnes pour l'envoi de leur profil",
}


def french_number(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


class Command(BaseCommand):
    help = (
        "Charge des données fictives : le monde de démonstration (par défaut) ou, avec "
        "--scale national, le jeu de données national des mesures de performance."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["demo", "national"],
            default="demo",
            help="demo : 6 établissements, quelques centaines de personnes ; national : "
            "environ 190 établissements, 85 000 personnes détenues, 100 000 libérées.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="graine du tirage aléatoire (même graine, mêmes données)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="ne fait rien si les données de démonstration sont déjà chargées "
            "ou si la base contient déjà des établissements",
        )
        # Share of the national data set, for the tests: not part of the interface.
        parser.add_argument("--fraction", type=float, default=1.0, help=argparse.SUPPRESS)
        # `make bench`: the loading time of the national data set, as a line of its results.
        parser.add_argument("--timing-output", default="", help=argparse.SUPPRESS)
        # The tests of the seed need no real PDF (insertion/demo/syntheses.py).
        parser.add_argument(
            "--pdfs", choices=["real", "placeholder"], default="real", help=argparse.SUPPRESS
        )

    def handle(self, *args, scale, seed, if_empty, fraction, pdfs, timing_output, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Les données de démonstration ne se chargent qu'en mode développement "
                "(DJANGO_DEBUG=1) : elles créent des comptes dont le mot de passe est public."
            )
        if not 0 < fraction <= 1:
            raise CommandError("--fraction doit être comprise entre 0 (exclu) et 1.")
        if User.objects.filter(email__in=DEMO_EMAILS).exists():
            if if_empty:
                self.stdout.write("Les données de démonstration sont déjà chargées : rien à faire.")
                return
            raise CommandError(
                "Les données de démonstration sont déjà chargées. Pour les recharger, repartez "
                "d'une base vide (supprimez db.sqlite3 ou recréez la base, puis migrate)."
            )
        if any(
            model.objects.exists() for model in (Region, ProbationService, Establishment, Detainee)
        ):
            if if_empty:
                self.stdout.write(
                    "La base contient déjà des établissements : les données de "
                    "démonstration ne sont pas chargées."
                )
                return
            raise CommandError(
                "La base contient déjà des établissements : les données de démonstration se "
                "chargent dans une base vide."
            )

        started = time.monotonic()
        today = timezone.localdate()
        if scale == "national":
            self.stdout.write("Chargement du jeu de données national (trois à cinq minutes)…")
            # Committed here rather than inside seed_national, so that the commit, which checks
            # the foreign keys of four million rows (about half a minute), is announced.
            with transaction.atomic():
                counts = seed_national(
                    seed=seed, today=today, fraction=fraction, log=self.stdout.write
                )
                self.stdout.write(
                    "  Enregistrement en base (vérification des clés étrangères)… "
                    f"({time.monotonic() - started:.0f} s)"
                )
        else:
            if pdfs == "real":
                self.stdout.write("Génération des PDF des synthèses de démonstration…")
            # One transaction: a past import that fails leaves no half-loaded demo behind.
            with transaction.atomic():
                counts = seed_demo_world(seed=seed, today=today, pdfs=pdfs, log=self.stdout.write)
                counts.update(seed_past_import(seed=seed, today=today))
                counts.update(seed_partners(today=today))
        seconds = time.monotonic() - started
        if timing_output:
            self._record_timing(timing_output, scale, fraction, seconds, counts)
        elapsed = f"{seconds:.1f}".replace(".", ",")
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration chargées en {elapsed} s (toutes fictives) :"
            )
        )
        for key, label in LABELS.items():
            if key not in counts:  # the national data set has no past import
                continue
            self.stdout.write(f"  {french_number(counts[key]):>9} {label}")
        for key in sorted(set(counts) - set(LABELS)):
            self.stdout.write(f"  {french_number(counts[key]):>9} {key}")

    def _record_timing(self, path: str, scale: str, fraction: float, seconds: float, counts):
        import json

        record = {
            "name": f"seed_{scale}_s",
            "seconds": round(seconds, 1),
            "fraction": fraction,
            "rows": sum(counts.values()),
            "run": timezone.now().isoformat(timespec="seconds"),
        }
        line = json.dumps(record, ensure_ascii=False)
        self.stdout.write(line)
        with open(path, "a", encoding="utf-8") as results:
            results.write(line + "\n")
