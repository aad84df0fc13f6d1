"""What the CPIP sees and does about a person's requests to the services of the establishment
(issue 14): the « Demandes d'activité » of the person page with their history, a request made or
withdrawn from it, and the caseload dashboard's column, counter, filter and export (insertion/
person/activity_requests.py, insertion/person/views/requests.py, insertion/dashboard/caseload/)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import Priority
from insertion.audit.models import AccessLog
from insertion.detainees.models import ReleaseKind
from insertion.person.activity_requests import since_text
from insertion.person.services import detainee_release
from insertion.placements.choices import OfferKind, RefusalReason, RequestOrigin, RequestStatus
from insertion.placements.models import Offer, PlacementRequest, RequestEvent
from insertion.placements.services import (
    request_allocate,
    request_create,
    request_examine,
    request_refuse,
    request_withdraw,
)
from insertion.release.services import referent_assign
from tests.factories import DetaineeFactory, UserFactory
from tests.test_caseload_dashboard import DASHBOARD_QUERIES, EXPORT_QUERIES, read_csv
from tests.test_person_plan import PERSON_PAGE_QUERIES

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
DASHBOARD = reverse("caseload:dashboard")
EXPORT = reverse("caseload:export")


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def page_url(person) -> str:
    return reverse("person:detail", args=[person.pk])


def create_url(person) -> str:
    return reverse("person:request_create", args=[person.pk])


def withdraw_url(placement_request) -> str:
    return reverse(
        "person:request_withdraw", args=[placement_request.detainee_id, placement_request.pk]
    )


def make_request(person, by, kind=OfferKind.TRAINING, **fields) -> PlacementRequest:
    values = {"priority": Priority.MEDIUM, "origin": RequestOrigin.CPIP, **fields}
    return request_create(detainee=person, offer_kind=kind, by=by, **values)


def waiting_for(person, by, days: int, kind=OfferKind.TRAINING) -> PlacementRequest:
    """A request on the waiting list for `days` days."""
    placement_request = request_examine(request=make_request(person, by, kind), by=by)
    PlacementRequest.objects.filter(pk=placement_request.pk).update(waiting_since=day(-days))
    placement_request.refresh_from_db()
    return placement_request


def make_offer(establishment, kind=OfferKind.WORK, **fields) -> Offer:
    values = {
        "establishment": establishment,
        "kind": kind,
        "title": "Atelier de conditionnement",
        "service": "Responsable du travail",
        "places": 12,
        "permanent": True,
        **fields,
    }
    return Offer.objects.create(**values)


@pytest.fixture
def person(fresnes, cpip_fresnes, milestone_kinds):
    """A person of Fresnes followed by cpip_fresnes, with the plan the referent opens."""
    person = DetaineeFactory(
        establishment=fresnes, last_name="Kerouédan", first_name="Yann", ecrou_number="26B0001"
    )
    referent_assign(detainee=person, referent=cpip_fresnes, by=cpip_fresnes)
    return person


@pytest.fixture
def team_member(prison_team_fresnes):
    prison_team_fresnes.first_name, prison_team_fresnes.last_name = "Inès", "Roux"
    prison_team_fresnes.save()
    return prison_team_fresnes


# The person page -------------------------------------------------------------------------------


def test_the_person_page_lists_the_requests_open_first_with_their_history(
    client, person, cpip_fresnes, team_member, fresnes
):
    withdrawn = make_request(person, cpip_fresnes, OfferKind.DIGITAL)
    request_withdraw(request=withdrawn, by=cpip_fresnes, note="Préfère le sport")
    training = waiting_for(person, team_member, 100)
    work = make_request(
        person, cpip_fresnes, OfferKind.WORK, priority=Priority.HIGH, details="Cariste confirmé"
    )
    offer = make_offer(fresnes)
    request_allocate(
        request=work, offer=offer, start_date=day(3), by=team_member, note="Place libérée"
    )
    literacy = make_request(person, cpip_fresnes, OfferKind.LITERACY, origin=RequestOrigin.PERSON)
    client.force_login(cpip_fresnes)
    response = client.get(page_url(person))
    assert response.status_code == 200
    shown = response.context["activity_requests"]
    # Open ones first (newest first), then the others.
    assert [r.pk for r in shown] == [literacy.pk, work.pk, training.pk, withdrawn.pk]
    content = response.content.decode()
    assert "Demandes d'activité" in content
    assert 'id="demandes"' in content
    # Kind, state, priority, origin, since when.
    assert "Lutte contre l&#x27;illettrisme" in content
    assert "À la demande de la personne" in content
    assert "En liste d&#x27;attente depuis le" in content and "(100 jours)" in content
    assert "Atelier de conditionnement (Responsable du travail), à partir du" in content
    assert "Affecté" in content and "Prioritaire" in content
    assert "Retiré par la personne" in content
    assert "Cariste confirmé" in content  # the details, on the person page only
    # The history: date, from → to, by, note.
    assert "À examiner → Affecté" in content
    assert "Place libérée" in content
    assert "Inès Roux" in content
    assert "En liste d&#x27;attente → Retiré par la personne" not in content
    assert "À examiner → Retiré par la personne" in content
    assert "Préfère le sport" in content
    assert f'aria-controls="demande-{work.pk}-historique"' in content
    # A withdrawal form for each open request, none for the others.
    assert withdraw_url(work) in content and withdraw_url(training) in content
    assert withdraw_url(withdrawn) not in content
    assert create_url(person) in content


def test_a_request_says_since_when_it_is_in_its_state(person, cpip_fresnes, fresnes):
    today = timezone.localdate()
    placement_request = make_request(person, cpip_fresnes)
    assert since_text(placement_request, today=today).startswith(
        "À examiner par le service depuis le "
    )
    waiting = waiting_for(person, cpip_fresnes, 1, OfferKind.WORK)
    assert since_text(waiting, today=today).endswith("(1 jour).")
    refused = request_refuse(
        request=placement_request, reason=RefusalReason.SECURITY, by=cpip_fresnes
    )
    assert refused.status_label == "Refusé (sécurité)"
    assert since_text(refused, today=today).startswith("Le ")


def test_the_interviewer_sees_no_requests_on_the_person_page(
    client, person, cpip_fresnes, interviewer_fresnes
):
    make_request(person, cpip_fresnes, details="Cariste confirmé")
    client.force_login(interviewer_fresnes)
    response = client.get(page_url(person))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Demandes d&#x27;activité" not in content and "Demandes d'activité" not in content
    assert "Cariste confirmé" not in content
    assert "activity_requests" not in response.context


def test_a_manager_reads_the_requests_and_may_make_one(
    client, person, cpip_fresnes, manager_fresnes
):
    make_request(person, cpip_fresnes)
    client.force_login(manager_fresnes)
    response = client.get(page_url(person))
    assert len(response.context["activity_requests"]) == 1
    assert response.context["request_form"] is not None


def test_a_released_persons_page_offers_no_new_request(client, person, cpip_fresnes):
    make_request(person, cpip_fresnes)
    detainee_release(detainee=person, on_date=day(0), kind=ReleaseKind.DRY, by=cpip_fresnes)
    client.force_login(cpip_fresnes)
    response = client.get(page_url(person))
    assert response.context["request_form"] is None
    content = response.content.decode()
    assert "aucune nouvelle demande ne peut être faite" in content
    assert "Clos (libération)" in content  # the release closed it
    assert create_url(person) not in content


def test_a_person_without_request_says_so(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    assert "Aucune demande d'activité pour cette personne." in (
        client.get(page_url(person)).content.decode()
    )


@pytest.mark.parametrize("kinds", [1, 6])
def test_the_person_page_query_count_does_not_grow_with_the_requests(
    client, person, cpip_fresnes, team_member, fresnes, django_assert_num_queries, kinds
):
    offer = make_offer(fresnes)
    for kind in list(OfferKind.values)[:kinds]:
        placement_request = request_examine(
            request=make_request(person, cpip_fresnes, kind), by=team_member
        )
        if kind == OfferKind.WORK:
            request_allocate(
                request=placement_request, offer=offer, start_date=day(0), by=team_member
            )
    client.force_login(cpip_fresnes)
    # The plan's page, and the requests' history (PERSON_PAGE_QUERIES counts it only when
    # there is one).
    with django_assert_num_queries(PERSON_PAGE_QUERIES + 1):
        response = client.get(page_url(person))
    assert len(response.context["activity_requests"]) == kinds


# Making a request ------------------------------------------------------------------------------

FORM = {"offer_kind": OfferKind.TRAINING, "priority": Priority.HIGH, "origin": "personne"}


def test_the_cpip_makes_a_request_from_the_person_page(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.post(create_url(person), {**FORM, "details": "CAP cuisine si possible"})
    placement_request = PlacementRequest.objects.get(detainee=person)
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(person)}#demande-{placement_request.pk}"
    assert placement_request.status == RequestStatus.TO_REVIEW
    assert placement_request.offer_kind == OfferKind.TRAINING
    assert placement_request.priority == Priority.HIGH
    assert placement_request.origin == RequestOrigin.PERSON
    assert placement_request.details == "CAP cuisine si possible"
    assert placement_request.created_by == cpip_fresnes
    assert placement_request.establishment_id == person.establishment_id
    event = RequestEvent.objects.get(request=placement_request)
    assert (event.from_status, event.to_status, event.by) == ("", "a_examiner", cpip_fresnes)
    line = AccessLog.objects.get(action="demande.creation")
    assert (line.user, line.detainee_id, line.object_id) == (
        cpip_fresnes,
        person.pk,
        placement_request.pk,
    )
    followed = client.get(response["Location"]).content.decode()
    assert "Demande « Formation professionnelle » transmise au service" in followed


def test_a_manager_makes_a_request_too(client, person, manager_fresnes):
    client.force_login(manager_fresnes)
    response = client.post(create_url(person), {**FORM, "origin": "cpip"})
    assert response.status_code == 302
    assert PlacementRequest.objects.get(detainee=person).created_by == manager_fresnes


def test_a_second_open_request_of_the_same_kind_is_refused_in_french(client, person, cpip_fresnes):
    make_request(person, cpip_fresnes, OfferKind.TRAINING)
    client.force_login(cpip_fresnes)
    response = client.post(create_url(person), FORM)
    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "Une demande « Formation professionnelle » est déjà en cours pour cette personne."
        in content
    )
    assert response.context["form"].errors["offer_kind"]
    assert PlacementRequest.objects.filter(detainee=person).count() == 1
    assert not AccessLog.objects.filter(action="demande.creation").exists()
    assert AccessLog.objects.filter(action="tentative.refusee", detainee_id=person.pk).exists()


def test_a_released_person_gets_no_request(client, person, cpip_fresnes):
    detainee_release(detainee=person, on_date=day(0), kind=ReleaseKind.DRY, by=cpip_fresnes)
    client.force_login(cpip_fresnes)
    response = client.post(create_url(person), FORM)
    assert response.status_code == 200
    assert "Cette personne est libérée : aucune demande ne peut être faite." in (
        response.content.decode()
    )
    assert not PlacementRequest.objects.filter(detainee=person).exists()


def test_an_incomplete_request_comes_back_with_its_messages(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.post(create_url(person), {"origin": "equipe", "details": "Gardé"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["offer_kind"] == ["Choisissez le type d'offre."]
    assert errors["priority"] == ["Choisissez la priorité."]
    assert errors["origin"] == ["Origine de la demande inconnue."]  # the team's is not offered
    assert "Gardé" in response.content.decode()
    assert not PlacementRequest.objects.exists()


# Withdrawing a request -------------------------------------------------------------------------


def test_the_cpip_records_that_the_person_withdrew_a_request(client, person, cpip_fresnes):
    placement_request = waiting_for(person, cpip_fresnes, 40)
    client.force_login(cpip_fresnes)
    response = client.post(
        withdraw_url(placement_request), {"confirmed": "on", "note": "A trouvé une formation"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(person)}#demande-{placement_request.pk}"
    placement_request.refresh_from_db()
    assert placement_request.status == RequestStatus.WITHDRAWN
    assert placement_request.ended_on == day(0)
    event = RequestEvent.objects.filter(request=placement_request).order_by("pk").last()
    assert (event.from_status, event.to_status, event.by, event.note) == (
        RequestStatus.WAITING,
        RequestStatus.WITHDRAWN,
        cpip_fresnes,
        "A trouvé une formation",
    )
    assert AccessLog.objects.filter(
        action="demande.retrait", detainee_id=person.pk, object_id=placement_request.pk
    ).exists()
    assert (
        "retirée à la demande de la personne" in client.get(response["Location"]).content.decode()
    )


def test_a_withdrawal_must_be_confirmed(client, person, cpip_fresnes):
    placement_request = make_request(person, cpip_fresnes)
    client.force_login(cpip_fresnes)
    response = client.post(withdraw_url(placement_request), {"note": "Sans case cochée"})
    assert response.status_code == 200
    assert "Cochez la case pour confirmer le retrait de la demande." in response.content.decode()
    placement_request.refresh_from_db()
    assert placement_request.status == RequestStatus.TO_REVIEW


def test_a_request_no_longer_open_cannot_be_withdrawn(client, person, cpip_fresnes):
    placement_request = make_request(person, cpip_fresnes)
    request_refuse(request=placement_request, reason=RefusalReason.TIMETABLE, by=cpip_fresnes)
    client.force_login(cpip_fresnes)
    response = client.post(withdraw_url(placement_request), {"confirmed": "on"})
    assert response.status_code == 200
    assert "Cette demande n&#x27;est plus en cours" in response.content.decode()
    placement_request.refresh_from_db()
    assert placement_request.status == RequestStatus.REFUSED


# Access ----------------------------------------------------------------------------------------


@pytest.fixture
def open_request(person, cpip_fresnes):
    return make_request(person, cpip_fresnes)


def test_anonymous_is_sent_to_the_login_page(client, person, open_request):
    for url in (create_url(person), withdraw_url(open_request)):
        response = client.post(url, {**FORM, "confirmed": "on"})
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={url}"
    assert PlacementRequest.objects.get().status == RequestStatus.TO_REVIEW


@pytest.mark.parametrize("role", ["prison_team_fresnes", "national_user", "interviewer_fresnes"])
def test_other_roles_get_403(client, request, role, person, open_request):
    client.force_login(request.getfixturevalue(role))
    assert client.post(create_url(person), {**FORM, "offer_kind": "travail"}).status_code == 403
    assert client.post(withdraw_url(open_request), {"confirmed": "on"}).status_code == 403
    assert PlacementRequest.objects.get().status == RequestStatus.TO_REVIEW


@pytest.mark.parametrize("role", ["cpip", "manager"])
def test_a_user_of_another_prison_gets_404(client, lyon, role, person, open_request):
    client.force_login(UserFactory(role=role, establishments=[lyon]))
    assert client.post(create_url(person), {**FORM, "offer_kind": "travail"}).status_code == 404
    assert client.post(withdraw_url(open_request), {"confirmed": "on"}).status_code == 404
    assert PlacementRequest.objects.get().status == RequestStatus.TO_REVIEW


def test_a_request_of_another_person_answers_404(client, person, fresnes, cpip_fresnes):
    other = make_request(DetaineeFactory(establishment=fresnes), cpip_fresnes)
    client.force_login(cpip_fresnes)
    url = reverse("person:request_withdraw", args=[person.pk, other.pk])
    assert client.post(url, {"confirmed": "on"}).status_code == 404
    other.refresh_from_db()
    assert other.status == RequestStatus.TO_REVIEW


def test_the_forms_need_a_post(client, person, open_request, cpip_fresnes):
    client.force_login(cpip_fresnes)
    assert client.get(create_url(person)).status_code == 405
    assert client.get(withdraw_url(open_request)).status_code == 405


# The caseload dashboard ------------------------------------------------------------------------


@pytest.fixture
def waits(fresnes, lyon, cpip_fresnes, cpip_lyon, team_member, milestone_kinds):
    """The CPIP's people: one waiting 100 days for a training (and a work post to examine), one
    waiting 30 days, one allocated, one without request; a colleague's person waiting 200 days
    and a person of Lyon waiting 150 days, outside the CPIP's own caseload."""

    def followed(referent, last_name, establishment=fresnes):
        person = DetaineeFactory(establishment=establishment, last_name=last_name)
        referent_assign(detainee=person, referent=referent, by=referent)
        return person

    long = followed(cpip_fresnes, "Abalain")
    waiting_for(long, team_member, 100, OfferKind.TRAINING)
    make_request(long, cpip_fresnes, OfferKind.WORK, details="Secret de l'entretien")
    recent = followed(cpip_fresnes, "Bodivit")
    waiting_for(recent, team_member, 30)
    placed = followed(cpip_fresnes, "Cadiou")
    request_allocate(
        request=make_request(placed, cpip_fresnes, OfferKind.WORK),
        offer=make_offer(fresnes),
        start_date=day(0),
        by=team_member,
    )
    request_withdraw(request=make_request(placed, cpip_fresnes), by=cpip_fresnes)
    nothing = followed(cpip_fresnes, "Derrien")
    colleague = UserFactory(cpip=True, establishments=[fresnes])
    colleagues = followed(colleague, "Even")
    waiting_for(colleagues, team_member, 200)
    at_lyon = followed(cpip_lyon, "Floch", establishment=lyon)
    waiting_for(at_lyon, UserFactory(prison_team=True, establishments=[lyon]), 150)
    return {
        "long": long,
        "recent": recent,
        "placed": placed,
        "nothing": nothing,
        "colleagues": colleagues,
        "at_lyon": at_lyon,
    }


def test_the_dashboard_shows_the_requests_of_each_person(client, waits, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(DASHBOARD, {"tri": "nom"})
    rows = {person.pk: person for person in response.context["page_obj"]}
    long, recent, placed = (
        rows[waits["long"].pk],
        rows[waits["recent"].pk],
        rows[waits["placed"].pk],
    )
    assert (long.requests_to_review, long.requests_waiting, long.requests_long_waiting) == (1, 1, 1)
    assert (recent.requests_waiting, recent.requests_long_waiting) == (1, 0)
    assert (placed.requests_allocated, placed.requests_waiting) == (1, 0)
    content = response.content.decode()
    assert '<th scope="col">Demandes</th>' in content
    assert "1 à examiner · 1 en attente" in content
    assert "1 affectée" in content
    assert "1 en attente depuis plus de 3 mois" in content
    assert "Secret de l" not in content  # never the details on the dashboard


def test_the_long_wait_counter_counts_only_waits_of_more_than_3_months(client, waits, cpip_fresnes):
    client.force_login(cpip_fresnes)
    counters = {c.key: c for c in client.get(DASHBOARD).context["counters"]}
    counter = counters["long_wait"]
    assert counter.label == "En attente d'une activité depuis plus de 3 mois"
    assert counter.count == 1  # 100 days counts, 30 days does not; not the colleague's
    assert counter.url == f"{DASHBOARD}?attente=1"
    assert [p.pk for p in client.get(counter.url).context["page_obj"]] == [waits["long"].pk]
    # The whole establishment: the colleague's person too, never Lyon's.
    counters = {
        c.key: c for c in client.get(DASHBOARD, {"perimetre": "etablissement"}).context["counters"]
    }
    assert counters["long_wait"].count == 2


def test_a_wait_counts_once_it_is_longer_than_the_setting(client, waits, cpip_fresnes, settings):
    settings.PLACEMENT_LONG_WAIT_DAYS = 29
    client.force_login(cpip_fresnes)
    counters = {c.key: c.count for c in client.get(DASHBOARD).context["counters"]}
    assert counters["long_wait"] == 2


def test_the_manager_sees_the_long_waits_of_the_establishment(client, waits, manager_fresnes):
    client.force_login(manager_fresnes)
    counters = {c.key: c.count for c in client.get(DASHBOARD).context["counters"]}
    assert counters["long_wait"] == 2
    listed = {p.pk for p in client.get(DASHBOARD, {"attente": "1"}).context["page_obj"]}
    assert listed == {waits["long"].pk, waits["colleagues"].pk}


def test_the_export_has_the_requests_columns(client, waits, cpip_fresnes):
    client.force_login(cpip_fresnes)
    header, *rows = read_csv(client.get(EXPORT, {"tri": "nom"}))
    assert header[-2:] == ["Demandes en cours", "Demandes en attente depuis plus de 3 mois"]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_name["ABALAIN"]["Demandes en cours"] == "1 à examiner · 1 en attente"
    assert by_name["ABALAIN"]["Demandes en attente depuis plus de 3 mois"] == "1"
    assert by_name["BODIVIT"]["Demandes en attente depuis plus de 3 mois"] == "0"
    assert by_name["CADIOU"]["Demandes en cours"] == "1 affectée"
    assert by_name["DERRIEN"]["Demandes en cours"] == ""
    assert "Secret de l" not in "".join(";".join(row) for row in rows)


@pytest.mark.parametrize("with_requests", [False, True])
def test_the_dashboard_and_export_query_counts_do_not_change_with_requests(
    client, fresnes, cpip_fresnes, team_member, milestone_kinds, django_assert_num_queries,
    with_requests,
):  # fmt: skip
    for index in range(8):
        person = DetaineeFactory(establishment=fresnes)
        referent_assign(detainee=person, referent=cpip_fresnes, by=cpip_fresnes)
        if with_requests:
            waiting_for(person, team_member, 30 * index)
            make_request(person, cpip_fresnes, OfferKind.WORK)
    client.force_login(cpip_fresnes)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    assert response.context["page_obj"].paginator.count == 8
    with django_assert_num_queries(EXPORT_QUERIES):
        assert client.get(EXPORT).status_code == 200
