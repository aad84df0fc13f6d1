"""The manager's page of the synthesis recipients of their establishments.

Every establishment and recipient is fetched through the user's establishments: another
prison's answers 404. Managers only (DESIGN.md §2); the back-office manages them too.
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from dsfr.forms import DsfrBaseForm

from entretiens.synthesis import synthesis_recipient_catch_up
from insertion.accounts.models import Role
from insertion.accounts.policy import role_required
from insertion.establishments.models import Establishment, RecipientRole, SynthesisRecipient

RECIPIENT_MANAGERS = frozenset({Role.MANAGER})


class RecipientForm(DsfrBaseForm):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Une adresse de service de préférence (par exemple direction@…), pas une "
        "adresse personnelle.",
        error_messages={"invalid": "Saisissez une adresse électronique valide."},
    )
    role = forms.ChoiceField(label="Fonction", choices=RecipientRole.choices)
    name = forms.CharField(
        label="Nom ou service",
        max_length=150,
        required=False,
        help_text="Facultatif. Par exemple : Mme Durand, service de l'enseignement.",
    )
    active = forms.BooleanField(
        label="Reçoit les synthèses",
        required=False,
        initial=True,
        help_text="Décochez pour suspendre les envois sans retirer l'adresse de la liste.",
    )

    def __init__(self, *args, establishment: Establishment, recipient=None, **kwargs):
        self.establishment = establishment
        self.recipient = recipient
        if recipient is not None:
            kwargs.setdefault(
                "initial",
                {
                    "email": recipient.email,
                    "role": recipient.role,
                    "name": recipient.name,
                    "active": recipient.active,
                },
            )
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        others = SynthesisRecipient.objects.filter(establishment=self.establishment, email=email)
        if self.recipient is not None:
            others = others.exclude(pk=self.recipient.pk)
        existing = others.first()
        if existing is not None:
            if existing.active:
                raise forms.ValidationError(
                    "Cette adresse reçoit déjà les synthèses de cet établissement."
                )
            raise forms.ValidationError(
                "Cette adresse figure déjà dans la liste, désactivée : modifiez-la pour la "
                "réactiver."
            )
        return email

    def save(self) -> SynthesisRecipient:
        recipient = self.recipient or SynthesisRecipient(establishment=self.establishment)
        for field in ("email", "role", "name", "active"):
            setattr(recipient, field, self.cleaned_data[field])
        recipient.name = recipient.name.strip()
        with transaction.atomic():
            recipient.save()
            # Syntheses still owed to the establishment go to a new (or reactivated) address too.
            synthesis_recipient_catch_up(recipient=recipient)
        return recipient


def _establishments(user):
    return Establishment.objects.visible_to(user).filter(pk__in=user.establishment_ids)


def _get_recipient(request, pk: int) -> SynthesisRecipient:
    return get_object_or_404(
        SynthesisRecipient.objects.filter(
            establishment__in=_establishments(request.user)
        ).select_related("establishment"),
        pk=pk,
    )


@role_required(RECIPIENT_MANAGERS)
def recipient_list(request):
    establishments = _establishments(request.user).prefetch_related(
        Prefetch(
            "synthesis_recipients",
            queryset=SynthesisRecipient.objects.order_by("-active", "role", "email", "pk"),
        )
    )
    return render(
        request,
        "establishments/recipient_list.html",
        {"establishments": establishments.order_by("name", "pk")},
    )


@require_http_methods(["GET", "POST"])
@role_required(RECIPIENT_MANAGERS)
def recipient_add(request, establishment_pk: int):
    establishment = get_object_or_404(_establishments(request.user), pk=establishment_pk)
    form = RecipientForm(
        request.POST if request.method == "POST" else None, establishment=establishment
    )
    if request.method == "POST" and form.is_valid():
        recipient = form.save()
        messages.success(
            request,
            f"{recipient.email} recevra désormais les synthèses de {establishment.name}.",
        )
        return redirect("establishments:recipients")
    context = {"form": form, "establishment": establishment, "recipient": None}
    return render(request, "establishments/recipient_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(RECIPIENT_MANAGERS)
def recipient_edit(request, pk: int):
    recipient = _get_recipient(request, pk)
    establishment = recipient.establishment
    form = RecipientForm(
        request.POST if request.method == "POST" else None,
        establishment=establishment,
        recipient=recipient,
    )
    if request.method == "POST" and form.is_valid():
        recipient = form.save()
        messages.success(request, f"Le destinataire {recipient.email} est modifié.")
        return redirect("establishments:recipients")
    context = {"form": form, "establishment": establishment, "recipient": recipient}
    return render(request, "establishments/recipient_form.html", context)


@require_http_methods(["GET", "POST"])
@role_required(RECIPIENT_MANAGERS)
def recipient_remove(request, pk: int):
    """GET asks for confirmation; POST deactivates (`action=desactiver`) or deletes.

    Syntheses already sent keep their delivery rows: they hold the address, not a link."""
    recipient = _get_recipient(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "desactiver":
            recipient.active = False
            recipient.save(update_fields=["active"])
            messages.success(
                request, f"{recipient.email} ne recevra plus les synthèses (adresse conservée)."
            )
        elif action == "supprimer":
            recipient.delete()
            messages.success(request, f"{recipient.email} est retiré de la liste.")
        return redirect("establishments:recipients")
    context = {"recipient": recipient, "establishment": recipient.establishment}
    return render(request, "establishments/recipient_remove.html", context)
