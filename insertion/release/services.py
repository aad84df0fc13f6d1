"""Writes on release plans: named service functions, keyword-only, one transaction each.

- `release_plan_create`: when a referent is named (`referent_assign`), one milestone per kind of
  the referential that applies to the person; the barriers of their validated interview add or
  flag the milestones that answer them (`release_plan_apply_interview`).
- `release_plan_follow_date`: called by the DLP change; unfinished milestones move with the date,
  and a date brought forward by more than RELEASE_DATE_ALERT_DAYS alerts the referent.
- `release_plan_close`: called by the release; the final state is frozen for the statistics.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from insertion.accounts.models import Role
from insertion.detainees.models import Detainee
from insertion.release.barriers import (
    SERIOUS_LEVELS,
    barrier_note,
    forget_withheld,
    person_barriers,
    withheld_traces,
)
from insertion.release.models import (
    OPEN_STATUSES,
    Milestone,
    MilestoneChange,
    MilestoneKind,
    MilestoneNote,
    MilestoneStatus,
    ReleaseAlert,
    ReleasePlan,
)
from insertion.release.orientations import apply_orientations, next_position
from insertion.release.tasks import send_release_alert


def target_date_for(expected_release_date: datetime.date | None, offset_days: int):
    if expected_release_date is None:
        return None
    return expected_release_date - datetime.timedelta(days=offset_days)


def milestone_plan_rows(*, kinds, barriers: dict[str, str], expected_release_date):
    """The rule of a plan's content, as (kind, essential, barrier note, target date) for each
    kind, in order, that applies to a person with these barriers: a kind for everyone, or one
    that answers a barrier found; essential by the referential or by a serious barrier."""
    for kind in kinds:
        answered = [c for c in kind.barriers if c in barriers]
        if not kind.for_everyone and not answered:
            continue
        serious = [c for c in answered if barriers[c] in SERIOUS_LEVELS]
        yield (
            kind,
            kind.essential or bool(serious),
            barrier_note(serious, barriers) if serious else "",
            target_date_for(expected_release_date, kind.offset_days),
        )


def plan_milestones(
    *, kinds, barriers: dict[str, str], expected_release_date, start_position: int = 0
) -> list[Milestone]:
    """The milestones of `milestone_plan_rows`, unsaved and without their plan."""
    return [
        Milestone(
            kind=kind,
            label=kind.label,
            category=kind.category,
            essential=essential,
            barrier_note=note,
            target_date=target_date,
            position=position,
        )
        for position, (kind, essential, note, target_date) in enumerate(
            milestone_plan_rows(
                kinds=kinds, barriers=barriers, expected_release_date=expected_release_date
            ),
            start=start_position,
        )
    ]


def active_kinds() -> list[MilestoneKind]:
    return list(MilestoneKind.objects.filter(active=True).order_by("position", "label", "pk"))


@transaction.atomic
def release_plan_create(*, detainee, by=None) -> ReleasePlan:
    """The plan of a held person (the existing one if any)."""
    plan, created = ReleasePlan.objects.get_or_create(
        detainee=detainee, defaults={"created_by": by}
    )
    if not created:
        return plan
    barriers = person_barriers(detainee)
    milestones = plan_milestones(
        kinds=active_kinds(),
        barriers=barriers,
        expected_release_date=detainee.expected_release_date,
    )
    for milestone in milestones:
        milestone.plan = plan
    Milestone.objects.bulk_create(milestones)
    apply_orientations(
        plan=plan,
        detainee=detainee,
        barriers=barriers,
        target_date_for=target_date_for,
        start_position=len(milestones),
    )
    return plan


@transaction.atomic
def release_plan_apply_interview(*, detainee) -> int:
    """After an interview is validated: the barriers it shares add the milestones that answer
    them and flag the existing ones as essential; what a withheld "Freins" section had put there
    goes (`barriers.withheld_traces`). Milestones the CPIP finished or set aside are left alone.
    Then its shared orientations add and note theirs (`orientations.apply_orientations`).
    Returns the number of milestones added, flagged or removed."""
    plan = ReleasePlan.objects.select_for_update().filter(detainee=detainee).first()
    if plan is None or not plan.is_open:
        return 0
    # A section withheld in this version (a rectification, say) takes its traces with it.
    traces = withheld_traces(detainee_ids=[detainee.pk])
    forget_withheld(traces)
    barriers = person_barriers(detainee)
    count = _apply_barriers(plan, detainee, barriers) if barriers else 0
    return count + apply_orientations(
        plan=plan,
        detainee=detainee,
        barriers=barriers,
        target_date_for=target_date_for,
        start_position=next_position(plan),
    )


def _apply_barriers(plan: ReleasePlan, detainee, barriers: dict[str, str]) -> int:
    existing = {m.kind_id: m for m in plan.milestones.exclude(kind=None).select_related("kind")}
    start = (plan.milestones.aggregate(last=Max("position"))["last"] or 0) + 1
    called_for = [
        kind
        for kind in active_kinds()
        if kind.pk not in existing and any(c in barriers for c in kind.barriers)
    ]
    added = plan_milestones(
        kinds=called_for,
        barriers=barriers,
        expected_release_date=detainee.expected_release_date,
        start_position=start,
    )
    for milestone in added:
        milestone.plan = plan
    Milestone.objects.bulk_create(added)
    flagged = []
    for milestone in existing.values():
        if not milestone.is_open:
            continue
        serious = [c for c in milestone.kind.barriers if barriers.get(c) in SERIOUS_LEVELS]
        if serious and not milestone.barrier_note:
            milestone.essential = True
            milestone.barrier_note = barrier_note(serious, barriers)
            flagged.append(milestone)
    Milestone.objects.bulk_update(flagged, ["essential", "barrier_note", "updated_at"])
    return len(added) + len(flagged)


@transaction.atomic
def referent_assign(*, detainee, referent, by=None):
    """Name (or change, or remove with None) the CPIP referent; naming one opens the plan."""
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    if referent is not None:
        if referent.role != Role.CPIP or not referent.is_active:
            raise ValidationError("Le référent doit être un CPIP actif.")
        if detainee.establishment_id not in referent.establishment_ids:
            raise ValidationError("Ce CPIP ne travaille pas dans l'établissement de la personne.")
    if detainee.is_released:
        raise ValidationError("Cette personne est libérée : son référent ne change plus.")
    detainee.referent = referent
    detainee.save(update_fields=["referent", "updated_at"])
    if referent is not None:
        release_plan_create(detainee=detainee, by=by)
    return detainee


@transaction.atomic
def referents_reassign(*, detainees, referent, by=None) -> int:
    """A manager's bulk reassignment: every person given gets this referent (checked per person,
    all or nothing)."""
    count = 0
    for detainee in detainees:
        referent_assign(detainee=detainee, referent=referent, by=by)
        count += 1
    return count


@transaction.atomic
def release_plan_follow_date(*, change) -> ReleaseAlert | None:
    """The DLP changed: unfinished milestones move by the same number of days (done and "sans
    objet" ones keep their date); brought forward by more than RELEASE_DATE_ALERT_DAYS, the
    referent is alerted (a row the dashboard shows, and an email after commit)."""
    detainee = change.detainee
    plan = ReleasePlan.objects.filter(detainee=detainee, closed_on__isnull=True).first()
    if plan is not None and change.previous_date is not None:
        shift = change.new_date - change.previous_date
        moving = list(plan.milestones.filter(status__in=OPEN_STATUSES))
        for milestone in moving:
            if milestone.target_date is not None:
                milestone.target_date += shift
            elif milestone.kind_id:
                milestone.target_date = target_date_for(change.new_date, milestone.kind.offset_days)
        Milestone.objects.bulk_update(moving, ["target_date", "updated_at"])
    elif plan is not None:  # a first DLP: the plan gets its dates
        moving = list(plan.milestones.filter(status__in=OPEN_STATUSES, target_date=None))
        for milestone in moving:
            if milestone.kind_id:
                milestone.target_date = target_date_for(change.new_date, milestone.kind.offset_days)
        Milestone.objects.bulk_update(moving, ["target_date", "updated_at"])

    earlier = -(change.shift_days or 0)
    if earlier <= settings.RELEASE_DATE_ALERT_DAYS:
        return None
    alert = ReleaseAlert.objects.create(
        detainee=detainee, change=change, referent=detainee.referent, days_earlier=earlier
    )
    if detainee.referent_id:
        send_release_alert.delay_on_commit(alert.pk)
    return alert


def release_alert_mark_seen(*, alerts, by) -> int:
    return alerts.filter(seen_at__isnull=True).update(seen_at=timezone.now())


@transaction.atomic
def release_plan_close(*, detainee, kind: str, on_date: datetime.date) -> ReleasePlan | None:
    """The person is released: the plan is closed with its final state (for the statistics)."""
    plan = ReleasePlan.objects.select_for_update().filter(detainee=detainee).first()
    if plan is None or not plan.is_open:
        return plan
    milestones = list(plan.milestones.all())
    essential = [
        m for m in milestones if m.essential and m.status != MilestoneStatus.NOT_APPLICABLE
    ]
    plan.closed_on = on_date
    plan.final_release_kind = kind
    plan.final_essential_total = len(essential)
    plan.final_essential_done = sum(m.status == MilestoneStatus.DONE for m in essential)
    plan.final_late = sum(m.is_late(on_date) for m in milestones)
    plan.save()
    return plan


# --- Milestones ------------------------------------------------------------------------


def _open_plan_milestone(milestone: Milestone) -> Milestone:
    locked = Milestone.objects.select_for_update().select_related("plan").get(pk=milestone.pk)
    if not locked.plan.is_open:
        raise ValidationError("Ce plan est clos : la personne est libérée.")
    return locked


@transaction.atomic
def milestone_set_status(
    *, milestone: Milestone, status: str, by, reason: str = "", today=None
) -> Milestone:
    """Change a milestone's status, keeping the history (who, when, from, to). "Fait" dates it
    today; "sans objet" needs a reason."""
    if status not in MilestoneStatus.values:
        raise ValidationError("État inconnu.")
    milestone = _open_plan_milestone(milestone)
    reason = reason.strip()
    if status == MilestoneStatus.NOT_APPLICABLE and not reason:
        raise ValidationError(
            "Indiquez pourquoi ce jalon est sans objet pour cette personne.", code="reason"
        )
    if status == milestone.status:
        return milestone
    previous = milestone.status
    milestone.status = status
    milestone.done_on = (today or timezone.localdate()) if status == MilestoneStatus.DONE else None
    milestone.not_applicable_reason = reason if status == MilestoneStatus.NOT_APPLICABLE else ""
    milestone.save(update_fields=["status", "done_on", "not_applicable_reason", "updated_at"])
    MilestoneChange.objects.create(
        milestone=milestone, by=by, from_status=previous, to_status=status
    )
    return milestone


@transaction.atomic
def milestone_add(
    *,
    plan: ReleasePlan,
    label: str,
    category: str,
    by,
    target_date: datetime.date | None = None,
    owner: str = "",
    essential: bool = False,
) -> Milestone:
    """A milestone the CPIP adds to the plan (not from the referential)."""
    plan = ReleasePlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_open:
        raise ValidationError("Ce plan est clos : la personne est libérée.")
    last = plan.milestones.aggregate(last=Max("position"))["last"]
    milestone = Milestone.objects.create(
        plan=plan,
        label=label.strip(),
        category=category,
        target_date=target_date,
        owner=owner.strip(),
        essential=essential,
        position=(last or 0) + 1,
    )
    MilestoneChange.objects.create(milestone=milestone, by=by, to_status=milestone.status)
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, by, target_date: datetime.date | None, owner: str
) -> Milestone:
    milestone = _open_plan_milestone(milestone)
    milestone.target_date = target_date
    milestone.owner = owner.strip()
    milestone.save(update_fields=["target_date", "owner", "updated_at"])
    return milestone


@transaction.atomic
def milestone_move(*, milestone: Milestone, by, direction: str) -> Milestone:
    """Move a milestone up or down the plan (swaps it with its neighbour)."""
    if direction not in ("up", "down"):
        raise ValidationError("Sens inconnu.")
    milestone = _open_plan_milestone(milestone)
    siblings = list(
        Milestone.objects.select_for_update()
        .filter(plan_id=milestone.plan_id)
        .order_by("position", "pk")
    )
    index = next(i for i, m in enumerate(siblings) if m.pk == milestone.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return milestone
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    Milestone.objects.bulk_update(siblings, ["position"])
    return siblings[other]


@transaction.atomic
def milestone_add_note(*, milestone: Milestone, text: str, by) -> MilestoneNote:
    milestone = _open_plan_milestone(milestone)
    text = text.strip()
    if not text:
        raise ValidationError("La note est vide.", code="text")
    return MilestoneNote.objects.create(milestone=milestone, text=text, by=by)


@transaction.atomic
def milestone_of_kind(*, plan: ReleasePlan, code: str, by) -> Milestone | None:
    """The plan's milestone of the referential kind `code`, added (« à faire », dated from the
    DLP) when the plan lacks it. None when the kind is unknown or set aside in the back-office."""
    plan = ReleasePlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_open:
        raise ValidationError("Ce plan est clos : la personne est libérée.")
    milestone = plan.milestones.filter(kind__code=code).first()
    if milestone is not None:
        return milestone
    kind = MilestoneKind.objects.filter(code=code, active=True).first()
    if kind is None:
        return None
    milestone = Milestone.objects.create(
        plan=plan,
        kind=kind,
        label=kind.label,
        category=kind.category,
        essential=kind.essential,
        target_date=target_date_for(plan.detainee.expected_release_date, kind.offset_days),
        position=next_position(plan),
    )
    MilestoneChange.objects.create(milestone=milestone, by=by, to_status=milestone.status)
    return milestone
