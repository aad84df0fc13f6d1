"""The rows of an interview's answers: lists added and removed one by one in the form
(diplomas, experiences, know-how, projects) and one row per item assessed (soft skills, barriers,
orientations)."""

from django.db import models

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    Confidence,
    Contract,
    DiplomaLevel,
    Horizon,
    Maturity,
    OrientationKind,
    Priority,
    ProjectKind,
    Sector,
    SoftSkill,
)
from entretiens.models.interview import LONG_TEXT, SHORT_TEXT, Interview


class InterviewRow(models.Model):
    """Common shape of the rows of an interview (added and removed one by one in the form)."""

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} n° {self.pk}"


class Diploma(InterviewRow):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="diplomas")
    title = models.CharField("intitulé", max_length=SHORT_TEXT, blank=True)
    level = models.CharField("niveau", max_length=20, choices=DiplomaLevel.choices, blank=True)
    year = models.PositiveSmallIntegerField("année d'obtention", null=True, blank=True)

    class Meta(InterviewRow.Meta):
        verbose_name = "diplôme ou certification"
        verbose_name_plural = "diplômes et certifications"


class Experience(InterviewRow):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="experiences")
    job_title = models.CharField("poste occupé", max_length=SHORT_TEXT, blank=True)
    sector = models.CharField("secteur", max_length=30, choices=Sector.choices, blank=True)
    start_month = models.PositiveSmallIntegerField("mois de début", null=True, blank=True)
    start_year = models.PositiveSmallIntegerField("année de début", null=True, blank=True)
    end_month = models.PositiveSmallIntegerField("mois de fin", null=True, blank=True)
    end_year = models.PositiveSmallIntegerField("année de fin", null=True, blank=True)
    contract = models.CharField("contrat", max_length=30, choices=Contract.choices, blank=True)
    details = models.TextField("précisions", max_length=LONG_TEXT, blank=True)

    class Meta(InterviewRow.Meta):
        verbose_name = "expérience professionnelle"
        verbose_name_plural = "expériences professionnelles"


class KnowHow(InterviewRow):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="know_hows")
    label = models.CharField("savoir-faire", max_length=SHORT_TEXT, blank=True)

    class Meta(InterviewRow.Meta):
        verbose_name = "savoir-faire"
        verbose_name_plural = "savoir-faire"


class Project(InterviewRow):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="projects")
    kind = models.CharField(
        "type de projet", max_length=30, choices=ProjectKind.choices, blank=True
    )
    target = models.CharField("métier ou domaine visé", max_length=SHORT_TEXT, blank=True)
    horizon = models.CharField("échéance", max_length=20, choices=Horizon.choices, blank=True)
    maturity = models.CharField("maturité", max_length=20, choices=Maturity.choices, blank=True)
    next_steps = models.TextField("prochaines étapes", max_length=LONG_TEXT, blank=True)

    class Meta(InterviewRow.Meta):
        verbose_name = "projet envisageable"
        verbose_name_plural = "projets envisageables"


class SoftSkillRating(InterviewRow):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="soft_skills")
    skill = models.CharField("savoir-être", max_length=30, choices=SoftSkill.choices)
    confidence = models.CharField(
        "confiance de la personne", max_length=20, choices=Confidence.choices
    )

    class Meta(InterviewRow.Meta):
        verbose_name = "savoir-être"
        verbose_name_plural = "savoir-être"
        constraints = [
            models.UniqueConstraint(fields=["interview", "skill"], name="soft_skill_once"),
        ]


class BarrierAssessment(InterviewRow):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="barriers")
    category = models.CharField("frein", max_length=30, choices=BarrierCategory.choices)
    level = models.CharField("niveau", max_length=20, choices=BarrierLevel.choices, blank=True)
    details = models.TextField("précisions", max_length=LONG_TEXT, blank=True)

    class Meta(InterviewRow.Meta):
        verbose_name = "frein"
        verbose_name_plural = "freins"
        constraints = [
            models.UniqueConstraint(fields=["interview", "category"], name="barrier_once"),
        ]


class Orientation(InterviewRow):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="orientations")
    kind = models.CharField("orientation", max_length=30, choices=OrientationKind.choices)
    priority = models.CharField("priorité", max_length=20, choices=Priority.choices)
    details = models.CharField("précisions", max_length=SHORT_TEXT, blank=True)

    class Meta(InterviewRow.Meta):
        verbose_name = "préconisation"
        verbose_name_plural = "préconisations"
        constraints = [
            models.UniqueConstraint(fields=["interview", "kind"], name="orientation_once"),
        ]
