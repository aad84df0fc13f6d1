"""The interview's orientations in the release plan (issue 14): the CPIP's orientations land in
the plan as noted milestones, withheld ones leave no trace, and an allocation to work or training
moves the matching milestone."""

import datetime

import pytest
from django.utils import timezone

from entretiens.choices import OrientationKind, Priority, Section
from entretiens.models import Orientation
from entretiens.services import interview_rectify, interview_validate
from insertion.placements.choices import OfferKind, RequestOrigin
from insertion.placements.models import Offer
from insertion.placements.services import (
    request_allocate,
    request_create,
    request_examine,
    request_finish,
)
from insertion.release.models import MilestoneNote, MilestoneStatus, ReleasePlan
from insertion.release.services import milestone_add_note, release_plan_create
from tests.factories import InterviewFactory, fill_interview

pytestmark = pytest.mark.django_db

NOTE_HIGH = "Préconisé à l'entretien d'arrivée — prioritaire"
NOTE_MEDIUM = "Préconisé à l'entretien d'arrivée — importante"


def milestones(detainee):
    plan = ReleasePlan.objects.get(detainee=detainee)
    return {m.kind.code: m for m in plan.milestones.select_related("kind")}


def interview_with(detainee, orientations, withheld=()):
    interview = fill_interview(InterviewFactory(draft=True, detainee=detainee))
    for kind, priority in orientations:
        Orientation.objects.create(interview=interview, kind=kind, priority=priority)
    interview.withheld_sections = list(withheld)
    interview.save()
    return interview


CPIP_ORIENTATIONS = [
    (OrientationKind.ARRANGEMENT, Priority.HIGH),
    (OrientationKind.ADDICTION, Priority.MEDIUM),
    (OrientationKind.SAS, Priority.LOW),
]  # and fill_interview's own: a vocational training, prioritaire


@pytest.fixture
def plan(detainee_fresnes, cpip_fresnes, milestone_kinds):
    return release_plan_create(detainee=detainee_fresnes, by=cpip_fresnes)


def test_the_cpips_orientations_land_in_the_plan(plan, detainee_fresnes, interviewer_fresnes):
    before = milestones(detainee_fresnes)
    assert before["demande-amenagement"].orientation_note == ""
    assert "addictologie" not in before and "orientation-sas" not in before
    interview = interview_with(detainee_fresnes, CPIP_ORIENTATIONS)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    after = milestones(detainee_fresnes)
    # Already in every plan: noted, and made essential by a « prioritaire » orientation.
    arrangement = after["demande-amenagement"]
    assert (arrangement.orientation_note, arrangement.essential) == (NOTE_HIGH, True)
    # Called for by the orientation alone: added, dated from the DLP, noted.
    addiction = after["addictologie"]
    assert addiction.orientation_note == NOTE_MEDIUM
    assert addiction.essential is False
    assert addiction.target_date == detainee_fresnes.expected_release_date - datetime.timedelta(
        days=addiction.kind.offset_days
    )
    assert after["orientation-sas"].orientation_note.endswith("à envisager")
    # The training goes to a service as a request, and to the plan as its milestone.
    training = after["formation-detention"]
    # Prioritaire, but a place in prison is not a condition of a prepared release: not
    # essential, and due by the release itself.
    assert (training.status, training.orientation_note, training.essential) == (
        MilestoneStatus.TO_DO,
        NOTE_HIGH,
        False,
    )
    assert training.target_date == detainee_fresnes.expected_release_date
    assert len(after) == len(before) + 3
    # Positions stay distinct (the plan's order is kept).
    positions = [m.position for m in after.values()]
    assert len(set(positions)) == len(positions)


def test_withheld_orientations_leave_nothing_in_the_plan(
    plan, detainee_fresnes, interviewer_fresnes
):
    before = {
        code: (m.orientation_note, m.essential) for code, m in milestones(detainee_fresnes).items()
    }
    interview = interview_with(
        detainee_fresnes, CPIP_ORIENTATIONS, withheld=[Section.RECOMMENDATIONS]
    )
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    after = {
        code: (m.orientation_note, m.essential) for code, m in milestones(detainee_fresnes).items()
    }
    assert after == before


def test_a_rectification_that_withholds_them_takes_their_traces_away(
    plan, detainee_fresnes, interviewer_fresnes, cpip_fresnes
):
    interview = interview_with(detainee_fresnes, CPIP_ORIENTATIONS)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    # The CPIP worked on the SAS milestone: it stays, without its note.
    milestone_add_note(
        milestone=milestones(detainee_fresnes)["orientation-sas"],
        text="Dossier SAS envoyé",
        by=cpip_fresnes,
    )
    interview.refresh_from_db()
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Refus de partage")
    interview.refresh_from_db()
    interview.withheld_sections = [Section.RECOMMENDATIONS]
    interview.save()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    after = milestones(detainee_fresnes)
    assert "addictologie" not in after
    assert "formation-detention" not in after
    assert after["orientation-sas"].orientation_note == ""
    arrangement = after["demande-amenagement"]
    assert (arrangement.orientation_note, arrangement.essential) == ("", True)  # essential kind
    assert not any(m.orientation_note for m in after.values())


def test_a_plan_opened_after_the_interview_takes_its_orientations(
    detainee_fresnes, interviewer_fresnes, cpip_fresnes, milestone_kinds
):
    interview = interview_with(detainee_fresnes, CPIP_ORIENTATIONS)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    assert not ReleasePlan.objects.filter(detainee=detainee_fresnes).exists()
    release_plan_create(detainee=detainee_fresnes, by=cpip_fresnes)
    after = milestones(detainee_fresnes)
    assert after["addictologie"].orientation_note == NOTE_MEDIUM
    assert after["demande-amenagement"].orientation_note == NOTE_HIGH


def _offer(establishment, kind):
    return Offer.objects.create(
        establishment=establishment,
        kind=kind,
        title="CAP Cuisine" if kind == OfferKind.TRAINING else "Cuisine",
        service="Responsable local de formation",
        places=8,
        permanent=True,
    )


def test_an_allocation_moves_the_matching_milestone(
    plan, fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    today = timezone.localdate()
    request = request_create(
        detainee=detainee_fresnes,
        offer_kind=OfferKind.TRAINING,
        priority=Priority.MEDIUM,
        origin=RequestOrigin.CPIP,
        by=cpip_fresnes,
    )
    request = request_examine(request=request, by=prison_team_fresnes)
    assert "formation-detention" not in milestones(detainee_fresnes)  # waiting moves nothing
    request = request_allocate(
        request=request,
        offer=_offer(fresnes, OfferKind.TRAINING),
        start_date=today,
        by=prison_team_fresnes,
    )
    milestone = milestones(detainee_fresnes)["formation-detention"]
    assert milestone.status == MilestoneStatus.IN_PROGRESS
    note = MilestoneNote.objects.get(milestone=milestone)
    assert note.text == (
        f"Affectation : « CAP Cuisine » à partir du {today:%d/%m/%Y} "
        "(Responsable local de formation)."
    )
    assert note.by == prison_team_fresnes
    request_finish(request=request, by=prison_team_fresnes, on_date=today)
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_on) == (MilestoneStatus.DONE, today)
    assert MilestoneNote.objects.filter(milestone=milestone).count() == 2


def test_a_work_allocation_moves_the_work_milestone_and_a_class_moves_none(
    plan, fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    today = timezone.localdate()
    for kind in (OfferKind.WORK, OfferKind.EDUCATION):
        request = request_create(
            detainee=detainee_fresnes,
            offer_kind=kind,
            priority=Priority.MEDIUM,
            origin=RequestOrigin.CPIP,
            by=cpip_fresnes,
        )
        request_allocate(
            request=request, offer=_offer(fresnes, kind), start_date=today, by=prison_team_fresnes
        )
    after = milestones(detainee_fresnes)
    assert after["travail-detention"].status == MilestoneStatus.IN_PROGRESS
    assert "formation-detention" not in after


def test_without_a_plan_an_allocation_changes_only_the_request(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes, milestone_kinds
):
    request = request_create(
        detainee=detainee_fresnes,
        offer_kind=OfferKind.WORK,
        priority=Priority.MEDIUM,
        origin=RequestOrigin.CPIP,
        by=cpip_fresnes,
    )
    request_allocate(
        request=request,
        offer=_offer(fresnes, OfferKind.WORK),
        start_date=timezone.localdate(),
        by=prison_team_fresnes,
    )
    assert not ReleasePlan.objects.filter(detainee=detainee_fresnes).exists()
