"""`manage.py forget_withheld_barriers [--wet-run]`: remove from release plans what came from a
"Freins" section the person withheld (insertion/release/barriers.py). Plans made before the
sharing gate carried such milestones, flags and notes. Without --wet-run, nothing changes: it
counts."""

from django.core.management.base import BaseCommand
from django.db import transaction

from entretiens.choices import Section
from entretiens.models import Interview
from entretiens.sharing import is_shared
from insertion.release.barriers import forget_withheld, withheld_traces

BATCH = 1000


class Command(BaseCommand):
    help = (
        "Retire des plans de sortie les jalons, drapeaux « essentiel » et notes issus d'une "
        "section « Freins » que la personne n'a pas souhaité partager (simulation sans --wet-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wet-run", action="store_true", help="effectue la réparation (sinon : compte)"
        )

    def handle(self, *args, wet_run, **options):
        people = sorted(
            {
                detainee_id
                for detainee_id, withheld in Interview.objects.filter(version__gte=1)
                .values_list("detainee_id", "withheld_sections")
                .iterator(chunk_size=5000)
                if not is_shared(withheld, Section.BARRIERS)
            }
        )
        removed = cleared = kept = plans = 0
        for start in range(0, len(people), BATCH):
            with transaction.atomic():
                traces = withheld_traces(detainee_ids=people[start : start + BATCH])
                removed += len(traces.remove)
                cleared += len(traces.update)
                kept += traces.kept
                plans += len({m.plan_id for m in [*traces.remove, *traces.update]})
                if wet_run:
                    forget_withheld(traces)
        mode = "Réparation effectuée" if wet_run else "Simulation (rien n'est modifié)"
        self.stdout.write(
            f"{mode} : {len(people)} personne(s) dont un entretien ne partage pas ses freins."
        )
        self.stdout.write(f"  {plans:>8} plans concernés")
        self.stdout.write(f"  {removed:>8} jalons ajoutés par un frein non partagé, retirés")
        self.stdout.write(f"  {cleared:>8} jalons dont la note ou le drapeau « essentiel » change")
        self.stdout.write(
            f"  {kept:>8} jalons ajoutés par un frein non partagé mais déjà travaillés par le "
            "CPIP : gardés, sans note"
        )
        if not wet_run and (removed or cleared):
            self.stdout.write("Relancez avec --wet-run pour réparer.")
