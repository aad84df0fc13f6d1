"""Writes on interviews: named service functions, keyword-only, one transaction each.

The life of an interview: owed at an arrival (to do) → started (draft) → validated, or declared
not done. A validated interview is read-only; a rectification reopens it as a draft and the next
validation stores a new version. Every save of the answers checks `lock_version` so that two
people editing the same interview never overwrite each other silently. Opening the interview
owed for a stay, and the worklist's postpone / not done / reopen, are in `entretiens.owed`.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from entretiens.choices import BarrierCategory, InterviewStatus, WorkHistory
from entretiens.models import (
    MAX_PROJECTS,
    BarrierAssessment,
    Diploma,
    Experience,
    Interview,
    InterviewVersion,
    KnowHow,
    Orientation,
    Project,
    SoftSkillRating,
)
from entretiens.signals import interview_validated
from entretiens.summary import interview_summary
from entretiens.synthesis import synthesis_create

# The rows added and removed one by one in the form, by the name used in URLs and forms.
ROW_MODELS: dict[str, type[models.Model]] = {
    "diplomes": Diploma,
    "experiences": Experience,
    "savoir_faire": KnowHow,
    "projets": Project,
}
ROW_LIMITS = {"projets": MAX_PROJECTS, "diplomes": 20, "experiences": 40, "savoir_faire": 30}


class EditConflict(Exception):
    """The interview changed since the form was opened: the save is refused."""

    def __init__(self, interview: Interview):
        self.interview = interview
        super().__init__("conflict")

    @property
    def message(self) -> str:
        current = self.interview
        who = current.updated_by.get_full_name() if current.updated_by else "une autre personne"
        when = timezone.localtime(current.updated_at).strftime("%H:%M")
        return (
            f"Cet entretien a été modifié par {who} à {when} depuis que vous l'avez ouvert. "
            "Vos dernières saisies n'ont pas été enregistrées, pour ne pas effacer les siennes : "
            "rechargez l'entretien, puis reportez vos modifications."
        )


def _locked(interview: Interview, lock_version: int | None, edit_session: str = "") -> Interview:
    """The interview row locked for this transaction; EditConflict when someone else saved it
    since `lock_version` was read. Saves from the same opening of the form (`edit_session`: an
    autosave still in flight when the user clicks "Enregistrer") follow each other freely."""
    current = Interview.objects.select_for_update().get(pk=interview.pk)
    if lock_version is None or current.lock_version == lock_version:
        return current
    if edit_session and current.edit_session == edit_session:
        return current
    raise EditConflict(current)


def _refuse_unless_editable(interview: Interview) -> None:
    if not interview.is_editable:
        raise ValidationError(
            "Cet entretien est validé : il n'est plus modifiable. Utilisez « Rectifier » pour le "
            "corriger."
        )


def _touch(interview: Interview, by, *fields: str, edit_session: str = "") -> None:
    if interview.status == InterviewStatus.TO_DO:
        interview.status = InterviewStatus.DRAFT
        interview.started_at = timezone.now()
        fields += ("status", "started_at")
    if interview.interviewer_id is None:
        interview.interviewer = by
        fields += ("interviewer",)
    interview.lock_version += 1
    interview.updated_by = by
    interview.edit_session = edit_session
    interview.save(
        update_fields=[*fields, "lock_version", "edit_session", "updated_by", "updated_at"]
    )


@dataclass
class DraftChanges:
    """What a form submission changes: the interview's own fields, its rows by kind
    (pk → values), and the fixed lists (soft skills, barriers, orientations) by code."""

    fields: dict = field(default_factory=dict)
    rows: dict[str, dict[int, dict]] = field(default_factory=dict)
    soft_skills: dict[str, str] = field(default_factory=dict)
    barriers: dict[str, dict] = field(default_factory=dict)
    orientations: dict[str, dict] = field(default_factory=dict)


@transaction.atomic
def interview_save_draft(
    *,
    interview: Interview,
    by,
    lock_version: int | None,
    changes: DraftChanges,
    edit_session: str = "",
) -> Interview:
    """Save what was typed, complete or not. Only valid values reach this function: the form
    keeps the invalid ones on screen with their error, and the saved ones stay saved."""
    interview = _locked(interview, lock_version, edit_session)
    _refuse_unless_editable(interview)
    for name, value in changes.fields.items():
        setattr(interview, name, value)
    for kind, rows in changes.rows.items():
        model = ROW_MODELS[kind]
        for row in model.objects.filter(interview=interview, pk__in=rows.keys()):
            for name, value in rows[row.pk].items():
                setattr(row, name, value)
            row.save()
    for skill, confidence in changes.soft_skills.items():
        if confidence:
            SoftSkillRating.objects.update_or_create(
                interview=interview, skill=skill, defaults={"confidence": confidence}
            )
        else:
            SoftSkillRating.objects.filter(interview=interview, skill=skill).delete()
    for category, values in changes.barriers.items():
        BarrierAssessment.objects.update_or_create(
            interview=interview, category=category, defaults=values
        )
    for kind, values in changes.orientations.items():
        if values.get("priority"):
            Orientation.objects.update_or_create(interview=interview, kind=kind, defaults=values)
        else:
            Orientation.objects.filter(interview=interview, kind=kind).delete()
    _touch(interview, by, *changes.fields.keys(), edit_session=edit_session)
    return interview


@transaction.atomic
def interview_add_row(
    *, interview: Interview, kind: str, by, lock_version: int | None, edit_session: str = ""
):
    """Add an empty row (a diploma, an experience…) to fill in; refused past the kind's limit."""
    interview = _locked(interview, lock_version, edit_session)
    _refuse_unless_editable(interview)
    model = ROW_MODELS[kind]
    if model.objects.filter(interview=interview).count() >= ROW_LIMITS[kind]:
        raise ValidationError(
            f"{ROW_LIMITS[kind]} lignes au plus pour les {model._meta.verbose_name_plural}."
        )
    row = model.objects.create(interview=interview)
    _touch(interview, by, edit_session=edit_session)
    return row


@transaction.atomic
def interview_remove_row(
    *,
    interview: Interview,
    kind: str,
    row_id: int,
    by,
    lock_version: int | None,
    edit_session: str = "",
) -> Interview:
    interview = _locked(interview, lock_version, edit_session)
    _refuse_unless_editable(interview)
    ROW_MODELS[kind].objects.filter(interview=interview, pk=row_id).delete()
    _touch(interview, by, edit_session=edit_session)
    return interview


def interview_missing(interview: Interview) -> list[tuple[str, str]]:
    """What validation requires and the interview lacks: (section anchor, French message)."""
    missing = []
    if interview.conducted_on is None:
        missing.append(("deroulement", "Déroulement : la date de l'entretien"))
    if interview.duration_minutes is None:
        missing.append(("deroulement", "Déroulement : la durée de l'entretien"))
    if not interview.education_level:
        missing.append(("scolarite", "Parcours scolaire : le niveau de diplôme le plus élevé"))
    if not interview.work_history:
        missing.append(("professionnel", "Parcours professionnel : a-t-elle déjà travaillé ?"))
    elif interview.work_history == WorkHistory.YES and not any(
        row.job_title for row in interview.experiences.all()
    ):
        missing.append(
            ("professionnel", "Parcours professionnel : au moins une expérience avec son poste")
        )
    assessed = {b.category for b in interview.barriers.all() if b.level}
    not_assessed = [label for value, label in BarrierCategory.choices if value not in assessed]
    if not_assessed:
        missing.append(("freins", "Freins non évalués : " + ", ".join(not_assessed)))
    if not interview.orientations.all():
        missing.append(("preconisations", "Préconisations : au moins une orientation"))
    if not interview.conclusion.strip():
        missing.append(("preconisations", "Préconisations : la conclusion de l'intervieweur"))
    return missing


def _drop_empty_rows(interview: Interview) -> None:
    """Rows added and never filled are not part of a validated interview."""
    Diploma.objects.filter(interview=interview, title="", level="", year=None).delete()
    Experience.objects.filter(
        interview=interview, job_title="", sector="", start_year=None, contract="", details=""
    ).delete()
    KnowHow.objects.filter(interview=interview, label="").delete()
    Project.objects.filter(
        interview=interview, kind="", target="", horizon="", maturity="", next_steps=""
    ).delete()


@transaction.atomic
def interview_validate(*, interview: Interview, by, lock_version: int | None) -> InterviewVersion:
    """Freeze the interview as a new version; refused with the list of what is missing."""
    interview = _locked(interview, lock_version)
    _refuse_unless_editable(interview)
    _drop_empty_rows(interview)
    missing = interview_missing(interview)
    if missing:
        raise ValidationError([message for _, message in missing], code="incomplete")
    now = timezone.now()
    interview.version += 1
    version = InterviewVersion.objects.create(
        interview=interview,
        number=interview.version,
        content=interview_summary(interview),
        rectification_reason=interview.rectification_reason,
        validated_at=now,
        validated_by=by,
    )

    synthesis_create(version=version)
    interview.status = InterviewStatus.VALIDATED
    interview.validated_at = now
    interview.validated_by = by
    interview.rectification_reason = ""
    _touch(
        interview, by, "status", "version", "validated_at", "validated_by", "rectification_reason"
    )
    # The release plan follows the barriers found (insertion/release/apps.py).
    interview_validated.send(sender=Interview, interview=interview, by=by)
    return version


@transaction.atomic
def interview_rectify(*, interview: Interview, by, reason: str) -> Interview:
    """Reopen a validated interview to correct it; the next validation makes a new version."""
    interview = _locked(interview, None)
    if interview.status != InterviewStatus.VALIDATED:
        raise ValidationError("Seul un entretien validé peut être rectifié.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Indiquez le motif de la rectification.")
    interview.status = InterviewStatus.DRAFT
    interview.rectification_reason = reason
    _touch(interview, by, "status", "rectification_reason")
    return interview
