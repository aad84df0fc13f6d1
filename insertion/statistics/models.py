"""The monthly snapshot of the steering indicators (issue 15): the raw counts of every indicator,
per establishment and calendar month, so that a page over 190 establishments and 12 months adds
rows up in one query instead of computing the indicators live (about 3 s nationally).

Written by snapshot.py (nightly, beat), read by figures.py. One row per count: the numerator,
the denominator, each part, each value of the distribution a quantile comes from, and the few
figures that add up (places, offers). Rates and quantiles are never stored: they are computed
again from the summed counts, so that a rate over 12 months is the rate of the 12 months' counts.

The « today » indicators (people per CPIP, not seen for 6 months, risk of a dry release now,
demand vs places) describe a day, not a month: a refresh writes them under its own month only,
and they stay there once the month is over — the state at that month's last refresh.
"""

from django.db import models

from insertion.establishments.models import Establishment


class MonthlyFigure(models.Model):
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="établissement",
    )
    month = models.DateField("mois", help_text="Premier jour du mois.")
    code = models.CharField("indicateur", max_length=40)
    # "numerator", "denominator", "part:<part>", "dist:<value>", "figure:<figure>".
    key = models.CharField("clé", max_length=100)
    count = models.IntegerField("nombre")
    computed_on = models.DateField(
        "données au", help_text="Le jour du calcul : l'état de la base ce jour-là."
    )

    class Meta:
        verbose_name = "chiffre mensuel"
        verbose_name_plural = "chiffres mensuels"
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "month", "code", "key"],
                name="statistics_figure_unique",
            ),
        ]
        indexes = [models.Index(fields=["month", "code"], name="statistics_figure_read")]

    def __str__(self):
        return f"{self.code} {self.key} {self.month:%m/%Y} : {self.count}"


class Refresh(models.Model):
    """One run of snapshot.refresh: when, over which months and establishments. The last one
    finished over every establishment says « Données au … » (figures.freshness)."""

    started_at = models.DateTimeField("commencé le", auto_now_add=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    today = models.DateField("données au")
    first_month = models.DateField("premier mois")
    last_month = models.DateField("dernier mois")
    establishment_count = models.PositiveIntegerField("établissements")
    everywhere = models.BooleanField(
        "tous les établissements",
        default=True,
        help_text="Faux pour un recalcul limité à quelques établissements.",
    )
    rows = models.PositiveIntegerField("lignes écrites", default=0)

    class Meta:
        verbose_name = "recalcul des statistiques"
        verbose_name_plural = "recalculs des statistiques"
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"Recalcul du {self.today:%d/%m/%Y}"
