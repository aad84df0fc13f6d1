"""Release preparation: the referential of milestone kinds, each person's plan, its milestones
with their history, and the alerts of a release date brought forward.

A plan belongs to one person (created when a referent is named, closed at the release); its
milestones are dated relative to the expected release date (DLP) and move with it while they
are not finished. The rules live in `services.py` (writes) and `readiness.py` (the readiness
and dry-release-risk rule, as QuerySet annotations).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from insertion.detainees.models import Detainee


class MilestoneCategory(models.TextChoices):
    HOUSING = "logement", "Logement"
    PAPERS = "papiers", "Papiers et démarches"
    RIGHTS = "droits", "Droits et ressources"
    WORK = "emploi_formation", "Emploi et formation"
    HEALTH = "sante", "Santé"
    FAMILY = "famille", "Famille"
    JUSTICE = "justice", "Justice"


# A release within 90 days with one of these essential milestones not done is at risk of a dry
# release (readiness.py).
CRITICAL_CATEGORIES = (
    MilestoneCategory.HOUSING,
    MilestoneCategory.PAPERS,
    MilestoneCategory.RIGHTS,
)


class MilestoneStatus(models.TextChoices):
    TO_DO = "a_faire", "À faire"
    IN_PROGRESS = "en_cours", "En cours"
    DONE = "fait", "Fait"
    BLOCKED = "bloque", "Bloqué"
    NOT_APPLICABLE = "sans_objet", "Sans objet"


# Not finished: counted late past their target date, moved with the release date.
OPEN_STATUSES = (MilestoneStatus.TO_DO, MilestoneStatus.IN_PROGRESS, MilestoneStatus.BLOCKED)


class MilestoneKind(models.Model):
    """A kind of release-preparation action, from the referential (back-office)."""

    code = models.SlugField("code", max_length=50, unique=True)
    label = models.CharField("intitulé", max_length=150, unique=True)
    category = models.CharField("thème", max_length=20, choices=MilestoneCategory.choices)
    offset_days = models.PositiveIntegerField(
        "échéance par défaut (jours avant la DLP)",
        help_text="La date cible d'un jalon est la DLP moins ce nombre de jours.",
    )
    essential = models.BooleanField(
        "essentiel",
        default=False,
        help_text="Compte dans l'état de préparation de la sortie de chaque personne.",
    )
    for_everyone = models.BooleanField(
        "dans chaque plan",
        default=True,
        help_text="Décoché : le jalon n'est ajouté que si l'entretien relève un des freins "
        "auxquels il répond, ou le préconise.",
    )
    barriers = models.JSONField(
        "freins auxquels il répond",
        default=list,
        blank=True,
        help_text="Un frein important ou bloquant relevé à l'entretien rend ce jalon essentiel "
        "pour la personne.",
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)
    active = models.BooleanField(
        "actif", default=True, help_text="Décoché : plus ajouté aux nouveaux plans."
    )

    class Meta:
        ordering = ["position", "label"]
        verbose_name = "type de jalon"
        verbose_name_plural = "référentiel des jalons"

    def __str__(self) -> str:
        return self.label


class ReleasePlanQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReleasePlanQuerySet":
        return self.filter(detainee__in=Detainee.objects.visible_to(user))

    def open(self) -> "ReleasePlanQuerySet":
        return self.filter(closed_on__isnull=True)


class ReleasePlan(models.Model):
    """The release preparation of one person: open while they are held, closed at the release
    with its final state kept for the statistics."""

    detainee = models.OneToOneField(
        "detainees.Detainee",
        on_delete=models.CASCADE,
        related_name="release_plan",
        verbose_name="personne",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créé par",
    )
    closed_on = models.DateField("clos le", null=True, blank=True)
    # Final state, frozen at the release (statistics read these, never the live milestones).
    final_release_kind = models.CharField("type de sortie", max_length=30, blank=True)
    final_essential_done = models.PositiveSmallIntegerField(
        "jalons essentiels faits", null=True, blank=True
    )
    final_essential_total = models.PositiveSmallIntegerField(
        "jalons essentiels", null=True, blank=True
    )
    final_late = models.PositiveSmallIntegerField("jalons en retard", null=True, blank=True)

    objects = ReleasePlanQuerySet.as_manager()

    class Meta:
        ordering = ["detainee", "pk"]
        verbose_name = "plan de préparation à la sortie"
        verbose_name_plural = "plans de préparation à la sortie"
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, final_essential_total__isnull=True)
                | Q(closed_on__isnull=False, final_essential_total__isnull=False),
                name="plan_closed_keeps_its_final_state",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan de sortie — {self.detainee}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MilestoneQuerySet":
        return self.filter(plan__detainee__in=Detainee.objects.visible_to(user))

    def unfinished(self) -> "MilestoneQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def late(self, today: datetime.date) -> "MilestoneQuerySet":
        return self.unfinished().filter(target_date__lt=today)


class Milestone(models.Model):
    """One action of a plan: from the referential, or added by the CPIP (free label)."""

    plan = models.ForeignKey(
        ReleasePlan, on_delete=models.CASCADE, related_name="milestones", verbose_name="plan"
    )
    kind = models.ForeignKey(
        MilestoneKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name="type",
    )
    label = models.CharField("intitulé", max_length=150)
    category = models.CharField("thème", max_length=20, choices=MilestoneCategory.choices)
    essential = models.BooleanField("essentiel", default=False)
    barrier_note = models.CharField(
        "frein relevé à l'entretien", max_length=200, blank=True
    )  # e.g. "Frein : logement — bloquant"
    orientation_note = models.CharField(
        "préconisation de l'entretien", max_length=200, blank=True
    )  # e.g. "Préconisé à l'entretien d'arrivée — prioritaire"
    status = models.CharField(
        "état", max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.TO_DO
    )
    target_date = models.DateField("date cible", null=True, blank=True)
    owner = models.CharField(
        "porté par",
        max_length=150,
        blank=True,
        help_text="Le CPIP, la personne, un partenaire (SIAO, France Travail…).",
    )
    done_on = models.DateField("fait le", null=True, blank=True)
    not_applicable_reason = models.CharField("motif « sans objet »", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = "jalon"
        verbose_name_plural = "jalons"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MilestoneStatus.values), name="milestone_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=MilestoneStatus.DONE, done_on__isnull=False)
                | (~Q(status=MilestoneStatus.DONE) & Q(done_on__isnull=True)),
                name="milestone_done_has_its_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=MilestoneStatus.NOT_APPLICABLE) | ~Q(not_applicable_reason=""),
                name="milestone_not_applicable_has_its_reason",
            ),
            models.UniqueConstraint(
                fields=["plan", "kind"],
                condition=Q(kind__isnull=False),
                name="milestone_kind_once_per_plan",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status", "target_date"], name="milestone_plan_idx"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_late(self, today: datetime.date) -> bool:
        return self.is_open and self.target_date is not None and self.target_date < today


class MilestoneChange(models.Model):
    """The history of a milestone: who changed its status, when, from what to what."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="changes", verbose_name="jalon"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    at = models.DateTimeField("le", auto_now_add=True)
    from_status = models.CharField("ancien état", max_length=20, blank=True)
    to_status = models.CharField("nouvel état", max_length=20)

    class Meta:
        ordering = ["milestone", "at", "pk"]
        verbose_name = "changement d'état d'un jalon"
        verbose_name_plural = "changements d'état des jalons"

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def get_from_status_display(self) -> str:
        return MilestoneStatus(self.from_status).label if self.from_status else "—"

    def get_to_status_display(self) -> str:
        return MilestoneStatus(self.to_status).label


class MilestoneNote(models.Model):
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="notes", verbose_name="jalon"
    )
    text = models.TextField("note", max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        ordering = ["milestone", "at", "pk"]
        verbose_name = "note de jalon"
        verbose_name_plural = "notes de jalon"

    def __str__(self) -> str:
        return self.text[:60]


class ReleaseAlertQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReleaseAlertQuerySet":
        return self.filter(detainee__in=Detainee.objects.visible_to(user))

    def unread(self) -> "ReleaseAlertQuerySet":
        return self.filter(seen_at__isnull=True)


class ReleaseAlert(models.Model):
    """The release date came earlier by more than RELEASE_DATE_ALERT_DAYS: the referent is told,
    and the dashboard shows it until they have seen it."""

    detainee = models.ForeignKey(
        "detainees.Detainee",
        on_delete=models.CASCADE,
        related_name="release_alerts",
        verbose_name="personne",
    )
    change = models.OneToOneField(
        "detainees.ReleaseDateChange",
        on_delete=models.CASCADE,
        related_name="alert",
        verbose_name="changement de DLP",
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="release_alerts",
        verbose_name="CPIP référent",
    )
    days_earlier = models.PositiveIntegerField("avancée de (jours)")
    created_at = models.DateTimeField("le", auto_now_add=True)
    seen_at = models.DateTimeField("vue le", null=True, blank=True)
    # The email is an outbox row of its own (release/alerts.py): claimed by a worker at
    # `email_claimed_at`, sent outside any transaction, then dated `emailed_at`.
    email_claimed_at = models.DateTimeField("courriel pris en charge le", null=True, blank=True)
    emailed_at = models.DateTimeField("courriel envoyé le", null=True, blank=True)

    objects = ReleaseAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "alerte de DLP avancée"
        verbose_name_plural = "alertes de DLP avancée"

    def __str__(self) -> str:
        return f"DLP avancée de {self.days_earlier} jours — {self.detainee}"
