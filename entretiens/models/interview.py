"""The socio-professional interview owed to every arrival, its postponements and its validated
versions.

One Interview row is owed per stay (Incarceration) in an establishment where the interviews are
rolled out; it is created at the arrival with its due date. Its answers are the scalar fields
below and the rows of `answers.py` (diplomas, experiences…). Every validation stores an
InterviewVersion: the snapshot the synthesis is made from.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from entretiens.choices import (
    DigitalSkills,
    EducationLevel,
    InterviewStatus,
    NotDoneReason,
    Proficiency,
    WorkHistory,
)
from insertion.core.scoping import scoped_to_establishments
from insertion.core.text import search_condition

# Texts typed in the form have limits, so a synthesis stays readable and a paste cannot flood it.
SHORT_TEXT = 200
LONG_TEXT = 2000
CONCLUSION_TEXT = 4000
MIN_DURATION = 5
MAX_DURATION = 240
MAX_PROJECTS = 3


class InterviewQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InterviewQuerySet":
        """Interviews of the user's establishments; none for national steering."""
        return scoped_to_establishments(self, user, "establishment_id")

    # The worklist's states, each a condition, so that the lists and the counters (one
    # aggregate query) share one definition.
    @staticmethod
    def open_condition() -> Q:
        """Still owed: neither validated nor declared not done (rectifications excluded)."""
        return Q(status__in=[InterviewStatus.TO_DO, InterviewStatus.DRAFT], version=0)

    @staticmethod
    def state_conditions(today: datetime.date, since: datetime.datetime) -> dict[str, Q]:
        return {
            "a_realiser": Q(status=InterviewStatus.TO_DO, due_date__gte=today),
            "en_retard": InterviewQuerySet.open_condition() & Q(due_date__lt=today),
            "brouillons": Q(status=InterviewStatus.DRAFT),
            "non_realises": Q(status=InterviewStatus.NOT_DONE),
            "valides": Q(status=InterviewStatus.VALIDATED, validated_at__gte=since),
        }

    def counts(self, today: datetime.date, since: datetime.datetime) -> dict[str, int]:
        """How many interviews are in each state, in one query."""
        return self.aggregate(
            **{
                key: models.Count("pk", filter=condition)
                for key, condition in self.state_conditions(today, since).items()
            }
        )

    def open(self) -> "InterviewQuerySet":
        return self.filter(self.open_condition())

    def to_do(self, today: datetime.date) -> "InterviewQuerySet":
        return self.filter(self.state_conditions(today, timezone.now())["a_realiser"])

    def overdue(self, today: datetime.date) -> "InterviewQuerySet":
        return self.filter(self.state_conditions(today, timezone.now())["en_retard"])

    def drafts(self) -> "InterviewQuerySet":
        return self.filter(status=InterviewStatus.DRAFT)

    def not_done(self) -> "InterviewQuerySet":
        return self.filter(status=InterviewStatus.NOT_DONE)

    def validated_since(self, moment: datetime.datetime) -> "InterviewQuerySet":
        return self.filter(status=InterviewStatus.VALIDATED, validated_at__gte=moment)

    def search(self, text: str) -> "InterviewQuerySet":
        return self.filter(search_condition(text, "detainee__search_text__contains"))

    def readable_by(self, user) -> "InterviewQuerySet":
        """What a reader (CPIP, manager, prison team) may open: interviews validated once."""
        return self.visible_to(user).filter(version__gte=1)


class Interview(models.Model):
    detainee = models.ForeignKey(
        "detainees.Detainee",
        on_delete=models.CASCADE,
        related_name="interviews",
        verbose_name="personne",
    )
    incarceration = models.OneToOneField(
        "detainees.Incarceration",
        on_delete=models.CASCADE,
        related_name="interview",
        verbose_name="séjour",
    )
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="interviews",
        verbose_name="établissement",
    )
    arrival_date = models.DateField("arrivée")
    due_date = models.DateField("à réaliser avant le")
    status = models.CharField(
        "état", max_length=20, choices=InterviewStatus.choices, default=InterviewStatus.TO_DO
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interviews",
        verbose_name="intervieweur",
    )
    planned_on = models.DateField("reporté au", null=True, blank=True)
    not_done_reason = models.CharField(
        "motif de non-réalisation", max_length=20, choices=NotDoneReason.choices, blank=True
    )
    not_done_details = models.CharField("précision", max_length=SHORT_TEXT, blank=True)
    not_done_on = models.DateField("déclaré non réalisé le", null=True, blank=True)

    # 1. Déroulement
    conducted_on = models.DateField("date de l'entretien", null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        "durée (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_DURATION), MaxValueValidator(MAX_DURATION)],
    )
    place = models.CharField("lieu", max_length=SHORT_TEXT, blank=True)
    tools = models.JSONField("outils utilisés", default=list, blank=True)
    other_tool = models.CharField("autre outil", max_length=SHORT_TEXT, blank=True)
    interpreter_language = models.CharField(
        "interprète (langue)", max_length=100, blank=True, help_text="Vide si aucun interprète."
    )
    informed_of_sharing = models.BooleanField(
        "la personne a été informée que la synthèse est transmise aux équipes de l'établissement",
        default=False,
    )
    withheld_sections = models.JSONField("sections non partagées", default=list, blank=True)

    # 2. Parcours scolaire et formation
    education_level = models.CharField(
        "niveau de diplôme le plus élevé", max_length=20, choices=EducationLevel.choices, blank=True
    )
    schooling_end_age = models.PositiveSmallIntegerField(
        "âge à la fin de la scolarité",
        null=True,
        blank=True,
        validators=[MinValueValidator(6), MaxValueValidator(70)],
    )
    french_reading = models.CharField(
        "français : lecture", max_length=20, choices=Proficiency.choices, blank=True
    )
    french_writing = models.CharField(
        "français : écriture", max_length=20, choices=Proficiency.choices, blank=True
    )
    french_speaking = models.CharField(
        "français : oral", max_length=20, choices=Proficiency.choices, blank=True
    )
    languages = models.CharField("langues parlées", max_length=SHORT_TEXT, blank=True)
    digital_skills = models.CharField(
        "compétences numériques", max_length=20, choices=DigitalSkills.choices, blank=True
    )
    driving_licences = models.JSONField("permis de conduire", default=list, blank=True)
    professional_licences = models.JSONField("habilitations", default=list, blank=True)
    other_licences = models.CharField(
        "autres permis ou habilitations", max_length=SHORT_TEXT, blank=True
    )

    # 3. Parcours professionnel
    work_history = models.CharField(
        "a déjà travaillé", max_length=20, choices=WorkHistory.choices, blank=True
    )
    last_activity = models.TextField(
        "dernière activité avant l'incarcération", max_length=LONG_TEXT, blank=True
    )

    # 4. Compétences mobilisables
    interests = models.TextField("centres d'intérêt", max_length=LONG_TEXT, blank=True)

    # 7. Préconisations
    points_of_attention = models.TextField(
        "points de vigilance pour les équipes", max_length=LONG_TEXT, blank=True
    )
    conclusion = models.TextField(
        "conclusion de l'intervieweur", max_length=CONCLUSION_TEXT, blank=True
    )

    # Life cycle
    version = models.PositiveIntegerField("versions validées", default=0)
    rectification_reason = models.CharField(
        "motif de la rectification en cours", max_length=SHORT_TEXT, blank=True
    )
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    # The page (one opening of the form) that saved last: its own autosaves never conflict.
    edit_session = models.CharField(max_length=32, blank=True, editable=False)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé par",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifié par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = "entretien socio-professionnel"
        verbose_name_plural = "entretiens socio-professionnels"
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=F("arrival_date")), name="interview_due_after_arrival"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=MIN_DURATION, duration_minutes__lte=MAX_DURATION),
                name="interview_duration_range",
            ),
            models.CheckConstraint(
                condition=(Q(status=InterviewStatus.NOT_DONE) & ~Q(not_done_reason=""))
                | (~Q(status=InterviewStatus.NOT_DONE) & Q(not_done_reason="")),
                name="interview_not_done_has_a_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=InterviewStatus.VALIDATED)
                | Q(version__gte=1, validated_at__isnull=False, conducted_on__isnull=False),
                name="interview_validated_has_a_version",
            ),
        ]
        indexes = [
            models.Index(
                fields=["establishment", "status", "due_date"], name="interview_worklist_idx"
            ),
            models.Index(fields=["establishment", "validated_at"], name="interview_validated_idx"),
        ]

    def __str__(self) -> str:
        return f"Entretien de {self.detainee} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in (InterviewStatus.TO_DO, InterviewStatus.DRAFT)

    @property
    def is_editable(self) -> bool:
        return self.status in (InterviewStatus.TO_DO, InterviewStatus.DRAFT)

    @property
    def is_rectification(self) -> bool:
        return self.status == InterviewStatus.DRAFT and self.version >= 1

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.version == 0 and self.due_date < today

    @property
    def can_reopen(self) -> bool:
        """A "non réalisé" can be taken back while the person is still in that stay."""
        return (
            self.status == InterviewStatus.NOT_DONE
            and self.incarceration.departure_date is None
            and self.detainee.release_date is None
        )

    def days_waiting(self, today: datetime.date | None = None) -> int:
        today = today or timezone.localdate()
        return (today - self.arrival_date).days


class Postponement(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="postponements")
    new_date = models.DateField("nouvelle date")
    reason = models.CharField("motif", max_length=SHORT_TEXT)
    was_overdue = models.BooleanField("déjà en retard", default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="par",
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        ordering = ["interview", "created_at", "pk"]
        verbose_name = "report"
        verbose_name_plural = "reports"

    def __str__(self) -> str:
        return f"Report au {self.new_date:%d/%m/%Y}"


class InterviewVersion(models.Model):
    """A validated state of an interview, frozen: what the synthesis of that version shows."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    content = models.JSONField("contenu")
    rectification_reason = models.CharField(
        "motif de la rectification", max_length=SHORT_TEXT, blank=True
    )
    validated_at = models.DateTimeField("validée le")
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="validée par",
    )

    class Meta:
        ordering = ["interview", "number"]
        verbose_name = "version validée"
        verbose_name_plural = "versions validées"
        constraints = [
            models.UniqueConstraint(fields=["interview", "number"], name="interview_version_once"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} — {self.interview}"
