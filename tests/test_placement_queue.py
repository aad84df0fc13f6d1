"""The prison team's work queue (/activites/) and the waiting lists (/activites/listes/<type>/):
access for each role, a Lyon team that sees nothing of Fresnes, what each part shows (requests
to examine oldest first with the late ones flagged, demand against places, free places, the
last syntheses), the waiting list in its documented order with a rank fixed by the team first,
and query counts that do not grow with the rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import Priority
from insertion.audit.models import AccessLog
from insertion.placements import reminders
from insertion.placements.choices import OfferKind, RequestOrigin, RequestStatus
from insertion.placements.models import Offer, PlacementRequest
from insertion.placements.queue import late_review_count, offers_with_free_places
from insertion.placements.waiting import waiting_list
from tests.factories import DetaineeFactory, UserFactory, validated_interview

pytestmark = pytest.mark.django_db

QUEUE = reverse("placements:queue")
LOGIN = reverse("accounts:login")


def training_list():
    return reverse("placements:waiting_list", args=[OfferKind.TRAINING])


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def offer(establishment, *, kind=OfferKind.TRAINING, title="CAP Cuisine", places=8, **fields):
    values = {"permanent": True, "service": "Responsable local de formation"} | fields
    return Offer.objects.create(
        establishment=establishment, kind=kind, title=title, places=places, **values
    )


def placement_request(
    establishment,
    *,
    status=RequestStatus.TO_REVIEW,
    kind=OfferKind.TRAINING,
    priority=Priority.MEDIUM,
    made_days_ago=0,
    waiting_days=30,
    release_in=200,
    rank=None,
    reason="",
    allocated_to=None,
    **person,
):
    detainee = DetaineeFactory(
        establishment=establishment,
        arrival_date=day(-400),
        expected_release_date=None if release_in is None else day(release_in),
        **person,
    )
    created = PlacementRequest.objects.create(
        detainee=detainee,
        establishment=establishment,
        offer_kind=kind,
        priority=priority,
        origin=RequestOrigin.TEAM,
        status=status,
        waiting_since=day(-waiting_days) if status == RequestStatus.WAITING else None,
        manual_rank=rank,
        override_reason=reason,
        offer=allocated_to,
        start_date=day(-5) if allocated_to else None,
    )
    if made_days_ago:
        PlacementRequest.objects.filter(pk=created.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=made_days_ago)
        )
        created.refresh_from_db()
    return created


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [QUEUE, training_list()])
def test_anonymous_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


@pytest.mark.parametrize("url", [QUEUE, training_list()])
@pytest.mark.parametrize("role", ["cpip_fresnes", "interviewer_fresnes", "national_user"])
def test_other_roles_are_forbidden(client, request, url, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["prison_team_fresnes", "manager_fresnes"])
def test_the_keepers_open_the_queue_and_a_waiting_list(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(QUEUE).status_code == 200
    assert client.get(training_list()).status_code == 200


def test_an_unknown_kind_of_offer_answers_404(client, prison_team_fresnes):
    client.force_login(prison_team_fresnes)
    url = reverse("placements:waiting_list", args=["cuisine"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [QUEUE, training_list()])
def test_another_establishment_named_in_the_query_answers_404(
    client, prison_team_fresnes, lyon, url
):
    client.force_login(prison_team_fresnes)
    assert client.get(url, {"etablissement": lyon.pk}).status_code == 404


def test_a_lyon_team_sees_nothing_of_fresnes(client, fresnes, lyon):
    placement_request(fresnes, last_name="Fresnois", made_days_ago=30)
    placement_request(fresnes, status=RequestStatus.WAITING, last_name="Attendfresnes")
    offer(fresnes, title="Atelier de Fresnes")
    lyon_team = UserFactory(prison_team=True, establishments=[lyon])
    client.force_login(lyon_team)
    queue = client.get(QUEUE)
    waiting = client.get(training_list())
    for response in (queue, waiting):
        content = response.content.decode()
        assert "FRESNOIS" not in content
        assert "ATTENDFRESNES" not in content
        assert "Atelier de Fresnes" not in content
    assert queue.context["page_obj"].paginator.count == 0
    assert queue.context["late_count"] == 0
    assert queue.context["demands"] == []
    assert waiting.context["waiting_count"] == 0


def test_the_lists_of_people_write_no_line_of_the_access_log(client, prison_team_fresnes, fresnes):
    placement_request(fresnes, last_name="Fresnois")
    placement_request(fresnes, status=RequestStatus.WAITING, last_name="Attendfresnes")
    client.force_login(prison_team_fresnes)
    client.get(QUEUE)
    client.get(training_list())
    assert AccessLog.objects.count() == 0


# --- The queue ----------------------------------------------------------------------------------


def test_the_requests_to_examine_come_oldest_first_with_their_columns(
    client, prison_team_fresnes, fresnes
):
    placement_request(fresnes, last_name="Recente", made_days_ago=2)
    placement_request(
        fresnes,
        last_name="Ancienne",
        made_days_ago=8,
        ecrou_number="77123",
        kind=OfferKind.LITERACY,
        priority=Priority.HIGH,
    )
    placement_request(fresnes, status=RequestStatus.WAITING, last_name="Enattente")
    client.force_login(prison_team_fresnes)
    response = client.get(QUEUE)
    names = [r.detainee.last_name for r in response.context["page_obj"].object_list]
    assert names == ["Ancienne", "Recente"]
    content = response.content.decode()
    assert "Demandes à examiner" in content
    assert "77123" in content
    assert "Lutte contre l&#x27;illettrisme" in content
    assert "Prioritaire" in content
    assert "Équipe de l&#x27;établissement" in content
    assert "8 jours" in content


def test_a_request_left_to_examine_too_long_has_its_badge_and_is_counted(
    client, prison_team_fresnes, fresnes, settings
):
    settings.PLACEMENT_REVIEW_REMINDER_DAYS = 10
    placement_request(fresnes, last_name="Enretard", made_days_ago=15)
    placement_request(fresnes, last_name="Alheure", made_days_ago=10)
    placement_request(fresnes, last_name="Autreretard", made_days_ago=11)
    client.force_login(prison_team_fresnes)
    response = client.get(QUEUE)
    content = response.content.decode()
    assert response.context["late_count"] == 2
    assert "2 demandes</strong>" in content
    assert "depuis plus de 10 jours" in content
    assert "À examiner depuis 15 jours" in content
    assert "À examiner depuis 11 jours" in content
    assert "À examiner depuis 10 jours" not in content
    rows = {r.detainee.last_name: r.review_late for r in response.context["page_obj"].object_list}
    assert rows == {"Enretard": True, "Autreretard": True, "Alheure": False}


def test_the_late_count_agrees_with_the_badge_of_each_request(fresnes, settings):
    settings.PLACEMENT_REVIEW_REMINDER_DAYS = 10
    requests = [placement_request(fresnes, made_days_ago=n) for n in (0, 9, 10, 11, 40)]
    today = timezone.localdate()
    badges = sum(reminders.is_review_overdue(r, today) for r in requests)
    assert late_review_count(fresnes, today) == badges == 2


def test_the_waiting_lists_say_demand_against_places_and_link_to_each_list(
    client, prison_team_fresnes, fresnes
):
    offer(fresnes, places=5)
    offer(fresnes, title="Titre pro", places=3)
    for _ in range(3):
        placement_request(fresnes, status=RequestStatus.WAITING)
    placement_request(fresnes)
    client.force_login(prison_team_fresnes)
    response = client.get(QUEUE)
    content = response.content.decode()
    assert "3 en attente pour 8 places" in content
    assert f'href="{training_list()}"' in content
    (training,) = response.context["demands"]
    assert (training.waiting, training.to_review) == (3, 1)


def test_the_free_places_of_each_offer_count_the_people_allocated_now(
    client, prison_team_fresnes, fresnes, lyon
):
    cuisine = offer(fresnes, title="CAP Cuisine", places=4)
    full = offer(fresnes, kind=OfferKind.WORK, title="Buanderie", places=1)
    offer(fresnes, title="Session close", active=False)
    offer(fresnes, title="Session passée", permanent=False, start_date=day(-90), end_date=day(-1))
    offer(lyon, title="Offre de Lyon")
    placement_request(fresnes, status=RequestStatus.ALLOCATED, allocated_to=cuisine)
    placement_request(fresnes, status=RequestStatus.ALLOCATED, allocated_to=full)
    placement_request(fresnes, status=RequestStatus.DONE, allocated_to=cuisine)
    client.force_login(prison_team_fresnes)
    response = client.get(QUEUE)
    offers = {o.title: (o.places, o.taken, o.free) for o in response.context["offers"]}
    # Work comes before training (the order of the kinds).
    assert list(offers) == ["Buanderie", "CAP Cuisine"]
    assert offers == {"Buanderie": (1, 1, 0), "CAP Cuisine": (4, 1, 3)}
    content = response.content.decode()
    assert "Complète" in content
    assert "Session close" not in content
    assert "Offre de Lyon" not in content


def test_the_queue_ends_with_the_last_syntheses_received(
    client, prison_team_fresnes, interviewer_fresnes, fresnes
):
    person = DetaineeFactory(establishment=fresnes, last_name="Synthesee")
    validated_interview(detainee=person, by=interviewer_fresnes)
    client.force_login(prison_team_fresnes)
    response = client.get(QUEUE)
    content = response.content.decode()
    assert [s.interview.detainee for s in response.context["syntheses"]] == [person]
    assert content.index("Demandes à examiner") < content.index("Listes d'attente")
    assert content.index("Listes d'attente") < content.index("Places libres")
    assert content.index("Places libres") < content.index("Synthèses reçues")
    assert "SYNTHESEE" in content[content.index("Synthèses reçues") :]
    assert f'href="{reverse("entretiens:syntheses")}"' in content
    # The interview's recommendation became a request to examine.
    assert [r.detainee for r in response.context["page_obj"].object_list] == [person]


def test_an_empty_queue_says_so_in_french(client, prison_team_fresnes, fresnes):
    client.force_login(prison_team_fresnes)
    content = client.get(QUEUE).content.decode()
    assert "Aucune demande à examiner." in content
    assert "Personne n'est en liste d'attente" in content
    assert "Aucune offre ne peut recevoir de personne en ce moment." in content
    assert "Aucune synthèse reçue pour l'instant." in content


def test_a_user_of_two_establishments_picks_one(client, fresnes, lyon):
    placement_request(fresnes, last_name="Fresnois")
    placement_request(lyon, last_name="Lyonnais")
    manager = UserFactory(manager=True, establishments=[fresnes, lyon])
    client.force_login(manager)
    first = client.get(QUEUE)  # Lyon-Corbas comes after Centre pénitentiaire de Fresnes
    assert first.context["establishment"] == fresnes
    assert 'name="etablissement"' in first.content.decode()
    other = client.get(QUEUE, {"etablissement": lyon.pk})
    names = [r.detainee.last_name for r in other.context["page_obj"].object_list]
    assert names == ["Lyonnais"]
    assert f"?etablissement={lyon.pk}" in other.content.decode()


def test_the_requests_to_examine_are_paginated(client, prison_team_fresnes, fresnes):
    for _ in range(51):
        placement_request(fresnes)
    client.force_login(prison_team_fresnes)
    response = client.get(QUEUE, {"page": 2})
    assert len(response.context["page_obj"].object_list) == 1
    assert response.context["page_obj"].paginator.count == 51


# --- The waiting list ---------------------------------------------------------------------------


def test_the_waiting_list_shows_the_documented_order(client, prison_team_fresnes, fresnes):
    placement_request(
        fresnes, status=RequestStatus.WAITING, priority=Priority.LOW, last_name="Envisager"
    )
    placement_request(
        fresnes, status=RequestStatus.WAITING, release_in=400, last_name="Tardive", waiting_days=90
    )
    placement_request(fresnes, status=RequestStatus.WAITING, release_in=30, last_name="Proche")
    placement_request(
        fresnes, status=RequestStatus.WAITING, release_in=400, last_name="Recente", waiting_days=5
    )
    placement_request(
        fresnes, status=RequestStatus.WAITING, priority=Priority.HIGH, last_name="Prioritaire"
    )
    placement_request(fresnes, status=RequestStatus.TO_REVIEW, last_name="Pasencore")
    placement_request(
        fresnes, status=RequestStatus.WAITING, kind=OfferKind.WORK, last_name="Autretype"
    )
    client.force_login(prison_team_fresnes)
    response = client.get(training_list())
    entries = response.context["page_obj"].object_list
    assert [e.detainee.last_name for e in entries] == [
        "Prioritaire",
        "Proche",
        "Tardive",
        "Recente",
        "Envisager",
    ]
    assert [e.position for e in entries] == [1, 2, 3, 4, 5]
    content = response.content.decode()
    assert content.index("PRIORITAIRE") < content.index("PROCHE") < content.index("ENVISAGER")
    assert "Ordre de la liste" in content
    assert "puis la libération la plus proche, puis l'attente la plus longue" in content


def test_a_rank_fixed_by_the_team_comes_first_with_its_reason(client, prison_team_fresnes, fresnes):
    placement_request(
        fresnes, status=RequestStatus.WAITING, priority=Priority.HIGH, last_name="Prioritaire"
    )
    placement_request(
        fresnes,
        status=RequestStatus.WAITING,
        priority=Priority.LOW,
        last_name="Rangfixe",
        rank=1,
        reason="Sortie en semi-liberté : formation exigée par le JAP.",
    )
    client.force_login(prison_team_fresnes)
    response = client.get(training_list())
    entries = response.context["page_obj"].object_list
    assert [e.detainee.last_name for e in entries] == ["Rangfixe", "Prioritaire"]
    content = response.content.decode()
    assert "Rang fixé : 1" in content
    assert "formation exigée par le JAP" in content
    assert content.index("RANGFIXE") < content.index("PRIORITAIRE")
    # Removing the rank is offered on that row only.
    assert content.count('name="retirer"') == 1


def test_a_waiting_list_row_says_since_when_and_the_weeks_to_release(
    client, prison_team_fresnes, fresnes
):
    waiting = placement_request(
        fresnes,
        status=RequestStatus.WAITING,
        waiting_days=45,
        release_in=70,
        last_name="Dupuis",
        first_name="Anna",
        ecrou_number="88001",
    )
    placement_request(fresnes, status=RequestStatus.WAITING, release_in=None, last_name="Sansdlp")
    client.force_login(prison_team_fresnes)
    content = client.get(training_list()).content.decode()
    assert "DUPUIS Anna" in content
    assert "88001" in content
    assert "45 jours" in content
    assert "sortie dans 10 semaines" in content
    assert waiting.detainee.expected_release_date.strftime("%Y") in content
    assert "Non connue" in content


def test_each_row_offers_its_actions_with_the_current_offers_of_the_kind(
    client, prison_team_fresnes, fresnes
):
    waiting = placement_request(fresnes, status=RequestStatus.WAITING)
    offer(fresnes, title="CAP Cuisine", places=8)
    offer(fresnes, title="Inactive", active=False)
    offer(fresnes, kind=OfferKind.WORK, title="Buanderie")
    client.force_login(prison_team_fresnes)
    response = client.get(training_list())
    content = response.content.decode()
    for name in ("allocate", "rank", "refuse", "withdraw"):
        assert f'action="{reverse(f"placements:request_{name}", args=[waiting.pk])}"' in content
    assert "8 places libres sur 8" in content
    assert "Inactive" not in content
    assert "Buanderie" not in content
    assert "Autre (précisez)" in content
    assert "Retiré par la personne" in content
    assert f'name="next" value="{training_list()}"' in content
    assert "0 en attente" not in content
    assert "1 en attente pour 8 places" in content


def test_an_empty_waiting_list_says_so_in_french(client, prison_team_fresnes, fresnes):
    client.force_login(prison_team_fresnes)
    content = client.get(training_list()).content.decode()
    assert "Personne n'est en liste d'attente « Formation professionnelle »." in content
    assert "Aucune offre « Formation professionnelle » ne peut recevoir de personne" in content


# --- Query counts -------------------------------------------------------------------------------

# Session, user, second factor, the user's establishments (their ids, then the list); then the
# queue: requests to examine (count, page) and the late ones, demand against places (2), the
# offers with their free places, the last syntheses.
QUEUE_QUERIES = 12
# The same five first; the waiting list (its length, then its page), the offers of the kind
# with their free places.
WAITING_LIST_QUERIES = 8


def _many(fresnes, interviewer, size):
    for index in range(size):
        placement_request(fresnes, made_days_ago=index)
        placement_request(
            fresnes,
            status=RequestStatus.WAITING,
            rank=1 if index == 0 else None,
            reason="Motif" if index == 0 else "",
        )
        training = offer(fresnes, title=f"Session {index}")
        placement_request(fresnes, status=RequestStatus.ALLOCATED, allocated_to=training)
        offer(fresnes, kind=OfferKind.WORK, title=f"Poste {index}")
    for _ in range(min(size, 6)):
        validated_interview(detainee=DetaineeFactory(establishment=fresnes), by=interviewer)


@pytest.mark.parametrize("size", [1, 12])
def test_the_queue_runs_the_same_queries_whatever_the_number_of_rows(
    client, prison_team_fresnes, interviewer_fresnes, fresnes, django_assert_num_queries, size
):
    _many(fresnes, interviewer_fresnes, size)
    client.force_login(prison_team_fresnes)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(QUEUE)
    assert response.status_code == 200
    assert len(response.context["offers"]) == 2 * size
    assert len(response.context["syntheses"]) == min(size, 5)


@pytest.mark.parametrize("size", [1, 12])
def test_the_waiting_list_runs_the_same_queries_whatever_the_number_of_rows(
    client, prison_team_fresnes, interviewer_fresnes, fresnes, django_assert_num_queries, size
):
    _many(fresnes, interviewer_fresnes, size)
    client.force_login(prison_team_fresnes)
    with django_assert_num_queries(WAITING_LIST_QUERIES):
        response = client.get(training_list())
    assert response.status_code == 200
    assert response.context["waiting_count"] == size
    assert len(response.context["offers"]) == size


def test_a_page_of_a_long_waiting_list_keeps_the_positions_of_the_whole_list(
    client, prison_team_fresnes, fresnes
):
    for index in range(53):
        placement_request(
            fresnes,
            status=RequestStatus.WAITING,
            priority=Priority.HIGH if index % 3 == 0 else Priority.LOW,
            release_in=100 + (index * 7) % 40,
            waiting_days=10 + index,
        )
    whole = waiting_list(OfferKind.TRAINING, fresnes)
    client.force_login(prison_team_fresnes)
    response = client.get(training_list(), {"page": 2})
    entries = list(response.context["page_obj"].object_list)
    assert response.context["waiting_count"] == 53
    assert [(e.position, e.request.pk) for e in entries] == [
        (e.position, e.request.pk) for e in whole[50:]
    ]
    assert [e.position for e in entries] == [51, 52, 53]


@pytest.mark.parametrize("offers", [8, 9])
def test_with_many_offers_the_rows_link_to_the_request_to_allocate(
    client, prison_team_fresnes, fresnes, offers
):
    waiting = placement_request(fresnes, status=RequestStatus.WAITING)
    for index in range(offers):
        offer(fresnes, title=f"Session {index}")
    client.force_login(prison_team_fresnes)
    content = client.get(training_list()).content.decode()
    detail = reverse("placements:request_detail", args=[waiting.pk])
    inline = f'id="affecter-{waiting.pk}-offre"' in content
    linked = f'href="{detail}#affecter-{waiting.pk}"' in content
    # Up to 8 offers each row carries the list; beyond, it links to the request's own form.
    assert (inline, linked) == ((True, False) if offers == 8 else (False, True))
    page = client.get(detail).content.decode()
    assert f'id="affecter-{waiting.pk}"' in page
    assert page.count("<option value=") >= offers


def test_offers_with_free_places_is_one_query(fresnes, django_assert_num_queries):
    for index in range(5):
        offer(fresnes, title=f"Session {index}")
    with django_assert_num_queries(1):
        assert len(offers_with_free_places(fresnes, timezone.localdate())) == 5
