"""`manage.py import_extraction FICHIER… [--wet-run]`: import extraction files (FORMAT.md).

Without --wet-run, each file is read and previewed (the run is stored with its counts, visible
on the imports page) and no person's record changes."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insertion.imports.models import RowEvent, RunSource
from insertion.imports.pickup import pick_up


class Command(BaseCommand):
    help = "Importe des fichiers d'extraction pénitentiaire (simulation sans --wet-run)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="FICHIER", help="fichier CSV ou XLSX")
        parser.add_argument(
            "--wet-run", action="store_true", help="applique les imports (sinon : aperçu)"
        )

    def handle(self, *args, paths, wet_run, **options):
        files = [Path(path) for path in paths]
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError("Fichier introuvable : " + ", ".join(missing))
        for picked in pick_up(files, source=RunSource.COMMAND, wet_run=wet_run):
            self.stdout.write(f"{picked.path.name} : {picked.outcome}")
            for event, count in sorted(picked.run.counts.items()):
                self.stdout.write(f"  {count:>8} {RowEvent(event).label}")
        if not wet_run:
            self.stdout.write("Simulation : relancez avec --wet-run pour appliquer.")
