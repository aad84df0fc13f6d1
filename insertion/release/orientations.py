"""How the orientations of a validated interview land in the person's release plan.

Some orientations are the CPIP's own work (preparation of a sentence arrangement, France
Travail / Mission locale / Cap emploi, access to rights, care, addiction care, SAS, a partner
company): they become milestones of the plan. Work and training in detention go to a service of
the establishment as requests (insertion/placements), and also land here, as the milestone that
the request's outcome moves (insertion/person/receivers.py).

Each orientation adds its milestone when the plan lacks it, and notes on it « Préconisé à
l'entretien d'arrivée — <priorité> »; a « prioritaire » one makes it essential for the person
(not work nor training in detention: a place in prison is not a condition of a prepared
release).
Only orientations the person shares count (`entretiens.sharing.shared_orientations`): when a
rectification withholds the « Préconisations » section (or drops an orientation), the note goes,
the flag is recomputed, and a milestone only the orientation called for goes too unless the CPIP
worked on it.
"""

from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from entretiens.choices import OrientationKind, Priority
from entretiens.sharing import shared_orientations
from insertion.release.models import (
    Milestone,
    MilestoneChange,
    MilestoneKind,
    MilestoneNote,
    MilestoneStatus,
)

ORIENTATION_MILESTONES: dict[str, str] = {
    OrientationKind.ARRANGEMENT: "demande-amenagement",
    OrientationKind.EMPLOYMENT_SERVICES: "inscription-emploi",
    OrientationKind.RIGHTS: "ouverture-droits",
    OrientationKind.CARE: "continuite-soins",
    OrientationKind.ADDICTION: "addictologie",
    OrientationKind.SAS: "orientation-sas",
    OrientationKind.PARTNER_COMPANY: "projet-emploi",
    OrientationKind.PRISON_WORK: "travail-detention",
    OrientationKind.VOCATIONAL_TRAINING: "formation-detention",
}


# What happens inside the prison: never made essential by a priority, followed by the requests.
IN_DETENTION = frozenset({"travail-detention", "formation-detention"})


def made_essential(code: str, priority: str | None) -> bool:
    return priority == Priority.HIGH and code not in IN_DETENTION


def orientation_note(priority: str) -> str:
    return f"Préconisé à l'entretien d'arrivée — {Priority(priority).label.lower()}"


def milestones_called_for(orientations: dict[str, str]) -> dict[str, str]:
    """{milestone kind code: priority} for the person's shared {orientation: priority} (two
    orientations calling for one milestone: the higher priority wins)."""
    wanted: dict[str, str] = {}
    order = list(Priority.values)
    for kind, priority in orientations.items():
        code = ORIENTATION_MILESTONES.get(kind)
        if code and (code not in wanted or order.index(priority) < order.index(wanted[code])):
            wanted[code] = priority
    return wanted


def apply_orientations(
    *, plan, detainee, barriers: dict[str, str], target_date_for, start_position: int
) -> int:
    """Add, note and flag the milestones the person's shared orientations call for, and forget
    those of orientations no longer shared (inside the caller's transaction, plan locked).
    Returns the number of milestones added, changed or removed."""
    wanted = milestones_called_for(
        shared_orientations(detainee_ids=[detainee.pk]).get(detainee.pk, {})
    )
    milestones = {
        m.kind.code: m
        for m in plan.milestones.exclude(kind=None)
        .select_related("kind")
        .annotate(
            has_notes=Exists(MilestoneNote.objects.filter(milestone=OuterRef("pk"))),
            has_changes=Exists(MilestoneChange.objects.filter(milestone=OuterRef("pk"))),
        )
    }
    changed, removed, added = [], [], []
    for code, milestone in milestones.items():
        if code in wanted or not milestone.orientation_note:
            continue
        kind = milestone.kind
        worked_on = (
            milestone.status != MilestoneStatus.TO_DO
            or milestone.owner
            or milestone.has_notes
            or milestone.has_changes
        )
        called_by_barrier = any(c in barriers for c in kind.barriers)
        if not kind.for_everyone and not called_by_barrier and not worked_on:
            removed.append(milestone.pk)
            continue
        milestone.orientation_note = ""
        milestone.essential = kind.essential or bool(milestone.barrier_note)
        changed.append(milestone)
    kinds = {
        kind.code: kind for kind in MilestoneKind.objects.filter(code__in=list(wanted), active=True)
    }
    position = start_position
    for code, priority in wanted.items():
        note = orientation_note(priority)
        milestone = milestones.get(code)
        if milestone is None:
            kind = kinds.get(code)
            if kind is None:  # set aside in the back-office
                continue
            added.append(
                Milestone(
                    plan=plan,
                    kind=kind,
                    label=kind.label,
                    category=kind.category,
                    essential=kind.essential or made_essential(code, priority),
                    orientation_note=note,
                    target_date=target_date_for(detainee.expected_release_date, kind.offset_days),
                    position=position,
                )
            )
            position += 1
        elif milestone.is_open:
            essential = (
                milestone.kind.essential
                or bool(milestone.barrier_note)
                or made_essential(code, priority)
            )
            if (milestone.orientation_note, milestone.essential) != (note, essential):
                milestone.orientation_note = note
                milestone.essential = essential
                changed.append(milestone)
    Milestone.objects.filter(pk__in=removed).delete()
    now = timezone.now()
    for milestone in changed:
        milestone.updated_at = now
    Milestone.objects.bulk_update(changed, ["orientation_note", "essential", "updated_at"])
    Milestone.objects.bulk_create(added)
    return len(added) + len(changed) + len(removed)


def next_position(plan) -> int:
    return (plan.milestones.aggregate(last=Max("position"))["last"] or 0) + 1
