"""`manage.py refresh_statistics [--month AAAA-MM …] [--establishment ID …] [--if-empty]`: compute
again the
monthly snapshot of the steering indicators (insertion/statistics/snapshot.py), as beat does
each night; by default the last 18 full months and the current one, for every establishment."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from insertion.statistics.definitions import MONTHS
from insertion.statistics.figures import freshness
from insertion.statistics.snapshot import refresh


def month_argument(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"Mois invalide : {text!r} (attendu : AAAA-MM).") from None


def month_label(month: datetime.date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


class Command(BaseCommand):
    help = (
        "Recalcule les statistiques de pilotage mois par mois et établissement par "
        "établissement (par défaut : les 18 derniers mois complets et le mois en cours)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--month",
            action="append",
            type=month_argument,
            dest="months",
            help="mois à recalculer, AAAA-MM (répétable)",
        )
        parser.add_argument(
            "--establishment",
            action="append",
            type=int,
            dest="establishment_ids",
            help="identifiant d'un établissement (répétable ; par défaut : tous)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="ne rien faire si un recalcul complet a déjà eu lieu (mesures de performance)",
        )

    def handle(self, *args, months, establishment_ids, if_empty, **options):
        if if_empty and freshness() is not None:
            self.stdout.write("Les statistiques sont déjà calculées : rien à faire.")
            return
        try:
            run = refresh(months=months, establishment_ids=establishment_ids)
        except ValueError as error:
            raise CommandError(str(error)) from error
        seconds = round((run.finished_at - run.started_at).total_seconds())
        months_text = (
            month_label(run.first_month)
            if run.first_month == run.last_month
            else f"de {month_label(run.first_month)} à {month_label(run.last_month)}"
        )
        self.stdout.write(
            f"Statistiques recalculées : {months_text}, {run.establishment_count} "
            f"établissement(s), {run.rows} lignes écrites en {seconds // 60} min "
            f"{seconds % 60:02d} s. Données au {run.today:%d/%m/%Y}."
        )
