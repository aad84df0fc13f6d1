"""Sending a profile to a partner company (issue 16): the outbox of insertion/partners/
transmissions.py against a real SMTP server on loopback (conftest.py `mailbox`), the email's
privacy, withdrawal honoured, a message delivered twice sending once, retries and the sweep; and
the officers' pages (« Envoyer le profil », the offer's transmissions, the matches page's
button), with access, the access log and locked query counts."""

import datetime
import hashlib
import html
import io

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insertion.accounts.models import Role
from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.partners import tasks
from insertion.partners.agreements import agreement_withdraw
from insertion.partners.choices import SharedItem, TransmissionStatus
from insertion.partners.models import Agreement, ProfileTransmission
from insertion.partners.transmissions import (
    sweep_owed,
    transmission_claim,
    transmission_create,
    transmission_send,
)
from tests.factories import (
    AgreementFactory,
    CompanyContactFactory,
    CompanyFactory,
    DetaineeFactory,
    OfferFactory,
    ProfileTransmissionFactory,
    UserFactory,
)
from tests.test_partners_profile import FORBIDDEN, SURNAME, pdf_text, rich_person

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def smtp(settings, mailbox, smtp_server):
    """Emails go to the loopback SMTP server of the module; few attempts, short backoff."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.SYNTHESIS_DELIVERY_MAX_ATTEMPTS = 3
    settings.SYNTHESIS_RETRY_BASE_SECONDS = 0.1
    return mailbox


@pytest.fixture
def officer(fresnes):
    return UserFactory(
        partnerships=True,
        first_name="Inès",
        last_name="Partenariat",
        email="partenariats.fresnes@test.insertion.fr",
        establishments=[fresnes],
    )


@pytest.fixture
def company(fresnes):
    return CompanyFactory(name="Cuisines du Val fictives", establishments=[fresnes])


@pytest.fixture
def contact(company):
    return CompanyContactFactory(
        company=company, name="Responsable fictive", email="recrutement@cuisines.test"
    )


@pytest.fixture
def offer(company):
    return OfferFactory(company=company, title="Commis de cuisine fictif")


@pytest.fixture
def person(fresnes):
    return rich_person(fresnes)


@pytest.fixture
def agreement(person, company, cpip_fresnes):
    return AgreementFactory(detainee=person, company=company, recorded_by=cpip_fresnes)


@pytest.fixture
def transmission(agreement, offer, contact, officer):
    return transmission_create(agreement=agreement, offer=offer, contact=contact, by=officer)


# --- Making the row --------------------------------------------------------------------------


def test_the_row_is_the_log_of_what_leaves(transmission, agreement, offer, contact, officer):
    assert transmission.status == TransmissionStatus.PENDING
    assert (transmission.agreement, transmission.offer, transmission.sent_by) == (
        agreement,
        offer,
        officer,
    )
    assert (transmission.contact_name, transmission.email) == (
        "Responsable fictive",
        "recrutement@cuisines.test",
    )
    assert transmission.shared_items == agreement.shares
    assert SharedItem.ESTABLISHMENT not in transmission.shared_items


def test_nothing_is_queued_without_an_agreement_covering_the_offer(
    agreement, company, offer, contact, officer, cpip_fresnes
):
    other_company = CompanyFactory(establishments=[agreement.detainee.establishment])
    other_offer = OfferFactory(company=other_company)
    with pytest.raises(ValidationError, match="ne couvre pas cette offre"):
        transmission_create(
            agreement=agreement,
            offer=other_offer,
            contact=CompanyContactFactory(company=other_company),
            by=officer,
        )
    with pytest.raises(ValidationError, match="pas un contact de l'entreprise"):
        transmission_create(
            agreement=agreement,
            offer=offer,
            contact=CompanyContactFactory(company=other_company),
            by=officer,
        )
    agreement_withdraw(agreement=agreement, by=cpip_fresnes)
    with pytest.raises(ValidationError, match="accord de la personne a été retiré"):
        transmission_create(agreement=agreement, offer=offer, contact=contact, by=officer)
    assert not ProfileTransmission.objects.exists()


def test_the_same_profile_is_not_queued_twice_for_the_same_contact(
    transmission, agreement, offer, contact, officer
):
    with pytest.raises(ValidationError, match="déjà en cours d’envoi à Responsable fictive"):
        transmission_create(agreement=agreement, offer=offer, contact=contact, by=officer)


# --- Sending ---------------------------------------------------------------------------------


def the_message(mailbox):
    (message,) = mailbox.messages(to="recrutement@cuisines.test")
    return message


def test_the_email_goes_once_with_the_pdf_and_holds_nothing_forbidden(smtp, transmission):
    assert transmission_send(transmission_id=transmission.pk).done
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.SENT
    assert transmission.attempts == 1 and transmission.sent_at
    message = the_message(smtp)
    assert message["Message-ID"] == transmission.message_id
    assert message["Reply-To"] == "partenariats.fresnes@test.insertion.fr"
    assert (
        message["Subject"].strip() == "Profil proposé pour votre offre « Commis de cuisine fictif »"
    )
    body = message.get_body(("plain",)).get_content()
    html_body = message.get_body(("html",)).get_content()
    assert "le profil de Yannick" in body and "Disponible de" in body
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "profil-candidat-yannick.pdf"
    data = attachment.get_content()
    assert transmission.sha256 == hashlib.sha256(data).hexdigest()
    pdf = pdf_text(data)
    assert "Profil de Yannick" in pdf
    for forbidden in FORBIDDEN:
        for part in (message["Subject"], body, html.unescape(html_body), pdf):
            assert forbidden not in part, forbidden


def test_a_message_delivered_twice_sends_once(smtp, transmission):
    assert transmission_send(transmission_id=transmission.pk).done
    assert not transmission_send(transmission_id=transmission.pk).done
    assert smtp.count() == 1
    transmission.refresh_from_db()
    assert transmission.attempts == 1


def test_two_claims_at_once_take_the_row_once(transmission):
    assert transmission_claim(transmission_id=transmission.pk) is not None
    assert transmission_claim(transmission_id=transmission.pk) is None
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.SENDING


def test_withdrawal_cancels_a_pending_transmission_and_a_later_claim_sends_nothing(
    smtp, transmission, agreement, cpip_fresnes
):
    agreement_withdraw(agreement=agreement, by=cpip_fresnes)
    assert not transmission_send(transmission_id=transmission.pk).done
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.CANCELLED
    assert smtp.count() == 0


def test_a_claim_refuses_a_row_whose_agreement_was_withdrawn_and_cancels_it(smtp, transmission):
    # Withdrawn behind the service's back (the row was left pending): the claim still refuses.
    Agreement.objects.filter(pk=transmission.agreement_id).update(withdrawn_at=timezone.now())
    assert transmission_claim(transmission_id=transmission.pk) is None
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.CANCELLED
    assert not transmission_send(transmission_id=transmission.pk).done
    assert smtp.count() == 0


def test_a_temporary_refusal_is_retried_with_backoff_then_sent(smtp, transmission):
    smtp.refusals["recrutement@cuisines.test"] = ["451 Try again later", 1]
    outcome = transmission_send(transmission_id=transmission.pk)
    assert not outcome.done and outcome.retry_in == pytest.approx(0.1)
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.PENDING
    assert transmission.next_attempt_at and "451" in transmission.last_error
    ProfileTransmission.objects.filter(pk=transmission.pk).update(next_attempt_at=timezone.now())
    assert transmission_send(transmission_id=transmission.pk).done
    transmission.refresh_from_db()
    assert (transmission.status, transmission.attempts) == (TransmissionStatus.SENT, 2)
    assert smtp.count() == 1


def test_a_final_refusal_fails_the_row(smtp, transmission):
    smtp.refusals["recrutement@cuisines.test"] = ["550 No such user", None]
    assert transmission_send(transmission_id=transmission.pk).retry_in is None
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.FAILED
    assert smtp.count() == 0


def test_the_sweep_finds_rows_owed_and_rows_of_a_dead_worker(smtp, transmission, agreement, offer):
    stuck = ProfileTransmissionFactory(
        agreement=agreement,
        offer=offer,
        status=TransmissionStatus.SENDING,
        claimed_at=timezone.now() - datetime.timedelta(hours=1),
        attempts=1,
    )
    owed = sweep_owed(grace=0, sending_timeout=60)
    assert set(owed.transmissions) == {transmission.pk, stuck.pk}
    assert owed.counts["unstuck"] == 1
    # Just made and not yet consumed: left to its message during the grace period.
    assert sweep_owed(grace=3600, sending_timeout=60).transmissions == [stuck.pk]


def test_the_sweep_task_sends_what_is_owed(smtp, celery_eager, transmission):
    counts = tasks.sweep(grace=0)
    assert counts["transmissions"] == 1
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.SENT
    assert smtp.count() == 1
    assert tasks.sweep(grace=0)["transmissions"] == 0


def test_the_beat_runs_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["partner-transmissions-sweep"]
    assert entry["task"] == tasks.sweep_transmissions.name


# --- The pages: access -----------------------------------------------------------------------


def urls(offer, person) -> dict[str, str]:
    return {
        "send": reverse("partners:profile_send", args=[offer.pk, person.pk]),
        "list": reverse("partners:offer_transmissions", args=[offer.pk]),
    }


def test_anonymous_is_sent_to_the_login_page(client, offer, person):
    for url in urls(offer, person).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.PARTNERSHIPS])
def test_other_roles_are_forbidden(client, fresnes, offer, person, agreement, contact, role):
    client.force_login(UserFactory(role=role, establishments=[fresnes]))
    for name, url in urls(offer, person).items():
        assert client.get(url).status_code == 403
        if name == "send":
            assert client.post(url, {"contact": contact.pk}).status_code == 403
    assert not ProfileTransmission.objects.exists()


def test_an_officer_of_another_establishment_gets_404(
    client, lyon, offer, person, agreement, contact
):
    client.force_login(UserFactory(partnerships=True, establishments=[lyon]))
    for name, url in urls(offer, person).items():
        assert client.get(url).status_code == 404
        if name == "send":
            assert client.post(url, {"contact": contact.pk}).status_code == 404
    assert not ProfileTransmission.objects.exists()


def test_a_person_of_another_establishment_answers_404(client, officer, offer, lyon):
    client.force_login(officer)
    other = DetaineeFactory(establishment=lyon)
    assert (
        client.get(reverse("partners:profile_send", args=[offer.pk, other.pk])).status_code == 404
    )


# --- The pages: sending ----------------------------------------------------------------------


def test_without_agreement_the_page_says_it_is_required_and_sends_nothing(
    client, officer, offer, person, contact
):
    client.force_login(officer)
    url = reverse("partners:profile_send", args=[offer.pk, person.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Accord de la personne requis" in text(page)
    assert "Confirmer l'envoi" not in text(page)
    response = client.post(url, {"contact": contact.pk})
    assert "Accord de la personne requis" in text(response)
    assert not ProfileTransmission.objects.exists()


def test_the_officer_sees_what_will_go_then_confirms_and_it_is_sent(
    client,
    smtp,
    celery_eager,
    officer,
    offer,
    person,
    agreement,
    contact,
    django_capture_on_commit_callbacks,
):
    client.force_login(officer)
    url = reverse("partners:profile_send", args=[offer.pk, person.pk])
    page = text(client.get(url))
    assert "Envoyer le profil de Yannick K." in page
    assert "CAP Cuisine" in page and "Disponible de mars à mai 2027" in page
    assert reverse("partners:profile_preview", args=[offer.pk, person.pk]) in page
    for forbidden in (SURNAME, "77123", "17 avril 2027", "Centre pénitentiaire de Fresnes"):
        assert forbidden not in page.split("<main", 1)[1], forbidden
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"contact": contact.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "partners:offer_transmissions", args=[offer.pk]
    )
    listing = text(response)
    assert "Le profil de Yannick sera envoyé à Responsable fictive" in listing
    transmission = ProfileTransmission.objects.get()
    assert transmission.status == TransmissionStatus.SENT  # in-process, as in the demo
    assert smtp.count() == 1
    assert "Yannick K." in listing and "Responsable fictive" in listing
    assert [(line.action, line.detainee_id) for line in AccessLog.objects.order_by("pk")] == [
        (Action.PROFILE_PREVIEW, person.pk),
        (Action.PROFILE_SEND, person.pk),
    ]


def test_a_missing_contact_is_refused_in_french(client, officer, offer, person, agreement, contact):
    client.force_login(officer)
    url = reverse("partners:profile_send", args=[offer.pk, person.pk])
    response = client.post(url, {"contact": ""})
    assert "Choisissez le contact de l'entreprise à qui envoyer le profil." in text(response)
    response = client.post(url, {"contact": CompanyContactFactory().pk})
    assert "Choisissez parmi les contacts de l'entreprise." in text(response)
    assert not ProfileTransmission.objects.exists()


def test_the_matches_page_offers_the_button_only_with_an_agreement(
    client, officer, offer, fresnes, person, agreement
):
    soon = timezone.localdate() + datetime.timedelta(days=60)
    without = DetaineeFactory(establishment=fresnes, first_name="Sans", expected_release_date=soon)
    person.expected_release_date = soon
    person.save()
    client.force_login(officer)
    page = text(client.get(reverse("partners:offer_matches", args=[offer.pk])))
    assert reverse("partners:profile_send", args=[offer.pk, person.pk]) in page
    assert reverse("partners:profile_send", args=[offer.pk, without.pk]) not in page
    assert "Accord de la personne requis" in page


# --- The offer's transmissions ---------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_costs_the_same_queries_whatever_the_number_of_rows(
    client, officer, offer, fresnes, company, rows
):
    for _ in range(rows):
        agreement = AgreementFactory(
            detainee=DetaineeFactory(establishment=fresnes), company=company
        )
        ProfileTransmissionFactory(agreement=agreement, offer=offer)
    client.force_login(officer)
    url = reverse("partners:offer_transmissions", args=[offer.pk])
    client.get(url)  # the session, once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == rows
    assert len(queries) == LIST_QUERIES, [q["sql"] for q in queries]
    assert not AccessLog.objects.exists()


# Session, user, OTP device, the user's establishments, the offer, the count, the page's rows;
# the offer's referrals (their steps are one more when there is one: test_partners_referrals.py).
LIST_QUERIES = 8


def test_the_list_shows_only_the_offers_transmissions_of_the_users_establishments(
    client, officer, offer, lyon, company
):
    company.establishments.add(lyon)
    ProfileTransmissionFactory(
        agreement=AgreementFactory(detainee=DetaineeFactory(establishment=lyon), company=company),
        offer=offer,
    )
    client.force_login(officer)
    response = client.get(reverse("partners:offer_transmissions", args=[offer.pk]))
    assert list(response.context["page_obj"].object_list) == []
    assert "Aucun profil n'a encore été envoyé pour cette offre." in text(response)


def test_pypdf_reads_the_preview(client, officer, offer, person, agreement):
    client.force_login(officer)
    response = client.get(reverse("partners:profile_preview", args=[offer.pk, person.pk]))
    data = b"".join(response.streaming_content)
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
