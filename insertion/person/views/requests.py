"""The person page's actions on requests to the services of the establishment: a CPIP or a
manager makes one, or records that the person withdrew one (insertion/person/activity_requests.py
for the section they act on).

Each is a POST to its own URL; the person comes through `Detainee.objects.visible_to` and the
request through `PlacementRequest.objects.visible_to` and must be that person's (404 otherwise).
Done, the POST redirects to the person page on the request, with a French message; a form sent
with errors, or refused by the service, comes back on a small page of its own with the messages
and what was typed.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from insertion.accounts.policy import role_required
from insertion.audit.log import Action, record
from insertion.detainees.models import Detainee
from insertion.person.activity_requests import (
    PERSON_PAGE_REQUEST_MAKERS,
    RequestCreateForm,
    RequestWithdrawForm,
)
from insertion.person.views.plan_fragments import form_page, page_url
from insertion.placements.models import PlacementRequest
from insertion.placements.services import request_create as placement_request_create
from insertion.placements.services import request_withdraw as placement_request_withdraw

# The access log's actions of these writes. To be moved into insertion.audit.log.Action
# (REQUEST_CREATE, REQUEST_WITHDRAW) with the other actions of issue 14.


def _person(request, pk: int) -> Detainee:
    return get_object_or_404(Detainee.objects.visible_to(request.user), pk=pk)


@require_POST
@role_required(PERSON_PAGE_REQUEST_MAKERS)
def request_create(request, pk: int):
    detainee = _person(request, pk)
    form = RequestCreateForm(request.POST, auto_id="demande-%s")
    created = None
    if form.is_valid():
        try:
            created = placement_request_create(
                detainee=detainee,
                by=request.user,
                offer_kind=form.cleaned_data["offer_kind"],
                priority=form.cleaned_data["priority"],
                origin=form.cleaned_data["origin"],
                details=form.cleaned_data["details"],
            )
        except ValidationError as error:
            form.add_service_error(error)
    if created is None:
        return form_page(
            request,
            detainee,
            title="Nouvelle demande d'activité",
            form=form,
            action=reverse("person:request_create", args=[detainee.pk]),
            submit="Transmettre la demande",
            anchor="demandes",
        )
    record(request=request, action=Action.REQUEST_CREATE, obj=created, person=detainee)
    messages.success(
        request,
        f"Demande « {created.get_offer_kind_display()} » transmise au service : "
        "elle est à examiner.",
    )
    return redirect(page_url(detainee, f"demande-{created.pk}"))


@require_POST
@role_required(PERSON_PAGE_REQUEST_MAKERS)
def request_withdraw(request, pk: int, request_pk: int):
    detainee = _person(request, pk)
    placement_request = get_object_or_404(
        PlacementRequest.objects.visible_to(request.user), pk=request_pk, detainee=detainee
    )
    form = RequestWithdrawForm(request.POST, auto_id=f"retrait-{placement_request.pk}-%s")
    withdrawn = None
    if form.is_valid():
        try:
            withdrawn = placement_request_withdraw(
                request=placement_request, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_service_error(error)
    if withdrawn is None:
        return form_page(
            request,
            detainee,
            title=f"Retirer la demande : {placement_request.get_offer_kind_display()}",
            form=form,
            action=reverse("person:request_withdraw", args=[detainee.pk, placement_request.pk]),
            submit="Retirer la demande",
            anchor=f"demande-{placement_request.pk}",
        )
    record(request=request, action=Action.REQUEST_WITHDRAW, obj=withdrawn, person=detainee)
    messages.success(
        request,
        f"Demande « {withdrawn.get_offer_kind_display()} » retirée à la demande de la personne.",
    )
    return redirect(page_url(detainee, f"demande-{withdrawn.pk}"))
