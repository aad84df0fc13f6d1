"""Writes on offers' requests: named service functions, keyword-only, one transaction each, each
change of state written to the request's history (RequestEvent) with its author.

    à examiner ──examine──▶ en liste d'attente ──allocate──▶ affecté ──finish──▶ terminé
        │  └──────────────allocate──────────────────▲
        ├─ refuse (typed reason) ─▶ refusé       (from à examiner or en liste d'attente)
        ├─ withdraw ─▶ retiré par la personne    (from any open state)
        └─ departure ─▶ clos (transfert / libération), automatic (person/services.py)

Validating an interview turns its orientations into requests (`requests_from_interview`,
connected to `interview_validated` in apps.py); withheld recommendations create nothing.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from entretiens.choices import Priority, Section
from entretiens.sharing import is_shared
from insertion.detainees.models import Detainee
from insertion.placements.choices import (
    OPEN_REQUEST_STATUSES,
    ORIENTATION_TO_OFFER_KIND,
    ClosingReason,
    OfferKind,
    RefusalReason,
    RequestOrigin,
    RequestStatus,
)
from insertion.placements.models import Offer, PlacementRequest, RequestEvent
from insertion.placements.signals import request_changed

# An allocation may be recorded a few days after the person started (not earlier than that).
ALLOCATION_BACKDATE_DAYS = 7


def _event(request: PlacementRequest, from_status: str, *, by, note: str = "") -> RequestEvent:
    event = RequestEvent.objects.create(
        request=request, from_status=from_status, to_status=request.status, by=by, note=note
    )
    request_changed.send(sender=PlacementRequest, request=request, from_status=from_status, by=by)
    return event


def _locked(request: PlacementRequest) -> PlacementRequest:
    return PlacementRequest.objects.select_for_update().get(pk=request.pk)


def _refuse_unless(request: PlacementRequest, statuses, message: str) -> None:
    if request.status not in statuses:
        raise ValidationError(message, code="status")


def _check_offer(offer: Offer, *, establishment_id: int, offer_kind: str) -> None:
    if not offer.active:
        raise ValidationError("Cette offre n'est plus active.", code="offer")
    if offer.establishment_id != establishment_id:
        raise ValidationError(
            "Cette offre appartient à un autre établissement que la demande.", code="offer"
        )
    if offer.kind != offer_kind:
        raise ValidationError(
            f"Cette offre n'est pas du type demandé ({OfferKind(offer_kind).label}).",
            code="offer",
        )


@transaction.atomic
def request_create(
    *,
    detainee: Detainee,
    offer_kind: str,
    priority: str,
    origin: str,
    by,
    details: str = "",
    interview=None,
    offer: Offer | None = None,
) -> PlacementRequest:
    """A request made directly (CPIP, team, the person) or from an interview's orientation."""
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    if detainee.is_released:
        raise ValidationError(
            "Cette personne est libérée : aucune demande ne peut être faite.", code="released"
        )
    if offer_kind not in OfferKind.values:
        raise ValidationError("Type d'offre inconnu.", code="offer_kind")
    if priority not in Priority.values:
        raise ValidationError("Priorité inconnue.", code="priority")
    if origin not in RequestOrigin.values:
        raise ValidationError("Origine de la demande inconnue.", code="origin")
    if origin == RequestOrigin.INTERVIEW and interview is None:
        raise ValidationError(
            "Une demande issue de l'entretien doit indiquer l'entretien.", code="interview"
        )
    if interview is not None and interview.detainee_id != detainee.pk:
        raise ValidationError("Cet entretien n'est pas celui de la personne.", code="interview")
    if offer is not None:
        _check_offer(offer, establishment_id=detainee.establishment_id, offer_kind=offer_kind)
    if detainee.placement_requests.open().filter(offer_kind=offer_kind).exists():
        raise ValidationError(
            f"Une demande « {OfferKind(offer_kind).label} » est déjà en cours pour cette personne.",
            code="open_request",
        )
    request = PlacementRequest.objects.create(
        detainee=detainee,
        establishment_id=detainee.establishment_id,
        offer_kind=offer_kind,
        offer=offer,
        priority=priority,
        origin=origin,
        interview=interview,
        details=details,
        status=RequestStatus.TO_REVIEW,
        created_by=by,
    )
    _event(request, "", by=by)
    return request


@transaction.atomic
def request_examine(*, request: PlacementRequest, by, note: str = "") -> PlacementRequest:
    """The service examined the request: the person goes on the waiting list, from today."""
    request = _locked(request)
    _refuse_unless(
        request,
        (RequestStatus.TO_REVIEW,),
        "Seule une demande à examiner peut être mise en liste d'attente.",
    )
    request.status = RequestStatus.WAITING
    request.waiting_since = timezone.localdate()
    request.status_note = note
    request.save(update_fields=["status", "waiting_since", "status_note", "updated_at"])
    _event(request, RequestStatus.TO_REVIEW, by=by, note=note)
    return request


@transaction.atomic
def request_allocate(
    *, request: PlacementRequest, offer: Offer, start_date: datetime.date, by, note: str = ""
) -> PlacementRequest:
    """A place in `offer` from `start_date` (from the waiting list, or straight after review)."""
    request = _locked(request)
    _refuse_unless(
        request,
        (RequestStatus.TO_REVIEW, RequestStatus.WAITING),
        "Seule une demande à examiner ou en liste d'attente peut être affectée.",
    )
    _check_offer(offer, establishment_id=request.establishment_id, offer_kind=request.offer_kind)
    if start_date is None:
        raise ValidationError("Indiquez la date de début de l'affectation.", code="start_date")
    earliest = timezone.localdate() - datetime.timedelta(days=ALLOCATION_BACKDATE_DAYS)
    if start_date < earliest:
        raise ValidationError(
            "La date de début ne peut pas précéder de plus de "
            f"{ALLOCATION_BACKDATE_DAYS} jours la date du jour.",
            code="start_date",
        )
    if not offer.permanent and offer.end_date and start_date > offer.end_date:
        raise ValidationError(
            f"L'offre se termine le {offer.end_date:%d/%m/%Y}, avant la date de début.",
            code="start_date",
        )
    before = request.status
    request.status = RequestStatus.ALLOCATED
    request.offer = offer
    request.start_date = start_date
    request.manual_rank = None
    request.override_reason = ""
    request.status_note = note
    request.save(
        update_fields=[
            "status",
            "offer",
            "start_date",
            "manual_rank",
            "override_reason",
            "status_note",
            "updated_at",
        ]
    )
    _event(request, before, by=by, note=note)
    return request


@transaction.atomic
def request_finish(
    *, request: PlacementRequest, by, on_date: datetime.date | None = None, note: str = ""
) -> PlacementRequest:
    """The work, training or class came to its end."""
    request = _locked(request)
    _refuse_unless(
        request, (RequestStatus.ALLOCATED,), "Seule une demande affectée peut être terminée."
    )
    on_date = on_date or timezone.localdate()
    if on_date < request.start_date:
        raise ValidationError("La date de fin précède le début de l'affectation.", code="on_date")
    request.status = RequestStatus.DONE
    request.ended_on = on_date
    request.status_note = note
    request.save(update_fields=["status", "ended_on", "status_note", "updated_at"])
    _event(request, RequestStatus.ALLOCATED, by=by, note=note)
    return request


@transaction.atomic
def request_refuse(
    *, request: PlacementRequest, reason: str, by, details: str = ""
) -> PlacementRequest:
    """The service says no, with a typed reason ("autre" must be explained)."""
    request = _locked(request)
    _refuse_unless(
        request,
        (RequestStatus.TO_REVIEW, RequestStatus.WAITING),
        "Seule une demande à examiner ou en liste d'attente peut être refusée.",
    )
    if not reason:
        raise ValidationError("Indiquez le motif du refus.", code="reason")
    if reason not in RefusalReason.values:
        raise ValidationError("Motif de refus inconnu.", code="reason")
    details = details.strip()
    if reason == RefusalReason.OTHER and not details:
        raise ValidationError("Précisez le motif du refus.", code="details")
    before = request.status
    request.status = RequestStatus.REFUSED
    request.refusal_reason = reason
    request.ended_on = timezone.localdate()
    request.manual_rank = None
    request.override_reason = ""
    request.status_note = details
    request.save(
        update_fields=[
            "status",
            "refusal_reason",
            "ended_on",
            "manual_rank",
            "override_reason",
            "status_note",
            "updated_at",
        ]
    )
    _event(request, before, by=by, note=details)
    return request


@transaction.atomic
def request_withdraw(*, request: PlacementRequest, by, note: str = "") -> PlacementRequest:
    """The person no longer wants it (from any open state)."""
    request = _locked(request)
    _refuse_unless(
        request,
        OPEN_REQUEST_STATUSES,
        "Cette demande n'est plus en cours : elle ne peut pas être retirée.",
    )
    before = request.status
    request.status = RequestStatus.WITHDRAWN
    request.ended_on = timezone.localdate()
    request.manual_rank = None
    request.override_reason = ""
    request.status_note = note
    request.save(
        update_fields=[
            "status",
            "ended_on",
            "manual_rank",
            "override_reason",
            "status_note",
            "updated_at",
        ]
    )
    _event(request, before, by=by, note=note)
    return request


@transaction.atomic
def request_set_rank(
    *, request: PlacementRequest, rank: int | None, reason: str, by
) -> PlacementRequest:
    """The team puts a person at a given rank of the waiting list, saying why; `rank=None`
    gives them back the usual order (waiting.py)."""
    request = _locked(request)
    _refuse_unless(
        request,
        (RequestStatus.WAITING,),
        "Seule une demande en liste d'attente a un rang dans la liste.",
    )
    reason = reason.strip()
    if rank is not None:
        if rank < 1:
            raise ValidationError("Le rang commence à 1.", code="rank")
        if not reason:
            raise ValidationError("Indiquez pourquoi ce rang est fixé.", code="reason")
    request.manual_rank = rank
    request.override_reason = reason if rank is not None else ""
    request.save(update_fields=["manual_rank", "override_reason", "updated_at"])
    note = (
        f"Rang fixé à {rank} : {reason}"
        if rank is not None
        else "Rang fixé retiré" + (f" : {reason}" if reason else "")
    )
    _event(request, request.status, by=by, note=note)
    return request


@transaction.atomic
def requests_close_for_departure(
    *, detainee: Detainee, reason: str, on_date: datetime.date, by=None
) -> int:
    """A transfer or a release closes every open request of the person (called inside the
    departure's transaction by insertion/person/services.py). Returns how many were closed."""
    if reason not in ClosingReason.values:
        raise ValidationError("Motif de clôture inconnu.", code="reason")
    requests = list(
        PlacementRequest.objects.select_for_update().filter(
            detainee=detainee, status__in=OPEN_REQUEST_STATUSES
        )
    )
    if not requests:
        return 0
    note = f"{ClosingReason(reason).label} le {on_date:%d/%m/%Y}"
    events = []
    for request in requests:
        events.append(
            RequestEvent(
                request=request,
                from_status=request.status,
                to_status=RequestStatus.CLOSED,
                by=by,
                note=note,
            )
        )
    PlacementRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        status=RequestStatus.CLOSED,
        closing_reason=reason,
        ended_on=on_date,
        manual_rank=None,
        override_reason="",
        status_note=note,
        updated_at=timezone.now(),
    )
    RequestEvent.objects.bulk_create(events)
    return len(requests)


@transaction.atomic
def requests_from_interview(*, interview, by) -> list[PlacementRequest]:
    """Each orientation of the validated interview that goes to a service becomes a request to
    it, with the orientation's priority and details.

    Nothing is created when the person withheld the « Préconisations » section (and the requests
    an earlier version made lose their précisions), for a person
    already released, for the orientations that are the CPIP's (choices.CPIP_ORIENTATIONS), for
    a kind that already has an open request, nor for a kind this interview already asked for
    (a rectified interview validated again does not bring back a refused request).
    """
    if not is_shared(interview.withheld_sections, Section.RECOMMENDATIONS):
        # Withheld at a rectification: the requests it made stay (the services acted on them),
        # without the interviewer's words the person no longer shares.
        PlacementRequest.objects.filter(interview=interview).exclude(details="").update(
            details="", updated_at=timezone.now()
        )
        return []
    detainee = Detainee.objects.select_for_update().get(pk=interview.detainee_id)
    if detainee.is_released:
        return []
    orientations = [o for o in interview.orientations.all() if o.kind in ORIENTATION_TO_OFFER_KIND]
    if not orientations:
        return []
    taken = set(
        PlacementRequest.objects.filter(detainee=detainee)
        .filter(Q(status__in=OPEN_REQUEST_STATUSES) | Q(interview=interview))
        .values_list("offer_kind", flat=True)
    )
    created = []
    for orientation in orientations:
        offer_kind = ORIENTATION_TO_OFFER_KIND[orientation.kind]
        if offer_kind in taken:
            continue
        taken.add(offer_kind)
        request = PlacementRequest.objects.create(
            detainee=detainee,
            establishment_id=detainee.establishment_id,
            offer_kind=offer_kind,
            priority=orientation.priority,
            origin=RequestOrigin.INTERVIEW,
            interview=interview,
            details=orientation.details,
            status=RequestStatus.TO_REVIEW,
            created_by=by,
        )
        _event(request, "", by=by, note="Préconisation de l'entretien d'arrivée")
        created.append(request)
    return created


# --- Offers ------------------------------------------------------------------------------------
#
# The prison teams and the managers keep the establishment's offers (views/offers.py). An offer is
# never deleted: deactivated, it receives no new allocation and the people already allocated
# keep their place (and the history of the requests keeps pointing at it).


def _allocated_count(offer: Offer) -> int:
    return offer.requests.filter(status=RequestStatus.ALLOCATED).count()


def _full_clean(offer: Offer) -> None:
    # The establishment is chosen by the view, never typed: not validated again here.
    offer.full_clean(exclude=["establishment"])


@transaction.atomic
def offer_create(
    *,
    establishment,
    kind: str,
    title: str,
    service: str,
    places: int,
    permanent: bool = False,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    work_setting: str = "",
    requirements: str = "",
) -> Offer:
    """A new offer of the establishment, active at once. A permanent offer keeps no end date
    (its start date, when given, says since when it exists)."""
    offer = Offer(
        establishment=establishment,
        kind=kind,
        title=title.strip(),
        service=service.strip(),
        places=places,
        permanent=permanent,
        start_date=start_date,
        end_date=None if permanent else end_date,
        work_setting=work_setting,
        requirements=requirements.strip(),
        active=True,
    )
    _full_clean(offer)
    offer.save()
    return offer


@transaction.atomic
def offer_update(
    *,
    offer: Offer,
    kind: str,
    title: str,
    service: str,
    places: int,
    permanent: bool,
    start_date: datetime.date | None,
    end_date: datetime.date | None,
    work_setting: str = "",
    requirements: str = "",
) -> Offer:
    """Changes what the offer is (not its establishment, nor its active flag: see
    `offer_set_active`).

    Two rules protect the people already placed: an offer that has received allocations keeps
    its kind (their requests are of that kind), and it cannot have fewer places than the people
    allocated to it now."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    errors: dict[str, list] = {}
    if kind != offer.kind and offer.requests.exists():
        errors["kind"] = [
            "Des demandes sont déjà liées à cette offre : son type ne peut plus changer. "
            "Désactivez-la et créez une nouvelle offre."
        ]
    allocated = _allocated_count(offer)
    if places is not None and 1 <= places < allocated:
        errors["places"] = [
            f"{allocated} personnes sont affectées à cette offre : elle ne peut pas avoir "
            f"moins de {allocated} places."
        ]
    offer.kind = kind
    offer.title = title.strip()
    offer.service = service.strip()
    offer.places = places
    offer.permanent = permanent
    offer.start_date = start_date
    offer.end_date = None if permanent else end_date
    offer.work_setting = work_setting
    offer.requirements = requirements.strip()
    try:
        _full_clean(offer)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    offer.save()
    return offer


@transaction.atomic
def offer_set_active(*, offer: Offer, active: bool) -> Offer:
    """Deactivates (no new allocation; the people allocated keep their place) or reactivates
    an offer."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.active == active:
        raise ValidationError(
            "Cette offre est déjà active." if active else "Cette offre est déjà désactivée.",
            code="active",
        )
    offer.active = active
    offer.save(update_fields=["active", "updated_at"])
    return offer
