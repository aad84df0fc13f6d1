"""What a person keeps private stays private (issue 11, point 1).

A section the person withholds has no effect and no trace outside the interview itself: not in
the release plan (no milestone added, none made essential, no note), nor in any page, fragment,
export, PDF or email a CPIP, a manager or a prison team can reach. Each free text and detail of
every section carries a unique marker; each section is withheld in turn; every output is read.
"""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from entretiens.choices import WITHHOLDABLE_SECTIONS, BarrierCategory, BarrierLevel, Section
from entretiens.models import (
    BarrierAssessment,
    Diploma,
    Experience,
    Interview,
    KnowHow,
    Orientation,
    Project,
)
from entretiens.pdf import render_synthesis_pdf
from entretiens.services import interview_rectify, interview_validate
from entretiens.sharing import shared_barriers
from insertion.establishments.models import SynthesisRecipient
from insertion.placements.models import PlacementRequest
from insertion.release.models import Milestone, MilestoneNote, ReleasePlan
from insertion.release.services import (
    active_kinds,
    milestone_add_note,
    plan_milestones,
    referent_assign,
)
from tests.factories import InterviewFactory, fill_interview

pytestmark = pytest.mark.django_db

WITHHOLDABLE = [code for code, _label in WITHHOLDABLE_SECTIONS]


def marker(section: str, n: int) -> str:
    # Letters and digits only: nothing a page, a CSV or a PDF would escape, split or change.
    return f"zq{section}{n}qz"


def marked_interview(*, detainee, interviewer, withheld=()) -> Interview:
    """A draft with a unique marker in every free text and detail of every section, and barriers
    that shape a release plan when shared: housing blocking, papers and mobility important (the
    driving licence milestone is in no plan but for this barrier), residence permit light."""
    interview = fill_interview(
        InterviewFactory(draft=True, detainee=detainee, interviewer=interviewer)
    )
    interview.withheld_sections = list(withheld)
    interview.informed_of_sharing = True
    interview.place = marker("deroulement", 1)
    # Parcours scolaire et formation
    interview.schooling_end_age = 17
    interview.languages = marker(Section.EDUCATION, 1)
    interview.other_licences = marker(Section.EDUCATION, 2)
    Diploma.objects.create(interview=interview, title=marker(Section.EDUCATION, 3), year=2012)
    # Parcours professionnel
    interview.last_activity = marker(Section.WORK, 1)
    Experience.objects.create(
        interview=interview,
        job_title=marker(Section.WORK, 2),
        details=marker(Section.WORK, 3),
        start_month=1,
        start_year=2015,
        end_month=6,
        end_year=2019,
    )
    # Compétences mobilisables
    interview.interests = marker(Section.SKILLS, 1)
    KnowHow.objects.create(interview=interview, label=marker(Section.SKILLS, 2))
    # Projets envisageables
    Project.objects.create(
        interview=interview,
        kind="formation",
        target=marker(Section.PROJECTS, 1),
        next_steps=marker(Section.PROJECTS, 2),
    )
    # Freins
    BarrierAssessment.objects.filter(interview=interview, category=BarrierCategory.HOUSING).update(
        level=BarrierLevel.BLOCKING, details=marker(Section.BARRIERS, 1)
    )
    BarrierAssessment.objects.filter(interview=interview, category=BarrierCategory.PAPERS).update(
        level=BarrierLevel.SIGNIFICANT, details=marker(Section.BARRIERS, 2)
    )
    BarrierAssessment.objects.filter(
        interview=interview, category=BarrierCategory.RESIDENCE
    ).update(level=BarrierLevel.LIGHT, details=marker(Section.BARRIERS, 3))
    BarrierAssessment.objects.filter(interview=interview, category=BarrierCategory.MOBILITY).update(
        level=BarrierLevel.SIGNIFICANT
    )
    # Préconisations
    interview.points_of_attention = marker(Section.RECOMMENDATIONS, 1)
    interview.conclusion = marker(Section.RECOMMENDATIONS, 2)
    Orientation.objects.filter(interview=interview).update(
        details=marker(Section.RECOMMENDATIONS, 3)
    )
    interview.save()
    return interview


def markers_of(section: str) -> list[str]:
    return [marker(section, n) for n in (1, 2, 3)]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def plan_of(detainee) -> dict[str, Milestone]:
    return {
        m.kind.code: m
        for m in Milestone.objects.filter(plan__detainee=detainee, kind__isnull=False)
        .select_related("kind")
        .order_by("pk")
    }


def assert_plan_shaped_by_no_barrier(detainee):
    """The plan of someone whose interview relates no barrier: the kinds for everyone, flagged
    by the referential only, no barrier note. The orientations the person shares still shape it
    (the interview's prioritaire vocational training adds its milestone, never essential: a place
    in prison is not a condition of a prepared release)."""
    plan = plan_of(detainee)
    assert set(plan) == {k.code for k in active_kinds() if k.for_everyone} | {"formation-detention"}
    for milestone in plan.values():
        assert milestone.barrier_note == ""
        assert milestone.essential == milestone.kind.essential, milestone.kind.code


def assert_plan_shaped_by_no_orientation(detainee):
    """Withheld « Préconisations »: no milestone noted, added or flagged by an orientation."""
    plan = plan_of(detainee)
    assert "formation-detention" not in plan
    assert [m.kind.code for m in plan.values() if m.orientation_note] == []


@pytest.fixture
def recipients(fresnes):
    SynthesisRecipient.objects.create(
        establishment=fresnes, email="direction@fresnes.test", role="direction"
    )


@pytest.fixture
def eager(celery_eager):
    return celery_eager


def outputs(client, users, detainee, interview) -> dict[str, str]:
    """Everything a CPIP, a manager and a prison team of the prison can read about the person,
    page by page, as text."""
    cpip, manager, team = users["cpip"], users["manager"], users["team"]
    synthesis = interview.syntheses.order_by("-number").first()
    plan = ReleasePlan.objects.get(detainee=detainee)
    milestone = plan.milestones.order_by("position", "pk").first()
    read = {}

    def get(user, name, url, **headers):
        client.force_login(user)
        response = client.get(url, **headers)
        assert response.status_code == 200, (name, response.status_code)
        if response.get("Content-Type", "").startswith("application/pdf"):
            read[name] = pdf_text(b"".join(response.streaming_content))
        elif response.streaming:
            read[name] = b"".join(response.streaming_content).decode("utf-8-sig")
        else:
            read[name] = response.content.decode()

    person = reverse("person:detail", args=[detainee.pk])
    for who, user in (("cpip", cpip), ("manager", manager)):
        get(user, f"{who}: page de la personne", person)
        get(user, f"{who}: page de la personne (contacts)", person + "?contacts=tous")
        get(user, f"{who}: liste des personnes", reverse("detainees:list") + "?q=Lef")
        get(user, f"{who}: portefeuille", reverse("caseload:dashboard"))
        get(
            user,
            f"{who}: portefeuille (fragment)",
            reverse("caseload:dashboard") + "?q=Lef",
            HTTP_HX_REQUEST="true",
        )
        get(user, f"{who}: export CSV", reverse("caseload:export"))
        get(user, f"{who}: entretien", reverse("entretiens:interview", args=[interview.pk]))
    get(manager, "manager: équipe", reverse("caseload:team"))
    get(manager, "manager: établissements", reverse("dashboard:establishments"))
    for who, user in (("manager", manager), ("team", team)):
        get(user, f"{who}: synthèses reçues", reverse("entretiens:syntheses"))
        get(user, f"{who}: PDF", reverse("entretiens:synthesis_pdf", args=[synthesis.pk]))
    get(team, "team: entretien", reverse("entretiens:interview", args=[interview.pk]))
    # The requests the interview's orientations opened, as the services read them.
    for who, user in (("manager", manager), ("team", team)):
        get(user, f"{who}: activités", reverse("placements:queue"))
        for placement in PlacementRequest.objects.filter(detainee=detainee):
            url = reverse("placements:request_detail", args=[placement.pk])
            get(user, f"{who}: demande {placement.offer_kind}", url)

    # The fragment a one-click status change answers (htmx).
    client.force_login(cpip)
    response = client.post(
        reverse("person:milestone_status", args=[detainee.pk, milestone.pk]),
        {"status": "en_cours"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    read["cpip: fragment du jalon"] = response.content.decode()

    for n, message in enumerate(mail.outbox):
        read[f"courriel {n}: objet"] = message.subject
        read[f"courriel {n}: texte"] = message.body
        for body, _mime in message.alternatives:
            read[f"courriel {n}: html"] = body
        for filename, content, _mime in message.attachments:
            read[f"courriel {n}: {filename}"] = pdf_text(content)
    return read


@pytest.fixture
def users(cpip_fresnes, manager_fresnes, prison_team_fresnes):
    return {"cpip": cpip_fresnes, "manager": manager_fresnes, "team": prison_team_fresnes}


@pytest.mark.parametrize("withheld", WITHHOLDABLE)
def test_a_withheld_section_leaves_no_trace_in_anything_the_teams_can_read(
    withheld,
    client,
    users,
    eager,
    recipients,
    milestone_kinds,
    django_capture_on_commit_callbacks,
    detainee_fresnes,
    interviewer_fresnes,
    cpip_fresnes,
):
    interview = marked_interview(
        detainee=detainee_fresnes, interviewer=interviewer_fresnes, withheld=[withheld]
    )
    with django_capture_on_commit_callbacks(execute=True):
        interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    referent_assign(detainee=detainee_fresnes, referent=cpip_fresnes, by=cpip_fresnes)
    assert len(mail.outbox) == 1  # the synthesis went to the prison's recipient

    read = outputs(client, users, detainee_fresnes, interview)

    hidden = markers_of(withheld)
    for name, text in read.items():
        lowered = text.lower()
        for value in hidden:
            assert value not in lowered, f"{value} (section retenue) se lit dans « {name} »"
    # The check can fail: the sections shared do reach the teams' own copy.
    shared = [s for s in WITHHOLDABLE if s != withheld]
    team_copy = read["team: entretien"] + read["team: PDF"].lower()
    for section in shared:
        assert markers_of(section)[0] in team_copy, section
    if withheld == Section.BARRIERS:
        assert_plan_shaped_by_no_barrier(detainee_fresnes)
    else:
        if withheld == Section.RECOMMENDATIONS:
            assert_plan_shaped_by_no_orientation(detainee_fresnes)
        else:
            assert plan_of(detainee_fresnes)["formation-detention"].orientation_note
        plan = plan_of(detainee_fresnes)
        assert plan["hebergement"].barrier_note == "Freins : logement — bloquant"
        assert "titre-sejour" in plan
        assert plan["permis-conduire"].essential


def test_withheld_barriers_shape_no_plan_opened_before_the_interview(
    milestone_kinds, detainee_fresnes, interviewer_fresnes, cpip_fresnes
):
    referent_assign(detainee=detainee_fresnes, referent=cpip_fresnes, by=cpip_fresnes)
    interview = marked_interview(
        detainee=detainee_fresnes, interviewer=interviewer_fresnes, withheld=[Section.BARRIERS]
    )
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)

    assert_plan_shaped_by_no_barrier(detainee_fresnes)


def test_a_rectification_that_withholds_the_barriers_takes_their_traces_away(
    milestone_kinds, detainee_fresnes, interviewer_fresnes, cpip_fresnes
):
    interview = marked_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    referent_assign(detainee=detainee_fresnes, referent=cpip_fresnes, by=cpip_fresnes)
    assert plan_of(detainee_fresnes)["hebergement"].barrier_note

    interview.refresh_from_db()
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Souhait de la personne")
    Interview.objects.filter(pk=interview.pk).update(withheld_sections=[Section.BARRIERS])
    interview.refresh_from_db()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)

    assert_plan_shaped_by_no_barrier(detainee_fresnes)


def test_the_barrier_accessor_drops_the_barriers_of_a_withheld_section(
    detainee_fresnes, interviewer_fresnes
):
    interview = marked_interview(
        detainee=detainee_fresnes, interviewer=interviewer_fresnes, withheld=[Section.BARRIERS]
    )
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    assert shared_barriers(detainee_ids=[detainee_fresnes.pk]) == {}

    Interview.objects.filter(pk=interview.pk).update(withheld_sections=[Section.PROJECTS])
    assert shared_barriers(detainee_ids=[detainee_fresnes.pk]) == {
        detainee_fresnes.pk: {
            "logement": BarrierLevel.BLOCKING,
            "papiers": BarrierLevel.SIGNIFICANT,
            "titre_sejour": BarrierLevel.LIGHT,
            "mobilite": BarrierLevel.SIGNIFICANT,
        }
    }


def test_the_synthesis_pdf_of_a_withheld_section_carries_none_of_its_markers(
    detainee_fresnes, interviewer_fresnes
):
    for withheld in WITHHOLDABLE:
        Interview.objects.filter(detainee=detainee_fresnes).delete()
        interview = marked_interview(
            detainee=detainee_fresnes, interviewer=interviewer_fresnes, withheld=[withheld]
        )
        interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
        text = pdf_text(render_synthesis_pdf(interview.syntheses.get())).lower()
        assert not [m for m in markers_of(withheld) if m in text], withheld


# The data repair: plans made before the gate carry notes, flags and milestones from withheld
# barriers. They are made here the old way: the rule fed with every barrier, shared or not.


def old_plan(detainee, interview):
    plan = ReleasePlan.objects.create(detainee=detainee)
    everything = dict(
        BarrierAssessment.objects.filter(interview=interview)
        .exclude(level=BarrierLevel.NONE)
        .values_list("category", "level")
    )
    milestones = plan_milestones(
        kinds=active_kinds(),
        barriers=everything,
        expected_release_date=detainee.expected_release_date,
    )
    for milestone in milestones:
        milestone.plan = plan
    Milestone.objects.bulk_create(milestones)
    return plan


def test_the_repair_command_counts_then_removes_the_traces_of_withheld_barriers(
    milestone_kinds, detainee_fresnes, interviewer_fresnes, cpip_fresnes
):
    interview = marked_interview(
        detainee=detainee_fresnes, interviewer=interviewer_fresnes, withheld=[Section.BARRIERS]
    )
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    old_plan(detainee_fresnes, interview)
    before = plan_of(detainee_fresnes)
    assert before["hebergement"].barrier_note == "Freins : logement — bloquant"
    assert before["hebergement"].essential
    # The CPIP has worked on one milestone only a withheld barrier called for: it stays theirs.
    milestone_add_note(milestone=before["titre-sejour"], text="RDV préfecture", by=cpip_fresnes)

    out = io.StringIO()
    call_command("forget_withheld_barriers", stdout=out)
    assert "Simulation" in out.getvalue()
    assert plan_of(detainee_fresnes).keys() == before.keys()  # a dry run changes nothing
    assert "Relancez avec --wet-run" in out.getvalue()

    out = io.StringIO()
    call_command("forget_withheld_barriers", "--wet-run", stdout=out)
    report = out.getvalue()
    assert "Réparation effectuée" in report
    after = plan_of(detainee_fresnes)
    assert after["hebergement"].barrier_note == ""
    assert after["hebergement"].essential == after["hebergement"].kind.essential
    assert after["titre-sejour"].barrier_note == ""
    assert MilestoneNote.objects.filter(milestone=after["titre-sejour"]).exists()
    added_only_by_barriers = {
        code for code in before if code not in after and not before[code].kind.for_everyone
    }
    assert added_only_by_barriers  # e.g. the papers' milestones not in every plan
    assert not [m for m in after.values() if m.barrier_note]
    removed = len(before) - len(after)
    assert f"{removed:>8} jalons ajoutés par un frein non partagé, retirés" in report

    # Idempotent: a second run finds nothing more to change.
    out = io.StringIO()
    call_command("forget_withheld_barriers", "--wet-run", stdout=out)
    assert "       0 jalons ajoutés par un frein non partagé, retirés" in out.getvalue()
    assert plan_of(detainee_fresnes).keys() == after.keys()


def test_the_repair_leaves_the_plans_of_shared_barriers_alone(
    milestone_kinds, detainee_fresnes, interviewer_fresnes
):
    interview = marked_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    old_plan(detainee_fresnes, interview)
    before = {code: (m.barrier_note, m.essential) for code, m in plan_of(detainee_fresnes).items()}

    call_command("forget_withheld_barriers", "--wet-run", stdout=io.StringIO())

    after = {code: (m.barrier_note, m.essential) for code, m in plan_of(detainee_fresnes).items()}
    assert after == before


def test_a_rectification_that_withholds_the_recommendations_takes_them_off_the_requests(
    client, milestone_kinds, detainee_fresnes, interviewer_fresnes, prison_team_fresnes
):
    interview = marked_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    placement = PlacementRequest.objects.get(detainee=detainee_fresnes)
    page = reverse("placements:request_detail", args=[placement.pk])
    client.force_login(prison_team_fresnes)
    # The check can fail: shared, the interviewer's words reach the service.
    secret = marker(Section.RECOMMENDATIONS, 3)
    assert secret in client.get(page).content.decode().lower()

    interview.refresh_from_db()
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Souhait de la personne")
    Interview.objects.filter(pk=interview.pk).update(withheld_sections=[Section.RECOMMENDATIONS])
    interview.refresh_from_db()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)

    placement.refresh_from_db()
    assert placement.details == ""  # the request stays, without the words
    for url in (page, reverse("placements:queue")):
        assert secret not in client.get(url).content.decode().lower(), url
