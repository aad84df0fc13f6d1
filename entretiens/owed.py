"""The interview owed for a stay: opened at an arrival, closed by a departure, and the
worklist's actions on it (postponed, declared not done, reopened).

The answers themselves are written by `entretiens.services`.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from entretiens.choices import InterviewStatus, NotDoneReason
from entretiens.models import Interview, Postponement


def interview_due_date(arrival_date: datetime.date) -> datetime.date:
    return arrival_date + datetime.timedelta(days=settings.INTERVIEW_DUE_DAYS)


def interview_owed_for_stay(*, incarceration) -> Interview | None:
    """Open the interview owed for an arrival, when the establishment runs the interviews and the
    person has no validated interview yet (a transfer starts a new clock only in that case)."""
    establishment = incarceration.establishment
    rollout = establishment.interview_rollout_date
    if rollout is None or incarceration.arrival_date < rollout:
        return None
    if Interview.objects.filter(detainee_id=incarceration.detainee_id, version__gte=1).exists():
        return None
    interview, _ = Interview.objects.get_or_create(
        incarceration=incarceration,
        defaults={
            "detainee_id": incarceration.detainee_id,
            "establishment": establishment,
            "arrival_date": incarceration.arrival_date,
            "due_date": interview_due_date(incarceration.arrival_date),
        },
    )
    return interview


def interviews_owed_for_first_stays(*, incarcerations) -> list[Interview]:
    """`interview_owed_for_stay` for the first stays of people just created together (a batched
    arrival): such a person has no interview at all, so the only rule left is the
    establishment's rollout date, and the interviews are written in one insert."""
    owed = [
        Interview(
            detainee_id=stay.detainee_id,
            incarceration=stay,
            establishment=stay.establishment,
            arrival_date=stay.arrival_date,
            due_date=interview_due_date(stay.arrival_date),
        )
        for stay in incarcerations
        if stay.establishment.interview_rollout_date is not None
        and stay.arrival_date >= stay.establishment.interview_rollout_date
    ]
    return Interview.objects.bulk_create(owed)


def interview_close_for_departure(*, detainee, reason: str, on_date: datetime.date) -> int:
    """A person leaving the establishment (transfer, release) before their interview: it is
    recorded as not done for that reason; what was typed in a draft is kept."""
    return Interview.objects.filter(
        detainee=detainee, status__in=[InterviewStatus.TO_DO, InterviewStatus.DRAFT], version=0
    ).update(
        status=InterviewStatus.NOT_DONE,
        not_done_reason=reason,
        not_done_on=on_date,
        lock_version=F("lock_version") + 1,
        updated_at=timezone.now(),
    )


def _locked(interview: Interview) -> Interview:
    """The interview row, locked for this transaction."""
    return Interview.objects.select_for_update().get(pk=interview.pk)


@transaction.atomic
def interview_postpone(
    *,
    interview: Interview,
    by,
    new_date: datetime.date,
    reason: str,
    today: datetime.date | None = None,
) -> Postponement:
    """Plan the interview later. Before the due date, the due date moves to the new date; an
    interview already overdue stays overdue (its due date does not move)."""
    today = today or timezone.localdate()
    interview = _locked(interview)
    if not interview.is_open or interview.version:
        raise ValidationError("Seul un entretien à réaliser ou en brouillon peut être reporté.")
    if new_date < today:
        raise ValidationError("La nouvelle date ne peut pas être passée.", code="new_date")
    if new_date > today + datetime.timedelta(days=180):
        raise ValidationError("Un report ne peut pas dépasser six mois.", code="new_date")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Indiquez le motif du report.", code="reason")
    overdue = interview.is_overdue(today)
    postponement = Postponement.objects.create(
        interview=interview, new_date=new_date, reason=reason, was_overdue=overdue, by=by
    )
    interview.planned_on = new_date
    fields = ["planned_on"]
    if not overdue and new_date > interview.due_date:
        interview.due_date = new_date
        fields.append("due_date")
    interview.lock_version += 1
    interview.updated_by = by
    interview.save(update_fields=[*fields, "lock_version", "updated_by", "updated_at"])
    return postponement


@transaction.atomic
def interview_declare_not_done(
    *, interview: Interview, by, reason: str, details: str = "", today: datetime.date | None = None
) -> Interview:
    interview = _locked(interview)
    if not interview.is_open or interview.version:
        raise ValidationError("Cet entretien n'est plus à réaliser.")
    if reason not in NotDoneReason.values:
        raise ValidationError("Choisissez le motif de non-réalisation.", code="reason")
    details = details.strip()
    if reason == NotDoneReason.OTHER and not details:
        raise ValidationError("Précisez le motif « autre ».", code="details")
    interview.status = InterviewStatus.NOT_DONE
    interview.not_done_reason = reason
    interview.not_done_details = details
    interview.not_done_on = today or timezone.localdate()
    interview.lock_version += 1
    interview.updated_by = by
    interview.save(
        update_fields=[
            "status",
            "not_done_reason",
            "not_done_details",
            "not_done_on",
            "lock_version",
            "updated_by",
            "updated_at",
        ]
    )
    return interview


@transaction.atomic
def interview_reopen(*, interview: Interview, by) -> Interview:
    """Undo « non réalisé » (the person now accepts, the interpreter is found…)."""
    interview = _locked(interview)
    if interview.status != InterviewStatus.NOT_DONE:
        raise ValidationError("Cet entretien n'est pas déclaré non réalisé.")
    if not interview.can_reopen:
        raise ValidationError(
            "La personne a quitté l'établissement : l'entretien ne peut pas être repris."
        )
    interview.status = InterviewStatus.DRAFT if interview.started_at else InterviewStatus.TO_DO
    interview.not_done_reason = ""
    interview.not_done_details = ""
    interview.not_done_on = None
    interview.lock_version += 1
    interview.updated_by = by
    interview.save(
        update_fields=[
            "status",
            "not_done_reason",
            "not_done_details",
            "not_done_on",
            "lock_version",
            "updated_by",
            "updated_at",
        ]
    )
    return interview
