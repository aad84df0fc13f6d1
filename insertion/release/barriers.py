"""How the barriers of an interview shape a release plan, and how they stop shaping it.

A barrier present at a validated interview adds the milestones of the referential that answer it;
at an important or blocking level it makes them essential for the person, with a note such as
"Freins : logement — bloquant". Only barriers the person shares count (`entretiens.sharing`): a
withheld "Freins" section adds, flags and notes nothing.

`withheld_traces` finds what an earlier rule, or an earlier version of the interview, left in a
plan from a section now withheld: a milestone only such a barrier called for (removed if nobody
worked on it; kept, without its note, if the CPIP did), a note or an "essential" flag (recomputed
from the barriers shared). The services apply it after each validation; the data-repair command
`forget_withheld_barriers` applies it to the plans made before.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from entretiens.choices import BarrierCategory, BarrierLevel
from entretiens.sharing import shared_barriers, withheld_barrier_categories
from insertion.release.models import Milestone, MilestoneChange, MilestoneNote, MilestoneStatus

# Barriers at these levels make the milestones that answer them essential for the person (at
# any level present, `entretiens.sharing.PRESENT_LEVELS`, they add them).
SERIOUS_LEVELS = ("important", "bloquant")


def barrier_note(categories: list[str], barriers: dict[str, str]) -> str:
    serious = [c for c in categories if barriers.get(c) in SERIOUS_LEVELS]
    return "Freins : " + ", ".join(
        f"{BarrierCategory(c).label.lower()} — {BarrierLevel(barriers[c]).label.lower()}"
        for c in serious
    )


def person_barriers(detainee) -> dict[str, str]:
    """{barrier: level} that the person's validated interviews share."""
    return shared_barriers(detainee_ids=[detainee.pk]).get(detainee.pk, {})


@dataclass
class WithheldTraces:
    """What to change in plans so that withheld barriers leave no trace."""

    remove: list[Milestone] = field(default_factory=list)
    update: list[Milestone] = field(default_factory=list)
    # Milestones only a withheld barrier called for, which the CPIP has worked on: their note and
    # flag go, the work stays (it is the CPIP's own record now).
    kept: int = 0

    def __bool__(self) -> bool:
        return bool(self.remove or self.update)


def withheld_traces(*, detainee_ids) -> WithheldTraces:
    """The traces of withheld barriers in the plans of these people (open or closed). Four
    queries whatever the number of people; nothing is written."""
    traces = WithheldTraces()
    withheld = withheld_barrier_categories(detainee_ids=detainee_ids)
    if not withheld:
        return traces
    shared = shared_barriers(detainee_ids=list(withheld))
    milestones = (
        Milestone.objects.filter(plan__detainee_id__in=list(withheld), kind__isnull=False)
        .select_related("kind", "plan")
        .annotate(
            has_notes=Exists(MilestoneNote.objects.filter(milestone=OuterRef("pk"))),
            has_changes=Exists(MilestoneChange.objects.filter(milestone=OuterRef("pk"))),
        )
        .order_by("pk")
    )
    for milestone in milestones:
        kind = milestone.kind
        person = milestone.plan.detainee_id
        if not set(kind.barriers) & withheld[person]:
            continue
        barriers = shared.get(person, {})
        answered = [c for c in kind.barriers if c in barriers]
        if not kind.for_everyone and not answered:
            worked_on = (
                milestone.status != MilestoneStatus.TO_DO
                or milestone.owner
                or milestone.has_notes
                or milestone.has_changes
            )
            if not worked_on:
                traces.remove.append(milestone)
                continue
            traces.kept += 1
        serious = [c for c in answered if barriers[c] in SERIOUS_LEVELS]
        note = barrier_note(serious, barriers) if serious else ""
        if milestone.barrier_note and milestone.barrier_note != note:
            milestone.barrier_note = note
            milestone.essential = kind.essential or bool(serious)
            traces.update.append(milestone)
    return traces


def forget_withheld(traces: WithheldTraces) -> None:
    """Apply `withheld_traces` (inside the caller's transaction)."""
    Milestone.objects.filter(pk__in=[m.pk for m in traces.remove]).delete()
    now = timezone.now()
    for milestone in traces.update:
        milestone.updated_at = now
    Milestone.objects.bulk_update(traces.update, ["barrier_note", "essential", "updated_at"])
