"""The sections of the interview's own fields, one form each.

Every section is saved field by field: a value with a format error is shown again with its
message and is not saved, every other value is (`InterviewEntry.changes`). Completeness is not
checked here but at validation (services.interview_missing).
"""

from django import forms
from django.utils import timezone

from entretiens.choices import (
    WITHHOLDABLE_SECTIONS,
    BarrierCategory,
    BarrierLevel,
    Confidence,
    DrivingLicence,
    OrientationKind,
    Priority,
    ProfessionalLicence,
    SoftSkill,
    Tool,
)
from entretiens.forms.base import REQUIRED_TO_VALIDATE, SectionForm, code_field
from entretiens.forms.layout import Fieldset, Grid, grid, inline
from entretiens.models import LONG_TEXT, SHORT_TEXT, Interview


class ConductForm(SectionForm):
    tools = forms.MultipleChoiceField(
        label="Outils utilisés",
        choices=Tool.choices,
        required=False,
        widget=inline(forms.CheckboxSelectMultiple()),
    )
    withheld_sections = forms.MultipleChoiceField(
        label="Sections que la personne ne souhaite pas partager",
        help_text="Elles restent dans l'entretien mais ne figurent pas dans la synthèse.",
        choices=WITHHOLDABLE_SECTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Interview
        fields = [
            "conducted_on",
            "duration_minutes",
            "place",
            "tools",
            "other_tool",
            "interpreter_language",
            "informed_of_sharing",
            "withheld_sections",
        ]
        widgets = {"conducted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "conducted_on": REQUIRED_TO_VALIDATE,
            "duration_minutes": f"Entre 5 et 240 minutes. {REQUIRED_TO_VALIDATE}",
            "place": "Par exemple : bureau du quartier arrivants.",
        }

    layout = (
        grid("conducted_on", "duration_minutes"),
        "place",
        "tools",
        "other_tool",
        "interpreter_language",
        "informed_of_sharing",
        "withheld_sections",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duration_minutes"].widget.attrs.update({"min": 5, "max": 240})

    def clean_conducted_on(self):
        day = self.cleaned_data["conducted_on"]
        if day is None:
            return day
        if day > timezone.localdate():
            raise forms.ValidationError("La date de l'entretien ne peut pas être dans le futur.")
        if day < self.interview.arrival_date:
            arrival = self.interview.arrival_date.strftime("%d/%m/%Y")
            raise forms.ValidationError(
                f"La date de l'entretien précède l'arrivée dans l'établissement ({arrival})."
            )
        return day


class EducationForm(SectionForm):
    driving_licences = forms.MultipleChoiceField(
        label="Permis de conduire",
        choices=DrivingLicence.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    professional_licences = forms.MultipleChoiceField(
        label="Habilitations professionnelles",
        choices=ProfessionalLicence.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Interview
        fields = [
            "education_level",
            "schooling_end_age",
            "french_reading",
            "french_writing",
            "french_speaking",
            "languages",
            "digital_skills",
            "driving_licences",
            "professional_licences",
            "other_licences",
        ]
        widgets = {
            "french_reading": forms.RadioSelect,
            "french_writing": forms.RadioSelect,
            "french_speaking": forms.RadioSelect,
            "digital_skills": inline(forms.RadioSelect()),
        }
        help_texts = {
            "education_level": REQUIRED_TO_VALIDATE,
            "other_licences": "Par exemple : CACES R489 catégorie 3, permis bateau.",
        }

    layout = (
        grid("education_level", "schooling_end_age"),
        grid("french_reading", "french_writing", "french_speaking", width="fr-col-md-4"),
        "languages",
        "digital_skills",
        grid("driving_licences", "professional_licences"),
        "other_licences",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("french_reading", "french_writing", "french_speaking", "digital_skills"):
            # A radio list has no empty choice: "not answered" is no radio checked.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]


class WorkForm(SectionForm):
    class Meta:
        model = Interview
        fields = ["work_history", "last_activity"]
        widgets = {
            "work_history": inline(forms.RadioSelect()),
            "last_activity": forms.Textarea({"rows": 3}),
        }
        help_texts = {
            "work_history": f"{REQUIRED_TO_VALIDATE} Si oui, décrivez au moins une expérience."
        }

    layout = ("work_history", "last_activity")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_history"].choices = [
            c for c in self.fields["work_history"].choices if c[0]
        ]


class SkillsForm(SectionForm):
    """Interests, and the person's confidence on each soft skill of the list."""

    class Meta:
        model = Interview
        fields = ["interests"]
        widgets = {"interests": forms.Textarea({"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ratings = {r.skill: r.confidence for r in self.interview.soft_skills.all()}
        names = []
        for code, label in SoftSkill.choices:
            name = code_field("savoir_etre", code)
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=[("", "Non évalué"), *Confidence.choices],
                required=False,
                initial=ratings.get(code, ""),
            )
            names.append(name)
        self.layout = (
            Fieldset(
                "Savoir-être : confiance de la personne",
                (grid(*names, width="fr-col-md-4"),),
            ),
            "interests",
        )

    def soft_skills(self) -> dict[str, str]:
        values = self.saved_values()
        return {
            code: values[code_field("savoir_etre", code)]
            for code in SoftSkill.values
            if code_field("savoir_etre", code) in values
        }


class BarriersForm(SectionForm):
    """Every barrier category, each assessed on four levels with details."""

    class Meta:
        model = Interview
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assessed = {b.category: b for b in self.interview.barriers.all()}
        rows = []
        for code, label in BarrierCategory.choices:
            current = assessed.get(code)
            level, details = code_field("frein", code), code_field("frein_precisions", code)
            self.fields[level] = forms.ChoiceField(
                label=label,
                choices=BarrierLevel.choices,
                required=False,
                widget=inline(forms.RadioSelect()),
                initial=current.level if current else "",
            )
            self.fields[details] = forms.CharField(
                label=f"Précisions — {label}",
                required=False,
                max_length=LONG_TEXT,
                initial=current.details if current else "",
            )
            rows.append(
                Grid(
                    cells=((level, "fr-col-12 fr-col-lg-6"), (details, "fr-col-12 fr-col-lg-6")),
                    css_class="fr-grid-row fr-grid-row--gutters insertion-barrier",
                )
            )
        self.layout = tuple(rows)

    def barriers(self) -> dict[str, dict]:
        values = self.saved_values()
        changes = {}
        for code in BarrierCategory.values:
            level, details = code_field("frein", code), code_field("frein_precisions", code)
            if level in values and details in values:
                changes[code] = {"level": values[level], "details": values[details]}
        return changes


class RecommendationsForm(SectionForm):
    class Meta:
        model = Interview
        fields = ["points_of_attention", "conclusion"]
        widgets = {
            "points_of_attention": forms.Textarea({"rows": 3}),
            "conclusion": forms.Textarea({"rows": 6}),
        }
        help_texts = {
            "points_of_attention": "Ce que les équipes doivent savoir pour l'accompagner.",
            "conclusion": f"Votre synthèse, en quelques phrases. {REQUIRED_TO_VALIDATE}",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = {o.kind: o for o in self.interview.orientations.all()}
        rows = []
        for code, label in OrientationKind.choices:
            current = chosen.get(code)
            priority = code_field("orientation", code)
            details = code_field("orientation_precisions", code)
            self.fields[priority] = forms.ChoiceField(
                label=label,
                choices=[("", "Non préconisée"), *Priority.choices],
                required=False,
                initial=current.priority if current else "",
            )
            self.fields[details] = forms.CharField(
                label=f"Précisions ({label})",
                required=False,
                max_length=SHORT_TEXT,
                initial=current.details if current else "",
            )
            rows.append(grid(priority, details))
        self.layout = (
            Fieldset("Orientations et priorités (au moins une pour valider)", tuple(rows)),
            "points_of_attention",
            "conclusion",
        )

    def orientations(self) -> dict[str, dict]:
        values = self.saved_values()
        changes = {}
        for code in OrientationKind.values:
            priority = code_field("orientation", code)
            details = code_field("orientation_precisions", code)
            if priority in values and details in values:
                changes[code] = {"priority": values[priority], "details": values[details]}
        return changes
