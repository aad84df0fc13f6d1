"""The partnerships officers' pages (PARTNER_KEEPERS): the partner companies of their
establishments, their contacts and their offers (issue 16).

Every company and offer is fetched through `visible_to(request.user)`: a company tied to none
of the user's establishments answers 404, and so do its contacts and offers. Nothing is
deleted but a contact: a company or an offer is deactivated, after a confirmation page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from insertion.accounts.policy import PARTNER_KEEPERS, role_required
from insertion.core.lists import page_of, page_or_fragment
from insertion.partners import services
from insertion.partners.forms import (
    CompanyFilterForm,
    CompanyForm,
    ContactForm,
    OfferFilterForm,
    OfferForm,
)
from insertion.partners.models import Company, CompanyContact, Offer


def _get_company(request, pk: int) -> Company:
    return get_object_or_404(Company.objects.visible_to(request.user), pk=pk)


def _get_offer(request, pk: int) -> Offer:
    return get_object_or_404(
        Offer.objects.visible_to(request.user).select_related("company", "establishment"), pk=pk
    )


def _detail_url(company_id: int) -> str:
    return reverse("partners:company_detail", args=[company_id])


# --- Companies -----------------------------------------------------------------------------


@require_GET
@role_required(PARTNER_KEEPERS)
def company_list(request):
    """The companies of the user's establishments, by name, with their open offers."""
    filters = CompanyFilterForm(request.GET)
    companies = (
        filters.filter(Company.objects.visible_to(request.user))
        .annotate(
            active_offers=Count("offers", filter=Q(offers__active=True), distinct=True),
            contact_count=Count("contacts", distinct=True),
        )
        .order_by("name", "pk")
    )
    context = {
        "page_obj": page_of(request, companies),
        "filters": filters,
        "state": filters.values["etat"],
        "filtered": bool(filters.values["q"] or filters.values["secteur"]),
    }
    return page_or_fragment(request, "partners/company_list.html", context, fragment="results")


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def company_create(request):
    form = CompanyForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(**form.values(), by=request.user)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"L'entreprise « {company.name} » est enregistrée.")
            return redirect(_detail_url(company.pk))
    return render(request, "partners/company_form.html", {"form": form, "company": None})


@require_GET
@role_required(PARTNER_KEEPERS)
def company_detail(request, pk: int):
    company = _get_company(request, pk)
    context = {
        "company": company,
        "establishments": company.establishments.order_by("name", "pk"),
        "contacts": company.contacts.order_by("name", "pk"),
        "offers": company.offers.select_related("establishment").order_by("-opens_on", "pk"),
    }
    return render(request, "partners/company_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def company_edit(request, pk: int):
    company = _get_company(request, pk)
    form = CompanyForm(
        request.POST if request.method == "POST" else None, user=request.user, company=company
    )
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_update(company=company, **form.values(), by=request.user)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"L'entreprise « {company.name} » est modifiée.")
            return redirect(_detail_url(company.pk))
    return render(request, "partners/company_form.html", {"form": form, "company": company})


def _company_set_active(request, pk: int, *, active: bool):
    """GET asks for confirmation, POST does it."""
    company = _get_company(request, pk)
    if request.method == "POST":
        try:
            company = services.company_set_active(company=company, active=active)
        except ValidationError as error:
            messages.info(request, error.messages[0])
        else:
            messages.success(
                request,
                f"L'entreprise « {company.name} » est réactivée : ses offres actives sont de "
                "nouveau proposées."
                if active
                else f"L'entreprise « {company.name} » est désactivée : ses offres ne sont "
                "plus proposées.",
            )
        return redirect(_detail_url(company.pk))
    if company.active == active:
        messages.info(
            request,
            f"L'entreprise « {company.name} » est déjà {'active' if active else 'désactivée'}.",
        )
        return redirect(_detail_url(company.pk))
    context = {
        "company": company,
        "activating": active,
        "active_offers": company.offers.filter(active=True).count(),
    }
    return render(request, "partners/company_confirm.html", context)


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def company_deactivate(request, pk: int):
    return _company_set_active(request, pk, active=False)


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def company_reactivate(request, pk: int):
    return _company_set_active(request, pk, active=True)


# --- Contacts ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def contact_add(request, pk: int):
    company = _get_company(request, pk)
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_add(company=company, **form.values())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Le contact « {contact.name} » est ajouté.")
            return redirect(_detail_url(company.pk))
    return render(request, "partners/contact_form.html", {"form": form, "company": company})


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def contact_remove(request, pk: int, contact_pk: int):
    company = _get_company(request, pk)
    contact = get_object_or_404(CompanyContact.objects.filter(company=company), pk=contact_pk)
    if request.method == "POST":
        services.contact_remove(contact=contact)
        messages.success(request, f"Le contact « {contact.name} » est retiré.")
        return redirect(_detail_url(company.pk))
    return render(request, "partners/contact_remove.html", {"company": company, "contact": contact})


# --- Offers --------------------------------------------------------------------------------


@require_GET
@role_required(PARTNER_KEEPERS)
def offer_list(request):
    """The offers of the companies of the user's establishments, by title."""
    filters = OfferFilterForm(request.GET)
    offers = (
        filters.filter(Offer.objects.visible_to(request.user))
        .select_related("company", "establishment")
        .order_by("title", "company__name", "pk")
    )
    context = {
        "page_obj": page_of(request, offers),
        "filters": filters,
        "state": filters.values["etat"],
        "filtered": bool(
            filters.values["q"] or filters.values["type"] or filters.values["secteur"]
        ),
    }
    return page_or_fragment(request, "partners/offer_list.html", context, fragment="results")


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def offer_create(request, pk: int):
    company = _get_company(request, pk)
    form = OfferForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"sector": company.sector, "opens_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(company=company, **form.values(), by=request.user)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"L'offre « {offer.title} » est créée.")
            return redirect(_detail_url(company.pk))
    context = {"form": form, "company": company, "offer": None}
    return render(request, "partners/offer_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def offer_edit(request, pk: int):
    offer = _get_offer(request, pk)
    form = OfferForm(
        request.POST if request.method == "POST" else None, user=request.user, offer=offer
    )
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_update(offer=offer, **form.values())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"L'offre « {offer.title} » est modifiée.")
            return redirect(_detail_url(offer.company_id))
    context = {"form": form, "company": offer.company, "offer": offer}
    return render(request, "partners/offer_form.html", context)


def _offer_set_active(request, pk: int, *, active: bool):
    """GET asks for confirmation, POST does it."""
    offer = _get_offer(request, pk)
    detail_url = _detail_url(offer.company_id)
    if request.method == "POST":
        try:
            offer = services.offer_set_active(offer=offer, active=active)
        except ValidationError as error:
            messages.info(request, error.messages[0])
        else:
            messages.success(
                request,
                f"L'offre « {offer.title} » est réactivée."
                if active
                else f"L'offre « {offer.title} » est désactivée : elle n'est plus proposée.",
            )
        return redirect(detail_url)
    if offer.active == active:
        messages.info(
            request,
            f"L'offre « {offer.title} » est déjà {'active' if active else 'désactivée'}.",
        )
        return redirect(detail_url)
    context = {"offer": offer, "activating": active, "detail_url": detail_url}
    return render(request, "partners/offer_confirm.html", context)


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def offer_deactivate(request, pk: int):
    return _offer_set_active(request, pk, active=False)


@require_http_methods(["GET", "POST"])
@role_required(PARTNER_KEEPERS)
def offer_reactivate(request, pk: int):
    return _offer_set_active(request, pk, active=True)
