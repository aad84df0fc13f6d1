"""The rows of the interview's lists: diplomas, experiences, know-how, projects."""

from django import forms
from django.utils import timezone

from entretiens.forms.base import RowForm, check_year
from entretiens.forms.layout import Grid, grid
from entretiens.models import Diploma, Experience, KnowHow, Project
from insertion.core.frise import month_names


class DiplomaForm(RowForm):
    class Meta:
        model = Diploma
        fields = ["title", "level", "year"]

    layout = (
        Grid(
            cells=(
                ("title", "fr-col-12 fr-col-md-5"),
                ("level", "fr-col-12 fr-col-md-4"),
                ("year", "fr-col-12 fr-col-md-3"),
            )
        ),
    )

    def clean_year(self):
        year = self.cleaned_data["year"]
        check_year(year, today=timezone.localdate())
        return year


MONTH_CHOICES = [("", "—"), *[(str(i), name) for i, name in enumerate(month_names(), start=1)]]


class ExperienceForm(RowForm):
    start_month = forms.TypedChoiceField(
        label="Mois de début", choices=MONTH_CHOICES, coerce=int, empty_value=None, required=False
    )
    end_month = forms.TypedChoiceField(
        label="Mois de fin", choices=MONTH_CHOICES, coerce=int, empty_value=None, required=False
    )

    class Meta:
        model = Experience
        fields = [
            "job_title",
            "sector",
            "contract",
            "start_month",
            "start_year",
            "end_month",
            "end_year",
            "details",
        ]
        widgets = {"details": forms.Textarea({"rows": 2})}
        help_texts = {"end_year": "Vide si l'emploi est en cours."}

    layout = (
        grid("job_title", "sector", "contract", width="fr-col-md-4"),
        grid("start_month", "start_year", "end_month", "end_year", width="fr-col-md-3"),
        "details",
    )

    def clean_start_year(self):
        year = self.cleaned_data["start_year"]
        check_year(year, today=timezone.localdate())
        return year

    def clean_end_year(self):
        year = self.cleaned_data["end_year"]
        check_year(year, today=timezone.localdate())
        return year

    def clean(self):
        data = super().clean()
        start_year, end_year = data.get("start_year"), data.get("end_year")
        if start_year and end_year:
            start = (start_year, data.get("start_month") or 1)
            end = (end_year, data.get("end_month") or 12)
            if end < start:
                self.add_error("end_year", "La fin de l'expérience précède son début.")
        return data


class KnowHowForm(RowForm):
    class Meta:
        model = KnowHow
        fields = ["label"]
        labels = {"label": "Savoir-faire"}
        help_texts = {"label": "Par exemple : conduite de chariot élévateur, pâtisserie."}

    layout = ("label",)


class ProjectForm(RowForm):
    class Meta:
        model = Project
        fields = ["kind", "target", "horizon", "maturity", "next_steps"]
        widgets = {"next_steps": forms.Textarea({"rows": 2})}

    layout = (grid("kind", "target"), grid("horizon", "maturity"), "next_steps")


ROW_FORMS = {
    "diplomes": DiplomaForm,
    "experiences": ExperienceForm,
    "savoir_faire": KnowHowForm,
    "projets": ProjectForm,
}
ROW_PREFIXES = {
    "diplomes": "diplome",
    "experiences": "experience",
    "savoir_faire": "savoirfaire",
    "projets": "projet",
}
