"""The offer pages of the prison teams and managers (issue 14): the list with demand against
places, the form and each of its refusals, deactivation and reactivation; access for each role,
another prison's offers (404), and the locked query count of the list."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import Priority
from insertion.placements.choices import OfferKind, RequestOrigin, RequestStatus, WorkSetting
from insertion.placements.models import Offer, PlacementRequest
from insertion.placements.services import (
    offer_create,
    offer_set_active,
    offer_update,
    request_allocate,
    request_create,
    request_examine,
)
from tests.factories import DetaineeFactory, EstablishmentFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("placements:offers")
CREATE = reverse("placements:offer_create")
LOGIN = reverse("accounts:login")


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def make_offer(establishment, kind=OfferKind.TRAINING, **fields) -> Offer:
    values = dict(
        establishment=establishment,
        kind=kind,
        title="CAP Cuisine",
        service="Responsable local de formation",
        places=8,
        permanent=True,
    )
    values.update(fields)
    return Offer.objects.create(**values)


def make_request(establishment, by, kind=OfferKind.TRAINING) -> PlacementRequest:
    return request_create(
        detainee=DetaineeFactory(establishment=establishment),
        offer_kind=kind,
        priority=Priority.MEDIUM,
        origin=RequestOrigin.CPIP,
        by=by,
    )


def allocate(offer: Offer, by, count: int = 1) -> list[PlacementRequest]:
    return [
        request_allocate(
            request=make_request(offer.establishment, by, offer.kind),
            offer=offer,
            start_date=day(0),
            by=by,
        )
        for _ in range(count)
    ]


def text(response) -> str:
    """The page as a reader sees it (its HTML entities decoded)."""
    return html.unescape(response.content.decode())


def edit_url(offer) -> str:
    return reverse("placements:offer_edit", args=[offer.pk])


def deactivate_url(offer) -> str:
    return reverse("placements:offer_deactivate", args=[offer.pk])


def reactivate_url(offer) -> str:
    return reverse("placements:offer_reactivate", args=[offer.pk])


def form_data(**overrides) -> dict:
    data = {
        "kind": OfferKind.TRAINING,
        "work_setting": "",
        "title": "Titre professionnel Agent de propreté",
        "service": "Responsable local de formation",
        "places": "10",
        "start_date": day(10).isoformat(),
        "end_date": day(100).isoformat(),
        "requirements": "Niveau A2 en français",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def offer(fresnes):
    return make_offer(fresnes, title="CAP Cuisine Fresnes")


@pytest.fixture
def prison_team_lyon(lyon):
    return UserFactory(prison_team=True, establishments=[lyon])


def page_urls(offer) -> list[str]:
    return [LIST, CREATE, edit_url(offer), deactivate_url(offer), reactivate_url(offer)]


# --- Access ------------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_the_login_page(client, offer):
    for url in page_urls(offer):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={url}"


@pytest.mark.parametrize("role", ["cpip_fresnes", "interviewer_fresnes", "national_user"])
def test_other_roles_are_forbidden(client, request, offer, role):
    client.force_login(request.getfixturevalue(role))
    for url in page_urls(offer):
        assert client.get(url).status_code == 403
        if url != LIST:
            assert client.post(url, form_data()).status_code == 403
    offer.refresh_from_db()
    assert offer.active and offer.title == "CAP Cuisine Fresnes"
    assert Offer.objects.count() == 1


@pytest.mark.parametrize("role", ["prison_team_fresnes", "manager_fresnes"])
def test_the_team_and_the_manager_open_every_page(client, request, offer, role):
    client.force_login(request.getfixturevalue(role))
    offer_set_active(offer=offer, active=False)
    for url in [LIST, CREATE, edit_url(offer), reactivate_url(offer)]:
        assert client.get(url).status_code == 200, url


def test_a_team_of_lyon_sees_no_offer_of_fresnes(client, offer, lyon, prison_team_lyon):
    make_offer(lyon, title="Atelier reliure Corbas")
    client.force_login(prison_team_lyon)
    response = client.get(LIST, {"etat": "toutes"})
    content = text(response)
    assert "Atelier reliure Corbas" in content
    assert "CAP Cuisine Fresnes" not in content
    assert [o.title for o in response.context["page_obj"].object_list] == ["Atelier reliure Corbas"]


def test_a_team_of_lyon_gets_404_on_an_offer_of_fresnes(client, offer, fresnes, prison_team_lyon):
    client.force_login(prison_team_lyon)
    for url in [edit_url(offer), deactivate_url(offer), reactivate_url(offer)]:
        assert client.get(url).status_code == 404
        assert client.post(url, form_data(title="Piraté")).status_code == 404
    offer.refresh_from_db()
    assert offer.active and offer.title == "CAP Cuisine Fresnes"
    assert client.get(LIST, {"etablissement": fresnes.pk}).status_code == 404
    assert client.get(CREATE, {"etablissement": fresnes.pk}).status_code == 404


def test_a_team_of_lyon_cannot_create_an_offer_for_fresnes(client, fresnes, prison_team_lyon):
    client.force_login(prison_team_lyon)
    response = client.post(CREATE, form_data(etablissement=str(fresnes.pk)))
    assert response.status_code == 404
    assert not Offer.objects.exists()


def test_a_user_of_several_establishments_picks_one(client, fresnes, lyon, offer):
    make_offer(lyon, title="Atelier reliure Corbas")
    manager = UserFactory(manager=True, establishments=[fresnes, lyon])
    client.force_login(manager)
    # By name: « Centre pénitentiaire de Fresnes » before « Maison d'arrêt de Lyon-Corbas ».
    response = client.get(LIST)
    assert response.context["establishment"] == fresnes
    assert 'id="etablissement"' in text(response)
    assert "CAP Cuisine Fresnes" in text(response)
    response = client.get(LIST, {"etablissement": lyon.pk})
    assert response.context["establishment"] == lyon
    assert "Atelier reliure Corbas" in text(response)
    assert "CAP Cuisine Fresnes" not in text(response)
    elsewhere = EstablishmentFactory()
    assert client.get(LIST, {"etablissement": elsewhere.pk}).status_code == 404


def test_a_user_of_one_establishment_has_no_establishment_select(
    client, prison_team_fresnes, offer
):
    client.force_login(prison_team_fresnes)
    assert 'id="etablissement"' not in text(client.get(LIST))


def test_a_keeper_of_no_establishment_is_told_so(client, db):
    client.force_login(UserFactory(manager=True))
    response = client.get(LIST)
    assert response.status_code == 200
    assert "Votre compte n'est rattaché à aucun établissement." in text(response)
    assert client.get(CREATE).status_code == 404


# --- The list ----------------------------------------------------------------------------------


def test_the_list_shows_each_offer_with_its_allocated_people(
    client, fresnes, prison_team_fresnes, cpip_fresnes
):
    workshop = make_offer(
        fresnes,
        OfferKind.WORK,
        title="Atelier conditionnement",
        service="Concessionnaire Alpha",
        work_setting=WorkSetting.WORKSHOP,
        places=12,
    )
    session = make_offer(
        fresnes,
        title="CAP Cuisine",
        permanent=False,
        start_date=datetime.date(2026, 3, 2),
        end_date=datetime.date(2099, 6, 30),
        requirements="Niveau A2 en français",
    )
    allocate(workshop, cpip_fresnes, 3)
    allocate(session, cpip_fresnes, 1)
    # Waiting or done requests are not places taken.
    request_examine(request=make_request(fresnes, cpip_fresnes, OfferKind.WORK), by=cpip_fresnes)
    client.force_login(prison_team_fresnes)
    response = client.get(LIST)
    rows = {o.title: o for o in response.context["page_obj"].object_list}
    assert rows["Atelier conditionnement"].taken == 3
    assert rows["CAP Cuisine"].taken == 1
    # Work posts first (the referential's order), then training.
    assert list(rows) == ["Atelier conditionnement", "CAP Cuisine"]
    assert '<span class="fr-hint-text">Atelier</span>' in response.content.decode()
    content = text(response)
    for shown in (
        "Poste de travail",
        "Concessionnaire Alpha",
        "Formation professionnelle",
        "Permanente",
        "du 2 mars 2026",
        "au 30 juin 2099",
        "Niveau A2 en français",
        "Active",
    ):
        assert shown in content, shown


def test_the_list_shows_active_offers_unless_asked(client, fresnes, prison_team_fresnes):
    make_offer(fresnes, title="Offre ouverte")
    closed = make_offer(fresnes, title="Offre fermée")
    offer_set_active(offer=closed, active=False)
    client.force_login(prison_team_fresnes)

    def titles(**params):
        response = client.get(LIST, params)
        return [o.title for o in response.context["page_obj"].object_list]

    assert titles() == ["Offre ouverte"]
    assert titles(etat="inactives") == ["Offre fermée"]
    assert titles(etat="toutes") == ["Offre fermée", "Offre ouverte"]
    assert titles(etat="nimportequoi") == ["Offre ouverte"]
    assert "Désactivée" in text(client.get(LIST, {"etat": "inactives"}))


def test_the_list_filters_by_kind(client, fresnes, prison_team_fresnes):
    make_offer(fresnes, OfferKind.LITERACY, title="Atelier lecture")
    make_offer(fresnes, OfferKind.DIGITAL, title="Initiation numérique")
    client.force_login(prison_team_fresnes)
    response = client.get(LIST, {"type": OfferKind.DIGITAL})
    assert [o.title for o in response.context["page_obj"].object_list] == ["Initiation numérique"]


def test_an_ended_offer_is_marked_ended(client, fresnes, prison_team_fresnes):
    make_offer(
        fresnes, permanent=False, start_date=day(-100), end_date=day(-1), title="Session passée"
    )
    client.force_login(prison_team_fresnes)
    assert "Terminée" in text(client.get(LIST))


def test_the_demand_against_places_is_shown_per_kind(
    client, fresnes, lyon, prison_team_fresnes, cpip_fresnes, cpip_lyon
):
    make_offer(fresnes, places=5, title="CAP Cuisine")
    make_offer(fresnes, places=3, title="CAP Boulangerie")
    # Not counted: a deactivated offer, another prison's people.
    offer_set_active(offer=make_offer(fresnes, places=20, title="Ancienne"), active=False)
    for _ in range(3):
        request_examine(request=make_request(fresnes, cpip_fresnes), by=cpip_fresnes)
    make_request(fresnes, cpip_fresnes)  # to examine, not yet waiting
    request_examine(request=make_request(lyon, cpip_lyon), by=cpip_lyon)
    client.force_login(prison_team_fresnes)
    response = client.get(LIST)
    content = text(response)
    assert "3 en attente pour 8 places" in content
    assert "1 demande à examiner" in content


def test_an_establishment_without_offers_shows_the_empty_state(
    client, prison_team_fresnes, fresnes
):
    client.force_login(prison_team_fresnes)
    content = text(client.get(LIST))
    assert "Aucune offre active dans cet établissement" in content
    assert f"{CREATE}?etablissement={fresnes.pk}" in content
    content = text(client.get(LIST, {"type": OfferKind.WORK, "etat": "toutes"}))
    assert "Aucune offre ne correspond à cette sélection." in content


def test_the_filters_redraw_the_results_only_with_htmx(client, prison_team_fresnes, offer):
    client.force_login(prison_team_fresnes)
    response = client.get(LIST, headers={"HX-Request": "true"})
    content = text(response)
    assert "CAP Cuisine Fresnes" in content
    assert "<h1>" not in content
    assert 'id="results"' in content


def test_a_long_list_is_paginated(client, fresnes, prison_team_fresnes):
    Offer.objects.bulk_create(
        Offer(
            establishment=fresnes,
            kind=OfferKind.OTHER,
            title=f"Activité {index:02}",
            service="Sport",
            places=10,
            permanent=True,
        )
        for index in range(55)
    )
    client.force_login(prison_team_fresnes)
    response = client.get(LIST, {"page": 2})
    page = response.context["page_obj"]
    assert page.paginator.count == 55
    assert page.object_list[0].title == "Activité 50"
    assert "2 / 2" in text(response)


# Session, user, OTP device, the user's establishment ids (scoping), the user's establishments
# (the selector), demand (offers, requests), the count and the page of offers with the people
# allocated to each.
LIST_QUERIES = 9


@pytest.mark.parametrize("size", [1, 15])
def test_the_list_query_count_does_not_grow_with_offers(
    client, fresnes, prison_team_fresnes, cpip_fresnes, django_assert_num_queries, size
):
    kinds = OfferKind.values
    for index in range(size):
        offer = make_offer(fresnes, kinds[index % len(kinds)], title=f"Offre {index:02}")
        if index % 2 == 0:
            allocate(offer, cpip_fresnes)
    request_examine(request=make_request(fresnes, cpip_fresnes, OfferKind.OTHER), by=cpip_fresnes)
    client.force_login(prison_team_fresnes)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    rows = response.context["page_obj"].object_list
    assert len(rows) == size
    assert sum(offer.taken for offer in rows) == (size + 1) // 2


# --- Creating ----------------------------------------------------------------------------------


def test_the_form_is_in_french(client, prison_team_fresnes):
    client.force_login(prison_team_fresnes)
    content = text(client.get(CREATE))
    for label in (
        "Type d'offre",
        "Cadre du poste",
        "Intitulé",
        "Service en charge",
        "Nombre de places",
        "Offre permanente",
        "Date de début",
        "Date de fin",
        "Prérequis",
    ):
        assert label in content, label


def test_a_team_member_creates_an_offer(client, fresnes, prison_team_fresnes):
    client.force_login(prison_team_fresnes)
    response = client.post(CREATE, form_data())
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?etablissement={fresnes.pk}"
    offer = Offer.objects.get()
    assert offer.establishment == fresnes
    assert offer.active
    assert (offer.kind, offer.title, offer.places) == (
        OfferKind.TRAINING,
        "Titre professionnel Agent de propreté",
        10,
    )
    assert (offer.start_date, offer.end_date) == (day(10), day(100))
    assert offer.requirements == "Niveau A2 en français"
    content = text(client.get(response["Location"]))
    assert "L'offre « Titre professionnel Agent de propreté » est créée." in content


def test_a_manager_creates_a_permanent_work_post(client, fresnes, manager_fresnes):
    client.force_login(manager_fresnes)
    data = form_data(
        kind=OfferKind.WORK,
        work_setting=WorkSetting.GENERAL_SERVICE,
        title="Auxiliaire d'étage",
        service="Service général",
        permanent="on",
        start_date="",
        # A permanent offer keeps no end date.
        end_date=day(30).isoformat(),
    )
    assert client.post(CREATE, data).status_code == 302
    offer = Offer.objects.get()
    assert offer.permanent and offer.end_date is None
    assert offer.work_setting == WorkSetting.GENERAL_SERVICE


def test_an_offer_is_created_in_the_chosen_establishment(client, fresnes, lyon):
    manager = UserFactory(manager=True, establishments=[fresnes, lyon])
    client.force_login(manager)
    response = client.get(CREATE, {"etablissement": lyon.pk})
    assert f'name="etablissement" value="{lyon.pk}"' in text(response)
    assert client.post(CREATE, form_data(etablissement=str(lyon.pk))).status_code == 302
    assert Offer.objects.get().establishment == lyon


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_date": "", "end_date": ""},
            "start_date",
            "Indiquez la date de début, ou cochez « permanente ».",
        ),
        ({"end_date": ""}, "end_date", "Indiquez la date de fin, ou cochez « permanente »."),
        (
            {"start_date": day(50).isoformat(), "end_date": day(40).isoformat()},
            "end_date",
            "La date de fin précède la date de début.",
        ),
        (
            {"work_setting": WorkSetting.WORKSHOP},
            "work_setting",
            "Le cadre du poste ne concerne que les postes de travail.",
        ),
        ({"places": "0"}, "places", "Une offre a au moins une place."),
        ({"places": "-3"}, "places", "Une offre a au moins une place."),
        ({"places": "beaucoup"}, "places", "Indiquez un nombre entier de places."),
        ({"places": "100000"}, "places", "Indiquez au plus 9999 places."),
        ({"title": ""}, "title", "Indiquez l'intitulé de l'offre."),
        ({"service": "  "}, "service", "Indiquez le service en charge."),
        ({"kind": ""}, "kind", "Choisissez le type d'offre."),
        ({"kind": "piscine"}, "kind", "Type d'offre inconnu."),
        (
            {"start_date": "31/02/2026"},
            "start_date",
            "Saisissez une date valide, par exemple 12/03/2026.",
        ),
        ({"title": "x" * 201}, "title", "L'intitulé tient en 200 caractères au plus."),
    ],
)
def test_bad_input_shows_the_form_again_with_its_error(
    client, prison_team_fresnes, overrides, field, message
):
    client.force_login(prison_team_fresnes)
    response = client.post(CREATE, form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors[field]
    assert "L'offre n'est pas enregistrée" in text(response)
    # Nothing typed is lost.
    assert form["requirements"].value() == "Niveau A2 en français"
    if "title" not in overrides:
        assert "Titre professionnel Agent de propreté" in text(response)
    assert not Offer.objects.exists()


def test_the_dates_errors_come_together(client, prison_team_fresnes):
    client.force_login(prison_team_fresnes)
    response = client.post(CREATE, form_data(start_date="", end_date=""))
    errors = response.context["form"].errors
    assert errors["start_date"] == ["Indiquez la date de début, ou cochez « permanente »."]
    assert errors["end_date"] == ["Indiquez la date de fin, ou cochez « permanente »."]


# --- Changing ----------------------------------------------------------------------------------


def test_the_edit_form_shows_the_offer(client, prison_team_fresnes, offer):
    client.force_login(prison_team_fresnes)
    response = client.get(edit_url(offer))
    form = response.context["form"]
    assert form["title"].value() == "CAP Cuisine Fresnes"
    assert form["places"].value() == 8
    assert form["permanent"].value() is True


def test_a_team_member_changes_an_offer(client, fresnes, prison_team_fresnes, offer):
    client.force_login(prison_team_fresnes)
    response = client.post(edit_url(offer), form_data(title="CAP Cuisine (session 2)"))
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?etablissement={fresnes.pk}"
    offer.refresh_from_db()
    assert offer.title == "CAP Cuisine (session 2)"
    assert not offer.permanent
    assert (offer.start_date, offer.end_date, offer.places) == (day(10), day(100), 10)
    assert offer.establishment == fresnes and offer.active


def test_a_change_with_bad_dates_changes_nothing(client, prison_team_fresnes, offer):
    client.force_login(prison_team_fresnes)
    data = form_data(start_date=day(20).isoformat(), end_date=day(10).isoformat())
    response = client.post(edit_url(offer), data)
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"] == [
        "La date de fin précède la date de début."
    ]
    offer.refresh_from_db()
    assert offer.permanent and offer.title == "CAP Cuisine Fresnes"


def test_an_offer_with_requests_keeps_its_kind(client, prison_team_fresnes, cpip_fresnes, offer):
    allocate(offer, cpip_fresnes)
    client.force_login(prison_team_fresnes)
    response = client.post(edit_url(offer), form_data(kind=OfferKind.EDUCATION))
    assert response.status_code == 200
    assert response.context["form"].errors["kind"] == [
        "Des demandes sont déjà liées à cette offre : son type ne peut plus changer. "
        "Désactivez-la et créez une nouvelle offre."
    ]
    offer.refresh_from_db()
    assert offer.kind == OfferKind.TRAINING


def test_an_offer_keeps_a_place_for_each_person_allocated(
    client, prison_team_fresnes, cpip_fresnes, offer
):
    allocate(offer, cpip_fresnes, 3)
    client.force_login(prison_team_fresnes)
    response = client.post(edit_url(offer), form_data(places="2"))
    assert response.context["form"].errors["places"] == [
        "3 personnes sont affectées à cette offre : elle ne peut pas avoir moins de 3 places."
    ]
    assert client.post(edit_url(offer), form_data(places="3")).status_code == 302
    offer.refresh_from_db()
    assert offer.places == 3


# --- Deactivating and reactivating -------------------------------------------------------------


def test_deactivating_asks_for_confirmation_with_the_people_allocated(
    client, prison_team_fresnes, cpip_fresnes, offer
):
    allocate(offer, cpip_fresnes, 2)
    client.force_login(prison_team_fresnes)
    response = client.get(deactivate_url(offer))
    content = text(response)
    assert response.status_code == 200
    assert (
        "ne reçoit plus d'affectation ; les personnes déjà affectées gardent leur place" in content
    )
    assert "2 personnes y sont affectées aujourd'hui." in content
    offer.refresh_from_db()
    assert offer.active


def test_a_team_member_deactivates_an_offer(
    client, fresnes, prison_team_fresnes, cpip_fresnes, offer
):
    placed = allocate(offer, cpip_fresnes, 2)
    client.force_login(prison_team_fresnes)
    response = client.post(deactivate_url(offer))
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?etablissement={fresnes.pk}"
    offer.refresh_from_db()
    assert not offer.active
    # The people allocated keep their place; no one new gets one.
    assert {r.status for r in PlacementRequest.objects.filter(pk__in=[p.pk for p in placed])} == {
        RequestStatus.ALLOCATED
    }
    with pytest.raises(ValidationError, match=r"Cette offre n'est plus active\."):
        allocate(offer, cpip_fresnes)
    content = text(client.get(response["Location"], {"etat": "toutes"}))
    assert "L'offre « CAP Cuisine Fresnes » est désactivée" in content
    assert Offer.objects.filter(pk=offer.pk).exists()


def test_a_manager_reactivates_an_offer(client, manager_fresnes, offer):
    offer_set_active(offer=offer, active=False)
    client.force_login(manager_fresnes)
    content = text(client.get(reactivate_url(offer)))
    assert "L'offre pourra de nouveau recevoir des affectations." in content
    response = client.post(reactivate_url(offer))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.active
    assert "est réactivée" in text(client.get(response["Location"]))


def test_reactivating_an_ended_offer_says_its_dates_are_past(client, manager_fresnes, fresnes):
    offer = make_offer(fresnes, permanent=False, start_date=day(-60), end_date=day(-2))
    offer_set_active(offer=offer, active=False)
    client.force_login(manager_fresnes)
    assert "est passée" in text(client.get(reactivate_url(offer)))


def test_deactivating_an_inactive_offer_goes_back_to_the_list(client, prison_team_fresnes, offer):
    offer_set_active(offer=offer, active=False)
    client.force_login(prison_team_fresnes)
    response = client.get(deactivate_url(offer))
    assert response.status_code == 302
    response = client.post(deactivate_url(offer), follow=True)
    assert "Cette offre est déjà désactivée." in text(response)
    offer.refresh_from_db()
    assert not offer.active


# --- The services ------------------------------------------------------------------------------


def test_offer_create_refuses_what_offer_clean_refuses(fresnes):
    base = dict(
        establishment=fresnes, kind=OfferKind.TRAINING, title="CAP", service="RLF", places=8
    )
    with pytest.raises(ValidationError) as error:
        offer_create(**base)
    assert error.value.message_dict == {
        "start_date": ["Indiquez la date de début, ou cochez « permanente »."],
        "end_date": ["Indiquez la date de fin, ou cochez « permanente »."],
    }
    with pytest.raises(ValidationError) as error:
        offer_create(**{**base, "places": 0, "permanent": True})
    assert error.value.message_dict == {"places": ["Une offre a au moins une place."]}
    with pytest.raises(ValidationError) as error:
        offer_create(**{**base, "permanent": True, "work_setting": WorkSetting.WORKSHOP})
    assert error.value.message_dict == {
        "work_setting": ["Le cadre du poste ne concerne que les postes de travail."]
    }
    with pytest.raises(ValidationError) as error:
        offer_create(**{**base, "start_date": day(5), "end_date": day(1)})
    assert error.value.message_dict == {"end_date": ["La date de fin précède la date de début."]}
    assert not Offer.objects.exists()


def test_offer_update_never_moves_an_offer_nor_activates_it(fresnes, offer):
    offer_set_active(offer=offer, active=False)
    offer = offer_update(
        offer=offer,
        kind=OfferKind.TRAINING,
        title=" CAP Cuisine ",
        service="RLF",
        places=4,
        permanent=True,
        start_date=None,
        end_date=day(3),
    )
    offer.refresh_from_db()
    assert (offer.title, offer.places, offer.end_date) == ("CAP Cuisine", 4, None)
    assert offer.establishment == fresnes and not offer.active


def test_offer_set_active_refuses_the_state_it_is_in(offer):
    with pytest.raises(ValidationError, match=r"Cette offre est déjà active\."):
        offer_set_active(offer=offer, active=True)
    offer_set_active(offer=offer, active=False)
    with pytest.raises(ValidationError, match=r"Cette offre est déjà désactivée\."):
        offer_set_active(offer=offer, active=False)
