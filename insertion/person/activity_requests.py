"""The person page's « Demandes d'activité »: the person's requests to the services of the
establishment (work, training, classes…) with their state and history, and the forms with which
a CPIP or a manager makes one or records that the person withdrew one (the writes are
insertion/placements/services.py's; the views are insertion/person/views/requests.py).

The section is read by the plan readers (CPIP, managers): a request's « précisions » may come
from the interview's « Préconisations », which the interviewers' part of the page does not show.
"""

import datetime

from django import forms
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from insertion.accounts.policy import PLAN_READERS, REQUEST_MAKERS
from insertion.core.forms import ServiceErrorsMixin
from insertion.placements.choices import (
    OPEN_REQUEST_STATUSES,
    RequestOrigin,
    RequestStatus,
)
from insertion.placements.forms import RequestFieldsForm
from insertion.placements.models import PlacementRequest, RequestEvent
from insertion.release.frise import french_date

# Who makes requests and withdraws them from the person page: the request makers who read it
# (the prison teams make theirs from their own pages, under /activites/).
PERSON_PAGE_REQUEST_MAKERS = REQUEST_MAKERS & PLAN_READERS
WITHDRAW_NOTE_MAX = 500
STATUS_BADGES = {
    RequestStatus.TO_REVIEW: "fr-badge--new",
    RequestStatus.WAITING: "fr-badge--warning",
    RequestStatus.ALLOCATED: "fr-badge--success",
    RequestStatus.DONE: "fr-badge--info",
    RequestStatus.REFUSED: "fr-badge--error",
    RequestStatus.WITHDRAWN: "fr-badge--no-icon",
    RequestStatus.CLOSED: "fr-badge--no-icon",
}


class RequestCreateForm(RequestFieldsForm):
    """A request made from the person page (the services check the rest: one open request per
    kind, a person still held)."""

    ORIGINS = {
        RequestOrigin.CPIP.value: "Par le CPIP",
        RequestOrigin.PERSON.value: RequestOrigin.PERSON.label,
    }


class RequestWithdrawForm(ServiceErrorsMixin, DsfrBaseForm):
    """« Retirée par la personne »: it ends the request, so it is confirmed by a checkbox."""

    confirmed = forms.BooleanField(
        label="La personne ne souhaite plus cette activité",
        error_messages={"required": "Cochez la case pour confirmer le retrait de la demande."},
    )
    note = forms.CharField(
        label="Commentaire",
        max_length=WITHDRAW_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Le commentaire tient en 500 caractères au plus."},
    )


def since_text(placement_request: PlacementRequest, *, today: datetime.date) -> str:
    """Since when the request is in its state, as the section says it: « En liste d'attente
    depuis le 3 février 2026 (100 jours) », « CAP Cuisine, à partir du 2 mars 2026 »."""
    status = placement_request.status
    if status == RequestStatus.TO_REVIEW:
        asked_on = timezone.localdate(placement_request.created_at)
        return f"À examiner par le service depuis le {french_date(asked_on)}."
    if status == RequestStatus.WAITING and placement_request.waiting_since:
        days = placement_request.waiting_days(today)
        return (
            f"En liste d'attente depuis le {french_date(placement_request.waiting_since)} "
            f"({days} jour{'s' if days > 1 else ''})."
        )
    offer = placement_request.offer
    if status == RequestStatus.ALLOCATED and placement_request.start_date:
        start = placement_request.start_date
        when = "à partir du" if start > today else "depuis le"
        place = f"{offer.title} ({offer.service}), " if offer else ""
        return f"{place}{when} {french_date(start)}."
    if placement_request.ended_on:
        ended = french_date(placement_request.ended_on)
        if status == RequestStatus.DONE and offer:
            return f"{offer.title} ({offer.service}), terminé le {ended}."
        return f"Le {ended}."
    return ""


def person_requests(user, detainee, *, today: datetime.date) -> list[PlacementRequest]:
    """The person's requests the user reaches, open ones first then the newest, each with its
    history (`event_list`), the date of its last change and since when it is in its state: two
    queries, whatever their number."""
    open_first = Case(
        When(status__in=OPEN_REQUEST_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    requests = list(
        PlacementRequest.objects.visible_to(user)
        .filter(detainee=detainee)
        .select_related("offer")
        .prefetch_related(
            Prefetch(
                "events", queryset=RequestEvent.objects.select_related("by").order_by("at", "pk")
            )
        )
        .order_by(open_first, "-created_at", "-pk")
    )
    for placement_request in requests:
        events = list(placement_request.events.all())
        placement_request.event_list = events
        placement_request.last_change_at = events[-1].at if events else placement_request.updated_at
        placement_request.badge_class = STATUS_BADGES.get(placement_request.status, "")
        placement_request.since_text = since_text(placement_request, today=today)
        placement_request.withdraw_form = None
    return requests


def requests_context(*, user, detainee, today: datetime.date) -> dict:
    """The section's context: the requests and, for a request maker, the forms (none for a
    released person, whom the services refuse anyway)."""
    makes_requests = user.role in PERSON_PAGE_REQUEST_MAKERS and not detainee.is_released
    requests = person_requests(user, detainee, today=today)
    if makes_requests:
        for placement_request in requests:
            if placement_request.is_open:
                placement_request.withdraw_form = RequestWithdrawForm(
                    auto_id=f"retrait-{placement_request.pk}-%s"
                )
    return {
        "activity_requests": requests,
        "makes_requests": makes_requests,
        "request_form": RequestCreateForm(auto_id="demande-%s") if makes_requests else None,
    }
