"""The profile sent to a partner company (issue 16): the availability window, the interview read
through the sharing gate (`shared_employer_profile`), the agreement's filter, and the PDF whose
text never holds what must not leave (surname, écrou, exact release date, offence, barriers,
health, a withheld section's answers, the establishment unless shared). Also the PDF preview
page: access and the access log."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    DiplomaLevel,
    DrivingLicence,
    ProfessionalLicence,
    Proficiency,
    ProjectKind,
    Section,
)
from entretiens.models import BarrierAssessment, Diploma, Interview, KnowHow, Project
from entretiens.sharing import shared_employer_profile
from insertion.accounts.models import Role
from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.partners.choices import DEFAULT_SHARED_ITEMS, OfferSetting, SharedItem
from insertion.partners.profile import availability_text, employer_profile, render_profile_pdf
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    DetaineeFactory,
    OfferFactory,
    UserFactory,
    validated_interview,
)

pytestmark = pytest.mark.django_db

SURNAME = "Kerouédan"
ECROU = "77123"
RELEASE = datetime.date(2027, 4, 17)
TODAY = datetime.date(2026, 12, 6)
WITHHELD_KNOW_HOW = "Soudure à l'arc confidentielle"
BARRIER_DETAILS = "Suivi au CSAPA pour une addiction"
POINTS_OF_ATTENTION = "Vigilance : fragilité psychologique"


def flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return flat(" ".join(page.extract_text() for page in reader.pages))


# --- The availability window -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        (datetime.date(2027, 4, 17), "Disponible de mars à mai 2027"),
        (datetime.date(2027, 5, 2), "Disponible d'avril à juin 2027"),
        (datetime.date(2027, 1, 10), "Disponible de décembre 2026 à février 2027"),
        # Never before the current month.
        (datetime.date(2026, 12, 20), "Disponible de décembre 2026 à janvier 2027"),
        (datetime.date(2026, 11, 1), "Disponible de décembre à décembre 2026"),
        (None, ""),
    ],
)
def test_the_availability_is_a_month_range_around_the_release(release, expected):
    offer = OfferFactory.build(setting=OfferSetting.AT_RELEASE)
    assert availability_text(release, offer=offer, today=TODAY) == expected


def test_an_offer_in_detention_says_available_in_detention(fresnes):
    offer = OfferFactory.build(setting=OfferSetting.INSIDE, establishment=fresnes)
    assert availability_text(RELEASE, offer=offer, today=TODAY) == "Disponible en détention"


# --- The interview through the sharing gate --------------------------------------------------


def rich_person(establishment, *, withheld=(Section.SKILLS,), interviewer=None):
    """A person whose file holds everything that must not leave, and an interview with
    diplomas, licences, know-how and projects (the know-how withheld unless said otherwise)."""
    person = DetaineeFactory(
        establishment=establishment,
        last_name=SURNAME,
        first_name="Yannick",
        ecrou_number=ECROU,
        expected_release_date=RELEASE,
    )
    interview = validated_interview(detainee=person, by=interviewer)
    Interview.objects.filter(pk=interview.pk).update(
        withheld_sections=list(withheld),
        driving_licences=[DrivingLicence.B, DrivingLicence.SUSPENDED],
        professional_licences=[ProfessionalLicence.HACCP],
        other_licences="CACES R489 catégorie 3",
        french_reading=Proficiency.DIFFICULTIES,
        points_of_attention=POINTS_OF_ATTENTION,
    )
    Diploma.objects.create(interview=interview, title="CAP Cuisine", level=DiplomaLevel.LEVEL_3)
    KnowHow.objects.create(interview=interview, label=WITHHELD_KNOW_HOW)
    Project.objects.create(
        interview=interview, kind=ProjectKind.EMPLOYMENT, target="Commis de cuisine"
    )
    BarrierAssessment.objects.filter(
        interview=interview, category=BarrierCategory.ADDICTIONS
    ).update(level=BarrierLevel.SIGNIFICANT, details=BARRIER_DETAILS)
    BarrierAssessment.objects.filter(
        interview=interview, category=BarrierCategory.MENTAL_HEALTH
    ).update(level=BarrierLevel.BLOCKING)
    return person


def test_the_gate_reads_only_shared_sections_and_never_a_suspended_licence(fresnes):
    person = rich_person(fresnes)
    answers = shared_employer_profile(detainee_id=person.pk)
    assert answers.know_how is None  # « Compétences mobilisables » withheld
    assert answers.diplomas == [("CAP Cuisine", "Niveau 3 (CAP, BEP)")]
    assert answers.licences == ["Permis B", "HACCP", "CACES R489 catégorie 3"]
    assert answers.projects == [("Emploi", "Commis de cuisine")]


def test_a_person_without_a_validated_interview_has_nothing_to_share(fresnes):
    answers = shared_employer_profile(detainee_id=DetaineeFactory(establishment=fresnes).pk)
    assert (answers.diplomas, answers.licences, answers.know_how, answers.projects) == (
        None,
        None,
        None,
        None,
    )


def test_the_agreement_filters_further(fresnes):
    person = rich_person(fresnes, withheld=())
    company = CompanyFactory(establishments=[fresnes])
    offer = OfferFactory(company=company)
    agreement = AgreementFactory(
        detainee=person, company=company, shares=[SharedItem.PROJECTS, SharedItem.SKILLS]
    )
    profile = employer_profile(agreement=agreement, offer=offer, today=TODAY)
    assert profile.projects == [("Emploi", "Commis de cuisine")]
    assert profile.know_how == [WITHHELD_KNOW_HOW]  # shared here: the section is not withheld
    assert profile.diplomas is None and profile.licences is None
    assert profile.availability == "" and profile.establishment == ""


# --- The PDF ---------------------------------------------------------------------------------


FORBIDDEN = [
    SURNAME,
    SURNAME.upper(),
    ECROU,
    "17 avril 2027",
    "17/04/2027",
    "2027-04-17",
    "Délit",
    "délit",
    "Addictions",
    "Santé mentale",
    "Santé physique",
    BARRIER_DETAILS,
    POINTS_OF_ATTENTION,
    "Personne motivée par une formation en cuisine",  # the interviewer's conclusion
    WITHHELD_KNOW_HOW,
    "Permis suspendu",
    "Difficultés",
    "Centre pénitentiaire de Fresnes",
]


def test_the_pdf_holds_only_what_the_agreement_shares(fresnes):
    person = rich_person(fresnes)
    company = CompanyFactory(name="Cuisines du Val fictives", establishments=[fresnes])
    offer = OfferFactory(company=company, title="Commis de cuisine fictif")
    agreement = AgreementFactory(detainee=person, company=company)
    data = render_profile_pdf(employer_profile(agreement=agreement, offer=offer, today=TODAY))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = pdf_text(data)
    for shown in (
        "Profil de Yannick",
        "Commis de cuisine fictif",
        "Cuisines du Val fictives",
        "CAP Cuisine",
        "Permis B",
        "HACCP",
        "Commis de cuisine",
        "Disponible de mars à mai 2027",
    ):
        assert shown in text, shown
    for forbidden in FORBIDDEN:
        assert forbidden not in text, forbidden
    assert "Savoir-faire" not in text  # a withheld section is not even mentioned


def test_the_establishment_goes_only_when_shared(fresnes):
    person = rich_person(fresnes)
    company = CompanyFactory(establishments=[fresnes])
    offer = OfferFactory(company=company)
    agreement = AgreementFactory(
        detainee=person, company=company, shares=[*DEFAULT_SHARED_ITEMS, SharedItem.ESTABLISHMENT]
    )
    text = pdf_text(
        render_profile_pdf(employer_profile(agreement=agreement, offer=offer, today=TODAY))
    )
    assert "Centre pénitentiaire de Fresnes" in text
    assert SURNAME not in text and ECROU not in text


# --- The PDF preview page --------------------------------------------------------------------


@pytest.fixture
def officer(fresnes):
    return UserFactory(
        partnerships=True, email="partenariats.fresnes@test.insertion.fr", establishments=[fresnes]
    )


@pytest.fixture
def world(fresnes):
    person = rich_person(fresnes)
    company = CompanyFactory(establishments=[fresnes])
    offer = OfferFactory(company=company)
    agreement = AgreementFactory(detainee=person, company=company)
    return {"person": person, "offer": offer, "agreement": agreement}


def preview_url(world) -> str:
    return reverse("partners:profile_preview", args=[world["offer"].pk, world["person"].pk])


def test_anonymous_is_sent_to_the_login_page(client, world):
    response = client.get(preview_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.PARTNERSHIPS])
def test_other_roles_are_forbidden(client, fresnes, world, role):
    client.force_login(UserFactory(role=role, establishments=[fresnes]))
    assert client.get(preview_url(world)).status_code == 403


def test_an_officer_of_another_establishment_gets_404(client, lyon, world):
    client.force_login(UserFactory(partnerships=True, establishments=[lyon]))
    assert client.get(preview_url(world)).status_code == 404


def test_the_officer_reads_the_pdf_and_it_is_logged(client, officer, world):
    client.force_login(officer)
    response = client.get(preview_url(world))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="profil-candidat-yannick.pdf"'
    text = pdf_text(b"".join(response.streaming_content))
    assert "Profil de Yannick" in text and SURNAME not in text
    lines = list(AccessLog.objects.values_list("action", "detainee_id", "user_id"))
    assert lines == [(Action.PROFILE_PREVIEW, world["person"].pk, officer.pk)]


def test_without_agreement_no_pdf_is_shown(client, officer, world):
    world["agreement"].withdrawn_at = timezone.now()
    world["agreement"].save()
    client.force_login(officer)
    response = client.get(preview_url(world))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "partners:profile_send", args=[world["offer"].pk, world["person"].pk]
    )
    assert not AccessLog.objects.exists()
