"""The small forms of the interview's other actions: postpone, not done, rectify."""

from django import forms
from dsfr.forms import DsfrBaseForm

from entretiens.choices import NotDoneReason
from entretiens.models import SHORT_TEXT


class PostponeForm(DsfrBaseForm):
    new_date = forms.DateField(
        label="Nouvelle date prévue",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label="Motif du report",
        max_length=SHORT_TEXT,
        help_text="Par exemple : personne en audience, extraction médicale.",
    )


class NotDoneForm(DsfrBaseForm):
    reason = forms.ChoiceField(
        label="Motif", choices=NotDoneReason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label="Précision",
        max_length=SHORT_TEXT,
        required=False,
        help_text="Obligatoire pour le motif « autre ».",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == NotDoneReason.OTHER and not data.get("details", "").strip():
            self.add_error("details", "Précisez le motif « autre ».")
        return data


class RectifyForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Motif de la rectification",
        max_length=SHORT_TEXT,
        help_text="Il figure dans l'historique des versions et sur la nouvelle synthèse.",
    )
