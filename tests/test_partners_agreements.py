"""The person's agreement that their profile goes to a partner company (issue 16, second part):
the rules of insertion/partners/agreements.py, withdrawal that cancels what was waiting, and the
pages of the CPIP and the managers (access for anonymous, wrong roles, another establishment's
users; French refusals; confirmation before withdrawal; the access log)."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insertion.accounts.models import Role
from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.partners.agreements import agreement_record, agreement_withdraw
from insertion.partners.choices import DEFAULT_SHARED_ITEMS, SharedItem, TransmissionStatus
from insertion.partners.models import Agreement, ProfileTransmission
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    DetaineeFactory,
    OfferFactory,
    ProfileTransmissionFactory,
    UserFactory,
    validated_interview,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
KEEPERS = (Role.CPIP, Role.MANAGER)
OTHER_ROLES = [role for role in Role.values if role not in KEEPERS]


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def company(fresnes):
    return CompanyFactory(name="Cuisines du Val fictives", establishments=[fresnes])


@pytest.fixture
def offer(company):
    return OfferFactory(company=company, title="Commis de cuisine fictif")


@pytest.fixture
def agreement(detainee_fresnes, company, cpip_fresnes):
    return AgreementFactory(detainee=detainee_fresnes, company=company, recorded_by=cpip_fresnes)


# --- The rules -------------------------------------------------------------------------------


def test_an_agreement_shares_everything_but_the_establishment_by_default(
    detainee_fresnes, company, cpip_fresnes
):
    agreement = agreement_record(
        detainee=detainee_fresnes,
        company=company,
        shares=DEFAULT_SHARED_ITEMS,
        agreed_on=timezone.localdate(),
        by=cpip_fresnes,
    )
    assert agreement.is_active
    assert agreement.offer is None
    assert SharedItem.ESTABLISHMENT not in agreement.shares
    assert set(agreement.shares) == set(SharedItem.values) - {SharedItem.ESTABLISHMENT}
    assert agreement.recorded_by == cpip_fresnes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shares": []}, "Choisissez au moins un élément que la personne accepte de partager."),
        # Days from today, read when the test runs: a date computed at collection turns into
        # today when a run crosses midnight (CI failed so at 00:0x, Paris time).
        ({"agreed_on": 1}, "La date de l'accord ne peut pas être dans le futur."),
    ],
)
def test_an_agreement_is_refused_in_french(
    detainee_fresnes, company, cpip_fresnes, change, message
):
    today = timezone.localdate()
    if "agreed_on" in change:
        change = {"agreed_on": today + datetime.timedelta(days=change["agreed_on"])}
    values = {"shares": DEFAULT_SHARED_ITEMS, "agreed_on": today, **change}
    with pytest.raises(ValidationError) as error:
        agreement_record(detainee=detainee_fresnes, company=company, by=cpip_fresnes, **values)
    assert error.value.messages == [message]
    assert not Agreement.objects.exists()


def test_a_company_of_another_establishment_or_an_offer_of_another_company_is_refused(
    detainee_fresnes, lyon, company, cpip_fresnes
):
    elsewhere = CompanyFactory(establishments=[lyon])
    with pytest.raises(ValidationError, match="pas partenaire de l'établissement"):
        agreement_record(
            detainee=detainee_fresnes,
            company=elsewhere,
            shares=DEFAULT_SHARED_ITEMS,
            agreed_on=timezone.localdate(),
            by=cpip_fresnes,
        )
    with pytest.raises(ValidationError, match="pas une offre de l'entreprise"):
        agreement_record(
            detainee=detainee_fresnes,
            company=company,
            offer=OfferFactory(company=elsewhere),
            shares=DEFAULT_SHARED_ITEMS,
            agreed_on=timezone.localdate(),
            by=cpip_fresnes,
        )


def test_a_second_active_agreement_is_refused_until_the_first_is_withdrawn(agreement, cpip_fresnes):
    values = {
        "detainee": agreement.detainee,
        "company": agreement.company,
        "shares": DEFAULT_SHARED_ITEMS,
        "agreed_on": timezone.localdate(),
        "by": cpip_fresnes,
    }
    with pytest.raises(ValidationError, match="déjà enregistré"):
        agreement_record(**values)
    agreement_withdraw(agreement=agreement, by=cpip_fresnes)
    assert agreement_record(**values).is_active


def test_a_released_person_gets_no_new_agreement(fresnes, company, cpip_fresnes):
    released = DetaineeFactory(
        establishment=fresnes, release_date=timezone.localdate(), release_kind="sortie_seche"
    )
    with pytest.raises(ValidationError, match="libérée"):
        agreement_record(
            detainee=released,
            company=company,
            shares=DEFAULT_SHARED_ITEMS,
            agreed_on=timezone.localdate(),
            by=cpip_fresnes,
        )


def test_withdrawal_cancels_the_pending_transmissions_and_leaves_the_sent_ones(
    agreement, cpip_fresnes
):
    pending = ProfileTransmissionFactory(agreement=agreement)
    sent = ProfileTransmissionFactory(
        agreement=agreement, status=TransmissionStatus.SENT, sent_at=timezone.now()
    )
    withdrawn, cancelled = agreement_withdraw(
        agreement=agreement, by=cpip_fresnes, note="  Ne souhaite plus.  "
    )
    assert cancelled == 1
    assert withdrawn.withdrawn_at and withdrawn.withdrawn_by == cpip_fresnes
    assert withdrawn.withdrawal_note == "Ne souhaite plus."
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert pending.status == TransmissionStatus.CANCELLED and pending.cancelled_at
    assert sent.status == TransmissionStatus.SENT
    with pytest.raises(ValidationError, match="déjà retiré"):
        agreement_withdraw(agreement=agreement, by=cpip_fresnes)


def test_covering_reads_the_offer_or_any_offer_of_the_company(detainee_fresnes, company, offer):
    other_offer = OfferFactory(company=company)
    for_offer = AgreementFactory(detainee=detainee_fresnes, company=company, offer=offer)
    assert list(Agreement.objects.active().covering(offer)) == [for_offer]
    assert list(Agreement.objects.active().covering(other_offer)) == []
    any_offer = AgreementFactory(detainee=detainee_fresnes, company=company)
    assert set(Agreement.objects.active().covering(other_offer)) == {any_offer}
    assert not Agreement.objects.active().covering(OfferFactory()).exists()


def test_covers_says_of_one_agreement_what_covering_selects(
    detainee_fresnes, company, offer, cpip_fresnes
):
    """`Agreement.covers` (the person page, agreements already read) and the queryset's
    `active().covering` (the send page) are one rule: checked on every pair here."""
    other_offer = OfferFactory(company=company)
    elsewhere = OfferFactory()
    agreements = [
        AgreementFactory(detainee=detainee_fresnes, company=company, offer=offer),
        AgreementFactory(detainee=detainee_fresnes, company=company),
        AgreementFactory(detainee=detainee_fresnes, company=company, withdrawn=True),
        AgreementFactory(detainee=detainee_fresnes, company=elsewhere.company),
    ]
    for candidate in (offer, other_offer, elsewhere):
        selected = set(Agreement.objects.active().covering(candidate))
        assert {a for a in agreements if a.covers(candidate)} == selected
    assert [a.covers(other_offer) for a in agreements] == [False, True, False, False]


# --- The pages: access -----------------------------------------------------------------------


def urls(detainee, agreement) -> list[str]:
    return [
        reverse("partners:agreement_create", args=[detainee.pk]),
        reverse("partners:agreement_withdraw", args=[detainee.pk, agreement.pk]),
    ]


def test_anonymous_is_sent_to_the_login_page(client, detainee_fresnes, agreement):
    for url in urls(detainee_fresnes, agreement):
        for verb in ("get", "post"):
            response = getattr(client, verb)(url)
            assert response.status_code == 302
            assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_forbidden(client, fresnes, detainee_fresnes, agreement, role):
    client.force_login(UserFactory(role=role, establishments=[fresnes]))
    for url in urls(detainee_fresnes, agreement):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert Agreement.objects.get(pk=agreement.pk).is_active


@pytest.mark.parametrize("role", KEEPERS)
def test_a_user_of_another_establishment_gets_404(client, lyon, detainee_fresnes, agreement, role):
    client.force_login(UserFactory(role=role, establishments=[lyon]))
    for url in urls(detainee_fresnes, agreement):
        assert client.get(url).status_code == 404
        assert client.post(url, {"note": "x"}).status_code == 404
    assert Agreement.objects.get(pk=agreement.pk).is_active


def test_an_agreement_of_another_person_answers_404(
    client, cpip_fresnes, fresnes, detainee_fresnes, agreement
):
    other = DetaineeFactory(establishment=fresnes)
    client.force_login(cpip_fresnes)
    url = reverse("partners:agreement_withdraw", args=[other.pk, agreement.pk])
    assert client.post(url).status_code == 404
    assert Agreement.objects.get(pk=agreement.pk).is_active


# --- Recording -------------------------------------------------------------------------------


def form_data(company, offer=None, **changes) -> dict:
    data = {
        "scope": f"offre-{offer.pk}" if offer else f"entreprise-{company.pk}",
        "shares": DEFAULT_SHARED_ITEMS,
        "agreed_on": timezone.localdate().isoformat(),
        "informed": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", KEEPERS)
def test_the_cpip_or_a_manager_records_the_agreement(
    client, fresnes, detainee_fresnes, company, offer, role
):
    user = UserFactory(role=role, establishments=[fresnes])
    client.force_login(user)
    url = reverse("partners:agreement_create", args=[detainee_fresnes.pk])
    page = client.get(url, {"offre": offer.pk})
    assert page.status_code == 200
    assert f'value="offre-{offer.pk}" selected' in page.content.decode()
    assert "Toute offre de Cuisines du Val fictives" in text(page)
    response = client.post(url, form_data(company, offer))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("person:detail", args=[detainee_fresnes.pk]) + "#entreprises"
    )
    agreement = Agreement.objects.get()
    assert (agreement.detainee, agreement.company, agreement.offer) == (
        detainee_fresnes,
        company,
        offer,
    )
    assert agreement.recorded_by == user
    lines = AccessLog.objects.order_by("pk")
    assert [(line.action, line.detainee_id, line.user_id) for line in lines] == [
        (Action.AGREEMENT_READ, detainee_fresnes.pk, user.pk),
        (Action.AGREEMENT_RECORD, detainee_fresnes.pk, user.pk),
    ]


def test_bad_input_is_refused_in_french_and_nothing_typed_is_lost(
    client, cpip_fresnes, detainee_fresnes, company
):
    client.force_login(cpip_fresnes)
    url = reverse("partners:agreement_create", args=[detainee_fresnes.pk])
    response = client.post(
        url,
        form_data(company, shares=[SharedItem.PROJECTS], agreed_on="31/02/2026", informed=""),
    )
    assert response.status_code == 200
    page = text(response)
    assert "Saisissez une date valide" in page
    assert "Cochez la case : la personne doit avoir été informée." in page
    assert f'value="{SharedItem.PROJECTS}"' in page
    response = client.post(url, form_data(company, scope="offre-999999"))
    assert "Choisissez parmi les entreprises partenaires de l'établissement." in text(response)
    response = client.post(url, form_data(company, shares=[]))
    assert "Choisissez au moins un élément" in text(response)
    assert not Agreement.objects.exists()


def test_a_company_of_another_establishment_is_not_offered(
    client, cpip_fresnes, detainee_fresnes, company, lyon
):
    elsewhere = CompanyFactory(name="Entreprise lyonnaise fictive", establishments=[lyon])
    client.force_login(cpip_fresnes)
    url = reverse("partners:agreement_create", args=[detainee_fresnes.pk])
    assert "Entreprise lyonnaise fictive" not in text(client.get(url))
    response = client.post(url, form_data(elsewhere))
    assert response.status_code == 200
    assert not Agreement.objects.exists()


def test_a_duplicate_agreement_is_refused_on_the_page(
    client, cpip_fresnes, detainee_fresnes, company, agreement
):
    client.force_login(cpip_fresnes)
    url = reverse("partners:agreement_create", args=[detainee_fresnes.pk])
    response = client.post(url, form_data(company))
    assert response.status_code == 200
    assert "Un accord est déjà enregistré pour cette entreprise" in text(response)
    assert Agreement.objects.count() == 1


# --- Withdrawal ------------------------------------------------------------------------------


def test_withdrawal_asks_for_confirmation_first(client, cpip_fresnes, detainee_fresnes, agreement):
    ProfileTransmissionFactory(agreement=agreement)
    client.force_login(cpip_fresnes)
    url = reverse("partners:agreement_withdraw", args=[detainee_fresnes.pk, agreement.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Retirer l'accord de la personne" in text(page)
    assert "1 envoi en attente sera annulé" in text(page)
    assert Agreement.objects.get(pk=agreement.pk).is_active


def test_the_manager_withdraws_and_the_pending_transmission_is_cancelled(
    client, manager_fresnes, detainee_fresnes, agreement
):
    transmission = ProfileTransmissionFactory(agreement=agreement)
    client.force_login(manager_fresnes)
    url = reverse("partners:agreement_withdraw", args=[detainee_fresnes.pk, agreement.pk])
    response = client.post(url, {"note": "La personne ne souhaite plus."}, follow=True)
    page = text(response)
    assert "est retiré : plus rien ne sera envoyé. 1 envoi en attente est annulé." in page
    agreement.refresh_from_db()
    assert not agreement.is_active and agreement.withdrawn_by == manager_fresnes
    assert agreement.withdrawal_note == "La personne ne souhaite plus."
    transmission.refresh_from_db()
    assert transmission.status == TransmissionStatus.CANCELLED
    actions = list(
        AccessLog.objects.filter(action=Action.AGREEMENT_WITHDRAW).values_list(
            "detainee_id", "user_id", "object_id"
        )
    )
    assert actions == [(detainee_fresnes.pk, manager_fresnes.pk, agreement.pk)]
    # Withdrawn twice: a French message, nothing changes.
    again = client.post(url, follow=True)
    assert "Cet accord est déjà retiré." in text(again)
    assert ProfileTransmission.objects.filter(status=TransmissionStatus.CANCELLED).count() == 1


# --- The person page's « Entreprises partenaires » -------------------------------------------


def person_page(client, detainee):
    return client.get(reverse("person:detail", args=[detainee.pk]))


def test_the_person_page_shows_offers_agreements_and_profiles_sent(
    client, cpip_fresnes, detainee_fresnes, company, offer, agreement
):
    withdrawn = AgreementFactory(
        detainee=detainee_fresnes,
        company=CompanyFactory(
            name="Logistique fictive", establishments=[company.establishments.get()]
        ),
        withdrawn=True,
        withdrawal_note="Ne souhaite plus.",
    )
    ProfileTransmissionFactory(agreement=agreement, offer=offer, contact_name="Responsable fictive")
    client.force_login(cpip_fresnes)
    page = text(person_page(client, detainee_fresnes))
    section = page.split('id="entreprises"', 1)[1]
    assert "Entreprises partenaires" in page
    assert "Commis de cuisine fictif" in section and "Accord de la personne donné" in section
    assert reverse("partners:agreement_create", args=[detainee_fresnes.pk]) in section
    assert reverse("partners:agreement_withdraw", args=[detainee_fresnes.pk, agreement.pk]) in (
        section
    )
    assert (
        reverse("partners:agreement_withdraw", args=[detainee_fresnes.pk, withdrawn.pk])
        not in section
    )
    assert "Motif du retrait : Ne souhaite plus." in section
    assert "à Responsable fictive" in section and "À envoyer" in section


def test_an_offer_without_agreement_links_to_recording_it(
    client, manager_fresnes, detainee_fresnes, offer
):
    client.force_login(manager_fresnes)
    page = text(person_page(client, detainee_fresnes))
    url = reverse("partners:agreement_create", args=[detainee_fresnes.pk])
    assert f"{url}?offre={offer.pk}" in page
    assert "Aucun accord enregistré" in page


def test_the_interviewer_does_not_see_the_section(
    client, interviewer_fresnes, detainee_fresnes, agreement
):
    client.force_login(interviewer_fresnes)
    assert 'id="entreprises"' not in text(person_page(client, detainee_fresnes))


def test_another_establishments_agreements_never_show(client, cpip_lyon, detainee_lyon, lyon):
    AgreementFactory(
        detainee=detainee_lyon,
        company=CompanyFactory(name="Lyonnaise fictive", establishments=[lyon]),
    )
    client.force_login(UserFactory(cpip=True, establishments=[lyon]))
    assert "Lyonnaise fictive" in text(person_page(client, detainee_lyon))
    client.force_login(cpip_lyon)
    cpip_lyon.establishments.set([])
    assert person_page(client, detainee_lyon).status_code == 404


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_section_costs_the_same_queries_whatever_the_number_of_rows(
    client, cpip_fresnes, fresnes, interviewer_fresnes
):
    counts = []
    for rows in (1, 6):
        person = DetaineeFactory(establishment=fresnes, referent=cpip_fresnes)
        validated_interview(detainee=person, by=interviewer_fresnes)
        for _ in range(rows):
            company = CompanyFactory(establishments=[fresnes])
            offer = OfferFactory(company=company)
            agreement = AgreementFactory(detainee=person, company=company)
            ProfileTransmissionFactory(agreement=agreement, offer=offer)
        client.force_login(cpip_fresnes)
        url = reverse("person:detail", args=[person.pk])
        client.get(url)  # the session, once
        response = client.get(url)
        assert len(response.context["partner_agreements"]) == rows
        # The offers of the first round fit the second person too.
        assert len(response.context["partner_offers"]) == (1 if rows == 1 else 7)
        assert len(response.context["partner_transmissions"]) == rows
        counts.append(_count(client, url))
    assert counts[0] == counts[1] == SECTION_PAGE_QUERIES


# The person page of a person followed by the CPIP, with a validated interview: the same with one
# offer, agreement and profile sent as with seven offers and six of each.
# The referrals: one more query (two with one referral or more: test_partners_referrals.py).
SECTION_PAGE_QUERIES = 26
