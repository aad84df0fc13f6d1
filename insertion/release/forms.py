"""The forms of the person page's release-preparation actions.

They check the input (required fields, lengths, dates that parse); the rules of the domain stay in
the services, whose ValidationError is put back on the form (`add_service_error`) so that the
message shows next to its field and nothing typed is lost.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from insertion.core.forms import ServiceErrorsMixin
from insertion.detainees.models import ContactKind, ReleaseKind
from insertion.detainees.services import CONTACT_SUBJECT_MAX
from insertion.release.models import MilestoneCategory, MilestoneStatus

REQUIRED = "Ce champ est obligatoire."
DATE_INVALID = "Saisissez une date valide, par exemple 12/03/2026."
NOT_APPLICABLE_REASON_REQUIRED = "Indiquez pourquoi ce jalon est sans objet pour cette personne."


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _messages(**extra) -> dict:
    return {"required": REQUIRED, "invalid": DATE_INVALID, **extra}


class MilestoneStatusForm(ServiceErrorsMixin, DsfrBaseForm):
    """One click on a status button; "sans objet" comes with its reason."""

    status = forms.ChoiceField(
        choices=MilestoneStatus.choices, error_messages={"invalid_choice": "État inconnu."}
    )
    reason = forms.CharField(
        label="Pourquoi ce jalon est-il sans objet ?",
        help_text="Par exemple : la personne a déjà un logement à sa sortie.",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Le motif tient en 300 caractères au plus."},
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == MilestoneStatus.NOT_APPLICABLE
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", NOT_APPLICABLE_REASON_REQUIRED)
        return cleaned


class MilestoneEditForm(ServiceErrorsMixin, DsfrBaseForm):
    target_date = forms.DateField(
        label="Date cible",
        required=False,
        widget=_date_input(),
        error_messages=_messages(),
    )
    owner = forms.CharField(
        label="Porté par",
        help_text="Le CPIP, la personne, un partenaire (SIAO, France Travail…).",
        max_length=150,
        required=False,
        error_messages={"max_length": "Indiquez au plus 150 caractères."},
    )


class MilestoneAddForm(ServiceErrorsMixin, DsfrBaseForm):
    label = forms.CharField(
        label="Intitulé du jalon",
        max_length=150,
        error_messages={"required": REQUIRED, "max_length": "Indiquez au plus 150 caractères."},
    )
    category = forms.ChoiceField(
        label="Thème",
        choices=[("", "Choisir un thème"), *MilestoneCategory.choices],
        error_messages={"required": "Choisissez un thème.", "invalid_choice": "Thème inconnu."},
    )
    target_date = forms.DateField(
        label="Date cible", required=False, widget=_date_input(), error_messages=_messages()
    )
    owner = forms.CharField(
        label="Porté par",
        help_text="Le CPIP, la personne, un partenaire (SIAO, France Travail…).",
        max_length=150,
        required=False,
        error_messages={"max_length": "Indiquez au plus 150 caractères."},
    )
    essential = forms.BooleanField(
        label="Jalon essentiel",
        help_text="Il compte dans l'état de préparation de la sortie.",
        required=False,
    )


class MilestoneNoteForm(ServiceErrorsMixin, DsfrBaseForm):
    text = forms.CharField(
        label="Nouvelle note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "La note est vide.",
            "max_length": "La note tient en 2 000 caractères au plus.",
        },
    )


class ContactForm(ServiceErrorsMixin, DsfrBaseForm):
    on_date = forms.DateField(
        label="Date", widget=_date_input(), error_messages=_messages(), initial=timezone.localdate
    )
    kind = forms.ChoiceField(
        label="Type de contact",
        choices=[("", "Choisir un type"), *ContactKind.choices],
        error_messages={"required": "Choisissez le type de contact.", "invalid_choice": REQUIRED},
    )
    subject = forms.CharField(
        label="Objet",
        help_text="Une phrase courte : ce qui a été vu ou décidé.",
        max_length=CONTACT_SUBJECT_MAX,
        error_messages={
            "required": "Indiquez l'objet du contact.",
            "max_length": f"L'objet tient en {CONTACT_SUBJECT_MAX} caractères au plus.",
        },
    )


class ReleaseForm(ServiceErrorsMixin, DsfrBaseForm):
    """The release, in two steps: the date and kind, then a confirmation."""

    on_date = forms.DateField(
        label="Date de la libération",
        widget=_date_input(),
        error_messages=_messages(),
        initial=timezone.localdate,
    )
    kind = forms.ChoiceField(
        label="Type de sortie",
        choices=[("", "Choisir le type de sortie"), *ReleaseKind.choices],
        error_messages={"required": "Choisissez le type de sortie.", "invalid_choice": REQUIRED},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_on_date(self):
        day = self.cleaned_data["on_date"]
        if day > timezone.localdate():
            raise ValidationError(
                "La libération s'enregistre le jour où elle a lieu : la date ne peut pas être "
                "dans le futur."
            )
        return day
