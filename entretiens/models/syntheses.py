"""The synthesis PDF of each validated version, and its outbox: one delivery per recipient, and
the deadline watch's daily warnings."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models.interview import Interview, InterviewVersion
from insertion.core.scoping import scoped_to_establishments
from insertion.core.storage import StorageByAlias

SYNTHESIS_STORAGE = StorageByAlias("syntheses")


def synthesis_storage() -> StorageByAlias:
    """Private storage of the PDFs: never under a public URL, served by a view that checks
    access (settings.STORAGES["syntheses"], read at each use). The migrations name this
    callable: keep its name."""
    return SYNTHESIS_STORAGE


class SynthesisQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SynthesisQuerySet":
        """Syntheses of the user's establishments; none for national steering."""
        return scoped_to_establishments(self, user, "establishment_id")

    def undelivered(self) -> "SynthesisQuerySet":
        return self.exclude(status=SynthesisStatus.DELIVERED)

    def late(self, today: datetime.date) -> "SynthesisQuerySet":
        """Not delivered and past the due date (delivered late ones are not "en retard")."""
        return self.undelivered().filter(due_date__lt=today)

    def delivered_on_time_since(self, moment: datetime.datetime) -> "SynthesisQuerySet":
        return self.filter(
            status=SynthesisStatus.DELIVERED,
            delivered_at__gte=moment,
            delivered_at__date__lte=F("due_date"),
        )


class Synthesis(models.Model):
    """The PDF sent to the prison teams for one validated version of an interview."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="syntheses")
    version = models.OneToOneField(
        InterviewVersion, on_delete=models.CASCADE, related_name="synthesis"
    )
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="syntheses",
        verbose_name="établissement",
    )
    number = models.PositiveIntegerField("version")
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name="remplace",
    )
    status = models.CharField(
        "état", max_length=20, choices=SynthesisStatus.choices, default=SynthesisStatus.PENDING
    )
    due_date = models.DateField("à transmettre avant le")
    pdf = models.FileField("PDF", storage=synthesis_storage, upload_to="%Y/%m/", blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    render_attempts = models.PositiveSmallIntegerField("tentatives de génération", default=0)
    render_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    rendered_at = models.DateTimeField("générée le", null=True, blank=True)
    delivered_at = models.DateTimeField("envoyée le", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = SynthesisQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "synthèse"
        verbose_name_plural = "synthèses"
        constraints = [
            models.CheckConstraint(
                condition=Q(status=SynthesisStatus.PENDING)
                | ~Q(sha256="")
                | Q(status=SynthesisStatus.FAILED),
                name="synthesis_rendered_has_its_hash",
            ),
        ]
        indexes = [
            models.Index(
                fields=["establishment", "status", "due_date"], name="synthesis_watch_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Synthèse v{self.number} — {self.interview.detainee}"

    @property
    def filename(self) -> str:
        ecrou = self.interview.incarceration.ecrou_number
        return f"synthese-{ecrou}-v{self.number}.pdf"

    def is_late(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status != SynthesisStatus.DELIVERED and self.due_date < today


class SynthesisDelivery(models.Model):
    """The outbox: one email owed per recipient per synthesis version."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField("destinataire")
    label = models.CharField("fonction", max_length=100, blank=True)
    status = models.CharField(
        "état", max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)
    # The deadline watch warns once a day per synthesis; it marks the day here.
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        ordering = ["synthesis", "email", "pk"]
        verbose_name = "envoi de synthèse"
        verbose_name_plural = "envois de synthèse"
        constraints = [
            models.UniqueConstraint(
                fields=["synthesis", "email"], name="delivery_once_per_recipient"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_outbox_idx")]

    def __str__(self) -> str:
        return f"{self.email} — {self.get_status_display()}"

    @property
    def message_id(self) -> str:
        """Stable across retries: a receiving server can recognise a message sent twice."""
        return f"<synthese-{self.synthesis_id}-envoi-{self.pk}@insertion.invalid>"


class SynthesisWarning(models.Model):
    """The deadline watch's daily warning about a synthesis (at most one per day)."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="warnings")
    day = models.DateField("jour")
    kind = models.CharField("motif", max_length=20)  # "bientot" or "en_retard"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["synthesis", "day"], name="one_warning_per_day"),
        ]

    def __str__(self) -> str:
        return f"Alerte {self.kind} du {self.day:%d/%m/%Y}"
