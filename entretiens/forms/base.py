"""What every form of the interview page shares: partial saving, French empty choices, years."""

import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from dsfr.forms import DsfrBaseForm

from entretiens.forms.layout import LaidOutForm
from entretiens.models import Interview

FIRST_YEAR = 1940
REQUIRED_TO_VALIDATE = "Obligatoire pour valider."


def french_empty_choice(form) -> None:
    """Selects say "Non renseigné" rather than Django's "---------" when nothing is chosen."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select) and hasattr(field, "choices"):
            choices = list(field.choices)
            if choices and choices[0] == ("", "---------"):
                field.choices = [("", "Non renseigné"), *choices[1:]]


def check_year(value: int | None, *, today: datetime.date) -> None:
    if value is not None and not FIRST_YEAR <= value <= today.year:
        raise forms.ValidationError(f"Indiquez une année entre {FIRST_YEAR} et {today.year}.")


def code_field(prefix: str, code: str) -> str:
    """The name of the field of one item of a list (a soft skill, a barrier…)."""
    return f"{prefix}_{code}"


class SectionForm(LaidOutForm, DsfrBaseForm, forms.ModelForm):
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
        french_empty_choice(self)

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


class RowForm(LaidOutForm, DsfrBaseForm, forms.ModelForm):
    """A saved row of a list of the interview (a diploma, an experience…)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        french_empty_choice(self)

    def saved_values(self) -> dict:
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in self._meta.fields and name not in self.errors
        }

    def _post_clean(self):
        pass
