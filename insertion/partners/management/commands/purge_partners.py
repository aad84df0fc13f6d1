"""`manage.py purge_partners [--apply]`: delete the partner companies' data past its retention
(insertion/partners/retention.py). Without --apply, nothing changes: it counts."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from insertion.partners.retention import (
    COMPANIES,
    PEOPLE,
    contact_limit,
    partners_purge,
    record_limit,
)


class Command(BaseCommand):
    help = (
        "Supprime les contacts des entreprises partenaires désactivées depuis plus de "
        "PARTNER_CONTACT_RETENTION_MONTHS mois, et les accords, envois de profils et orientations "
        "des personnes libérées depuis plus de PARTNER_RECORD_RETENTION_MONTHS mois ou "
        "anonymisées (simulation sans --apply)."
    )

    def add_arguments(self, parser):
        # --wet-run: the name the other data commands use (STYLE.md §20).
        parser.add_argument(
            "--apply",
            "--wet-run",
            action="store_true",
            dest="apply",
            help="effectue la suppression (sinon : compte)",
        )

    def handle(self, *args, apply, **options):
        today = timezone.localdate()
        counts = partners_purge(apply=apply, today=today)
        mode = "Suppression effectuée" if apply else "Simulation (rien n'est supprimé)"
        self.stdout.write(
            f"{mode} : contacts des entreprises désactivées avant le "
            f"{contact_limit(today):%d/%m/%Y} ({settings.PARTNER_CONTACT_RETENTION_MONTHS} mois "
            "de conservation) ; accords, envois de profils et orientations des personnes "
            f"libérées avant le {record_limit(today):%d/%m/%Y} "
            f"({settings.PARTNER_RECORD_RETENTION_MONTHS} mois) ou anonymisées."
        )
        for label, count in counts.items():
            self.stdout.write(f"  {count:>8} {label}")
        if not apply and (counts[COMPANIES] or counts[PEOPLE]):
            self.stdout.write("Relancez avec --apply pour supprimer.")
