"""The forms of the import pages: the file sent, the confirmation of the closures, the filter
of the report's rows. They check the input only; the rules are in runs.py and applying.py."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from dsfr.forms import DsfrBaseForm

from insertion.core.forms import FilterForm
from insertion.imports.models import RowStatus

ACCEPTED_EXTENSIONS = ".csv,.xlsx"


class UploadForm(DsfrBaseForm):
    """The extraction file. Its size is checked before anything is written: a file over
    `IMPORT_MAX_BYTES` leaves no run and no stored copy."""

    file = forms.FileField(
        label="Fichier d'extraction",
        help_text=(
            "Fichier CSV ou Excel (.xlsx) d'un seul établissement, « Présents à date » ou "
            "« Mouvements », tel que le décrit le format des fichiers d'extraction "
            "(colonnes, dates au format 31/12/2026, pas de formule)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_EXTENSIONS}),
        error_messages={
            "required": "Choisissez le fichier d'extraction à importer.",
            "empty": "Le fichier envoyé est vide : choisissez le fichier de l'extraction.",
            "invalid": "Aucun fichier n'a été reçu : choisissez le fichier à nouveau.",
            "missing": "Aucun fichier n'a été reçu : choisissez le fichier à nouveau.",
        },
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                f"Ce fichier pèse {filesizeformat(uploaded.size)}, au-delà de la taille maximale "
                f"de {filesizeformat(limit)} : il n'a pas été importé. Faites un fichier par "
                "établissement, sans colonne ni feuille superflue."
            )
        return uploaded


class ApplyForm(DsfrBaseForm):
    """The apply button, with the confirmation of the closures when a snapshot would close more
    stays than the configured share (a truncated extraction looks exactly like that)."""

    confirm_closing = forms.BooleanField(
        required=False,
        label="Je confirme que ces personnes ont bien quitté l'établissement",
        error_messages={"required": "Cochez la case pour confirmer ces fermetures de séjour."},
    )

    def __init__(self, *args, needs_confirmation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm_closing"].required = needs_confirmation


class RowFilterForm(FilterForm):
    """The report's rows by status (`?etat=`)."""

    etat = forms.ChoiceField(
        label="État de la ligne",
        required=False,
        choices=[("", "Toutes les lignes"), *RowStatus.choices],
    )
    default_columns = "fr-col-12 fr-col-md-4"

    def filter(self, queryset):
        status = self.values["etat"]
        return queryset.filter(status=status) if status else queryset
