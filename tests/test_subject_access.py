"""The subject-access export: everything held on one person, as JSON and PDF, from the
back-office, scoped and access-logged."""

import io
import json
import zipfile

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from insertion.audit.models import AccessLog
from insertion.detainees.services import contact_record
from insertion.partners.agreements import agreement_withdraw
from insertion.partners.choices import ReferralStatus, TransmissionStatus
from insertion.partners.referrals import referral_advance
from insertion.placements.choices import OfferKind
from insertion.placements.models import PlacementRequest
from insertion.release.services import referent_assign
from tests.factories import (
    AgreementFactory,
    CompanyContactFactory,
    CompanyFactory,
    OfferFactory,
    ProfileTransmissionFactory,
    ReferralFactory,
    validated_interview,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:detainees_detainee_changelist")


@pytest.fixture
def person(detainee_fresnes, cpip_fresnes, interviewer_fresnes, milestone_kinds):
    referent_assign(detainee=detainee_fresnes, referent=cpip_fresnes)
    contact_record(
        detainee=detainee_fresnes,
        on_date=detainee_fresnes.arrival_date,
        kind="entretien",
        subject="Point sur l'hébergement",
        by=cpip_fresnes,
    )
    validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    return detainee_fresnes


def export(client, *people):
    return client.post(
        CHANGELIST,
        {"action": "export_subject_access", "_selected_action": [p.pk for p in people]},
    )


def test_the_export_holds_everything_in_json_and_pdf(client, superuser, person):
    # What the import of the national extraction keeps of the person is theirs to read too.
    type(person).objects.filter(pk=person.pk).update(
        national_id="GEN0012345", usage_name="Martin", source_values={"dlp": "2027-06-15"}
    )
    taken = set(PlacementRequest.objects.filter(detainee=person).values_list("offer_kind", flat=1))
    kind = next(kind for kind in OfferKind.values if kind not in taken)
    PlacementRequest.objects.create(
        detainee=person,
        establishment=person.establishment,
        offer_kind=kind,
        priority="prioritaire",
        origin="personne",
        details="Souhaite travailler en cuisine",
    )
    client.force_login(superuser)
    response = export(client, person)
    assert response["Content-Type"] == "application/zip"
    assert f"droit-acces-{person.ecrou_number}-" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("donnees.json"))
    assert data["personne"]["nom"] == "Lefèvre"
    assert data["personne"]["identifiant_national"] == "GEN0012345"
    assert data["personne"]["nom_d_usage"] == "Martin"
    assert data["personne"]["valeurs_de_l_extraction"] == {"dlp": "2027-06-15"}
    assert data["contacts"][0]["objet"] == "Point sur l'hébergement"
    assert len(data["plan_de_sortie"]["jalons"]) > 10
    assert data["entretiens"][0]["versions"][0]["numero"] == 1
    assert data["syntheses"][0]["version"] == 1
    requests = data["demandes_d_activite"]
    asked = [r for r in requests if r["origine"] == "À la demande de la personne"]
    assert [(r["precisions"], r["etat"]) for r in asked] == [
        ("Souhaite travailler en cuisine", "À examiner")
    ]
    reader = pypdf.PdfReader(io.BytesIO(archive.read("donnees.pdf")))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "LEFÈVRE Hélène" in text and "Point sur l'hébergement" in text
    assert "Date de naissance" in text and "date_de_naissance" not in text
    assert "GEN0012345" in text and "Nom d'usage" in text
    words = " ".join(text.split())  # table cells wrap their text over lines
    assert "Demandes d'activité" in words and "Souhaite travailler en cuisine" in words
    assert "page 1 /" in text
    line = AccessLog.objects.get(action="personne.export_droit_acces")
    assert (line.user, line.detainee_id) == (superuser, person.pk)


def test_one_person_at_a_time(client, superuser, person, detainee_lyon):
    client.force_login(superuser)
    response = export(client, person, detainee_lyon)
    assert response.status_code == 302
    assert not AccessLog.objects.filter(action="personne.export_droit_acces").exists()


def test_an_operator_exports_only_the_people_of_their_prisons(client, person, detainee_lyon):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    operator = UserFactory(manager=True, is_staff=True, establishments=[person.establishment])
    operator.user_permissions.set(Permission.objects.filter(codename="view_detainee"))
    client.force_login(operator)
    response = export(client, detainee_lyon)
    # The person of Lyon is not in the operator's list: nothing is exported.
    assert response.status_code in (200, 302)
    assert response.get("Content-Type") != "application/zip"


def test_the_export_holds_the_agreements_and_the_profiles_sent(client, superuser, person):
    company = CompanyFactory(name="Cuisines du Val fictives", establishments=[person.establishment])
    agreement = AgreementFactory(detainee=person, company=company)
    contact = CompanyContactFactory(company=company, name="Claire Recrute", email="claire@val.test")
    sent = ProfileTransmissionFactory(agreement=agreement, contact=contact)
    type(sent).objects.filter(pk=sent.pk).update(status=TransmissionStatus.SENT)
    withdrawn = AgreementFactory(detainee=person)
    agreement_withdraw(agreement=withdrawn, by=superuser, note="Ne souhaite plus")
    client.force_login(superuser)
    archive = zipfile.ZipFile(io.BytesIO(export(client, person).content))
    data = json.loads(archive.read("donnees.json"))

    agreements = data["accords_entreprises"]
    assert [a["entreprise"] for a in agreements] == [company.name, withdrawn.company.name]
    assert agreements[0]["offre"] == "toute offre" and agreements[0]["retire_le"] is None
    assert "Savoir-faire" in agreements[0]["elements_partages"]
    assert "Nom de l'établissement" not in agreements[0]["elements_partages"]
    assert agreements[1]["retire_le"] and agreements[1]["motif_du_retrait"] == "Ne souhaite plus"
    [profile] = data["profils_envoyes"]
    assert (profile["entreprise"], profile["offre"]) == (company.name, sent.offer.title)
    assert profile["envoye_a"] == "Claire Recrute (claire@val.test)"
    assert profile["etat"] == "Envoyé" and profile["demande_le"]
    assert profile["elements_partages"].startswith("Prénom, Savoir-faire")

    reader = pypdf.PdfReader(io.BytesIO(archive.read("donnees.pdf")))
    words = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Accords pour partager son profil avec des entreprises partenaires" in words
    assert "Profils envoyés aux entreprises partenaires" in words
    assert "Cuisines du Val fictives" in words and "Claire Recrute" in words
    assert "Motif du retrait" in words and "motif_du_retrait" not in words


def test_the_export_holds_the_referrals_with_their_history(client, superuser, person):
    agreement = AgreementFactory(detainee=person)
    offer = OfferFactory(company=agreement.company, title="Commis de cuisine fictif")
    today = timezone.localdate()
    referral = ReferralFactory(agreement=agreement, offer=offer, on=today)
    referral_advance(
        referral=referral, status=ReferralStatus.INTERVIEW, on=today, by=superuser, note="Mardi"
    )
    client.force_login(superuser)
    archive = zipfile.ZipFile(io.BytesIO(export(client, person).content))
    data = json.loads(archive.read("donnees.json"))
    [row] = data["orientations_entreprises"]
    assert row["offre"] == "Commis de cuisine fictif"
    assert row["etape"] == "Entretien prévu"
    assert row["historique"] == (
        f"Proposé le {today.isoformat()}; Entretien prévu le {today.isoformat()} (Mardi)"
    )
    reader = pypdf.PdfReader(io.BytesIO(archive.read("donnees.pdf")))
    words = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Orientations vers des offres d'entreprises partenaires" in words
