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

The monthly report by email: who subscribed (ReportSubscription), the national report of each
month rendered once (MonthlyReport), and the outbox of its emails (MonthlyReportDelivery), worked
by insertion/dashboard/indicators/report.py.
"""

from django.conf import settings
from django.db import models

from insertion.accounts.models import Role
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


# --- The monthly steering report by email ------------------------------------------------------


class ReportSubscriptionQuerySet(models.QuerySet):
    def eligible(self):
        """The subscriptions that still receive the report: an active account of the national
        role (an account that changed role or was closed keeps its row, but gets nothing)."""
        return self.filter(user__is_active=True, user__role=Role.NATIONAL)


class ReportSubscription(models.Model):
    """A national steering user who asked for the monthly report by email (the page's form)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_subscription",
        verbose_name="utilisateur",
    )
    created_at = models.DateTimeField("abonné le", auto_now_add=True)

    objects = ReportSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = "abonnement au rapport mensuel"
        verbose_name_plural = "abonnements au rapport mensuel"
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return f"Abonnement au rapport mensuel — {self.user_id}"


class MonthlyReport(models.Model):
    """The national report of a month, rendered once for all its recipients (its PDF kept
    here, a few hundred kilobytes a month), from the figures as of `computed_at`."""

    month = models.DateField("mois", unique=True, help_text="Premier jour du mois.")
    pdf = models.BinaryField("PDF")
    computed_at = models.DateTimeField("données au")
    created_at = models.DateTimeField("rendu le", auto_now_add=True)

    class Meta:
        verbose_name = "rapport mensuel de pilotage"
        verbose_name_plural = "rapports mensuels de pilotage"
        ordering = ["-month"]

    def __str__(self):
        return f"Rapport mensuel {self.month:%m/%Y}"


class MonthSecrecy(models.Model):
    """What the national steering page of one month hides, drawn from the figures of one refresh
    (`computed_at`, figures.freshness): by output name, the keys of its hidden cells
    (insertion/dashboard/indicators/build.py Ledger). The page of a longer period starts with
    every cell one of its months hides: a period's count being the sum of its months', no
    subtraction between two periods gives back a count a month hides. Made at the first need
    and by the nightly beat; the rows of older refreshes are deleted then."""

    month = models.DateField("mois", help_text="Premier jour du mois.")
    computed_at = models.DateTimeField("données au")
    hidden = models.JSONField("cellules masquées", default=dict)
    created_at = models.DateTimeField("établi le", auto_now_add=True)

    class Meta:
        verbose_name = "secret statistique d'un mois"
        verbose_name_plural = "secret statistique des mois"
        ordering = ["-computed_at", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "computed_at"], name="month_secrecy_once_per_refresh"
            )
        ]

    def __str__(self):
        return f"Secret statistique {self.month:%m/%Y}"


class MonthlyReportDeliveryQuerySet(models.QuerySet):
    def owed(self):
        """The rows not sent yet whose user still receives the report (subscribed, active, of
        the national role: ReportSubscription.objects.eligible()). A subquery, not a join, so
        that a conditional UPDATE on it rechecks the row's own columns under concurrency."""
        return self.filter(
            sent_at__isnull=True,
            user_id__in=ReportSubscription.objects.eligible().values("user_id"),
        )


class MonthlyReportDelivery(models.Model):
    """The outbox of the monthly report: one row per month and subscriber, made on the first of
    the month (dashboard/indicators/report.py), claimed at `email_claimed_at`, sent outside any
    transaction, then dated `sent_at`. A failed send gives the claim back, counts an attempt and
    keeps its error."""

    month = models.DateField("mois", help_text="Premier jour du mois du rapport.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="monthly_reports",
        verbose_name="destinataire",
    )
    created_at = models.DateTimeField("préparé le", auto_now_add=True)
    email_claimed_at = models.DateTimeField("courriel pris en charge le", null=True, blank=True)
    sent_at = models.DateTimeField("courriel envoyé le", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)

    objects = MonthlyReportDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "envoi du rapport mensuel"
        verbose_name_plural = "envois du rapport mensuel"
        ordering = ["-month", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["month", "user"], name="monthly_report_once_per_month"),
        ]

    def __str__(self):
        return f"Rapport mensuel {self.month:%m/%Y} — {self.user_id}"

    @property
    def message_id(self) -> str:
        """Stable across retries: a receiving server can recognise a message sent twice."""
        return f"<rapport-mensuel-{self.pk}@insertion.invalid>"
