"""The offers of the establishment, kept by its prison team and its managers (PLACEMENT_KEEPERS):
their list with demand against places, their form, their deactivation and reactivation.

Every offer is fetched through `Offer.objects.visible_to(request.user)`: another prison's offer
answers 404, and so does an establishment the user does not work in (`?etablissement=`, read by
`access.chosen_establishment`). An offer is never deleted: deactivated, it receives no new
allocation and the people already allocated keep their place.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from insertion.accounts.policy import PLACEMENT_KEEPERS, role_required
from insertion.core.lists import page_of, page_or_fragment
from insertion.placements import services
from insertion.placements.access import (
    ESTABLISHMENT_PARAMETER,
    chosen_establishment,
    establishments_of,
)
from insertion.placements.choices import OfferKind
from insertion.placements.forms_offers import OfferFilterForm, OfferForm
from insertion.placements.models import Offer
from insertion.placements.waiting import demand_vs_places

# The kinds in the order of the referential (work first), not in the alphabet of their codes.
_KIND_ORDER = Case(
    *(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(OfferKind.values)),
    default=Value(len(OfferKind.values)),
    output_field=IntegerField(),
)


def _list_url(establishment_id: int) -> str:
    return f"{reverse('placements:offers')}?{ESTABLISHMENT_PARAMETER}={establishment_id}"


def _get_offer(request, pk: int) -> Offer:
    return get_object_or_404(
        Offer.objects.visible_to(request.user).with_taken().select_related("establishment"),
        pk=pk,
    )


@require_GET
@role_required(PLACEMENT_KEEPERS)
def offer_list(request):
    """The offers of one establishment, work posts first then by title, with the people
    allocated to each, under the demand of each kind (« 34 en attente pour 8 places »)."""
    establishments = establishments_of(request.user)
    establishment = chosen_establishment(request, establishments)
    filters = OfferFilterForm(
        request.GET, establishments=establishments, establishment=establishment
    )
    if establishment is None:
        offers, demand = Offer.objects.none(), []
    else:
        offers = (
            filters.filter(
                Offer.objects.visible_to(request.user).filter(establishment=establishment)
            )
            .with_taken()
            .order_by(_KIND_ORDER, "title", "pk")
        )
        demand = demand_vs_places(establishment)
    context = {
        "page_obj": page_of(request, offers),
        "filters": filters,
        "establishment": establishment,
        "establishments": establishments,
        "demand": demand,
        "state": filters.values["etat"],
        "kind": filters.values["type"],
        "today": timezone.localdate(),
    }
    return page_or_fragment(request, "placements/offer_list.html", context, fragment="results")


@require_http_methods(["GET", "POST"])
@role_required(PLACEMENT_KEEPERS)
def offer_create(request):
    establishment = chosen_establishment(request, establishments_of(request.user))
    if establishment is None:
        raise Http404
    form = OfferForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(establishment=establishment, **form.values())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"L'offre « {offer.title} » est créée.")
            return redirect(_list_url(establishment.pk))
    context = {"form": form, "establishment": establishment, "offer": None}
    return render(request, "placements/offer_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(PLACEMENT_KEEPERS)
def offer_edit(request, pk: int):
    offer = _get_offer(request, pk)
    form = OfferForm(request.POST if request.method == "POST" else None, offer=offer)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_update(offer=offer, **form.values())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"L'offre « {offer.title} » est modifiée.")
            return redirect(_list_url(offer.establishment_id))
    context = {"form": form, "establishment": offer.establishment, "offer": offer}
    return render(request, "placements/offer_form.html", context)


def _set_active(request, pk: int, *, active: bool):
    """GET asks for confirmation (saying how many people are allocated now), POST does it."""
    offer = _get_offer(request, pk)
    list_url = _list_url(offer.establishment_id)
    if request.method == "POST":
        try:
            offer = services.offer_set_active(offer=offer, active=active)
        except ValidationError as error:
            messages.info(request, error.messages[0])
        else:
            messages.success(
                request,
                f"L'offre « {offer.title} » est réactivée : elle peut de nouveau recevoir des "
                "affectations."
                if active
                else f"L'offre « {offer.title} » est désactivée : elle ne reçoit plus "
                "d'affectation.",
            )
        return redirect(list_url)
    if offer.active == active:
        messages.info(
            request,
            f"L'offre « {offer.title} » est déjà {'active' if active else 'désactivée'}.",
        )
        return redirect(list_url)
    context = {
        "offer": offer,
        "activating": active,
        "allocated": offer.taken,
        "ended": not offer.permanent
        and offer.end_date is not None
        and offer.end_date < timezone.localdate(),
        "list_url": list_url,
    }
    return render(request, "placements/offer_confirm.html", context)


@require_http_methods(["GET", "POST"])
@role_required(PLACEMENT_KEEPERS)
def offer_deactivate(request, pk: int):
    return _set_active(request, pk, active=False)


@require_http_methods(["GET", "POST"])
@role_required(PLACEMENT_KEEPERS)
def offer_reactivate(request, pk: int):
    return _set_active(request, pk, active=True)
