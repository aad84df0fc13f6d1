"""The page of a request and the prison team's actions on it (examine, allocate, refuse,
withdrawn by the person, finish, fix or remove the rank), and a request made directly by the
team: access for each role, another establishment's request (404), each action's success and
its refusal in French with nothing typed lost, the access log, and `next`."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import Priority
from insertion.audit.models import AccessLog
from insertion.detainees.choices import ReleaseKind
from insertion.person.services import detainee_release
from insertion.placements.choices import OfferKind, RefusalReason, RequestOrigin, RequestStatus
from insertion.placements.models import Offer, PlacementRequest, RequestEvent
from insertion.placements.services import (
    request_allocate,
    request_create,
    request_examine,
    request_set_rank,
)
from tests.factories import DetaineeFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CREATE = reverse("placements:request_create")
ACTIONS = ("examine", "allocate", "refuse", "withdraw", "finish", "rank")


def today() -> datetime.date:
    return timezone.localdate()


def day(offset: int) -> datetime.date:
    return today() + datetime.timedelta(days=offset)


def detail(placement_request) -> str:
    return reverse("placements:request_detail", args=[placement_request.pk])


def action(name: str, placement_request) -> str:
    return reverse(f"placements:request_{name}", args=[placement_request.pk])


def make_offer(establishment, *, kind=OfferKind.TRAINING, title="CAP Cuisine", **fields):
    values = {"permanent": True, "service": "Responsable local de formation", "places": 8}
    return Offer.objects.create(
        establishment=establishment, kind=kind, title=title, **(values | fields)
    )


@pytest.fixture
def to_review(detainee_fresnes, cpip_fresnes):
    return request_create(
        detainee=detainee_fresnes,
        offer_kind=OfferKind.TRAINING,
        priority=Priority.HIGH,
        origin=RequestOrigin.CPIP,
        details="Projet de CAP cuisine, a déjà travaillé en restauration.",
        by=cpip_fresnes,
    )


@pytest.fixture
def waiting(to_review, prison_team_fresnes):
    return request_examine(request=to_review, by=prison_team_fresnes)


@pytest.fixture
def training(fresnes):
    return make_offer(fresnes)


@pytest.fixture
def allocated(waiting, training, prison_team_fresnes):
    return request_allocate(
        request=waiting, offer=training, start_date=day(-3), by=prison_team_fresnes
    )


def status_of(placement_request) -> str:
    return PlacementRequest.objects.get(pk=placement_request.pk).status


# --- Access -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, to_review):
    for url in (detail(to_review), CREATE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={url}"
    for name in ACTIONS:
        url = action(name, to_review)
        response = client.post(url, {"etat": RequestStatus.TO_REVIEW})
        assert response["Location"] == f"{LOGIN}?next={url}"
    assert status_of(to_review) == RequestStatus.TO_REVIEW


@pytest.mark.parametrize("role", ["cpip_fresnes", "interviewer_fresnes", "national_user"])
def test_other_roles_are_forbidden_everywhere(client, request, to_review, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(detail(to_review)).status_code == 403
    assert client.get(CREATE).status_code == 403
    for name in ACTIONS:
        response = client.post(action(name, to_review), {"etat": RequestStatus.TO_REVIEW})
        assert response.status_code == 403
    assert status_of(to_review) == RequestStatus.TO_REVIEW


def test_a_team_of_another_establishment_gets_404(client, lyon, to_review):
    lyon_team = UserFactory(prison_team=True, establishments=[lyon])
    client.force_login(lyon_team)
    assert client.get(detail(to_review)).status_code == 404
    for name in ACTIONS:
        response = client.post(
            action(name, to_review), {"etat": RequestStatus.TO_REVIEW, "reason": "securite"}
        )
        assert response.status_code == 404
    assert status_of(to_review) == RequestStatus.TO_REVIEW
    assert AccessLog.objects.filter(action__startswith="demande.").count() == 0


def test_the_actions_answer_post_only(client, prison_team_fresnes, to_review):
    client.force_login(prison_team_fresnes)
    assert client.get(action("examine", to_review)).status_code == 405


# --- The page of a request ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["prison_team_fresnes", "manager_fresnes"])
def test_the_page_shows_the_request_its_history_and_writes_one_line(
    client, request, allocated, detainee_fresnes, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(detail(allocated))
    assert response.status_code == 200
    content = response.content.decode()
    assert "LEFÈVRE Hélène" in content
    assert "24001" in content
    assert detainee_fresnes.expected_release_date.strftime("%Y") in content
    assert "Projet de CAP cuisine" in content
    assert "CAP Cuisine" in content
    # The history: creation, examination, allocation, with who did each.
    events = response.context["events"]
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", RequestStatus.TO_REVIEW),
        (RequestStatus.TO_REVIEW, RequestStatus.WAITING),
        (RequestStatus.WAITING, RequestStatus.ALLOCATED),
    ]
    assert "En liste d&#x27;attente → Affecté" in content
    assert events[0].by.get_full_name() in content
    lines = list(AccessLog.objects.all())
    assert [(line.user, line.action, line.detainee_id) for line in lines] == [
        (user, "demande.consultation", detainee_fresnes.pk)
    ]
    assert lines[0].object_type == "placementrequest"
    assert lines[0].object_id == allocated.pk


def test_the_page_offers_the_actions_of_the_state(client, prison_team_fresnes, to_review, training):
    client.force_login(prison_team_fresnes)

    def offered(placement_request):
        content = client.get(detail(placement_request)).content.decode()
        return {
            name for name in ACTIONS if f'action="{action(name, placement_request)}"' in content
        }

    assert offered(to_review) == {"examine", "allocate", "refuse", "withdraw"}
    request_examine(request=to_review, by=prison_team_fresnes)
    assert offered(to_review) == {"allocate", "rank", "refuse", "withdraw"}
    request_allocate(request=to_review, offer=training, start_date=today(), by=prison_team_fresnes)
    assert offered(to_review) == {"finish", "withdraw"}


def test_a_closed_request_offers_no_action(
    client, prison_team_fresnes, to_review, detainee_fresnes
):
    detainee_release(detainee=detainee_fresnes, on_date=today(), kind=ReleaseKind.DRY)
    client.force_login(prison_team_fresnes)
    response = client.get(detail(to_review))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Clos (libération)" in content
    assert "elle ne peut plus changer" in content
    assert not any(f'action="{action(name, to_review)}"' in content for name in ACTIONS)


def test_a_request_late_to_examine_has_its_badge(client, prison_team_fresnes, to_review, settings):
    settings.PLACEMENT_REVIEW_REMINDER_DAYS = 10
    PlacementRequest.objects.filter(pk=to_review.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=14)
    )
    client.force_login(prison_team_fresnes)
    assert "À examiner depuis 14 jours" in client.get(detail(to_review)).content.decode()


# Session, user, second factor, the user's establishments; the request with its person and offer,
# its history, the offers it may go to; the line of the access log.
DETAIL_QUERIES = 8


@pytest.mark.parametrize("changes", [0, 6])
def test_the_page_runs_the_same_queries_whatever_its_history(
    client, prison_team_fresnes, waiting, django_assert_num_queries, changes
):
    for index in range(changes):
        request_set_rank(request=waiting, rank=index + 1, reason=f"Motif {index}", by=None)
    make_offer(waiting.establishment)
    make_offer(waiting.establishment, title="Titre pro")
    client.force_login(prison_team_fresnes)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail(waiting))
    assert len(response.context["events"]) == 2 + changes


# --- Examine ------------------------------------------------------------------------------------


def test_examine_puts_the_person_on_the_waiting_list_and_goes_back_to_next(
    client, prison_team_fresnes, to_review
):
    client.force_login(prison_team_fresnes)
    queue = reverse("placements:queue") + "?page=2"
    response = client.post(
        action("examine", to_review),
        {"etat": RequestStatus.TO_REVIEW, "note": "Vu en commission", "next": queue},
    )
    assert response.status_code == 302
    assert response["Location"] == queue
    to_review.refresh_from_db()
    assert to_review.status == RequestStatus.WAITING
    assert to_review.waiting_since == today()
    event = to_review.events.order_by("pk").last()
    assert (event.by, event.note) == (prison_team_fresnes, "Vu en commission")
    page = client.get(queue)
    assert (
        "LEFÈVRE Hélène est inscrit·e sur la liste d&#x27;attente « Formation professionnelle »."
        in (page.content.decode())
    )
    assert [(line.action, line.detainee_id) for line in AccessLog.objects.all()] == [
        ("demande.examen", to_review.detainee_id)
    ]


def test_a_next_that_is_not_a_local_path_is_ignored(client, prison_team_fresnes, to_review):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("examine", to_review),
        {"etat": RequestStatus.TO_REVIEW, "next": "https://ailleurs.example/"},
    )
    assert response["Location"] == detail(to_review)


def test_an_empty_post_is_refused_and_carries_nothing_out(client, prison_team_fresnes, to_review):
    client.force_login(prison_team_fresnes)
    for name in ACTIONS:
        client.post(action(name, to_review))
    assert status_of(to_review) == RequestStatus.TO_REVIEW
    assert to_review.events.count() == 1


def test_a_request_that_changed_since_the_page_was_shown_is_not_acted_upon(
    client, prison_team_fresnes, waiting
):
    client.force_login(prison_team_fresnes)
    # Sent from a page that still showed it « à examiner ».
    response = client.post(
        action("refuse", waiting),
        {"etat": RequestStatus.TO_REVIEW, "reason": RefusalReason.SECURITY},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == detail(waiting)
    assert "Cette demande a changé depuis l&#x27;affichage de la page" in response.content.decode()
    assert "« En liste d&#x27;attente »" in response.content.decode()
    assert status_of(waiting) == RequestStatus.WAITING


# --- Allocate -----------------------------------------------------------------------------------


def test_allocate_gives_a_place_from_a_start_date(client, prison_team_fresnes, waiting, training):
    client.force_login(prison_team_fresnes)
    waiting_list = reverse("placements:waiting_list", args=[OfferKind.TRAINING])
    response = client.post(
        action("allocate", waiting),
        {
            "etat": RequestStatus.WAITING,
            "offer": training.pk,
            "start_date": day(2).isoformat(),
            "next": waiting_list,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == waiting_list
    waiting.refresh_from_db()
    assert (waiting.status, waiting.offer, waiting.start_date) == (
        RequestStatus.ALLOCATED,
        training,
        day(2),
    )
    assert "LEFÈVRE Hélène est affecté·e à « CAP Cuisine » à partir du" in (
        response.content.decode()
    )
    # The place is taken.
    (row,) = response.context["offers"]
    assert (row.taken, row.free) == (1, 7)


def test_allocate_to_an_inactive_offer_is_refused_in_french_keeping_what_was_typed(
    client, prison_team_fresnes, waiting, fresnes
):
    closed = make_offer(fresnes, title="Session fermée", active=False)
    make_offer(fresnes, title="Session ouverte")
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("allocate", waiting),
        {
            "etat": RequestStatus.WAITING,
            "offer": closed.pk,
            "start_date": day(4).isoformat(),
            "note": "Accord du RLF",
            "next": "/activites/",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Cette offre n&#x27;est plus active." in content
    assert day(4).isoformat() in content
    assert "Accord du RLF" in content
    assert 'name="next" value="/activites/"' in content
    assert "Session ouverte" in content  # the offers that can take people are offered
    assert status_of(waiting) == RequestStatus.WAITING
    assert not AccessLog.objects.filter(action="demande.affectation").exists()


def test_allocate_to_an_offer_of_another_kind_or_establishment_is_refused(
    client, prison_team_fresnes, waiting, fresnes, lyon
):
    work = make_offer(fresnes, kind=OfferKind.WORK, title="Buanderie")
    elsewhere = make_offer(lyon, title="CAP de Lyon")
    client.force_login(prison_team_fresnes)
    data = {"etat": RequestStatus.WAITING, "start_date": today().isoformat()}
    other_kind = client.post(action("allocate", waiting), data | {"offer": work.pk})
    assert "Cette offre n&#x27;est pas du type demandé (Formation professionnelle)." in (
        other_kind.content.decode()
    )
    other_place = client.post(action("allocate", waiting), data | {"offer": elsewhere.pk})
    assert "Cette offre n&#x27;existe pas dans l&#x27;établissement." in (
        other_place.content.decode()
    )
    assert status_of(waiting) == RequestStatus.WAITING


def test_allocate_without_an_offer_or_a_start_date_says_what_is_missing(
    client, prison_team_fresnes, waiting
):
    client.force_login(prison_team_fresnes)
    response = client.post(action("allocate", waiting), {"etat": RequestStatus.WAITING})
    content = response.content.decode()
    assert "Choisissez l&#x27;offre." in content
    assert "Indiquez la date de début." in content


# --- Refuse -------------------------------------------------------------------------------------


def test_refuse_with_a_typed_reason(client, prison_team_fresnes, to_review):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("refuse", to_review),
        {"etat": RequestStatus.TO_REVIEW, "reason": RefusalReason.REQUIREMENTS},
        follow=True,
    )
    to_review.refresh_from_db()
    assert (to_review.status, to_review.refusal_reason) == (
        RequestStatus.REFUSED,
        RefusalReason.REQUIREMENTS,
    )
    content = response.content.decode()
    assert "Demande « Formation professionnelle » de LEFÈVRE Hélène refusée." in content
    assert "Refusé (prérequis non remplis)" in content


def test_refuse_for_another_reason_needs_details(client, prison_team_fresnes, to_review):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("refuse", to_review),
        {"etat": RequestStatus.TO_REVIEW, "reason": RefusalReason.OTHER, "details": "  "},
    )
    assert response.status_code == 200
    assert "Précisez le motif du refus." in response.content.decode()
    assert status_of(to_review) == RequestStatus.TO_REVIEW
    done = client.post(
        action("refuse", to_review),
        {
            "etat": RequestStatus.TO_REVIEW,
            "reason": RefusalReason.OTHER,
            "details": "Formation réservée aux personnes condamnées.",
        },
    )
    assert done.status_code == 302
    to_review.refresh_from_db()
    assert to_review.status_note == "Formation réservée aux personnes condamnées."


def test_refuse_without_a_reason_is_refused(client, prison_team_fresnes, to_review):
    client.force_login(prison_team_fresnes)
    response = client.post(action("refuse", to_review), {"etat": RequestStatus.TO_REVIEW})
    assert "Indiquez le motif du refus." in response.content.decode()
    assert status_of(to_review) == RequestStatus.TO_REVIEW


# --- Withdraw, finish ---------------------------------------------------------------------------


def test_withdrawn_by_the_person(client, prison_team_fresnes, waiting):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("withdraw", waiting),
        {"etat": RequestStatus.WAITING, "note": "Préfère travailler en cuisine."},
        follow=True,
    )
    assert status_of(waiting) == RequestStatus.WITHDRAWN
    assert "retirée par la personne." in response.content.decode()


def test_finish_an_allocation(client, prison_team_fresnes, allocated):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("finish", allocated), {"etat": RequestStatus.ALLOCATED}, follow=True
    )
    allocated.refresh_from_db()
    assert (allocated.status, allocated.ended_on) == (RequestStatus.DONE, today())
    assert "Affectation de LEFÈVRE Hélène terminée le" in response.content.decode()


def test_finish_before_the_start_is_refused_in_french(client, prison_team_fresnes, allocated):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("finish", allocated),
        {"etat": RequestStatus.ALLOCATED, "on_date": day(-10).isoformat()},
    )
    assert response.status_code == 200
    assert "La date de fin précède le début de l&#x27;affectation." in response.content.decode()
    assert status_of(allocated) == RequestStatus.ALLOCATED


def test_finish_is_not_for_a_request_still_waiting(client, prison_team_fresnes, waiting):
    client.force_login(prison_team_fresnes)
    response = client.post(action("finish", waiting), {"etat": RequestStatus.WAITING})
    assert response.status_code == 200
    assert "Seule une demande affectée peut être terminée." in response.content.decode()


# --- Rank ---------------------------------------------------------------------------------------


def test_fix_a_rank_with_its_reason_then_remove_it(client, prison_team_fresnes, waiting):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("rank", waiting),
        {"etat": RequestStatus.WAITING, "rank": "1", "reason": "Sortie dans six semaines."},
        follow=True,
    )
    waiting.refresh_from_db()
    assert (waiting.manual_rank, waiting.override_reason) == (1, "Sortie dans six semaines.")
    assert "Rang 1 fixé pour LEFÈVRE Hélène dans la liste d&#x27;attente." in (
        response.content.decode()
    )
    removed = client.post(
        action("rank", waiting), {"etat": RequestStatus.WAITING, "retirer": "1"}, follow=True
    )
    waiting.refresh_from_db()
    assert (waiting.manual_rank, waiting.override_reason) == (None, "")
    assert "reprend sa place dans l&#x27;ordre habituel" in removed.content.decode()
    assert [e.note for e in waiting.events.order_by("pk")][-2:] == [
        "Rang fixé à 1 : Sortie dans six semaines.",
        "Rang fixé retiré",
    ]


def test_a_rank_without_reason_is_refused_keeping_the_rank_typed(
    client, prison_team_fresnes, waiting
):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("rank", waiting), {"etat": RequestStatus.WAITING, "rank": "3", "reason": ""}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Indiquez pourquoi ce rang est fixé." in content
    assert 'value="3"' in content
    waiting.refresh_from_db()
    assert waiting.manual_rank is None


def test_a_rank_needs_a_number(client, prison_team_fresnes, waiting):
    client.force_login(prison_team_fresnes)
    response = client.post(
        action("rank", waiting), {"etat": RequestStatus.WAITING, "reason": "Urgent"}
    )
    assert "Indiquez le rang." in response.content.decode()
    zero = client.post(
        action("rank", waiting), {"etat": RequestStatus.WAITING, "rank": "0", "reason": "Urgent"}
    )
    assert "Le rang commence à 1." in zero.content.decode()


# --- A request made by the team -----------------------------------------------------------------


def create_data(**changes) -> dict:
    return {
        "ecrou": "24001",
        "offer_kind": OfferKind.LITERACY,
        "priority": Priority.MEDIUM,
        "origin": RequestOrigin.PERSON,
        "details": "Souhaite apprendre à lire pour écrire à sa fille.",
    } | changes


def test_the_team_makes_a_request_by_ecrou_number(
    client, prison_team_fresnes, detainee_fresnes, detainee_lyon
):
    client.force_login(prison_team_fresnes)
    page = client.get(CREATE)
    assert page.status_code == 200
    assert "Équipe de l&#x27;établissement" in page.content.decode()
    assert "Entretien d&#x27;arrivée" not in page.content.decode()
    response = client.post(CREATE, create_data(ecrou=" 24001 "), follow=True)
    created = PlacementRequest.objects.get()
    assert created.detainee == detainee_fresnes  # not the Lyon person of the same écrou
    assert (created.status, created.origin, created.offer_kind, created.created_by) == (
        RequestStatus.TO_REVIEW,
        RequestOrigin.PERSON,
        OfferKind.LITERACY,
        prison_team_fresnes,
    )
    assert created.details == "Souhaite apprendre à lire pour écrire à sa fille."
    assert response.redirect_chain[-1][0] == detail(created)
    assert "enregistrée pour LEFÈVRE Hélène : elle est à examiner." in response.content.decode()
    assert RequestEvent.objects.filter(request=created, to_status=RequestStatus.TO_REVIEW).exists()
    assert [(line.action, line.detainee_id) for line in AccessLog.objects.order_by("pk")] == [
        ("demande.creation", detainee_fresnes.pk),
        ("demande.consultation", detainee_fresnes.pk),
    ]


def test_an_unknown_ecrou_is_refused_in_french(client, prison_team_fresnes, detainee_lyon):
    DetaineeFactory(establishment=detainee_lyon.establishment, ecrou_number="55555")
    client.force_login(prison_team_fresnes)
    response = client.post(CREATE, create_data(ecrou="55555"))
    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "Aucune personne détenue à « Centre pénitentiaire de Fresnes » n&#x27;a le n° d&#x27;écrou"
        " « 55555 »." in content
    )
    assert "Souhaite apprendre à lire" in content
    assert not PlacementRequest.objects.exists()


def test_a_released_person_gets_no_new_request(client, prison_team_fresnes, detainee_fresnes):
    detainee_release(detainee=detainee_fresnes, on_date=today(), kind=ReleaseKind.DRY)
    client.force_login(prison_team_fresnes)
    response = client.post(CREATE, create_data())
    assert "n&#x27;a le n° d&#x27;écrou « 24001 »" in response.content.decode()
    assert not PlacementRequest.objects.exists()


def test_a_second_open_request_of_the_same_kind_is_refused_in_french(
    client, prison_team_fresnes, to_review
):
    client.force_login(prison_team_fresnes)
    response = client.post(CREATE, create_data(offer_kind=OfferKind.TRAINING))
    assert response.status_code == 200
    assert (
        "Une demande « Formation professionnelle » est déjà en cours pour cette personne."
        in response.content.decode()
    )
    assert PlacementRequest.objects.count() == 1


def test_the_origin_of_a_request_made_by_the_team_cannot_be_the_interview(
    client, prison_team_fresnes, detainee_fresnes
):
    client.force_login(prison_team_fresnes)
    response = client.post(CREATE, create_data(origin=RequestOrigin.INTERVIEW))
    assert "Origine de la demande inconnue." in response.content.decode()
    assert not PlacementRequest.objects.exists()


def test_a_user_of_two_establishments_makes_a_request_in_the_one_chosen(
    client, fresnes, lyon, detainee_fresnes, detainee_lyon
):
    manager = UserFactory(manager=True, establishments=[fresnes, lyon])
    client.force_login(manager)
    page = client.get(CREATE, {"etablissement": lyon.pk})
    assert 'name="etablissement"' in page.content.decode()
    client.post(CREATE, create_data(etablissement=lyon.pk))
    assert PlacementRequest.objects.get().detainee == detainee_lyon


def test_a_request_in_an_establishment_of_someone_else_answers_404(
    client, prison_team_fresnes, lyon, detainee_lyon
):
    client.force_login(prison_team_fresnes)
    assert client.post(CREATE, create_data(etablissement=lyon.pk)).status_code == 404
    assert not PlacementRequest.objects.exists()
