"""The interview entry form: one form per section, one formset per kind of row.

Every section is saved field by field: a value with a format error is shown again with its
message and is not saved, every other value is (`InterviewEntry.changes`). Completeness is not
checked here but at validation (services.interview_missing).
"""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from entretiens.choices import (
    WITHHOLDABLE_SECTIONS,
    BarrierCategory,
    BarrierLevel,
    Confidence,
    DrivingLicence,
    NotDoneReason,
    OrientationKind,
    Priority,
    ProfessionalLicence,
    SoftSkill,
    Tool,
)
from entretiens.models import (
    LONG_TEXT,
    SHORT_TEXT,
    Diploma,
    Experience,
    Interview,
    KnowHow,
    Project,
)
from entretiens.services import DraftChanges
from entretiens.timeline import MONTHS

FIRST_YEAR = 1940
REQUIRED_TO_VALIDATE = "Obligatoire pour valider."


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if fields:
        helper.layout = Layout(*fields)
    return helper


def grid(*fields, width: str = "fr-col-md-6") -> Div:
    """Fields side by side on wide screens, stacked on phones."""
    return Div(
        *[Div(f, css_class=f"fr-col-12 {width}") for f in fields],
        css_class="fr-grid-row fr-grid-row--gutters insertion-grid",
    )


def inline(widget):
    """Radio buttons or checkboxes on one line (django-dsfr reads `widget.inline`)."""
    widget.inline = True
    return widget


def _french_empty_choice(form) -> None:
    """Selects say "Non renseigné" rather than Django's "---------" when nothing is chosen."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select) and hasattr(field, "choices"):
            choices = list(field.choices)
            if choices and choices[0] == ("", "---------"):
                field.choices = [("", "Non renseigné"), *choices[1:]]


def _check_year(value: int | None, *, today: datetime.date) -> None:
    if value is not None and not FIRST_YEAR <= value <= today.year:
        raise forms.ValidationError(f"Indiquez une année entre {FIRST_YEAR} et {today.year}.")


class SectionForm(DsfrBaseForm, forms.ModelForm):
    """A section of the interview's own fields."""

    def __init__(self, *args, interview: Interview, **kwargs):
        self.interview = interview
        super().__init__(*args, instance=interview, **kwargs)
        # Model validation is skipped (see _post_clean): the model's range checks move here.
        for name, field in self.fields.items():
            if name in self._meta.fields:
                model_field = Interview._meta.get_field(name)
                field.validators.extend(
                    v
                    for v in model_field.validators
                    if isinstance(v, MinValueValidator | MaxValueValidator)
                )
        _french_empty_choice(self)

    def saved_values(self) -> dict:
        """The values that passed every check: they are saved even if others did not."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in self.fields and name not in self.errors
        }

    def _post_clean(self):
        # Model validation runs on the whole interview at validation time, not per section.
        pass


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duration_minutes"].widget.attrs.update({"min": 5, "max": 240})
        self.helper = _helper(
            grid("conducted_on", "duration_minutes"),
            "place",
            "tools",
            "other_tool",
            "interpreter_language",
            "informed_of_sharing",
            "withheld_sections",
        )

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("french_reading", "french_writing", "french_speaking", "digital_skills"):
            # A radio list has no empty choice: "not answered" is no radio checked.
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        self.helper = _helper(
            grid("education_level", "schooling_end_age"),
            grid("french_reading", "french_writing", "french_speaking", width="fr-col-md-4"),
            "languages",
            "digital_skills",
            grid("driving_licences", "professional_licences"),
            "other_licences",
        )


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_history"].choices = [
            c for c in self.fields["work_history"].choices if c[0]
        ]
        self.helper = _helper("work_history", "last_activity")


def _code_field(prefix: str, code: str) -> str:
    return f"{prefix}_{code}"


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
            name = _code_field("savoir_etre", code)
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=[("", "Non évalué"), *Confidence.choices],
                required=False,
                initial=ratings.get(code, ""),
            )
            names.append(name)
        self.helper = _helper(
            Fieldset(
                "Savoir-être : confiance de la personne",
                grid(*names, width="fr-col-md-4"),
            ),
            "interests",
        )

    def soft_skills(self) -> dict[str, str]:
        values = self.saved_values()
        return {
            code: values[_code_field("savoir_etre", code)]
            for code in SoftSkill.values
            if _code_field("savoir_etre", code) in values
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
            level, details = _code_field("frein", code), _code_field("frein_precisions", code)
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
                Div(
                    Div(level, css_class="fr-col-12 fr-col-lg-6"),
                    Div(details, css_class="fr-col-12 fr-col-lg-6"),
                    css_class="fr-grid-row fr-grid-row--gutters insertion-barrier",
                )
            )
        self.helper = _helper(*rows)

    def barriers(self) -> dict[str, dict]:
        values = self.saved_values()
        changes = {}
        for code in BarrierCategory.values:
            level, details = _code_field("frein", code), _code_field("frein_precisions", code)
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
            priority = _code_field("orientation", code)
            details = _code_field("orientation_precisions", code)
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
        self.helper = _helper(
            Fieldset("Orientations et priorités (au moins une pour valider)", *rows),
            "points_of_attention",
            "conclusion",
        )

    def orientations(self) -> dict[str, dict]:
        values = self.saved_values()
        changes = {}
        for code in OrientationKind.values:
            priority = _code_field("orientation", code)
            details = _code_field("orientation_precisions", code)
            if priority in values and details in values:
                changes[code] = {"priority": values[priority], "details": values[details]}
        return changes


# --- Rows --------------------------------------------------------------------------------


class RowForm(DsfrBaseForm, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _french_empty_choice(self)

    def saved_values(self) -> dict:
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in self._meta.fields and name not in self.errors
        }

    def _post_clean(self):
        pass


class DiplomaForm(RowForm):
    class Meta:
        model = Diploma
        fields = ["title", "level", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Div(
                Div("title", css_class="fr-col-12 fr-col-md-5"),
                Div("level", css_class="fr-col-12 fr-col-md-4"),
                Div("year", css_class="fr-col-12 fr-col-md-3"),
                css_class="fr-grid-row fr-grid-row--gutters",
            )
        )

    def clean_year(self):
        year = self.cleaned_data["year"]
        _check_year(year, today=timezone.localdate())
        return year


MONTH_CHOICES = [("", "—"), *[(str(i), name) for i, name in enumerate(MONTHS, start=1)]]


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            grid("job_title", "sector", "contract", width="fr-col-md-4"),
            grid("start_month", "start_year", "end_month", "end_year", width="fr-col-md-3"),
            "details",
        )

    def clean_start_year(self):
        year = self.cleaned_data["start_year"]
        _check_year(year, today=timezone.localdate())
        return year

    def clean_end_year(self):
        year = self.cleaned_data["end_year"]
        _check_year(year, today=timezone.localdate())
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("label")


class ProjectForm(RowForm):
    class Meta:
        model = Project
        fields = ["kind", "target", "horizon", "maturity", "next_steps"]
        widgets = {"next_steps": forms.Textarea({"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            grid("kind", "target"),
            grid("horizon", "maturity"),
            "next_steps",
        )


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


class InterviewEntry:
    """Every form of the interview page, bound to one POST (or unbound to show the saved state).

    Rows are always saved rows (added one at a time by the "Ajouter" buttons), each rendered
    with the prefix `<kind>-<pk>`, so a save never creates a row twice. A row is bound only when
    the POST carries it: a row just added shows empty, a row added in another tab shows saved.
    """

    SECTION_FORMS = {
        "deroulement": ConductForm,
        "scolarite": EducationForm,
        "professionnel": WorkForm,
        "competences": SkillsForm,
        "freins": BarriersForm,
        "preconisations": RecommendationsForm,
    }

    def __init__(self, interview: Interview, data=None):
        self.interview = interview
        self.sections = {
            code: form_class(data, interview=interview, prefix=None)
            for code, form_class in self.SECTION_FORMS.items()
        }
        self.rows = {
            kind: [self._row_form(kind, row, data) for row in rows]
            for kind, rows in self.row_objects().items()
        }

    @staticmethod
    def _row_form(kind, row, data):
        prefix = f"{ROW_PREFIXES[kind]}-{row.pk}"
        present = data is not None and any(key.startswith(f"{prefix}-") for key in data)
        return ROW_FORMS[kind](data if present else None, instance=row, prefix=prefix)

    def row_objects(self) -> dict:
        interview = self.interview
        return {
            "diplomes": list(interview.diplomas.all()),
            "experiences": list(interview.experiences.all()),
            "savoir_faire": list(interview.know_hows.all()),
            "projets": list(interview.projects.all()),
        }

    def all_forms(self):
        yield from self.sections.values()
        for forms_ in self.rows.values():
            yield from forms_

    def focus_row(self, kind: str, row_id: int) -> None:
        """Put the focus in the first field of a row just added (htmx honours autofocus)."""
        for form in self.rows.get(kind, []):
            if form.instance.pk == row_id:
                first = next(iter(form.fields.values()))
                first.widget.attrs["autofocus"] = True

    ROW_SECTIONS = {
        "diplomes": "scolarite",
        "experiences": "professionnel",
        "savoir_faire": "competences",
        "projets": "projets",
    }

    def error_list(self) -> list[tuple[str, str, str]]:
        """(section anchor, field label, first message) of every field refused."""
        found = []
        located = [(code, form) for code, form in self.sections.items()] + [
            (self.ROW_SECTIONS[kind], form) for kind, forms_ in self.rows.items() for form in forms_
        ]
        for section, form in located:
            if not form.is_bound:
                continue
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else "Formulaire"
                found.append((section, str(label), errors[0]))
        return found

    def has_errors(self) -> bool:
        return any(form.is_bound and not form.is_valid() for form in self.all_forms())

    def error_count(self) -> int:
        return sum(len(form.errors) for form in self.all_forms() if form.is_bound)

    def changes(self) -> DraftChanges:
        fields = {}
        for form in self.sections.values():
            fields.update({k: v for k, v in form.saved_values().items() if k in form._meta.fields})
        return DraftChanges(
            fields=fields,
            rows={
                kind: {form.instance.pk: form.saved_values() for form in forms_ if form.is_bound}
                for kind, forms_ in self.rows.items()
            },
            soft_skills=self.sections["competences"].soft_skills(),
            barriers=self.sections["freins"].barriers(),
            orientations=self.sections["preconisations"].orientations(),
        )


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
