"""The partnerships officers' pages (issue 16): companies, their contacts and their offers.
Access for every view (anonymous, wrong roles, another establishment's officer), the forms and
their French refusals, deactivation after confirmation, and the lists' locked query counts."""

import datetime
import html

import pytest
from django.urls import reverse

from insertion.accounts.models import Role
from insertion.demo import accounts as demo_accounts
from insertion.demo.partners import seed_partners
from insertion.partners.choices import EngagementKind, OfferKind, OfferSetting
from insertion.partners.models import Company, CompanyContact, Offer
from insertion.partners.services import company_update
from insertion.partners.siret import siret_error
from tests.factories import (
    CompanyContactFactory,
    CompanyFactory,
    EstablishmentFactory,
    OfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SIRET_KEY_ERROR = "Ce numéro SIRET n'existe pas : vérifiez chaque chiffre (clé de contrôle fausse)."
OTHER_ROLES = [role for role in Role.values if role != Role.PARTNERSHIPS]


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def officer(fresnes):
    return UserFactory(
        partnerships=True, email="partenariats.fresnes@test.insertion.fr", establishments=[fresnes]
    )


@pytest.fixture
def company(fresnes):
    return CompanyFactory(name="Cuisines du Val fictives", establishments=[fresnes])


@pytest.fixture
def contact(company):
    return CompanyContactFactory(company=company, name="Responsable fictive")


@pytest.fixture
def offer(company):
    return OfferFactory(company=company, title="Commis de cuisine fictif")


def urls(company, contact, offer) -> dict[str, tuple[str, str]]:
    """Every view of views.py: its address and the method that shows it."""
    return {
        "companies": (reverse("partners:companies"), "get"),
        "company_create": (reverse("partners:company_create"), "get"),
        "company_detail": (reverse("partners:company_detail", args=[company.pk]), "get"),
        "company_edit": (reverse("partners:company_edit", args=[company.pk]), "get"),
        "company_deactivate": (reverse("partners:company_deactivate", args=[company.pk]), "get"),
        "company_reactivate": (reverse("partners:company_reactivate", args=[company.pk]), "get"),
        "contact_add": (reverse("partners:contact_add", args=[company.pk]), "get"),
        "contact_remove": (
            reverse("partners:contact_remove", args=[company.pk, contact.pk]),
            "get",
        ),
        "offers": (reverse("partners:offers"), "get"),
        "offer_create": (reverse("partners:offer_create", args=[company.pk]), "get"),
        "offer_edit": (reverse("partners:offer_edit", args=[offer.pk]), "get"),
        "offer_deactivate": (reverse("partners:offer_deactivate", args=[offer.pk]), "get"),
        "offer_reactivate": (reverse("partners:offer_reactivate", args=[offer.pk]), "get"),
    }


VIEWS = [
    "companies",
    "company_create",
    "company_detail",
    "company_edit",
    "company_deactivate",
    "company_reactivate",
    "contact_add",
    "contact_remove",
    "offers",
    "offer_create",
    "offer_edit",
    "offer_deactivate",
    "offer_reactivate",
]
GET_ONLY = {"companies", "offers", "company_detail"}
OBJECT_VIEWS = [name for name in VIEWS if name not in ("companies", "company_create", "offers")]


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VIEWS)
def test_anonymous_is_sent_to_the_login_page(client, company, contact, offer, name):
    url, method = urls(company, contact, offer)[name]
    for verb in (method, "post"):
        response = getattr(client, verb)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("name", VIEWS)
def test_other_roles_are_forbidden(client, fresnes, company, contact, offer, name, role):
    client.force_login(UserFactory(role=role, establishments=[fresnes]))
    url, method = urls(company, contact, offer)[name]
    assert getattr(client, method)(url).status_code == 403
    if name not in GET_ONLY:
        assert client.post(url).status_code == 403


@pytest.mark.parametrize("name", OBJECT_VIEWS)
def test_officer_of_another_establishment_gets_404(client, lyon, company, contact, offer, name):
    client.force_login(UserFactory(partnerships=True, establishments=[lyon]))
    url, method = urls(company, contact, offer)[name]
    assert getattr(client, method)(url).status_code == 404
    if name not in GET_ONLY:
        assert client.post(url).status_code == 404
    assert Company.objects.get(pk=company.pk).active
    assert CompanyContact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("name", VIEWS)
def test_the_officer_opens_every_page(client, officer, company, contact, offer, name):
    client.force_login(officer)
    url, method = urls(company, contact, offer)[name]
    response = getattr(client, method)(url)
    # Reactivating an active company or offer sends back to the company's page.
    assert response.status_code == (302 if name.endswith("_reactivate") else 200)


def test_another_establishments_lists_show_nothing_of_fresnes(client, lyon, company, offer):
    client.force_login(UserFactory(partnerships=True, establishments=[lyon]))
    assert list(client.get(reverse("partners:companies")).context["page_obj"]) == []
    assert list(client.get(reverse("partners:offers")).context["page_obj"]) == []


def test_a_contact_of_another_company_answers_404(client, officer, company, fresnes):
    other = CompanyContactFactory(company=CompanyFactory(establishments=[fresnes]))
    client.force_login(officer)
    url = reverse("partners:contact_remove", args=[company.pk, other.pk])
    assert client.post(url).status_code == 404
    assert CompanyContact.objects.filter(pk=other.pk).exists()


# --- Companies -------------------------------------------------------------------------------


def company_data(fresnes, **changes) -> dict:
    data = {
        "name": "Transports fictifs du Sud",
        "siret": "987 654 321 00015",
        "sector": "logistique",
        "engagement": EngagementKind.CONVENTION,
        "establishments": [str(fresnes.pk)],
        "departments": "94, 75 2a;971",
        "notes": "",
    }
    data.update(changes)
    return data


def test_the_officer_creates_a_company(client, officer, fresnes):
    client.force_login(officer)
    response = client.post(reverse("partners:company_create"), company_data(fresnes))
    company = Company.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:company_detail", args=[company.pk])
    assert company.siret == "98765432100015"
    assert company.departments == ["94", "75", "2A", "971"]
    assert list(company.establishments.all()) == [fresnes]
    assert company.created_by == officer
    page = text(client.get(response["Location"]))
    assert "L'entreprise « Transports fictifs du Sud » est enregistrée." in page


def test_a_bad_siret_is_refused_in_french_and_nothing_typed_is_lost(client, officer, fresnes):
    client.force_login(officer)
    response = client.post(
        reverse("partners:company_create"), company_data(fresnes, siret="987 654 321 00016")
    )
    assert response.status_code == 200
    page = text(response)
    assert SIRET_KEY_ERROR in page
    assert "Transports fictifs du Sud" in page
    assert "987 654 321 00016" in page
    assert not Company.objects.exists()


def test_a_siret_already_recorded_is_refused(client, officer, fresnes, company):
    client.force_login(officer)
    response = client.post(
        reverse("partners:company_create"), company_data(fresnes, siret=company.siret)
    )
    assert "Une entreprise est déjà enregistrée avec ce numéro SIRET." in text(response)
    assert Company.objects.count() == 1


def test_bad_department_codes_are_named(client, officer, fresnes):
    client.force_login(officer)
    response = client.post(
        reverse("partners:company_create"), company_data(fresnes, departments="94, 20, 999")
    )
    page = text(response)
    assert "« 20 » n'est pas un code de département" in page
    assert "« 999 » n'est pas un code de département" in page
    assert not Company.objects.exists()


def test_only_the_officers_establishments_may_be_chosen(client, officer, fresnes, lyon):
    client.force_login(officer)
    form = client.get(reverse("partners:company_create")).context["form"]
    assert list(form.fields["establishments"].queryset) == [fresnes]
    response = client.post(
        reverse("partners:company_create"), company_data(fresnes, establishments=[str(lyon.pk)])
    )
    assert "Choisissez parmi vos établissements." in text(response)
    assert not Company.objects.exists()


def test_editing_keeps_the_ties_to_other_establishments(client, officer, fresnes, lyon):
    company = CompanyFactory(establishments=[fresnes, lyon])
    client.force_login(officer)
    response = client.post(
        reverse("partners:company_edit", args=[company.pk]),
        company_data(fresnes, name="Nouveau nom fictif", siret=company.siret),
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "Nouveau nom fictif"
    assert set(company.establishments.all()) == {fresnes, lyon}


def test_the_service_keeps_the_ties_the_user_does_not_hold(officer, fresnes, lyon):
    company = CompanyFactory(establishments=[lyon])
    company_update(
        company=company,
        name=company.name,
        siret=company.siret,
        sector=company.sector,
        engagement=company.engagement,
        establishments=[fresnes],
        by=officer,
    )
    assert set(company.establishments.all()) == {fresnes, lyon}


def test_deactivating_asks_then_does_it(client, officer, company, offer):
    client.force_login(officer)
    url = reverse("partners:company_deactivate", args=[company.pk])
    page = text(client.get(url))
    assert "Désactiver l'entreprise" in page
    assert "1 offre active" in page
    company.refresh_from_db()
    assert company.active
    response = client.post(url, follow=True)
    company.refresh_from_db()
    assert not company.active
    assert "est désactivée : ses offres ne sont plus proposées." in text(response)
    # Deactivated, it has no « Nouvelle offre » and creating one is refused.
    response = client.post(reverse("partners:offer_create", args=[company.pk]), offer_data(company))
    assert "Cette entreprise est désactivée" in text(response)
    assert Offer.objects.count() == 1
    response = client.post(reverse("partners:company_reactivate", args=[company.pk]), follow=True)
    company.refresh_from_db()
    assert company.active
    assert "est réactivée" in text(response)


def test_the_detail_shows_contacts_and_offers(client, officer, company, contact, offer):
    client.force_login(officer)
    page = text(client.get(reverse("partners:company_detail", args=[company.pk])))
    assert contact.name in page
    assert contact.email in page
    assert offer.title in page


def test_a_company_without_contact_nor_offer_says_so(client, officer, company):
    client.force_login(officer)
    page = text(client.get(reverse("partners:company_detail", args=[company.pk])))
    assert "Aucun contact" in page
    assert "Aucune offre." in page


def test_the_empty_list_says_what_to_do(client, officer):
    client.force_login(officer)
    page = text(client.get(reverse("partners:companies")))
    assert "Aucune entreprise partenaire active" in page
    page = text(client.get(reverse("partners:offers")))
    assert "Aucune offre partenaire active" in page


def test_the_company_list_filters(client, officer, fresnes):
    CompanyFactory(name="Boulangerie fictive", sector="hotellerie", establishments=[fresnes])
    CompanyFactory(name="Garage fictif", sector="mecanique", establishments=[fresnes])
    CompanyFactory(name="Ancienne fictive", active=False, establishments=[fresnes])
    client.force_login(officer)
    url = reverse("partners:companies")

    def names(**params):
        return [c.name for c in client.get(url, params).context["page_obj"]]

    assert names() == ["Boulangerie fictive", "Garage fictif"]
    assert names(q="garage") == ["Garage fictif"]
    assert names(secteur="hotellerie") == ["Boulangerie fictive"]
    assert names(etat="inactives") == ["Ancienne fictive"]
    assert len(names(etat="toutes")) == 3
    garage = Company.objects.get(name="Garage fictif")
    assert names(q=f"{garage.siret[:9]} {garage.siret[9:]}") == ["Garage fictif"]
    assert "Aucune entreprise ne correspond" in text(client.get(url, {"q": "introuvable"}))


# --- Contacts --------------------------------------------------------------------------------


def test_adding_and_removing_a_contact(client, officer, company):
    client.force_login(officer)
    response = client.post(
        reverse("partners:contact_add", args=[company.pk]),
        {"name": "Chargée fictive", "function": "", "email": "pas-une-adresse", "phone": ""},
    )
    assert "Saisissez une adresse électronique valide" in text(response)
    assert not CompanyContact.objects.exists()
    response = client.post(
        reverse("partners:contact_add", args=[company.pk]),
        {"name": "Chargée fictive", "function": "", "email": "rh@fictive.test", "phone": ""},
        follow=True,
    )
    contact = CompanyContact.objects.get()
    assert contact.company == company
    assert "Le contact « Chargée fictive » est ajouté." in text(response)
    url = reverse("partners:contact_remove", args=[company.pk, contact.pk])
    assert "Retirer le contact" in text(client.get(url))
    assert CompanyContact.objects.exists()
    response = client.post(url, follow=True)
    assert not CompanyContact.objects.exists()
    assert "est retiré" in text(response)


# --- Offers ----------------------------------------------------------------------------------


def offer_data(company, **changes) -> dict:
    data = {
        "kind": OfferKind.IMMERSION,
        "title": "Immersion en cuisine",
        "sector": "hotellerie",
        "description": "",
        "setting": OfferSetting.AT_RELEASE,
        "establishment": "",
        "department": "94",
        "city": "Créteil",
        "places": "2",
        "driving_licences": ["permis_b"],
        "professional_licences": ["haccp"],
        "diploma_level": "",
        "french": "",
        "opens_on": "2026-03-01",
        "closes_on": "2026-06-30",
    }
    data.update(changes)
    return data


def test_the_officer_creates_an_offer(client, officer, company):
    client.force_login(officer)
    response = client.post(
        reverse("partners:offer_create", args=[company.pk]), offer_data(company), follow=True
    )
    offer = Offer.objects.get()
    assert offer.company == company
    assert offer.driving_licences == ["permis_b"]
    assert offer.professional_licences == ["haccp"]
    assert offer.closes_on == datetime.date(2026, 6, 30)
    assert offer.created_by == officer
    assert "L'offre « Immersion en cuisine » est créée." in text(response)


def test_an_offer_inside_needs_one_of_the_officers_establishments(client, officer, company, lyon):
    client.force_login(officer)
    url = reverse("partners:offer_create", args=[company.pk])
    response = client.post(url, offer_data(company, setting=OfferSetting.INSIDE))
    assert "Choisissez l'établissement où l'offre a lieu." in text(response)
    response = client.post(
        url, offer_data(company, setting=OfferSetting.INSIDE, establishment=str(lyon.pk))
    )
    assert "Choisissez parmi vos établissements." in text(response)
    assert not Offer.objects.exists()


def test_an_offer_inside_keeps_its_establishment_not_a_department(
    client, officer, company, fresnes
):
    client.force_login(officer)
    client.post(
        reverse("partners:offer_create", args=[company.pk]),
        offer_data(company, setting=OfferSetting.INSIDE, establishment=str(fresnes.pk)),
    )
    offer = Offer.objects.get()
    assert (offer.establishment, offer.department, offer.city) == (fresnes, "", "")


def test_an_offer_at_release_needs_a_department_or_all_france(client, officer, company):
    client.force_login(officer)
    url = reverse("partners:offer_create", args=[company.pk])
    response = client.post(url, offer_data(company, department=""))
    assert "Indiquez le département de l'offre, ou cochez « partout en France »." in text(response)
    assert not Offer.objects.exists()
    client.post(url, offer_data(company, department="", nationwide="on"))
    assert Offer.objects.get().nationwide


def test_an_offer_closes_after_it_opens(client, officer, company):
    client.force_login(officer)
    response = client.post(
        reverse("partners:offer_create", args=[company.pk]),
        offer_data(company, opens_on="2026-06-01", closes_on="2026-05-01", title="Gardé"),
    )
    page = text(response)
    assert "La date de clôture suit la date d'ouverture." in page
    assert "Gardé" in page
    assert not Offer.objects.exists()


def test_editing_then_deactivating_an_offer(client, officer, company, offer):
    client.force_login(officer)
    response = client.post(
        reverse("partners:offer_edit", args=[offer.pk]),
        offer_data(company, title="Commis modifié", places="5"),
    )
    assert response["Location"] == reverse("partners:company_detail", args=[company.pk])
    offer.refresh_from_db()
    assert (offer.title, offer.places) == ("Commis modifié", 5)
    url = reverse("partners:offer_deactivate", args=[offer.pk])
    assert "Désactiver l'offre" in text(client.get(url))
    offer.refresh_from_db()
    assert offer.active
    response = client.post(url, follow=True)
    offer.refresh_from_db()
    assert not offer.active
    assert "L'offre « Commis modifié » est désactivée" in text(response)
    client.post(reverse("partners:offer_reactivate", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.active


def test_the_offer_list_filters(client, officer, fresnes, company):
    OfferFactory(company=company, title="Cariste fictif", kind=OfferKind.JOB)
    OfferFactory(company=company, title="Formation fictive", kind=OfferKind.TRAINING)
    OfferFactory(company=company, title="Ancienne offre", active=False)
    client.force_login(officer)
    url = reverse("partners:offers")

    def titles(**params):
        return [o.title for o in client.get(url, params).context["page_obj"]]

    assert titles() == ["Cariste fictif", "Formation fictive"]
    assert titles(type=OfferKind.TRAINING) == ["Formation fictive"]
    assert titles(q="cariste") == ["Cariste fictif"]
    assert titles(q="cuisines du val") == ["Cariste fictif", "Formation fictive"]
    assert titles(etat="inactives") == ["Ancienne offre"]


# --- Query counts ----------------------------------------------------------------------------

COMPANY_LIST_QUERIES = 6
OFFER_LIST_QUERIES = 6


@pytest.mark.parametrize("size", [1, 5])
def test_the_company_list_query_count_does_not_grow(
    client, officer, fresnes, django_assert_num_queries, size
):
    for _ in range(size):
        company = CompanyFactory(establishments=[fresnes])
        CompanyContactFactory(company=company)
        OfferFactory(company=company)
    client.force_login(officer)
    with django_assert_num_queries(COMPANY_LIST_QUERIES):
        response = client.get(reverse("partners:companies"))
    rows = list(response.context["page_obj"])
    assert len(rows) == size
    assert all(row.active_offers == 1 and row.contact_count == 1 for row in rows)


@pytest.mark.parametrize("size", [1, 5])
def test_the_offer_list_query_count_does_not_grow(
    client, officer, fresnes, django_assert_num_queries, size
):
    for index in range(size):
        company = CompanyFactory(establishments=[fresnes])
        if index % 2:
            OfferFactory(company=company, setting=OfferSetting.INSIDE, establishment=fresnes)
        else:
            OfferFactory(company=company)
    client.force_login(officer)
    with django_assert_num_queries(OFFER_LIST_QUERIES):
        response = client.get(reverse("partners:offers"))
    assert len(response.context["page_obj"]) == size


# --- Demo ------------------------------------------------------------------------------------


def test_the_demo_companies_are_fictional_and_valid(fresnes):
    fresnes.name = demo_accounts.FRESNES
    fresnes.save()
    EstablishmentFactory(name=demo_accounts.MELUN)
    counts = seed_partners(today=datetime.date(2026, 6, 1))
    assert counts == {"partner_companies": 4, "partner_contacts": 4, "partner_offers": 6}
    for company in Company.objects.all():
        assert siret_error(company.siret) is None
        assert company.siret.startswith("99")
        assert all(c.email.endswith(".test") for c in company.contacts.all())
    inside = Offer.objects.get(setting=OfferSetting.INSIDE)
    assert (inside.kind, inside.establishment) == (OfferKind.PRISON_WORK, fresnes)
