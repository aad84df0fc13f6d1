"""`manage.py purge_retention [--wet-run]`: anonymise the people past their retention period
(insertion/person/retention.py). Without --wet-run, nothing changes: it counts."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from insertion.person.retention import retention_limit, retention_purge


class Command(BaseCommand):
    help = (
        "Anonymise les personnes libérées depuis plus de RETENTION_YEARS_AFTER_RELEASE ans "
        "(simulation sans --wet-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wet-run", action="store_true", help="effectue l'anonymisation (sinon : compte)"
        )

    def handle(self, *args, wet_run, **options):
        limit = retention_limit(timezone.localdate())
        counts = retention_purge(wet_run=wet_run)
        mode = "Anonymisation effectuée" if wet_run else "Simulation (rien n'est modifié)"
        self.stdout.write(
            f"{mode} : personnes libérées avant le {limit:%d/%m/%Y} "
            f"({settings.RETENTION_YEARS_AFTER_RELEASE} ans de conservation)."
        )
        for label, count in counts.items():
            self.stdout.write(f"  {count:>8} {label}")
        if not wet_run and counts["personnes"]:
            self.stdout.write("Relancez avec --wet-run pour anonymiser.")
