"""Release plans: created from the referential and the interview's barriers, following the
release date, alerting on an earlier date, closed at the release; milestone history; contacts;
readiness, dry-release risk and urgency, case by case (insertion/release/readiness.py)."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from entretiens.choices import BarrierLevel
from entretiens.models import BarrierAssessment
from entretiens.services import interview_validate
from insertion.detainees.models import ArrangementStatus, Contact, Detainee, ReleaseKind
from insertion.detainees.services import contact_record
from insertion.person.services import detainee_release, release_date_change
from insertion.release.models import (
    Milestone,
    MilestoneChange,
    MilestoneStatus,
    ReleaseAlert,
    ReleasePlan,
)
from insertion.release.readiness import with_readiness
from insertion.release.referential import KINDS
from insertion.release.services import (
    milestone_add,
    milestone_add_note,
    milestone_move,
    milestone_set_status,
    referent_assign,
    referents_reassign,
)
from tests.factories import (
    DetaineeFactory,
    InterviewFactory,
    SentenceArrangementFactory,
    UserFactory,
    fill_interview,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
FOR_EVERYONE = [code for code, _, _, _, _, everyone, _ in KINDS if everyone]


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def validate_with_barriers(detainee, interviewer, **levels):
    """A validated interview whose barriers are at the given levels (the others: none)."""
    interview = fill_interview(InterviewFactory(draft=True, detainee=detainee))
    for category, level in levels.items():
        BarrierAssessment.objects.filter(interview=interview, category=category).update(level=level)
    interview_validate(interview=interview, by=interviewer, lock_version=None)
    return interview


@pytest.fixture
def person(fresnes, milestone_kinds):
    """Held at Fresnes, released in 200 days, no referent yet."""
    return DetaineeFactory(establishment=fresnes, expected_release_date=TODAY() + days(200))


def plan_of(detainee) -> dict[str, Milestone]:
    return {
        m.kind.code if m.kind else m.label: m
        for m in Milestone.objects.filter(plan__detainee=detainee).select_related("kind")
    }


# Plan creation ---------------------------------------------------------------------------


def test_naming_a_referent_opens_a_plan_from_the_referential(person, cpip_fresnes, milestone_kinds):
    referent_assign(detainee=person, referent=cpip_fresnes, by=cpip_fresnes)

    milestones = plan_of(person)
    assert sorted(milestones) == sorted(FOR_EVERYONE)
    housing = milestones["hebergement"]
    assert housing.target_date == person.expected_release_date - days(120)
    assert housing.essential and housing.barrier_note == ""
    assert not milestones["cv"].essential
    assert {m.status for m in milestones.values()} == {MilestoneStatus.TO_DO}
    # Naming another referent keeps the plan.
    other = UserFactory(cpip=True, establishments=[person.establishment])
    referent_assign(detainee=person, referent=other, by=cpip_fresnes)
    assert ReleasePlan.objects.filter(detainee=person).count() == 1


def test_the_interview_barriers_add_and_flag_the_milestones_that_answer_them(
    person, cpip_fresnes, interviewer_fresnes
):
    validate_with_barriers(
        person,
        interviewer_fresnes,
        logement=BarrierLevel.BLOCKING,
        addictions=BarrierLevel.LIGHT,
        mobilite=BarrierLevel.SIGNIFICANT,
    )
    referent_assign(detainee=person, referent=cpip_fresnes, by=cpip_fresnes)

    milestones = plan_of(person)
    assert milestones["hebergement"].barrier_note == "Freins : logement — bloquant"
    assert milestones["domiciliation"].essential  # answers housing, not essential by default
    # Present barriers add the milestones not in every plan; serious ones make them essential.
    assert not milestones["addictologie"].essential
    assert milestones["permis-conduire"].essential
    assert "titre-sejour" not in milestones


def test_an_interview_validated_after_the_plan_adds_and_flags_its_milestones(
    person, cpip_fresnes, interviewer_fresnes
):
    referent_assign(detainee=person, referent=cpip_fresnes, by=cpip_fresnes)
    before = plan_of(person)
    milestone_set_status(
        milestone=before["compte-bancaire"], status=MilestoneStatus.DONE, by=cpip_fresnes
    )
    validate_with_barriers(
        person,
        interviewer_fresnes,
        titre_sejour=BarrierLevel.BLOCKING,
        dettes=BarrierLevel.SIGNIFICANT,
    )

    after = plan_of(person)
    assert after["titre-sejour"].essential
    assert after["titre-sejour"].target_date == person.expected_release_date - days(180)
    assert after["ouverture-droits"].barrier_note == "Freins : dettes et ressources — important"
    # A milestone already done is left as the CPIP left it.
    assert after["compte-bancaire"].barrier_note == ""
    # Titre de séjour, dettes, and the training in detention of the interview's orientation.
    assert len(after) == len(before) + 3
    assert after["formation-detention"].orientation_note.startswith("Préconisé")


def test_a_referent_must_be_an_active_cpip_of_the_persons_prison(person, lyon, cpip_lyon):
    interviewer = UserFactory(interviewer=True, establishments=[person.establishment])
    with pytest.raises(ValidationError, match="CPIP actif"):
        referent_assign(detainee=person, referent=interviewer)
    with pytest.raises(ValidationError, match="ne travaille pas"):
        referent_assign(detainee=person, referent=cpip_lyon)
    assert not ReleasePlan.objects.exists()


def test_a_bulk_reassignment_is_all_or_nothing(fresnes, lyon, cpip_fresnes, milestone_kinds):
    here = [DetaineeFactory(establishment=fresnes) for _ in range(2)]
    elsewhere = DetaineeFactory(establishment=lyon)
    with pytest.raises(ValidationError):
        referents_reassign(detainees=[*here, elsewhere], referent=cpip_fresnes)
    assert not Detainee.objects.filter(referent=cpip_fresnes).exists()
    assert referents_reassign(detainees=here, referent=cpip_fresnes) == 2
    assert Detainee.objects.filter(referent=cpip_fresnes).count() == 2


# The plan follows the release date --------------------------------------------------------


def test_unfinished_milestones_move_with_the_release_date_and_done_ones_stay(person, cpip_fresnes):
    referent_assign(detainee=person, referent=cpip_fresnes)
    milestones = plan_of(person)
    done = milestone_set_status(
        milestone=milestones["cv"], status=MilestoneStatus.DONE, by=cpip_fresnes
    )
    aside = milestone_set_status(
        milestone=milestones["permission-sortir"],
        status=MilestoneStatus.NOT_APPLICABLE,
        reason="Pas de permission envisagée (quartier)",
        by=cpip_fresnes,
    )
    before = {code: m.target_date for code, m in milestones.items()}

    release_date_change(
        detainee=person, new_date=person.expected_release_date + days(45), reason="retrait"
    )

    after = plan_of(person)
    assert after["hebergement"].target_date == before["hebergement"] + days(45)
    assert after["cv"].target_date == done.target_date
    assert after["permission-sortir"].target_date == aside.target_date
    assert not ReleaseAlert.objects.exists()  # later, not earlier


@pytest.mark.parametrize(("earlier", "alerted"), [(30, False), (31, True)])
def test_a_release_date_brought_forward_by_more_than_30_days_alerts_the_referent(
    person, cpip_fresnes, earlier, alerted, django_capture_on_commit_callbacks, celery_eager
):
    referent_assign(detainee=person, referent=cpip_fresnes)
    with django_capture_on_commit_callbacks(execute=True):
        change = release_date_change(
            detainee=person,
            new_date=person.expected_release_date - days(earlier),
            reason="reduction",
        )
    assert ReleaseAlert.objects.filter(change=change).exists() is alerted
    assert len(mail.outbox) == int(alerted)
    if alerted:
        alert = ReleaseAlert.objects.get()
        assert alert.referent == cpip_fresnes and alert.days_earlier == 31
        assert alert.emailed_at is not None
        assert mail.outbox[0].to == [cpip_fresnes.email]
        assert "avancée de 31 jours" in mail.outbox[0].subject
        assert plan_of(person)["hebergement"].target_date == change.new_date - days(120)


def test_the_alert_setting_changes_the_threshold(settings, person, cpip_fresnes):
    settings.RELEASE_DATE_ALERT_DAYS = 10
    referent_assign(detainee=person, referent=cpip_fresnes)
    release_date_change(
        detainee=person, new_date=person.expected_release_date - days(11), reason="reduction"
    )
    assert ReleaseAlert.objects.count() == 1


def test_the_release_closes_the_plan_with_its_final_state(person, cpip_fresnes):
    referent_assign(detainee=person, referent=cpip_fresnes)
    milestones = plan_of(person)
    milestone_set_status(
        milestone=milestones["hebergement"], status=MilestoneStatus.DONE, by=cpip_fresnes
    )
    detainee_release(detainee=person, on_date=TODAY(), kind=ReleaseKind.DRY)

    plan = ReleasePlan.objects.get(detainee=person)
    assert plan.closed_on == TODAY()
    assert plan.final_release_kind == ReleaseKind.DRY
    assert plan.final_essential_total == 5  # housing, ID, health cover, rights, arrangement
    assert plan.final_essential_done == 1
    with pytest.raises(ValidationError, match="plan est clos"):
        milestone_set_status(
            milestone=milestones["cv"], status=MilestoneStatus.DONE, by=cpip_fresnes
        )


# Milestones ------------------------------------------------------------------------------


def test_each_status_change_is_kept_with_who_and_when(person, cpip_fresnes):
    referent_assign(detainee=person, referent=cpip_fresnes)
    milestone = plan_of(person)["hebergement"]
    milestone_set_status(milestone=milestone, status=MilestoneStatus.IN_PROGRESS, by=cpip_fresnes)
    milestone_set_status(milestone=milestone, status=MilestoneStatus.DONE, by=cpip_fresnes)
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY()
    changes = list(MilestoneChange.objects.filter(milestone=milestone).order_by("at", "pk"))
    assert [(c.from_status, c.to_status, c.by) for c in changes] == [
        (MilestoneStatus.TO_DO, MilestoneStatus.IN_PROGRESS, cpip_fresnes),
        (MilestoneStatus.IN_PROGRESS, MilestoneStatus.DONE, cpip_fresnes),
    ]
    # Back to "en cours": no longer dated as done.
    milestone_set_status(milestone=milestone, status=MilestoneStatus.IN_PROGRESS, by=cpip_fresnes)
    milestone.refresh_from_db()
    assert milestone.done_on is None


def test_sans_objet_needs_a_reason(person, cpip_fresnes):
    referent_assign(detainee=person, referent=cpip_fresnes)
    milestone = plan_of(person)["cv"]
    with pytest.raises(ValidationError, match="sans objet"):
        milestone_set_status(
            milestone=milestone, status=MilestoneStatus.NOT_APPLICABLE, reason=" ", by=None
        )
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.TO_DO


def test_the_cpip_adds_reorders_and_annotates_milestones(person, cpip_fresnes):
    plan = referent_assign(detainee=person, referent=cpip_fresnes).release_plan
    added = milestone_add(
        plan=plan,
        label="  Rendez-vous avec l'association Emmaüs ",
        category="logement",
        target_date=TODAY() + days(20),
        owner="La personne",
        by=cpip_fresnes,
    )
    assert added.label == "Rendez-vous avec l'association Emmaüs"
    order = list(plan.milestones.order_by("position", "pk"))
    assert order[-1] == added
    moved = milestone_move(milestone=added, direction="up", by=cpip_fresnes)
    order = list(plan.milestones.order_by("position", "pk"))
    assert order[-2] == moved == added
    milestone_move(milestone=order[0], direction="up", by=cpip_fresnes)  # already first
    assert plan.milestones.order_by("position", "pk").first() == order[0]
    note = milestone_add_note(milestone=added, text="Appelé le 3, rappeler lundi", by=cpip_fresnes)
    assert note.by == cpip_fresnes
    with pytest.raises(ValidationError):
        milestone_add_note(milestone=added, text="   ", by=cpip_fresnes)


# Contacts --------------------------------------------------------------------------------


def test_a_contact_is_recorded_with_a_short_subject(person, cpip_fresnes):
    contact = contact_record(
        detainee=person,
        on_date=TODAY(),
        kind="entretien",
        subject="  Point sur   l'hébergement ",
        by=cpip_fresnes,
    )
    assert contact.subject == "Point sur l'hébergement"
    for kwargs, message in [
        ({"subject": ""}, "objet"),
        ({"subject": "x" * 201}, "200 caractères"),
        ({"on_date": TODAY() + days(1)}, "futur"),
        ({"kind": "pigeon"}, "inconnu"),
    ]:
        values = {"on_date": TODAY(), "kind": "courrier", "subject": "Courrier reçu"} | kwargs
        with pytest.raises(ValidationError, match=message):
            contact_record(detainee=person, by=cpip_fresnes, **values)
    assert Contact.objects.count() == 1


# Readiness, dry-release risk, urgency: case by case ----------------------------------------


def readiness(detainee) -> Detainee:
    return with_readiness(Detainee.objects.all(), TODAY()).get(pk=detainee.pk)


@pytest.fixture
def soon(fresnes, cpip_fresnes, milestone_kinds):
    """Released in 60 days, with a plan and a sentence arrangement requested."""
    detainee = DetaineeFactory(establishment=fresnes, expected_release_date=TODAY() + days(60))
    referent_assign(detainee=detainee, referent=cpip_fresnes)
    SentenceArrangementFactory(detainee=detainee, status=ArrangementStatus.REQUESTED)
    return detainee


def finish_critical(detainee, by):
    for code in ("hebergement", "piece-identite", "couverture-sante", "ouverture-droits"):
        milestone_set_status(milestone=plan_of(detainee)[code], status=MilestoneStatus.DONE, by=by)


def test_readiness_counts_essential_milestones_done_without_the_sans_objet_ones(soon, cpip_fresnes):
    milestones = plan_of(soon)
    milestone_set_status(milestone=milestones["hebergement"], status="fait", by=cpip_fresnes)
    milestone_set_status(
        milestone=milestones["piece-identite"], status="sans_objet", reason="CNI valide", by=None
    )
    row = readiness(soon)
    assert (row.essential_done, row.essential_total) == (1, 4)


def test_release_within_90_days_with_housing_not_done_is_at_risk(soon):
    assert readiness(soon).dry_risk


def test_release_within_90_days_with_critical_milestones_done_and_an_arrangement_is_not_at_risk(
    soon, cpip_fresnes
):
    finish_critical(soon, cpip_fresnes)
    assert not readiness(soon).dry_risk


def test_a_refused_arrangement_does_not_protect_from_the_risk(soon, cpip_fresnes):
    finish_critical(soon, cpip_fresnes)
    soon.arrangements.update(status=ArrangementStatus.REFUSED, decided_on=TODAY())
    assert readiness(soon).dry_risk
    soon.arrangements.update(status=ArrangementStatus.GRANTED)
    assert not readiness(soon).dry_risk


def test_a_critical_milestone_set_aside_does_not_count_against(soon, cpip_fresnes):
    finish_critical(soon, cpip_fresnes)
    milestone_set_status(
        milestone=plan_of(soon)["hebergement"], status="fait", by=cpip_fresnes
    )  # unchanged
    milestone_set_status(
        milestone=plan_of(soon)["couverture-sante"],
        status="sans_objet",
        reason="Droits ouverts",
        by=None,
    )
    assert not readiness(soon).dry_risk


def test_beyond_90_days_nobody_is_at_risk_yet(soon):
    Detainee.objects.filter(pk=soon.pk).update(expected_release_date=TODAY() + days(91))
    assert not readiness(soon).dry_risk
    Detainee.objects.filter(pk=soon.pk).update(expected_release_date=TODAY() + days(90))
    assert readiness(soon).dry_risk


def test_a_person_released_is_not_at_risk_any_more(soon):
    detainee_release(detainee=soon, on_date=TODAY(), kind=ReleaseKind.DRY)
    assert not readiness(soon).dry_risk


def test_late_milestones_and_last_contact(soon, cpip_fresnes):
    milestones = plan_of(soon)
    # Released in 60 days: the housing milestone (120 days before) is 60 days late.
    row = readiness(soon)
    late = [m for m in milestones.values() if m.target_date < TODAY()]
    assert row.late_count == len(late) > 0
    assert row.next_due_date == min(m.target_date for m in milestones.values())
    assert row.last_contact_on is None
    contact_record(
        detainee=soon, on_date=TODAY() - days(3), kind="entretien", subject="Point", by=None
    )
    assert readiness(soon).last_contact_on == TODAY() - days(3)


def test_urgency_puts_the_soonest_riskiest_first(fresnes, cpip_fresnes, milestone_kinds):
    def held(release_in):
        person = DetaineeFactory(
            establishment=fresnes, expected_release_date=TODAY() + days(release_in)
        )
        referent_assign(detainee=person, referent=cpip_fresnes)
        contact_record(detainee=person, on_date=TODAY(), kind="entretien", subject="x", by=None)
        return person

    far = held(400)  # nothing late, seen today: 0
    soon_at_risk = held(20)  # 40 + 30 + late milestones
    later_prepared = held(150)  # 10 + late milestones
    SentenceArrangementFactory(
        detainee=later_prepared, status=ArrangementStatus.GRANTED, decided_on=TODAY()
    )
    scores = {
        d.pk: d.urgency
        for d in with_readiness(Detainee.objects.all(), TODAY()).filter(
            pk__in=[far.pk, soon_at_risk.pk, later_prepared.pk]
        )
    }
    assert scores[far.pk] == 0
    assert scores[soon_at_risk.pk] == 40 + 30 + 25  # at least five milestones late
    assert scores[later_prepared.pk] == 10 + 5 * readiness(later_prepared).late_count
    ordered = list(
        with_readiness(Detainee.objects.all(), TODAY())
        .filter(pk__in=scores)
        .order_by("-urgency", "expected_release_date")
    )
    assert ordered == [soon_at_risk, later_prepared, far]
