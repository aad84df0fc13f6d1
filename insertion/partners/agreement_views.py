"""The person's agreement that their profile goes to a partner company (agreements.py): recorded
and withdrawn by the CPIP and the managers of the person's establishment (AGREEMENT_KEEPERS),
from the person page's « Entreprises partenaires ».

The person comes through `Detainee.objects.visible_to` (404 for another establishment's), the
agreement through `Agreement.objects.visible_to` and must be that person's. Both pages name the
person: their GET writes an access-log line (`Action.AGREEMENT_READ`), and each write its own
(`AGREEMENT_RECORD`, `AGREEMENT_WITHDRAW`). Withdrawal asks for confirmation first.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from insertion.accounts.policy import AGREEMENT_KEEPERS, role_required
from insertion.audit.log import Action, record
from insertion.detainees.models import Detainee
from insertion.partners import agreements
from insertion.partners.choices import TransmissionStatus
from insertion.partners.forms import AgreementForm, AgreementWithdrawForm
from insertion.partners.models import Agreement, Company, Offer


def _person(request, pk: int) -> Detainee:
    return get_object_or_404(
        Detainee.objects.visible_to(request.user).select_related("establishment"), pk=pk
    )


def person_url(detainee_id: int) -> str:
    return reverse("person:detail", args=[detainee_id]) + "#entreprises"


def _companies(request, detainee: Detainee):
    """The active companies of the person's establishment the user reaches, with their offers
    open today (two queries)."""
    today = timezone.localdate()
    return list(
        Company.objects.visible_to(request.user)
        .active()
        .filter(establishments=detainee.establishment_id)
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=Offer.objects.open_on(today).order_by("title", "pk"),
                to_attr="open_offers",
            )
        )
        .order_by("name", "pk")
    )


@require_http_methods(["GET", "POST"])
@role_required(AGREEMENT_KEEPERS)
def agreement_create(request, pk: int):
    detainee = _person(request, pk)
    offer = None
    wanted = request.GET.get("offre", "")
    if wanted.isascii() and wanted.isdigit():  # « ² » is a digit to Python, not to the database
        offer = Offer.objects.visible_to(request.user).filter(pk=int(wanted)).first()
    companies = _companies(request, detainee)
    form = AgreementForm(
        request.POST if request.method == "POST" else None, companies=companies, offer=offer
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = agreements.agreement_record(
                detainee=detainee, by=request.user, **form.values()
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            record(request=request, action=Action.AGREEMENT_RECORD, obj=agreement, person=detainee)
            messages.success(
                request,
                f"L'accord de la personne pour {agreement.company.name} est enregistré : "
                "son profil peut être envoyé.",
            )
            return redirect(person_url(detainee.pk))
    if request.method == "GET":
        record(request=request, action=Action.AGREEMENT_READ, obj=detainee, person=detainee)
    context = {"detainee": detainee, "form": form, "companies": companies}
    return render(request, "partners/agreement_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(AGREEMENT_KEEPERS)
def agreement_withdraw(request, pk: int, agreement_pk: int):
    """GET asks for confirmation, POST withdraws."""
    detainee = _person(request, pk)
    agreement = get_object_or_404(
        Agreement.objects.visible_to(request.user).select_related("company", "offer"),
        pk=agreement_pk,
        detainee=detainee,
    )
    if not agreement.is_active:
        messages.info(request, "Cet accord est déjà retiré.")
        return redirect(person_url(detainee.pk))
    form = AgreementWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement, cancelled = agreements.agreement_withdraw(
                agreement=agreement, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            record(
                request=request, action=Action.AGREEMENT_WITHDRAW, obj=agreement, person=detainee
            )
            text = f"L'accord pour {agreement.company.name} est retiré : plus rien ne sera envoyé."
            if cancelled:
                text += (
                    f" {cancelled} envoi{'s' if cancelled > 1 else ''} en attente "
                    f"{'sont annulés' if cancelled > 1 else 'est annulé'}."
                )
            messages.success(request, text)
            return redirect(person_url(detainee.pk))
    if request.method == "GET":
        record(request=request, action=Action.AGREEMENT_READ, obj=agreement, person=detainee)
    pending = agreement.transmissions.filter(status=TransmissionStatus.PENDING).count()
    under_way = agreement.referrals.open().count()
    context = {
        "detainee": detainee,
        "agreement": agreement,
        "form": form,
        "pending": pending,
        "under_way": under_way,
    }
    return render(request, "partners/agreement_withdraw.html", context)
