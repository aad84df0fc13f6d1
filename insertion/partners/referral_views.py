"""A person's referral to a partner offer and its steps (referrals.py): « Enregistrer
l'orientation » and « Enregistrer une étape », for the partnerships officers and the CPIP and
managers of the person's establishment (REFERRAL_KEEPERS). The referrals are listed, with their
history, on the offer's « Profils envoyés » (transmission_views.py) and on the person page's
« Entreprises partenaires » (insertion/person/partners.py).

The offer comes through `Offer.objects.visible_to`, the person through
`Detainee.objects.visible_to(...).held()`, a referral through `Referral.objects.visible_to`:
another establishment's answers 404. The pages name the person by first name and initial; read
(GET), they write an access-log line (`Action.REFERRAL_READ`), and each step recorded its own
(`Action.REFERRAL_STEP`).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from insertion.accounts.policy import PARTNER_KEEPERS, REFERRAL_KEEPERS, role_required
from insertion.audit.log import Action, record
from insertion.detainees.models import Detainee
from insertion.partners import referrals, transmissions
from insertion.partners.forms import ReferralForm, ReferralStepForm
from insertion.partners.models import Offer, Referral
from insertion.partners.transmission_views import display_name


def back_url(user, *, offer_id: int, detainee_id: int) -> str:
    """Where the user follows the referrals: the offer's page for a partnerships officer, the
    person page for their CPIP or a manager."""
    if user.role in PARTNER_KEEPERS:
        return reverse("partners:offer_transmissions", args=[offer_id]) + "#orientations"
    return reverse("person:detail", args=[detainee_id]) + "#entreprises-orientations"


@require_http_methods(["GET", "POST"])
@role_required(REFERRAL_KEEPERS)
def referral_create(request, pk: int, detainee_pk: int):
    offer = get_object_or_404(
        Offer.objects.visible_to(request.user).select_related("company"), pk=pk
    )
    detainee = get_object_or_404(Detainee.objects.visible_to(request.user).held(), pk=detainee_pk)
    agreement = transmissions.covering_agreement(detainee_id=detainee.pk, offer=offer)
    form = ReferralForm(request.POST if request.method == "POST" else None)
    back = back_url(request.user, offer_id=offer.pk, detainee_id=detainee.pk)
    if agreement is None and request.method == "POST":
        messages.error(
            request, "Accord de la personne requis : l'orientation n'est pas enregistrée."
        )
    elif request.method == "POST" and form.is_valid():
        try:
            referral = referrals.referral_create(
                detainee=detainee,
                offer=offer,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            record(request=request, action=Action.REFERRAL_STEP, obj=referral, person=detainee)
            messages.success(
                request,
                f"L'orientation de {display_name(detainee)} vers « {offer.title} » "
                "est enregistrée.",
            )
            return redirect(back)
    if request.method == "GET":
        record(request=request, action=Action.REFERRAL_READ, obj=detainee, person=detainee)
    context = {
        "offer": offer,
        "name": display_name(detainee),
        "referral": None,
        "can_record": agreement is not None,
        "form": form,
        "back": back,
        "action": reverse("partners:referral_create", args=[offer.pk, detainee.pk]),
    }
    return render(request, "partners/referral_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(REFERRAL_KEEPERS)
def referral_step(request, pk: int):
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).select_related("offer__company", "detainee"),
        pk=pk,
    )
    back = back_url(request.user, offer_id=referral.offer_id, detainee_id=referral.detainee_id)
    allowed = referrals.next_statuses(referral.status)
    if not allowed:
        messages.info(request, "Cette orientation est close : aucune étape ne peut plus la suivre.")
        return redirect(back)
    form = ReferralStepForm(request.POST if request.method == "POST" else None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referrals.referral_advance(
                referral=referral,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            record(
                request=request, action=Action.REFERRAL_STEP, obj=referral, person=referral.detainee
            )
            messages.success(
                request,
                f"Étape enregistrée : {display_name(referral.detainee)}, "
                f"« {referral.get_status_display()} ».",
            )
            return redirect(back)
    if request.method == "GET":
        record(request=request, action=Action.REFERRAL_READ, obj=referral, person=referral.detainee)
    events = list(referral.events.select_related("recorded_by").order_by("on", "recorded_at", "pk"))
    context = {
        "offer": referral.offer,
        "referral": referral,
        "events": events,
        "can_record": True,
        "name": display_name(referral.detainee),
        "form": form,
        "back": back,
        "action": reverse("partners:referral_step", args=[referral.pk]),
    }
    return render(request, "partners/referral_form.html", context)
