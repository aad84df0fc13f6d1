"""One request as the prison team works it: its page (details, history, the actions its state
allows), the actions (examine, allocate, refuse, withdrawn by the person, finish, fix or remove
its rank), and a request made directly by the team.

Every request is fetched through `PlacementRequest.objects.visible_to(request.user)`: another
establishment's request answers 404. Each action is a POST to its own URL that calls one service
(services.py keeps the transitions and their history). Success: a French message and back to
`next` (a local path: the waiting list, the queue) or to the request's page. A refusal (form or
service): the form again on a page of its own, with its messages next to its fields and what was
typed; a request that changed since the page was shown sends back to its page, which says so.

The page of a request and each action write one line of the access log naming the person.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from insertion.accounts.policy import (
    INTERVIEW_READERS,
    PERSON_READERS,
    PLACEMENT_KEEPERS,
    has_role,
    role_required,
)
from insertion.accounts.redirects import is_local_path
from insertion.audit.log import Action, record
from insertion.placements import queue, reminders, services
from insertion.placements.access import chosen_establishment, establishments_of
from insertion.placements.choices import OfferKind, RefusalReason, RequestStatus
from insertion.placements.forms import (
    ACTIONS_BY_STATUS,
    AllocateForm,
    ExamineForm,
    FinishForm,
    RankForm,
    RefuseForm,
    RequestCreateForm,
    WithdrawForm,
)
from insertion.placements.models import PlacementRequest

FORM_TEMPLATE = "placements/request_form.html"


def _fetch(request, pk: int) -> PlacementRequest:
    return get_object_or_404(
        PlacementRequest.objects.visible_to(request.user).select_related(
            "detainee", "establishment", "offer", "created_by", "interview"
        ),
        pk=pk,
    )


def _detail_url(placement_request: PlacementRequest) -> str:
    return reverse("placements:request_detail", args=[placement_request.pk])


def _back(request, placement_request: PlacementRequest) -> str:
    value = request.POST.get("next", "")
    return value if is_local_path(request, value) else _detail_url(placement_request)


def _establishment_query(placement_request: PlacementRequest) -> str:
    return f"?etablissement={placement_request.establishment_id}"


@require_GET
@role_required(PLACEMENT_KEEPERS)
def request_detail(request, pk: int):
    placement_request = _fetch(request, pk)
    today = timezone.localdate()
    events = list(placement_request.events.select_related("by").order_by("at", "pk"))
    actions = ACTIONS_BY_STATUS.get(placement_request.status, ())
    offers = (
        queue.offers_with_free_places(
            placement_request.establishment, today, kind=placement_request.offer_kind
        )
        if "allocate" in actions
        else []
    )
    record(
        request=request,
        action=Action.REQUEST_READ,
        obj=placement_request,
        person=placement_request.detainee,
    )
    if placement_request.status == RequestStatus.TO_REVIEW:
        placement_request.review_days = reminders.review_days(placement_request, today)
        placement_request.review_late = reminders.is_review_overdue(placement_request, today)
    context = {
        "placement_request": placement_request,
        "detainee": placement_request.detainee,
        "events": events,
        "actions": actions,
        "offers": offers,
        "refusal_reasons": RefusalReason.choices,
        "today": today,
        "next": request.get_full_path(),
        "establishment_query": _establishment_query(placement_request),
        "person_url": (
            reverse("person:detail", args=[placement_request.detainee_id])
            if has_role(request.user, PERSON_READERS)
            else ""
        ),
        "interview_url": (
            reverse("entretiens:interview", args=[placement_request.interview_id])
            if placement_request.interview_id and has_role(request.user, INTERVIEW_READERS)
            else ""
        ),
    }
    return render(request, "placements/request_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(PLACEMENT_KEEPERS)
def request_create(request):
    """A request made by the team for a person of the chosen establishment (n° d'écrou)."""
    establishments = establishments_of(request.user)
    establishment = chosen_establishment(request, establishments)
    if establishment is None:
        raise Http404
    form = RequestCreateForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        establishment=establishment,
        establishments=establishments,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_create(
                detainee=form.detainee,
                offer_kind=data["offer_kind"],
                priority=data["priority"],
                origin=data["origin"],
                details=data["details"].strip(),
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            record(request=request, action=Action.REQUEST_CREATE, obj=created, person=form.detainee)
            messages.success(
                request,
                f"Demande « {OfferKind(created.offer_kind).label} » enregistrée pour "
                f"{form.detainee.full_name} : elle est à examiner.",
            )
            return redirect(_detail_url(created))
    query = f"?etablissement={establishment.pk}" if len(establishments) > 1 else ""
    context = {
        "title": "Nouvelle demande",
        "lead": f"Une demande faite par l'équipe de {establishment.name}, ou à la demande de la "
        "personne détenue. Elle arrive « à examiner ».",
        "form": form,
        "action": reverse("placements:request_create") + query,
        "submit": "Enregistrer la demande",
        "cancel_url": reverse("placements:queue") + query,
        "placement_request": None,
        "next": "",
    }
    return render(request, FORM_TEMPLATE, context)


# --- Actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What an action needs: its form, the service call, the line of the log, the words."""

    form_class: type
    perform: Callable  # (placement_request, cleaned_data, user) -> PlacementRequest
    log_action: str
    title: str
    submit: str
    message: Callable  # (placement_request, cleaned_data) -> str
    form_kwargs: Callable = lambda placement_request: {}


def _name(placement_request) -> str:
    return placement_request.detainee.full_name


def _kind(placement_request) -> str:
    return OfferKind(placement_request.offer_kind).label


def _act(request, pk: int, step: Step):
    placement_request = _fetch(request, pk)
    form = step.form_class(
        request.POST, placement_request=placement_request, **step.form_kwargs(placement_request)
    )
    if form.is_valid():
        try:
            done = step.perform(placement_request, form.cleaned_data, request.user)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            record(
                request=request,
                action=step.log_action,
                obj=done,
                person=placement_request.detainee,
            )
            messages.success(request, step.message(done, form.cleaned_data))
            return redirect(_back(request, placement_request))
    if "etat" in form.errors:
        # The request changed since the page was shown: its page says how it is now.
        messages.error(request, " ".join(form.errors["etat"]))
        return redirect(_detail_url(placement_request))
    next_url = request.POST.get("next", "")
    next_url = next_url if is_local_path(request, next_url) else ""
    context = {
        "title": step.title,
        "lead": "",
        "form": form,
        "action": request.path,
        "submit": step.submit,
        "cancel_url": next_url or _detail_url(placement_request),
        "placement_request": placement_request,
        "next": next_url,
    }
    return render(request, FORM_TEMPLATE, context)


def _allocate_kwargs(placement_request) -> dict:
    offers = queue.offers_with_free_places(
        placement_request.establishment, timezone.localdate(), kind=placement_request.offer_kind
    )
    return {"offers": offers}


EXAMINE = Step(
    form_class=ExamineForm,
    perform=lambda r, data, by: services.request_examine(request=r, by=by, note=data["note"]),
    log_action=Action.REQUEST_EXAMINE,
    title="Mettre en liste d'attente",
    submit="Mettre en liste d'attente",
    message=lambda r, data: f"{_name(r)} est inscrit·e sur la liste d'attente « {_kind(r)} ».",
)
ALLOCATE = Step(
    form_class=AllocateForm,
    perform=lambda r, data, by: services.request_allocate(
        request=r, offer=data["offer"], start_date=data["start_date"], by=by, note=data["note"]
    ),
    log_action=Action.REQUEST_ALLOCATE,
    title="Affecter à une offre",
    submit="Affecter",
    message=lambda r, data: (
        f"{_name(r)} est affecté·e à « {data['offer'].title} » à partir du "
        f"{format_date(data['start_date'], 'j F Y')}."
    ),
    form_kwargs=_allocate_kwargs,
)
REFUSE = Step(
    form_class=RefuseForm,
    perform=lambda r, data, by: services.request_refuse(
        request=r, reason=data["reason"], details=data["details"], by=by
    ),
    log_action=Action.REQUEST_REFUSE,
    title="Refuser la demande",
    submit="Refuser la demande",
    message=lambda r, data: f"Demande « {_kind(r)} » de {_name(r)} refusée.",
)
WITHDRAW = Step(
    form_class=WithdrawForm,
    perform=lambda r, data, by: services.request_withdraw(request=r, by=by, note=data["note"]),
    log_action=Action.REQUEST_WITHDRAW,
    title="Demande retirée par la personne",
    submit="Enregistrer le retrait",
    message=lambda r, data: f"Demande « {_kind(r)} » de {_name(r)} retirée par la personne.",
)
FINISH = Step(
    form_class=FinishForm,
    perform=lambda r, data, by: services.request_finish(
        request=r, by=by, on_date=data["on_date"], note=data["note"]
    ),
    log_action=Action.REQUEST_FINISH,
    title="Terminer l'affectation",
    submit="Terminer l'affectation",
    message=lambda r, data: (
        f"Affectation de {_name(r)} terminée le {format_date(r.ended_on, 'j F Y')}."
    ),
)
RANK = Step(
    form_class=RankForm,
    perform=lambda r, data, by: services.request_set_rank(
        request=r,
        rank=None if data["retirer"] else data["rank"],
        reason=data["reason"],
        by=by,
    ),
    log_action=Action.REQUEST_RANK,
    title="Fixer le rang dans la liste d'attente",
    submit="Fixer le rang",
    message=lambda r, data: (
        f"{_name(r)} reprend sa place dans l'ordre habituel de la liste d'attente."
        if r.manual_rank is None
        else f"Rang {r.manual_rank} fixé pour {_name(r)} dans la liste d'attente."
    ),
)


@require_POST
@role_required(PLACEMENT_KEEPERS)
def request_examine(request, pk: int):
    return _act(request, pk, EXAMINE)


@require_POST
@role_required(PLACEMENT_KEEPERS)
def request_allocate(request, pk: int):
    return _act(request, pk, ALLOCATE)


@require_POST
@role_required(PLACEMENT_KEEPERS)
def request_refuse(request, pk: int):
    return _act(request, pk, REFUSE)


@require_POST
@role_required(PLACEMENT_KEEPERS)
def request_withdraw(request, pk: int):
    return _act(request, pk, WITHDRAW)


@require_POST
@role_required(PLACEMENT_KEEPERS)
def request_finish(request, pk: int):
    return _act(request, pk, FINISH)


@require_POST
@role_required(PLACEMENT_KEEPERS)
def request_rank(request, pk: int):
    return _act(request, pk, RANK)
