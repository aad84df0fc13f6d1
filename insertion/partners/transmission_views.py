"""Sending a person's profile to a partner company (« Envoyer le profil »), for the partnerships
officers (PROFILE_SENDERS), from the people an offer fits (matching_views.py).

The offer comes through `Offer.objects.visible_to`, the person through
`Detainee.objects.visible_to(...).held()`: another establishment's answers 404. Without an
active agreement of the person covering the offer, the page says « Accord de la personne
requis » and neither shows nor sends anything. With one, it shows what will go (the profile as
the PDF has it, and the PDF itself), the officer chooses the contact and confirms: the
transmission is queued (transmissions.py) and logged (`Action.PROFILE_SEND`; reading the preview
writes `Action.PROFILE_PREVIEW`). The offer's transmissions are listed with their state, and
below them the referrals to the offer with their history (referrals.py; steps recorded through
referral_views.py).
"""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from insertion.accounts.policy import PROFILE_SENDERS, role_required
from insertion.audit.log import Action, record
from insertion.core.lists import page_of
from insertion.detainees.models import Detainee
from insertion.partners import tasks, transmissions
from insertion.partners.forms import TransmissionForm
from insertion.partners.models import Offer, ProfileTransmission, Referral
from insertion.partners.profile import employer_profile, profile_filename, render_profile_pdf

PER_PAGE = 25
# The referrals shown under an offer's transmissions: those under way first, then the latest.
REFERRALS_SHOWN = 100
STATUS_BADGES = {
    "a_envoyer": "fr-badge--new",
    "envoi": "fr-badge--info",
    "envoye": "fr-badge--success",
    "echec": "fr-badge--error",
    "annule": "fr-badge--no-icon",
}


def _offer(request, pk: int) -> Offer:
    return get_object_or_404(
        Offer.objects.visible_to(request.user).select_related("company", "establishment"), pk=pk
    )


def _person(request, pk: int) -> Detainee:
    return get_object_or_404(
        Detainee.objects.visible_to(request.user).held().select_related("establishment"), pk=pk
    )


def display_name(detainee: Detainee) -> str:
    """First name and initial, as the matches page names people."""
    initial = detainee.last_name[:1].upper()
    return f"{detainee.first_name} {initial}." if initial else detainee.first_name


@require_http_methods(["GET", "POST"])
@role_required(PROFILE_SENDERS)
def profile_send(request, pk: int, detainee_pk: int):
    offer = _offer(request, pk)
    detainee = _person(request, detainee_pk)
    agreement = transmissions.covering_agreement(detainee_id=detainee.pk, offer=offer)
    context = {
        "offer": offer,
        "detainee": detainee,
        "name": display_name(detainee),
        "agreement": agreement,
    }
    if agreement is None:
        if request.method == "POST":
            messages.error(
                request, "Accord de la personne requis : son profil ne peut pas être envoyé."
            )
        record(request=request, action=Action.PROFILE_PREVIEW, obj=detainee, person=detainee)
        return render(request, "partners/profile_send.html", context)
    agreement.detainee = detainee
    form = TransmissionForm(
        request.POST if request.method == "POST" else None, company=offer.company
    )
    if request.method == "POST" and form.is_valid():
        try:
            transmission = transmissions.transmission_create(
                agreement=agreement,
                offer=offer,
                contact=form.cleaned_data["contact"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            tasks.enqueue(transmission.pk)
            record(request=request, action=Action.PROFILE_SEND, obj=transmission, person=detainee)
            messages.success(
                request,
                f"Le profil de {detainee.first_name} sera envoyé à {transmission.contact_name} "
                f"({transmission.email}) dans quelques instants.",
            )
            return redirect(reverse("partners:offer_transmissions", args=[offer.pk]))
    record(request=request, action=Action.PROFILE_PREVIEW, obj=detainee, person=detainee)
    context["profile"] = employer_profile(agreement=agreement, offer=offer, sender=request.user)
    context["form"] = form
    return render(request, "partners/profile_send.html", context)


@require_GET
@role_required(PROFILE_SENDERS)
def profile_preview_pdf(request, pk: int, detainee_pk: int):
    """The PDF that would be sent, to read before sending (inline)."""
    offer = _offer(request, pk)
    detainee = _person(request, detainee_pk)
    agreement = transmissions.covering_agreement(detainee_id=detainee.pk, offer=offer)
    if agreement is None:
        messages.error(request, "Accord de la personne requis : aucun profil ne peut être montré.")
        return redirect(reverse("partners:profile_send", args=[offer.pk, detainee.pk]))
    agreement.detainee = detainee
    profile = employer_profile(agreement=agreement, offer=offer, sender=request.user)
    data = render_profile_pdf(profile)
    record(request=request, action=Action.PROFILE_PREVIEW, obj=detainee, person=detainee)
    return FileResponse(
        io.BytesIO(data), content_type="application/pdf", filename=profile_filename(profile)
    )


@require_GET
@role_required(PROFILE_SENDERS)
def offer_transmissions(request, pk: int):
    """The profiles sent for an offer, newest first, with their state. Like the other lists of
    people it names them by first name and initial and writes no access-log line."""
    offer = _offer(request, pk)
    rows = (
        ProfileTransmission.objects.visible_to(request.user)
        .filter(offer=offer)
        .select_related("agreement__detainee", "sent_by")
        .only(
            "status",
            "created_at",
            "sent_at",
            "cancelled_at",
            "contact_name",
            "email",
            "shared_items",
            "offer_id",
            "agreement__detainee__first_name",
            "agreement__detainee__last_name",
            "agreement__detainee__release_date",
            "sent_by__first_name",
            "sent_by__last_name",
        )
        .order_by("-created_at", "-pk")
    )
    page_obj = page_of(request, rows, per_page=PER_PAGE)
    referrals = list(
        Referral.objects.visible_to(request.user)
        .filter(offer=offer)
        .with_history()[:REFERRALS_SHOWN]
    )
    under_way = {r.detainee_id: r for r in referrals if r.is_open}
    for referral in referrals:
        referral.person_name = display_name(referral.detainee)
    for row in page_obj.object_list:
        row.person_name = display_name(row.agreement.detainee)
        row.badge_class = STATUS_BADGES.get(row.status, "")
        # A referral may follow a profile sent, for a person still held and none under way;
        # the one under way is named, with a link to its history below.
        row.referral = under_way.get(row.agreement.detainee_id)
        row.may_refer = row.referral is None and row.agreement.detainee.release_date is None
    context = {"offer": offer, "page_obj": page_obj, "referrals": referrals}
    return render(request, "partners/offer_transmissions.html", context)
