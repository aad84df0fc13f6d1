"""Offers and requests (issue 14): every transition and refusal, one open request per kind,
closing on transfer and release through the person services, requests born of a validated
interview (withheld recommendations create nothing), and scoping."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from entretiens.choices import OrientationKind, Priority, Section
from entretiens.models import Orientation
from entretiens.services import interview_rectify, interview_validate
from insertion.detainees.choices import ReleaseKind
from insertion.person.services import detainee_release, detainee_transfer
from insertion.placements.choices import (
    CPIP_ORIENTATIONS,
    ORIENTATION_TO_OFFER_KIND,
    ClosingReason,
    OfferKind,
    RefusalReason,
    RequestOrigin,
    RequestStatus,
)
from insertion.placements.models import Offer, PlacementRequest, RequestEvent
from insertion.placements.services import (
    request_allocate,
    request_create,
    request_examine,
    request_finish,
    request_refuse,
    request_set_rank,
    request_withdraw,
    requests_close_for_departure,
    requests_from_interview,
)
from tests.factories import DetaineeFactory, InterviewFactory, fill_interview, validated_interview

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def days(n):
    return datetime.timedelta(days=n)


def make_offer(establishment, kind=OfferKind.TRAINING, **fields):
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


def make_request(detainee, by, kind=OfferKind.TRAINING, **fields):
    values = dict(
        detainee=detainee,
        offer_kind=kind,
        priority=Priority.MEDIUM,
        origin=RequestOrigin.CPIP,
        by=by,
    )
    values.update(fields)
    return request_create(**values)


def history(request):
    return list(
        RequestEvent.objects.filter(request=request).values_list(
            "from_status", "to_status", "by__email"
        )
    )


def refused_with(message, call, **kwargs):
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    assert error.value.messages == [message]


# --- The referential ---------------------------------------------------------------------------


def test_every_orientation_goes_either_to_a_service_or_to_the_cpip():
    to_service = set(ORIENTATION_TO_OFFER_KIND)
    assert to_service.isdisjoint(CPIP_ORIENTATIONS)
    assert to_service | CPIP_ORIENTATIONS == set(OrientationKind.values)
    assert set(ORIENTATION_TO_OFFER_KIND.values()) <= set(OfferKind.values)
    assert {
        "amenagement",
        "service_emploi",
        "acces_droits",
        "soins",
        "addictologie",
        "sas",
        "entreprise",
    } == CPIP_ORIENTATIONS


def test_an_offer_is_dated_unless_permanent(fresnes):
    offer = Offer(
        establishment=fresnes,
        kind=OfferKind.TRAINING,
        title="CAP",
        service="RLF",
        places=8,
        permanent=False,
    )
    with pytest.raises(ValidationError) as error:
        offer.full_clean()
    assert error.value.message_dict["start_date"] == [
        "Indiquez la date de début, ou cochez « permanente »."
    ]
    assert error.value.message_dict["end_date"] == [
        "Indiquez la date de fin, ou cochez « permanente »."
    ]
    offer.start_date, offer.end_date = today(), today() - days(1)
    with pytest.raises(ValidationError) as error:
        offer.full_clean()
    assert error.value.message_dict["end_date"] == ["La date de fin précède la date de début."]
    offer.end_date = today() + days(90)
    offer.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_offer(fresnes, permanent=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_offer(fresnes, permanent=False, start_date=today(), end_date=today() - days(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_offer(fresnes, places=0)


def test_only_a_work_post_has_a_work_setting(fresnes):
    offer = Offer(
        establishment=fresnes,
        kind=OfferKind.TRAINING,
        work_setting="atelier",
        title="CAP",
        service="RLF",
        places=8,
        permanent=True,
    )
    with pytest.raises(ValidationError) as error:
        offer.full_clean()
    assert error.value.message_dict["work_setting"] == [
        "Le cadre du poste ne concerne que les postes de travail."
    ]
    make_offer(fresnes, kind=OfferKind.WORK, work_setting="service_general", title="Cuisine")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_offer(fresnes, work_setting="atelier")


# --- Transitions -------------------------------------------------------------------------------


def test_the_whole_path_to_a_finished_training(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    offer = make_offer(fresnes)
    request = make_request(detainee_fresnes, cpip_fresnes, details="Souhaite la cuisine")
    assert (request.status, request.establishment, request.created_by) == (
        RequestStatus.TO_REVIEW,
        fresnes,
        cpip_fresnes,
    )
    request = request_examine(request=request, by=prison_team_fresnes)
    assert (request.status, request.waiting_since) == (RequestStatus.WAITING, today())
    request = request_allocate(
        request=request, offer=offer, start_date=today() + days(10), by=prison_team_fresnes
    )
    assert (request.status, request.offer, request.start_date) == (
        RequestStatus.ALLOCATED,
        offer,
        today() + days(10),
    )
    request = request_finish(request=request, on_date=today() + days(100), by=prison_team_fresnes)
    request.refresh_from_db()
    assert (request.status, request.ended_on) == (RequestStatus.DONE, today() + days(100))
    assert history(request) == [
        ("", RequestStatus.TO_REVIEW, cpip_fresnes.email),
        (RequestStatus.TO_REVIEW, RequestStatus.WAITING, prison_team_fresnes.email),
        (RequestStatus.WAITING, RequestStatus.ALLOCATED, prison_team_fresnes.email),
        (RequestStatus.ALLOCATED, RequestStatus.DONE, prison_team_fresnes.email),
    ]
    assert all(event.at for event in RequestEvent.objects.filter(request=request))


def test_a_request_may_be_allocated_straight_after_review(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    offer = make_offer(fresnes)
    request = make_request(detainee_fresnes, cpip_fresnes)
    request = request_allocate(
        request=request, offer=offer, start_date=today(), by=prison_team_fresnes, note="Place"
    )
    assert request.status == RequestStatus.ALLOCATED
    assert history(request)[-1] == (
        RequestStatus.TO_REVIEW,
        RequestStatus.ALLOCATED,
        prison_team_fresnes.email,
    )


def test_allocation_refusals(fresnes, lyon, detainee_fresnes, cpip_fresnes, prison_team_fresnes):
    request = request_examine(
        request=make_request(detainee_fresnes, cpip_fresnes), by=prison_team_fresnes
    )
    kwargs = dict(request=request, start_date=today(), by=prison_team_fresnes)
    refused_with(
        "Cette offre n'est plus active.",
        request_allocate,
        offer=make_offer(fresnes, active=False),
        **kwargs,
    )
    refused_with(
        "Cette offre appartient à un autre établissement que la demande.",
        request_allocate,
        offer=make_offer(lyon),
        **kwargs,
    )
    refused_with(
        "Cette offre n'est pas du type demandé (Formation professionnelle).",
        request_allocate,
        offer=make_offer(fresnes, kind=OfferKind.EDUCATION),
        **kwargs,
    )
    offer = make_offer(fresnes)
    refused_with(
        "La date de début ne peut pas précéder de plus de 7 jours la date du jour.",
        request_allocate,
        request=request,
        offer=offer,
        start_date=today() - days(8),
        by=prison_team_fresnes,
    )
    ending = make_offer(
        fresnes, permanent=False, start_date=today() - days(30), end_date=today() + days(5)
    )
    refused_with(
        f"L'offre se termine le {ending.end_date:%d/%m/%Y}, avant la date de début.",
        request_allocate,
        request=request,
        offer=ending,
        start_date=today() + days(6),
        by=prison_team_fresnes,
    )
    # A start a few days back is an allocation recorded late: accepted.
    request = request_allocate(
        request=request, offer=offer, start_date=today() - days(7), by=prison_team_fresnes
    )
    assert request.status == RequestStatus.ALLOCATED
    request.refresh_from_db()
    refused_with(
        "Seule une demande à examiner ou en liste d'attente peut être affectée.",
        request_allocate,
        request=request,
        offer=offer,
        start_date=today(),
        by=prison_team_fresnes,
    )
    assert RequestEvent.objects.filter(request=request).count() == 3


@pytest.mark.parametrize(
    "status_path", [[], ["examine"], ["examine", "allocate"], ["examine", "allocate", "finish"]]
)
def test_each_transition_is_refused_from_the_wrong_state(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes, status_path
):
    offer = make_offer(fresnes)
    request = make_request(detainee_fresnes, cpip_fresnes)
    by = prison_team_fresnes
    steps = {
        "examine": lambda r: request_examine(request=r, by=by),
        "allocate": lambda r: request_allocate(request=r, offer=offer, start_date=today(), by=by),
        "finish": lambda r: request_finish(request=r, by=by),
    }
    for step in status_path:
        request = steps[step](request)
    status = request.status
    attempts = {
        "examine": (
            RequestStatus.TO_REVIEW,
            "Seule une demande à examiner peut être mise en liste d'attente.",
            lambda: request_examine(request=request, by=by),
        ),
        "finish": (
            RequestStatus.ALLOCATED,
            "Seule une demande affectée peut être terminée.",
            lambda: request_finish(request=request, by=by),
        ),
        "refuse": (
            (RequestStatus.TO_REVIEW, RequestStatus.WAITING),
            "Seule une demande à examiner ou en liste d'attente peut être refusée.",
            lambda: request_refuse(request=request, reason=RefusalReason.SECURITY, by=by),
        ),
        "withdraw": (
            (RequestStatus.TO_REVIEW, RequestStatus.WAITING, RequestStatus.ALLOCATED),
            "Cette demande n'est plus en cours : elle ne peut pas être retirée.",
            lambda: request_withdraw(request=request, by=by),
        ),
        "rank": (
            RequestStatus.WAITING,
            "Seule une demande en liste d'attente a un rang dans la liste.",
            lambda: request_set_rank(request=request, rank=1, reason="Sortie proche", by=by),
        ),
    }
    for allowed, message, attempt in attempts.values():
        allowed = allowed if isinstance(allowed, tuple) else (allowed,)
        if status in allowed:
            continue
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [message]
    request.refresh_from_db()
    assert request.status == status


def test_refusal_needs_a_known_reason_and_other_needs_details(
    detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    request = make_request(detainee_fresnes, cpip_fresnes)
    by = prison_team_fresnes
    refused_with("Indiquez le motif du refus.", request_refuse, request=request, reason="", by=by)
    refused_with("Motif de refus inconnu.", request_refuse, request=request, reason="x", by=by)
    refused_with(
        "Précisez le motif du refus.",
        request_refuse,
        request=request,
        reason=RefusalReason.OTHER,
        details="  ",
        by=by,
    )
    request = request_refuse(
        request=request, reason=RefusalReason.OTHER, details="Horaires du parloir", by=by
    )
    assert (request.status, request.refusal_reason, request.status_note) == (
        RequestStatus.REFUSED,
        RefusalReason.OTHER,
        "Horaires du parloir",
    )
    assert request.status_label == "Refusé (autre motif)"
    assert history(request)[-1] == (RequestStatus.TO_REVIEW, RequestStatus.REFUSED, by.email)
    assert RequestEvent.objects.filter(request=request).last().note == "Horaires du parloir"


def test_refusal_from_the_waiting_list_with_a_typed_reason(
    detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    request = request_examine(
        request=make_request(detainee_fresnes, cpip_fresnes), by=prison_team_fresnes
    )
    request = request_refuse(
        request=request, reason=RefusalReason.NO_PLACE_BEFORE_RELEASE, by=prison_team_fresnes
    )
    assert request.status_label == "Refusé (pas de place avant la sortie)"
    assert request.ended_on == today()


def test_the_person_withdraws_an_allocated_request(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    request = make_request(detainee_fresnes, cpip_fresnes)
    request = request_allocate(
        request=request, offer=make_offer(fresnes), start_date=today(), by=prison_team_fresnes
    )
    request = request_withdraw(request=request, by=cpip_fresnes, note="Ne souhaite plus")
    assert (request.status, request.ended_on) == (RequestStatus.WITHDRAWN, today())
    assert request.get_status_display() == "Retiré par la personne"
    assert history(request)[-1] == (
        RequestStatus.ALLOCATED,
        RequestStatus.WITHDRAWN,
        cpip_fresnes.email,
    )


def test_finishing_before_the_start_is_refused(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    request = request_allocate(
        request=make_request(detainee_fresnes, cpip_fresnes),
        offer=make_offer(fresnes),
        start_date=today() + days(10),
        by=prison_team_fresnes,
    )
    refused_with(
        "La date de fin précède le début de l'affectation.",
        request_finish,
        request=request,
        on_date=today() + days(9),
        by=prison_team_fresnes,
    )


def test_a_fixed_rank_needs_a_reason_and_can_be_removed(
    detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    request = request_examine(
        request=make_request(detainee_fresnes, cpip_fresnes), by=prison_team_fresnes
    )
    by = prison_team_fresnes
    refused_with(
        "Indiquez pourquoi ce rang est fixé.",
        request_set_rank,
        request=request,
        rank=1,
        reason=" ",
        by=by,
    )
    refused_with(
        "Le rang commence à 1.", request_set_rank, request=request, rank=0, reason="x", by=by
    )
    request = request_set_rank(request=request, rank=1, reason="Libération avancée", by=by)
    assert (request.manual_rank, request.override_reason) == (1, "Libération avancée")
    event = RequestEvent.objects.filter(request=request).last()
    assert (event.from_status, event.to_status, event.note) == (
        RequestStatus.WAITING,
        RequestStatus.WAITING,
        "Rang fixé à 1 : Libération avancée",
    )
    request = request_set_rank(request=request, rank=None, reason="", by=by)
    assert (request.manual_rank, request.override_reason) == (None, "")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementRequest.objects.filter(pk=request.pk).update(manual_rank=2, override_reason="")


def test_creation_refusals(fresnes, lyon, detainee_fresnes, cpip_fresnes):
    kwargs = dict(detainee=detainee_fresnes, priority=Priority.HIGH, by=cpip_fresnes)
    refused_with(
        "Type d'offre inconnu.",
        request_create,
        offer_kind="x",
        origin=RequestOrigin.CPIP,
        **kwargs,
    )
    refused_with(
        "Origine de la demande inconnue.",
        request_create,
        offer_kind=OfferKind.WORK,
        origin="x",
        **kwargs,
    )
    refused_with(
        "Une demande issue de l'entretien doit indiquer l'entretien.",
        request_create,
        offer_kind=OfferKind.WORK,
        origin=RequestOrigin.INTERVIEW,
        **kwargs,
    )
    refused_with(
        "Priorité inconnue.",
        request_create,
        detainee=detainee_fresnes,
        offer_kind=OfferKind.WORK,
        priority="x",
        origin=RequestOrigin.PERSON,
        by=cpip_fresnes,
    )
    other_interview = InterviewFactory(detainee=DetaineeFactory(establishment=fresnes))
    refused_with(
        "Cet entretien n'est pas celui de la personne.",
        request_create,
        offer_kind=OfferKind.WORK,
        origin=RequestOrigin.INTERVIEW,
        interview=other_interview,
        **kwargs,
    )
    refused_with(
        "Cette offre appartient à un autre établissement que la demande.",
        request_create,
        offer_kind=OfferKind.TRAINING,
        origin=RequestOrigin.PERSON,
        offer=make_offer(lyon),
        **kwargs,
    )
    assert not PlacementRequest.objects.exists()


def test_a_request_made_directly_for_an_offer(fresnes, detainee_fresnes, prison_team_fresnes):
    offer = make_offer(fresnes, kind=OfferKind.WORK, work_setting="atelier", title="Atelier")
    request = make_request(
        detainee_fresnes,
        prison_team_fresnes,
        kind=OfferKind.WORK,
        origin=RequestOrigin.PERSON,
        offer=offer,
    )
    assert (request.offer, request.origin) == (offer, RequestOrigin.PERSON)


def test_no_request_for_a_released_person(fresnes, cpip_fresnes):
    person = DetaineeFactory(establishment=fresnes)
    detainee_release(detainee=person, on_date=today(), kind=ReleaseKind.DRY)
    refused_with(
        "Cette personne est libérée : aucune demande ne peut être faite.",
        make_request,
        detainee=person,
        by=cpip_fresnes,
    )


# --- One open request per person and kind -----------------------------------------------------


def test_one_open_request_per_person_and_kind(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    first = make_request(detainee_fresnes, cpip_fresnes)
    refused_with(
        "Une demande « Formation professionnelle » est déjà en cours pour cette personne.",
        make_request,
        detainee=detainee_fresnes,
        by=prison_team_fresnes,
    )
    # Another kind is another request.
    make_request(detainee_fresnes, cpip_fresnes, kind=OfferKind.WORK)
    # The database says it too, whatever the path.
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementRequest.objects.create(
            detainee=detainee_fresnes,
            establishment=fresnes,
            offer_kind=OfferKind.TRAINING,
            priority=Priority.LOW,
            origin=RequestOrigin.TEAM,
            status=RequestStatus.WAITING,
        )
    # Once the first is over, a new one may be made.
    request_refuse(request=first, reason=RefusalReason.REQUIREMENTS, by=prison_team_fresnes)
    second = make_request(detainee_fresnes, cpip_fresnes)
    assert second.status == RequestStatus.TO_REVIEW
    assert detainee_fresnes.placement_requests.open().count() == 2


# --- Departures --------------------------------------------------------------------------------


def _three_open_and_one_done(fresnes, detainee, cpip, team):
    offer = make_offer(fresnes)
    done = request_allocate(
        request=make_request(detainee, cpip), offer=offer, start_date=today(), by=team
    )
    done = request_finish(request=done, by=team)
    to_review = make_request(detainee, cpip, kind=OfferKind.WORK)
    waiting = request_examine(request=make_request(detainee, cpip, kind=OfferKind.DIGITAL), by=team)
    allocated = request_allocate(
        request=make_request(detainee, cpip), offer=offer, start_date=today(), by=team
    )
    return done, [to_review, waiting, allocated]


def test_a_transfer_closes_the_open_requests(
    fresnes, lyon, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    done, open_requests = _three_open_and_one_done(
        fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
    )
    detainee_transfer(
        detainee=detainee_fresnes,
        to_establishment=lyon,
        ecrou_number="LY123",
        on_date=today(),
        by=cpip_fresnes,
    )
    for request in open_requests:
        before = request.status
        request.refresh_from_db()
        assert (request.status, request.closing_reason, request.ended_on) == (
            RequestStatus.CLOSED,
            ClosingReason.TRANSFER,
            today(),
        )
        assert request.status_label == "Clos (transfert)"
        assert history(request)[-1] == (before, RequestStatus.CLOSED, cpip_fresnes.email)
    done.refresh_from_db()
    assert done.status == RequestStatus.DONE
    # In the new establishment, the person may be asked for again.
    assert make_request(detainee_fresnes, cpip_fresnes).establishment == lyon


def test_a_release_closes_the_open_requests(
    fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
):
    done, open_requests = _three_open_and_one_done(
        fresnes, detainee_fresnes, cpip_fresnes, prison_team_fresnes
    )
    detainee_release(
        detainee=detainee_fresnes, on_date=today(), kind=ReleaseKind.LSC, by=cpip_fresnes
    )
    assert set(
        PlacementRequest.objects.filter(pk__in=[r.pk for r in open_requests]).values_list(
            "status", "closing_reason"
        )
    ) == {(RequestStatus.CLOSED, ClosingReason.RELEASE)}
    assert not detainee_fresnes.placement_requests.open().exists()
    done.refresh_from_db()
    assert done.status == RequestStatus.DONE


def test_a_refused_departure_closes_nothing(fresnes, detainee_fresnes, cpip_fresnes):
    request = make_request(detainee_fresnes, cpip_fresnes)
    with pytest.raises(ValidationError):
        detainee_transfer(
            detainee=detainee_fresnes,
            to_establishment=fresnes,
            ecrou_number="X",
            on_date=today(),
        )
    request.refresh_from_db()
    assert request.status == RequestStatus.TO_REVIEW


def test_closing_needs_a_known_reason_and_counts(detainee_fresnes, cpip_fresnes):
    make_request(detainee_fresnes, cpip_fresnes)
    refused_with(
        "Motif de clôture inconnu.",
        requests_close_for_departure,
        detainee=detainee_fresnes,
        reason="x",
        on_date=today(),
    )
    assert (
        requests_close_for_departure(
            detainee=detainee_fresnes, reason=ClosingReason.RELEASE, on_date=today()
        )
        == 1
    )
    assert (
        requests_close_for_departure(
            detainee=detainee_fresnes, reason=ClosingReason.RELEASE, on_date=today()
        )
        == 0
    )


# --- From the interview ------------------------------------------------------------------------


def _interview_with_orientations(detainee, withheld=()):
    interview = fill_interview(InterviewFactory(draft=True, detainee=detainee))
    Orientation.objects.create(
        interview=interview,
        kind=OrientationKind.PRISON_WORK,
        priority=Priority.MEDIUM,
        details="Service général, cuisine",
    )
    Orientation.objects.create(
        interview=interview, kind=OrientationKind.ILLITERACY, priority=Priority.LOW
    )
    Orientation.objects.create(
        interview=interview, kind=OrientationKind.ARRANGEMENT, priority=Priority.HIGH
    )
    Orientation.objects.create(
        interview=interview, kind=OrientationKind.EMPLOYMENT_SERVICES, priority=Priority.HIGH
    )
    interview.withheld_sections = list(withheld)
    interview.save()
    return interview


def test_validating_an_interview_turns_its_orientations_into_requests(
    detainee_fresnes, interviewer_fresnes, fresnes
):
    interview = _interview_with_orientations(detainee_fresnes)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    requests = {r.offer_kind: r for r in PlacementRequest.objects.filter(detainee=detainee_fresnes)}
    # The CPIP's orientations (aménagement, France Travail) create none.
    assert set(requests) == {OfferKind.TRAINING, OfferKind.WORK, OfferKind.LITERACY}
    work = requests[OfferKind.WORK]
    assert (
        work.priority,
        work.origin,
        work.interview_id,
        work.details,
        work.status,
        work.establishment,
        work.created_by,
    ) == (
        Priority.MEDIUM,
        RequestOrigin.INTERVIEW,
        interview.pk,
        "Service général, cuisine",
        RequestStatus.TO_REVIEW,
        fresnes,
        interviewer_fresnes,
    )
    assert requests[OfferKind.TRAINING].priority == Priority.HIGH
    assert history(work) == [("", RequestStatus.TO_REVIEW, interviewer_fresnes.email)]


def test_the_validated_interview_factory_makes_its_request(detainee_fresnes, interviewer_fresnes):
    validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    assert list(
        PlacementRequest.objects.filter(detainee=detainee_fresnes).values_list(
            "offer_kind", "priority", "origin"
        )
    ) == [(OfferKind.TRAINING, Priority.HIGH, RequestOrigin.INTERVIEW)]


def test_withheld_recommendations_create_nothing(detainee_fresnes, interviewer_fresnes):
    interview = _interview_with_orientations(detainee_fresnes, withheld=[Section.RECOMMENDATIONS])
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    assert not PlacementRequest.objects.exists()
    assert requests_from_interview(interview=interview, by=interviewer_fresnes) == []


def test_another_withheld_section_does_not_stop_the_requests(detainee_fresnes, interviewer_fresnes):
    interview = _interview_with_orientations(detainee_fresnes, withheld=[Section.BARRIERS])
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    assert PlacementRequest.objects.filter(detainee=detainee_fresnes).count() == 3


def test_a_kind_already_open_is_skipped(detainee_fresnes, interviewer_fresnes, cpip_fresnes):
    existing = make_request(detainee_fresnes, cpip_fresnes, kind=OfferKind.WORK)
    interview = _interview_with_orientations(detainee_fresnes)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    work = PlacementRequest.objects.get(detainee=detainee_fresnes, offer_kind=OfferKind.WORK)
    assert work == existing
    assert work.origin == RequestOrigin.CPIP
    assert PlacementRequest.objects.filter(detainee=detainee_fresnes).count() == 3


def test_a_rectified_interview_does_not_ask_twice(
    detainee_fresnes, interviewer_fresnes, prison_team_fresnes
):
    interview = _interview_with_orientations(detainee_fresnes)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    refused = PlacementRequest.objects.get(offer_kind=OfferKind.LITERACY)
    request_refuse(request=refused, reason=RefusalReason.TIMETABLE, by=prison_team_fresnes)
    interview.refresh_from_db()
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Erreur de saisie")
    interview.refresh_from_db()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    assert PlacementRequest.objects.filter(detainee=detainee_fresnes).count() == 3
    refused.refresh_from_db()
    assert refused.status == RequestStatus.REFUSED


# --- Scoping -----------------------------------------------------------------------------------


def test_a_team_of_lyon_sees_nothing_of_fresnes(
    fresnes,
    lyon,
    detainee_fresnes,
    detainee_lyon,
    cpip_fresnes,
    cpip_lyon,
    prison_team_fresnes,
    national_user,
    superuser,
):
    from tests.factories import UserFactory

    team_lyon = UserFactory(prison_team=True, establishments=[lyon])
    offer_fresnes, offer_lyon = make_offer(fresnes), make_offer(lyon)
    request_fresnes = make_request(detainee_fresnes, cpip_fresnes)
    request_lyon = make_request(detainee_lyon, cpip_lyon)

    assert list(Offer.objects.visible_to(team_lyon)) == [offer_lyon]
    assert list(PlacementRequest.objects.visible_to(team_lyon)) == [request_lyon]
    assert set(RequestEvent.objects.visible_to(team_lyon).values_list("request", flat=True)) == {
        request_lyon.pk
    }
    assert list(Offer.objects.visible_to(prison_team_fresnes)) == [offer_fresnes]
    assert list(PlacementRequest.objects.visible_to(prison_team_fresnes)) == [request_fresnes]
    # National steering sees no named person, and no row.
    assert not PlacementRequest.objects.visible_to(national_user).exists()
    assert not RequestEvent.objects.visible_to(national_user).exists()
    assert PlacementRequest.objects.visible_to(superuser).count() == 2
