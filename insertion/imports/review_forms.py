"""The fields of the review queue's decisions that need some (insertion/imports/review_views.py):
the date and kind of a release, the destination and date of a transfer, the reason a line is set
aside. A decision that needs none (a link, a new record, an identity) has no form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from insertion.detainees.models import ReleaseKind
from insertion.imports import review
from insertion.imports.models import ImportRow, RowDecision

REQUIRED = "Ce champ est obligatoire."
DATE_INVALID = "Saisissez une date valide, par exemple 12/03/2026."


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": REQUIRED, "invalid": DATE_INVALID},
    )


class ReleaseDecisionForm(DsfrBaseForm):
    on_date = _date_field("Date de la libération")
    kind = forms.ChoiceField(
        label="Type de sortie",
        choices=ReleaseKind.choices,
        error_messages={
            "required": "Choisissez le type de sortie.",
            "invalid_choice": "Choisissez un type de sortie de la liste.",
        },
    )

    def clean_on_date(self):
        day = self.cleaned_data["on_date"]
        if day > timezone.localdate():
            raise ValidationError("La date de la libération ne peut pas être dans le futur.")
        return day


class TransferDecisionForm(DsfrBaseForm):
    to_establishment = forms.ModelChoiceField(
        label="Établissement de destination",
        queryset=None,
        empty_label="Choisir l'établissement",
        error_messages={
            "required": "Choisissez l'établissement de destination.",
            "invalid_choice": "Choisissez un établissement de la liste.",
        },
    )
    on_date = _date_field("Date du transfert")

    def __init__(self, *args, destinations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_establishment"].queryset = destinations

    def clean_on_date(self):
        day = self.cleaned_data["on_date"]
        if day > timezone.localdate():
            raise ValidationError("La date du transfert ne peut pas être dans le futur.")
        return day


class ReasonForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Motif (facultatif)",
        help_text="Une phrase : elle accompagne la ligne dans le fichier des lignes rejetées.",
        required=False,
        max_length=review.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": f"Le motif tient en {review.REASON_MAX_LENGTH} caractères au plus."
        },
    )


def decision_form(decision: str, row: ImportRow, data=None):
    """The fields a decision needs (None when it needs none), with the defaults proposed."""
    if decision == RowDecision.RELEASE:
        defaults = review.departure_defaults(row)
        return ReleaseDecisionForm(
            data,
            initial={"on_date": defaults.on_date, "kind": defaults.kind},
            auto_id="decision-%s",
        )
    if decision == RowDecision.TRANSFER:
        return TransferDecisionForm(
            data,
            initial={"on_date": review.departure_defaults(row).on_date},
            destinations=review.transfer_destinations(row),
            auto_id="decision-%s",
        )
    if decision in (RowDecision.DISMISSED, RowDecision.STILL_PRESENT):
        return ReasonForm(data, auto_id="decision-%s")
    return None
