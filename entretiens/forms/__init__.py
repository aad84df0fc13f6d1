"""The interview's forms: the entry page (a form per section, one per saved row) and the small
forms of its other actions. Split by what they draw; import them from here."""

from entretiens.forms.actions import NotDoneForm, PostponeForm, RectifyForm
from entretiens.forms.base import FIRST_YEAR, REQUIRED_TO_VALIDATE, RowForm, SectionForm
from entretiens.forms.entry import InterviewEntry
from entretiens.forms.layout import Fieldset, Grid, grid, inline
from entretiens.forms.rows import (
    MONTH_CHOICES,
    ROW_FORMS,
    ROW_PREFIXES,
    DiplomaForm,
    ExperienceForm,
    KnowHowForm,
    ProjectForm,
)
from entretiens.forms.sections import (
    BarriersForm,
    ConductForm,
    EducationForm,
    RecommendationsForm,
    SkillsForm,
    WorkForm,
)

__all__ = [
    "FIRST_YEAR",
    "MONTH_CHOICES",
    "REQUIRED_TO_VALIDATE",
    "ROW_FORMS",
    "ROW_PREFIXES",
    "BarriersForm",
    "ConductForm",
    "DiplomaForm",
    "EducationForm",
    "ExperienceForm",
    "Fieldset",
    "Grid",
    "InterviewEntry",
    "KnowHowForm",
    "NotDoneForm",
    "PostponeForm",
    "ProjectForm",
    "RecommendationsForm",
    "RectifyForm",
    "RowForm",
    "SectionForm",
    "SkillsForm",
    "WorkForm",
    "grid",
    "inline",
]
