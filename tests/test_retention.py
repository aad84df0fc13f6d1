"""End of retention: people released more than 5 years ago are anonymised with their
interviews, PDFs and deliveries; what the statistics read stays; dry run unless --wet-run."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from entretiens.models import Interview, Synthesis, SynthesisDelivery
from insertion.detainees.models import Contact, Detainee, ReleaseKind
from insertion.detainees.services import contact_record
from insertion.placements.models import PlacementRequest, RequestEvent
from insertion.release.models import Milestone, ReleasePlan
from insertion.release.services import referent_assign
from tests.factories import DetaineeFactory, validated_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_release(fresnes, cpip_fresnes, interviewer_fresnes, milestone_kinds):
    """Released 5 years and a day ago, with an interview, its synthesis PDF, a plan, a contact."""
    today = timezone.localdate()
    released_on = today.replace(year=today.year - 5) - datetime.timedelta(days=1)
    person = DetaineeFactory(
        establishment=fresnes,
        last_name="Ancien",
        arrival_date=released_on - datetime.timedelta(days=300),
        expected_release_date=released_on,
    )
    referent_assign(detainee=person, referent=cpip_fresnes)
    contact_record(
        detainee=person, on_date=person.arrival_date, kind="entretien", subject="x", by=None
    )
    interview = validated_interview(detainee=person, by=interviewer_fresnes)
    synthesis = interview.syntheses.get()
    synthesis.pdf.save("ancien.pdf", io.BytesIO(b"%PDF-1.7 fictif"), save=True)
    Detainee.objects.filter(pk=person.pk).update(
        release_date=released_on, release_kind=ReleaseKind.DRY
    )
    ReleasePlan.objects.filter(detainee=person).update(
        closed_on=released_on,
        final_release_kind=ReleaseKind.DRY,
        final_essential_total=5,
        final_essential_done=2,
        final_late=3,
    )
    return person


def test_the_dry_run_counts_and_changes_nothing(old_release, detainee_fresnes):
    out = io.StringIO()
    call_command("purge_retention", stdout=out)
    printed = out.getvalue()
    assert "Simulation (rien n'est modifié)" in printed
    assert "       1 personnes" in printed and "       1 entretiens" in printed
    assert "--wet-run" in printed
    old_release.refresh_from_db()
    assert old_release.last_name == "Ancien" and old_release.anonymised_on is None


def test_the_wet_run_anonymises_and_keeps_the_figures(
    old_release, detainee_fresnes, django_capture_on_commit_callbacks
):
    # The validated interview's training orientation became a request; the team typed on it.
    typed_request = PlacementRequest.objects.get(detainee=old_release, offer_kind="formation_pro")
    PlacementRequest.objects.filter(pk=typed_request.pk).update(
        details="Souhaite un CAP boulangerie, suivi en addictologie",
        status_note="Vu avec M. Ancien",
    )
    RequestEvent.objects.create(request=typed_request, to_status="a_examiner", note="Vu en CAP")
    pdf = Synthesis.objects.get(interview__detainee=old_release).pdf
    assert pdf.storage.exists(pdf.name)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_retention", "--wet-run", stdout=io.StringIO())

    person = Detainee.objects.get(pk=old_release.pk)
    assert person.last_name == "Personne anonymisée" and person.first_name == ""
    assert person.ecrou_number == f"ANON-{person.pk}"
    assert (person.birth_date.month, person.birth_date.day) == (1, 1)
    assert person.referent is None and person.anonymised_on == timezone.localdate()
    assert not Interview.objects.filter(detainee=person).exists()
    assert not Synthesis.objects.filter(interview__detainee=person).exists()
    assert not SynthesisDelivery.objects.filter(synthesis__interview__detainee=person).exists()
    assert not Contact.objects.filter(detainee=person).exists()
    assert not Milestone.objects.filter(plan__detainee=person).exists()
    assert not pdf.storage.exists(pdf.name)
    # The requests stay for the statistics, without a word typed about the person.
    request = PlacementRequest.objects.get(pk=typed_request.pk)
    assert (request.offer_kind, request.details, request.status_note) == ("formation_pro", "", "")
    assert not RequestEvent.objects.filter(request=request).exclude(note="").exists()
    # The statistics keep what they read.
    assert person.release_kind == ReleaseKind.DRY and person.release_date is not None
    plan = ReleasePlan.objects.get(detainee=person)
    assert (plan.final_essential_done, plan.final_essential_total) == (2, 5)
    # The others are untouched, and a second run has nothing to do.
    detainee_fresnes.refresh_from_db()
    assert detainee_fresnes.last_name == "Lefèvre"
    out = io.StringIO()
    call_command("purge_retention", "--wet-run", stdout=out)
    assert "       0 personnes" in out.getvalue()


def test_people_released_within_the_retention_are_kept(old_release, settings):
    settings.RETENTION_YEARS_AFTER_RELEASE = 6
    call_command("purge_retention", "--wet-run", stdout=io.StringIO())
    old_release.refresh_from_db()
    assert old_release.anonymised_on is None
