"""How the interview forms are laid out and drawn, without a template per field.

The interview page holds about 150 fields (more with every row). Drawn through crispy-forms and
django-dsfr, each field went through five templates, each widget through two more and each
option of a select or radio list through two more again: about 2,000 template renders per page,
three quarters of its time. Here a form states its layout as plain data (`Grid`, `Fieldset`),
`layout_items` flattens it into one list, and one template
(`entretiens/includes/_form_fields.html`) draws the whole form in one loop, with django-dsfr's
markup written in it.

`field_context` computes what that template needs from a bound field exactly as Django and
django-dsfr do (`BoundField.as_widget`, `Widget.get_context`, `dsfr_input_class_attr`): the same
ids, names, values, classes and aria attributes, without rendering their templates.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

from django import forms
from django.utils.safestring import mark_safe
from dsfr.templatetags.dsfr_tags import dsfr_mark_optionnal_fields
from dsfr.utils import dsfr_input_class_attr


@dataclass(frozen=True)
class Grid:
    """A DSFR grid row, one column (with its own classes) per field."""

    cells: tuple[tuple[str, str], ...]
    css_class: str = "fr-grid-row fr-grid-row--gutters"


@dataclass(frozen=True)
class Fieldset:
    """A DSFR fieldset with its legend around other layout parts."""

    legend: str
    parts: tuple


def grid(*names: str, width: str = "fr-col-md-6") -> Grid:
    """Fields side by side on wide screens, stacked on phones."""
    return Grid(
        cells=tuple((name, f"fr-col-12 {width}") for name in names),
        css_class="fr-grid-row fr-grid-row--gutters insertion-grid",
    )


def inline(widget):
    """Radio buttons or checkboxes on one line (django-dsfr reads `widget.inline`)."""
    widget.inline = True
    return widget


def flat_attrs(attrs: dict) -> str:
    """A widget's attributes as django/forms/widgets/attrs.html writes them, in their order."""
    return mark_safe(  # noqa: S308 - every name and value is escaped here
        "".join(
            f" {escape(name)}" if value is True else f' {escape(name)}="{escape(f"{value}")}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


def field_context(bound: forms.BoundField) -> dict:
    """A bound field as django-dsfr draws it, computed once in Python.

    `part` names django-dsfr's snippet: "input" (inputs, selects, textareas), "radio" and
    "checkboxes" (lists), "checkbox" (a single one), "hidden"; `widget` the widget's markup:
    "input", "select", "textarea", "options", or "html" for any other widget, drawn by Django.
    A plain dict, as the layout items and options are: a template looks a dict key up first.
    """
    # What django-dsfr's templates do first: the DSFR classes on the widget, and its aria
    # attributes once the field has an error.
    dsfr_input_class_attr(bound)
    widget = bound.field.widget
    kind = bound.widget_type
    field = {
        "name": bound.html_name,
        "label": bound.label,
        "help_text": bound.help_text,
        "auto_id": bound.auto_id,
        "id_for_label": bound.id_for_label,
        "errors": bound.errors,
        "required_marker": dsfr_mark_optionnal_fields(bound),
        "disabled": bound.field.disabled,
        "inline": getattr(widget, "inline", False),
        "group_class": getattr(widget, "group_class", "fr-input-group"),
        "input_type": getattr(widget, "input_type", ""),
        "options": (),
        "value": None,
        "attrs": "",
        "html": "",
    }
    if bound.is_hidden:
        field.update(part="hidden", widget="html", html=str(bound))
    elif kind in ("radioselect", "checkboxselectmultiple"):
        part = "radio" if kind == "radioselect" else "checkboxes"
        options = [_choice(part, subwidget.data) for subwidget in bound.subwidgets]
        field.update(part=part, widget="options", options=options)
    elif kind in ("checkbox", "select", "textarea") or isinstance(widget, forms.widgets.Input):
        field["part"] = "checkbox" if kind == "checkbox" else "input"
        field["widget"] = kind if kind in ("select", "textarea") else "input"
        _widget(field, bound, widget)
    else:
        field.update(part="input", widget="html", html=str(bound))
    return field


def _widget(field: dict, bound: forms.BoundField, widget: forms.Widget) -> None:
    """The widget's own context, as BoundField.as_widget hands it to the widget's template."""
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    field["attrs"] = flat_attrs(context["attrs"])
    value = context["value"]
    if field["widget"] == "select" and any(group for group, _, _ in context["optgroups"]):
        field.update(widget="html", html=str(bound))  # option groups: drawn by Django
    elif field["widget"] == "select":
        field["options"] = [
            {
                "value": f"{option['value']}",
                "label": option["label"],
                "attrs": flat_attrs(option["attrs"]),
            }
            for _group, options, _index in context["optgroups"]
            for option in options
        ]
    elif field["widget"] == "textarea":
        field["value"] = value or ""
    else:
        field["value"] = None if value is None else f"{value}"


def _choice(part: str, data: dict) -> dict:
    """A radio button or checkbox of a list, as django-dsfr's radio_option.html and
    checkbox_option.html draw it: in a <div> of this class, with the <label> pointing at its id."""
    value, attrs = data["value"], data["attrs"]
    if part == "radio":
        wrapper = "fr-radio-group"
    else:
        wrapper = "fr-checkbox-group" if attrs.get("dsfr") == "dsfr" else ""
    return {
        "value": None if value is None else f"{value}",
        "label": data["label"],
        "attrs": flat_attrs(attrs),
        "wrapper": wrapper,
        "wrap_label": data["wrap_label"],
        "id": attrs.get("id", ""),
    }


CLOSE_DIV = {"part": "/div"}
CLOSE_FIELDSET = {"part": "/fieldset"}


def layout_items(form: forms.BaseForm, parts) -> Iterator[dict]:
    """The form's layout in the order its markup is written, for one flat loop: fields, and the
    openings and closings of their grids and fieldsets."""
    for part in parts:
        if isinstance(part, Grid):
            yield {"part": "div", "css_class": part.css_class}
            for name, css_class in part.cells:
                yield {"part": "div", "css_class": css_class}
                yield field_context(form[name])
                yield CLOSE_DIV
            yield CLOSE_DIV
        elif isinstance(part, Fieldset):
            yield {"part": "fieldset", "legend": part.legend}
            yield from layout_items(form, part.parts)
            yield CLOSE_FIELDSET
        else:
            yield field_context(form[part])


class LaidOutForm:
    """A form drawn by `entretiens/includes/_form_fields.html` from its `layout`: field names,
    `Grid`s and `Fieldset`s (every field when it has none)."""

    layout: tuple = ()

    def layout_items(self) -> list[dict]:
        return list(layout_items(self, self.layout or tuple(self.fields)))
