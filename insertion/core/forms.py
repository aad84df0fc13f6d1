"""The filters of a list, read from its query string by a plain Django form (STYLE.md §26).

A list's filters never refuse a request: a value that is missing, empty or not one the form
offers falls back to the field's initial value, silently (a hand-edited or stale link shows the
default list, never an error). The form then shows what the list applies, and
`templates/includes/_list_filters.html` draws it for every list.
"""

from django import forms
from django.forms.utils import ErrorDict
from django.utils.functional import cached_property

SEARCH_MAX_LENGTH = 100


class SearchInput(forms.TextInput):
    input_type = "search"


class SearchField(forms.CharField):
    """The words of a search, stripped and cut to `SEARCH_MAX_LENGTH` characters (a longer
    text is shortened, not refused)."""

    widget = SearchInput
    max_search_length = SEARCH_MAX_LENGTH

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Rechercher")
        kwargs.setdefault("help_text", "Nom, prénom ou n° d'écrou, accents facultatifs")
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value)[:SEARCH_MAX_LENGTH].strip()


class FlagInput(forms.CheckboxInput):
    """A checkbox (sent as `name=1`): "1", "on" and "oui" read as checked, anything else not."""

    CHECKED = ("1", "on", "oui")

    def value_from_datadict(self, data, files, name):
        return data.get(name) in self.CHECKED


class FlagField(forms.BooleanField):
    """One of the "only…" checkboxes of a list."""

    widget = FlagInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class FilterForm(forms.Form):
    """A list's filters: always bound to the query string; `values` holds what the list
    applies (a refused value replaced by the field's initial one); `filter(queryset)` narrows
    a queryset by them (each list says how).

    Layout for the shared template: `columns` gives a field's DSFR column classes (else
    `default_columns`); flags (`FlagField`) go to a fieldset under `flags_legend`; the fields
    of `drawn_elsewhere` are left to the page (they travel as `kept_params`).
    """

    drawn_elsewhere: tuple[str, ...] = ()

    columns: dict[str, str] = {}
    default_columns = "fr-col-6 fr-col-md-2"
    submit_columns = "fr-col-12 fr-col-md-2"
    submit_label = "Filtrer"
    submit_classes = "fr-btn"
    flags_legend = ""

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("auto_id", "%s")  # the ids are the parameter names: #q, #tri…
        # A plain dict of the last value of each parameter (as `request.GET.get` reads it),
        # which the cleaning may correct.
        data = {name: data.get(name) for name in data} if data else {}
        super().__init__(data=data, **kwargs)

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if name in self._errors or value in field.empty_values:
                value = field.clean(self.get_initial_for_field(field, name))
                self.cleaned_data[name] = value
            if not isinstance(field, FlagField):
                # What the form shows (a field's `value`) is what the list applies.
                self.data[name] = value
        self._errors = ErrorDict()

    @cached_property
    def values(self) -> dict:
        self.full_clean()
        return self.cleaned_data

    def filter(self, queryset):
        raise NotImplementedError

    # What the shared template reads.

    def kept_params(self) -> dict[str, str]:
        """Parameters the form carries unchanged as hidden inputs (none by default)."""
        return {}

    def grid(self) -> list[tuple[forms.BoundField, str]]:
        """The search field and the selects, with their column classes."""
        return [
            (self[name], self.columns.get(name, self.default_columns))
            for name, field in self.fields.items()
            if not isinstance(field, FlagField)
            and not field.widget.is_hidden
            and name not in self.drawn_elsewhere
        ]

    @property
    def has_search(self) -> bool:
        """A search field (`q`) redraws the list as one types."""
        return "q" in self.fields

    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, field in self.fields.items() if isinstance(field, FlagField)]


def establishment_choices(establishments) -> list[tuple[str, str]]:
    """The choices of an "Établissement" select: all of the user's, or one of them."""
    return [("", "Tous mes établissements")] + [(str(e.pk), e.name) for e in establishments]


def service_error_field(form: forms.BaseForm, error) -> str | None:
    """The form field a service's ValidationError concerns: the one its code names (`on_date`,
    `subject`…), or None when the refusal is about the whole action."""
    code = getattr(error, "code", None)
    return code if code in form.fields else None


class ServiceErrorsMixin:
    """Puts a service's ValidationError on the field its code names (`on_date`, `offer`…), on
    the whole form otherwise (`service_error_field`)."""

    def add_service_error(self, error) -> None:
        field = service_error_field(self, error)
        for message in error.messages:
            self.add_error(field, message)
