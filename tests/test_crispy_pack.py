"""The project's crispy-forms template pack, `insertion_dsfr` (templates/insertion_dsfr/).

crispy lays the form out, django-dsfr draws each field. The rendered HTML is parsed with Django's
own test parser (django.test.html) and walked, rather than searched for substrings.
"""

import pytest
from crispy_forms.bootstrap import FormActions
from crispy_forms.helper import FormHelper
from crispy_forms.layout import (
    HTML,
    Button,
    ButtonHolder,
    Column,
    Div,
    Field,
    Fieldset,
    Hidden,
    Layout,
    Reset,
    Row,
    Submit,
)
from django import forms
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.test.html import Element, parse_html
from dsfr.forms import DsfrBaseForm

REQUIRED = "Ce champ est obligatoire."

HOUSING_CHOICES = [("", "Sélectionner une option"), ("stable", "Stable"), ("precaire", "Précaire")]
INCOME_CHOICES = [("salaire", "Salaire"), ("rsa", "RSA"), ("aucune", "Aucune")]
NEEDS_CHOICES = [("emploi", "Emploi"), ("sante", "Santé"), ("logement", "Logement")]


class InterviewTestForm(forms.Form):
    full_name = forms.CharField(
        label="Nom et prénom", max_length=100, help_text="Tel qu’inscrit à l’écrou"
    )
    children = forms.IntegerField(label="Nombre d’enfants", min_value=0)
    arrival_date = forms.DateField(
        label="Date d’arrivée", widget=forms.DateInput(attrs={"type": "date"})
    )
    housing = forms.ChoiceField(label="Logement", choices=HOUSING_CHOICES)
    income = forms.ChoiceField(label="Ressources", choices=INCOME_CHOICES, widget=forms.RadioSelect)
    needs = forms.MultipleChoiceField(
        label="Besoins", choices=NEEDS_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    consent = forms.BooleanField(label="La personne consent à l’entretien")
    notes = forms.CharField(label="Observations", widget=forms.Textarea, required=False)
    detainee_id = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("housing") == "stable" and cleaned_data.get("income") == "aucune":
            raise forms.ValidationError("Un logement stable sans ressources doit être expliqué.")
        return cleaned_data


class DsfrInterviewTestForm(DsfrBaseForm, InterviewTestForm):
    """The same form on django-dsfr's base form, whose fields pick their own DSFR templates."""


VALID_DATA = {
    "full_name": "Hélène Lefèvre",
    "children": "2",
    "arrival_date": "2025-03-01",
    "housing": "precaire",
    "income": "rsa",
    "needs": ["emploi", "sante"],
    "consent": "on",
    "notes": "",
    "detainee_id": "7",
}


def interview_helper(**attributes):
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(
        HTML(
            '<p class="fr-text--sm">Sauf mention contraire, tous les champs sont obligatoires.</p>'
        ),
        Fieldset(
            "Identité",
            Row(
                Column("full_name", css_class="fr-col-12 fr-col-md-8"),
                Column("children"),
            ),
            Div(
                Column("arrival_date", css_class="fr-col-12 fr-col-md-4"),
                css_class="fr-grid-row fr-grid-row--gutters",
                css_id="arrival",
            ),
            css_id="identite",
        ),
        Fieldset(
            'Situation <span class="fr-hint-text">Au jour de l’entretien</span>',
            "housing",
            "income",
            "needs",
        ),
        Fieldset("Suite", "consent", Field("notes", rows=3, autocomplete="off")),
        "detainee_id",
        FormActions(
            Submit("save", "Enregistrer"),
            Button("cancel", "Annuler", css_class="fr-btn--secondary"),
        ),
    )
    for name, value in attributes.items():
        setattr(helper, name, value)
    return helper


@pytest.fixture(params=[InterviewTestForm, DsfrInterviewTestForm], ids=["django", "dsfr"])
def form_class(request):
    return request.param


def render(source, **context):
    request = RequestFactory().get("/")
    return Template("{% load crispy_forms_tags %}" + source).render(
        RequestContext(request, context)
    )


def render_crispy(form, **helper_attributes):
    return parse_html(
        render("{% crispy form helper %}", form=form, helper=interview_helper(**helper_attributes))
    )


# --- A few helpers to walk the parsed HTML ---------------------------------------------------


def elements(node):
    """node (unless it is the nameless root of several elements) and every element under it."""
    if node.name:
        yield node
    for child in node.children:
        if isinstance(child, Element):
            yield from elements(child)


def attrs(element):
    return dict(element.attributes)


def classes(element):
    return set((attrs(element).get("class") or "").split())


def text(node):
    parts = [child if isinstance(child, str) else text(child) for child in node.children]
    return " ".join(" ".join(parts).split())


def select(node, tag=None, css_class=None, **attributes):
    """Every element, node included, with that tag, that class and those attribute values."""
    return [
        element
        for element in elements(node)
        if (tag is None or element.name == tag)
        and (css_class is None or css_class in classes(element))
        and all(attrs(element).get(name) == value for name, value in attributes.items())
    ]


def one(node, tag=None, css_class=None, **attributes):
    found = select(node, tag, css_class, **attributes)
    assert len(found) == 1, (tag, css_class, attributes, len(found))
    return found[0]


FIELD_GROUPS = ("fr-input-group", "fr-select-group", "fr-checkbox-group", "fr-fieldset")


def group_of(root, field_id, *group_classes):
    """The innermost element with one of group_classes (DSFR's field groups by default) that
    holds the control with that id."""
    control = one(root, id=field_id)
    wanted = set(group_classes or FIELD_GROUPS)
    groups = [
        element
        for element in elements(root)
        if element is not control and control in elements(element) and classes(element) & wanted
    ]
    return groups[-1]


def label_text(root, field_id):
    return text(one(root, "label", **{"for": field_id}))


# --- Fields -------------------------------------------------------------------------------------


def test_text_number_date_and_textarea_fields_are_dsfr_inputs_with_their_labels(form_class):
    html = render_crispy(form_class())
    for field_id, tag, label in [
        ("id_full_name", "input", "Nom et prénom"),
        ("id_children", "input", "Nombre d’enfants"),
        ("id_arrival_date", "input", "Date d’arrivée"),
        ("id_notes", "textarea", "Observations"),
    ]:
        control = one(html, id=field_id)
        assert control.name == tag
        assert "fr-input" in classes(control), field_id
        assert "fr-input-group" in classes(group_of(html, field_id)), field_id
        assert label_text(html, field_id).startswith(label)
        assert "fr-label" in classes(one(html, "label", **{"for": field_id}))
    assert attrs(one(html, id="id_arrival_date"))["type"] == "date"
    assert attrs(one(html, id="id_children"))["type"] == "number"


def test_help_text_is_a_dsfr_hint_inside_the_label(form_class):
    html = render_crispy(form_class())
    label = one(html, "label", **{"for": "id_full_name"})
    hint = one(label, "span", "fr-hint-text")
    assert text(hint) == "Tel qu’inscrit à l’écrou"


def test_required_fields_carry_the_dsfr_marker_unless_optional_ones_are_marked(
    form_class, settings
):
    settings.DSFR_MARK_OPTIONAL_FIELDS = False
    html = render_crispy(form_class())
    label = one(html, "label", **{"for": "id_children"})
    assert text(one(label, "span", "fr-required-marker")) == "*"
    assert label_text(html, "id_notes") == "Observations"

    settings.DSFR_MARK_OPTIONAL_FIELDS = True
    html = render_crispy(form_class())
    assert label_text(html, "id_children") == "Nombre d’enfants"
    assert label_text(html, "id_notes") == "Observations (Optionnel)"


def test_a_select_is_a_dsfr_select_in_a_select_group(form_class):
    html = render_crispy(form_class())
    select_element = one(html, "select", id="id_housing")
    assert "fr-select" in classes(select_element)
    assert "fr-select-group" in classes(group_of(html, "id_housing"))
    options = [text(option) for option in select(select_element, "option")]
    assert options == ["Sélectionner une option", "Stable", "Précaire"]


@pytest.mark.parametrize(
    ("name", "input_type", "choices"),
    [("income", "radio", INCOME_CHOICES), ("needs", "checkbox", NEEDS_CHOICES)],
)
def test_radios_and_checkbox_lists_are_dsfr_fieldsets_with_a_legend(
    form_class, name, input_type, choices
):
    html = render_crispy(form_class())
    fieldset = group_of(html, f"id_{name}_0", "fr-fieldset")
    assert fieldset.name == "fieldset"
    assert "fr-fieldset" in classes(fieldset)
    legend = one(fieldset, "legend", "fr-fieldset__legend")
    assert attrs(fieldset)["aria-labelledby"] == attrs(legend)["id"]
    inputs = select(fieldset, "input", type=input_type, name=name)
    assert [attrs(choice)["value"] for choice in inputs] == [value for value, _ in choices]
    assert len(select(fieldset, "div", "fr-fieldset__element")) == len(choices)


def test_a_boolean_is_a_dsfr_checkbox_with_its_label_after_it(form_class):
    html = render_crispy(form_class())
    group = group_of(html, "id_consent")
    assert "fr-checkbox-group" in classes(group)
    checkbox, label = [child for child in group.children if isinstance(child, Element)][:2]
    assert attrs(checkbox)["type"] == "checkbox"
    assert label.name == "label" and attrs(label)["for"] == "id_consent"
    assert text(label).startswith("La personne consent à l’entretien")


def test_a_hidden_field_is_rendered_hidden_without_a_label(form_class):
    html = render_crispy(form_class(initial={"detainee_id": 7}))
    hidden = one(html, "input", name="detainee_id")
    assert attrs(hidden)["type"] == "hidden"
    assert attrs(hidden)["value"] == "7"
    assert select(html, "label", **{"for": "id_detainee_id"}) == []


# --- Layout objects -----------------------------------------------------------------------------


def test_a_fieldset_has_a_dsfr_legend_and_its_fields_in_a_fieldset_element(form_class):
    html = render_crispy(form_class())
    fieldset = one(html, "fieldset", id="identite")
    assert "fr-fieldset" in classes(fieldset)
    legend = one(fieldset, "legend", "fr-fieldset__legend")
    assert text(legend) == "Identité"
    assert attrs(fieldset)["aria-labelledby"] == attrs(legend)["id"]
    element = one(fieldset, "div", "fr-fieldset__element")
    for field_id in ["id_full_name", "id_children", "id_arrival_date"]:
        assert one(element, id=field_id)


def test_a_fieldset_legend_can_carry_a_hint(form_class):
    html = render_crispy(form_class())
    legends = [text(legend) for legend in select(html, "legend", "fr-fieldset__legend")]
    assert "Situation Au jour de l’entretien" in legends
    situation = next(
        legend for legend in select(html, "legend") if text(legend).startswith("Situation")
    )
    assert text(one(situation, "span", "fr-hint-text")) == "Au jour de l’entretien"


def test_row_and_column_draw_a_dsfr_grid(form_class):
    html = render_crispy(form_class())
    row = group_of(html, "id_full_name", "fr-grid-row")
    assert classes(row) == {"fr-grid-row", "fr-grid-row--gutters"}
    columns = [child for child in row.children if isinstance(child, Element)]
    assert [classes(column) for column in columns] == [
        {"fr-col-12", "fr-col-md-8"},
        {"fr-col-12", "fr-col-md"},
    ]
    assert one(columns[0], id="id_full_name") and one(columns[1], id="id_children")


def test_a_div_keeps_its_css_class_and_id(form_class):
    html = render_crispy(form_class())
    div = one(html, "div", id="arrival")
    assert classes(div) == {"fr-grid-row", "fr-grid-row--gutters"}
    column = group_of(div, "id_arrival_date", "fr-col-12")
    assert classes(column) == {"fr-col-12", "fr-col-md-4"}


def test_html_is_rendered_as_written(form_class):
    html = render_crispy(form_class())
    paragraph = one(html, "p", "fr-text--sm")
    assert text(paragraph) == "Sauf mention contraire, tous les champs sont obligatoires."


def test_field_adds_its_attributes_and_keeps_the_dsfr_class(form_class):
    html = render_crispy(form_class())
    notes = one(html, "textarea", id="id_notes")
    assert attrs(notes)["rows"] == "3"
    assert attrs(notes)["autocomplete"] == "off"
    assert "fr-input" in classes(notes)


def test_field_wrapper_class_wraps_the_field(form_class):
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(Field("full_name", wrapper_class="fr-mb-4w"))
    html = parse_html(render("{% crispy form helper %}", form=form_class(), helper=helper))
    wrapper = one(html, "div", "fr-mb-4w")
    assert "fr-input-group" in classes(one(wrapper, "div", "fr-input-group"))


def test_submit_and_button_are_dsfr_buttons_the_secondary_one_included(form_class):
    html = render_crispy(form_class())
    group = one(html, "div", "fr-btns-group")
    save = one(group, "button", name="save")
    assert attrs(save)["type"] == "submit"
    assert classes(save) == {"fr-btn"}
    assert text(save) == "Enregistrer"
    cancel = one(group, "button", name="cancel")
    assert attrs(cancel)["type"] == "button"
    assert classes(cancel) == {"fr-btn", "fr-btn--secondary"}


def test_button_holder_is_a_dsfr_button_group_too(form_class):
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(
        "full_name",
        ButtonHolder(
            Submit("save", "Enregistrer"), Reset("reset", "Effacer"), css_class="fr-mt-2w"
        ),
    )
    html = parse_html(render("{% crispy form helper %}", form=form_class(), helper=helper))
    group = one(html, "div", "fr-btns-group")
    assert classes(group) == {"fr-btns-group", "fr-btns-group--inline-md", "fr-mt-2w"}
    assert [(attrs(b)["type"], classes(b)) for b in select(group, "button")] == [
        ("submit", {"fr-btn"}),
        ("reset", {"fr-btn"}),
    ]


def test_helper_inputs_are_a_dsfr_button_group(form_class):
    helper = FormHelper()
    helper.form_tag = False
    helper.add_input(Submit("save", "Enregistrer et continuer"))
    helper.add_input(Button("back", "Retour", css_class="fr-btn--secondary"))
    helper.add_input(Hidden("step", "2"))
    html = parse_html(render("{% crispy form helper %}", form=form_class(), helper=helper))
    group = one(html, "ul", "fr-btns-group")
    buttons = [one(item, "button") for item in select(group, "li")]
    assert [(attrs(b)["type"], classes(b), text(b)) for b in buttons] == [
        ("submit", {"fr-btn"}, "Enregistrer et continuer"),
        ("button", {"fr-btn", "fr-btn--secondary"}, "Retour"),
    ]
    step = one(html, "input", name="step")
    assert attrs(step)["type"] == "hidden" and attrs(step)["value"] == "2"
    assert step not in elements(group)


# --- The form tag -------------------------------------------------------------------------------


def test_without_form_tag_there_is_no_form_element(form_class):
    html = render_crispy(form_class())
    assert select(html, "form") == []


def test_with_form_tag_the_form_posts_to_its_action_with_a_csrf_token(form_class):
    html = render_crispy(form_class(), form_tag=True, form_action="/entretiens/nouveau/")
    form = one(html, "form")
    assert attrs(form)["method"] == "post"
    assert attrs(form)["action"] == "/entretiens/nouveau/"
    assert one(form, "input", name="csrfmiddlewaretoken", type="hidden")


def test_a_get_form_has_no_csrf_token(form_class):
    html = render_crispy(form_class(), form_tag=True, form_method="get")
    assert attrs(one(html, "form"))["method"] == "get"
    assert select(html, "input", name="csrfmiddlewaretoken") == []


def test_crispy_without_helper_renders_every_field_in_a_post_form(form_class):
    html = parse_html(render("{% crispy form %}", form=form_class()))
    form = one(html, "form", method="post")
    assert one(form, "input", name="csrfmiddlewaretoken")
    for name in InterviewTestForm.base_fields:
        assert select(form, name=name), name


def test_crispy_filter_renders_every_field_without_form_tag(form_class):
    html = parse_html(render("{{ form|crispy }}", form=form_class()))
    assert select(html, "form") == []
    assert "fr-input" in classes(one(html, "input", id="id_full_name"))
    legend = one(group_of(html, "id_income_0", "fr-fieldset"), "legend")
    assert text(legend).startswith("Ressources")
    assert attrs(one(html, "input", name="detainee_id"))["type"] == "hidden"


# --- Errors -------------------------------------------------------------------------------------


def test_invalid_fields_are_in_error_with_their_french_message(form_class):
    html = render_crispy(form_class(data={}))
    for field_id in ["id_full_name", "id_children", "id_arrival_date", "id_housing", "id_consent"]:
        group = group_of(html, field_id)
        assert any(css_class.endswith("--error") for css_class in classes(group)), field_id
        control = one(html, id=field_id)
        assert attrs(control)["aria-invalid"] == "true"
        message = one(html, id=attrs(control)["aria-describedby"])
        assert text(message) == REQUIRED, field_id
        assert message in elements(group)
    radios = group_of(html, "id_income_0", "fr-fieldset")
    assert "fr-fieldset--error" in classes(radios)
    assert REQUIRED in text(radios)


def test_valid_fields_are_not_in_error(form_class):
    form = form_class(data=VALID_DATA)
    assert form.is_valid(), form.errors
    html = render_crispy(form)
    assert not any(
        css_class.endswith("--error")
        for element in elements(html)
        for css_class in classes(element)
    )
    assert select(html, **{"aria-invalid": "true"}) == []
    assert select(html, css_class="fr-alert") == []


def test_non_field_errors_are_a_dsfr_error_alert_with_a_french_title(form_class):
    form = form_class(data={**VALID_DATA, "housing": "stable", "income": "aucune"})
    html = render_crispy(form)
    alert = one(html, "div", "fr-alert")
    assert classes(alert) >= {"fr-alert", "fr-alert--error", "fr-alert--sm"}
    assert attrs(alert)["role"] == "alert"
    assert text(one(alert, css_class="fr-alert__title")) == "Le formulaire contient des erreurs"
    assert "Un logement stable sans ressources doit être expliqué." in text(alert)


def test_the_crispy_filter_and_as_crispy_errors_show_the_same_alert(form_class):
    form = form_class(data={**VALID_DATA, "housing": "stable", "income": "aucune"})
    for source in ["{{ form|crispy }}", "{{ form|as_crispy_errors }}"]:
        alert = one(parse_html(render(source, form=form)), "div", "fr-alert--error")
        assert "Le formulaire contient des erreurs" in text(alert), source


def test_an_invalid_hidden_field_shows_its_error_in_an_alert(form_class):
    form = form_class(data={**VALID_DATA, "detainee_id": "abc"})
    html = render_crispy(form)
    alert = one(html, "div", "fr-alert--error")
    assert "Saisissez un nombre entier." in text(alert)


def test_radio_options_and_error_messages_use_dsfr_markup(form_class):
    html = render_crispy(form_class(data={}))
    radio = one(html, id="id_income_0")
    assert any(radio in elements(group) for group in select(html, "div", "fr-radio-group"))
    message = one(html, id=attrs(one(html, id="id_full_name"))["aria-describedby"])
    assert "fr-error-text" in classes(one(message, "li"))


# --- What the CSP forbids -----------------------------------------------------------------------


def test_nothing_rendered_has_a_style_attribute_or_a_script(form_class):
    invalid = form_class(data={"housing": "stable", "income": "aucune"})
    for form in [form_class(), invalid]:
        html = render_crispy(form, form_tag=True)
        assert [element for element in elements(html) if "style" in attrs(element)] == []
        assert select(html, "script") == []
        assert not any(name.startswith("on") for e in elements(html) for name in attrs(e))


# --- Formsets -----------------------------------------------------------------------------------


class NeedForm(forms.Form):
    label = forms.CharField(label="Besoin")
    priority = forms.ChoiceField(
        label="Priorité", choices=[("haute", "Haute"), ("basse", "Basse")], widget=forms.RadioSelect
    )


NeedFormSet = forms.formset_factory(NeedForm, extra=2)


def need_formset_helper():
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(Fieldset("Besoin n° {{ forloop.counter }}", "label", "priority"))
    return helper


def test_a_formset_renders_its_management_form_and_each_form_with_the_helper_layout():
    formset = NeedFormSet(prefix="besoins")
    html = parse_html(
        render("{% crispy formset helper %}", formset=formset, helper=need_formset_helper())
    )
    management = {
        attrs(hidden)["name"]: attrs(hidden)["value"]
        for hidden in select(html, "input", type="hidden")
        if attrs(hidden)["name"].startswith("besoins-")
    }
    assert management == {
        "besoins-TOTAL_FORMS": "2",
        "besoins-INITIAL_FORMS": "0",
        "besoins-MIN_NUM_FORMS": "0",
        "besoins-MAX_NUM_FORMS": "1000",
    }
    legends = [text(legend) for legend in select(html, "legend") if "Besoin n°" in text(legend)]
    assert legends == ["Besoin n° 1", "Besoin n° 2"]
    for index in range(2):
        assert "fr-input" in classes(one(html, "input", id=f"id_besoins-{index}-label"))
        assert one(html, "input", id=f"id_besoins-{index}-priority_0", type="radio")


def test_a_bound_formset_shows_errors_per_form_and_its_own_errors_as_an_alert():
    data = {
        "besoins-TOTAL_FORMS": "2",
        "besoins-INITIAL_FORMS": "0",
        "besoins-MIN_NUM_FORMS": "0",
        "besoins-MAX_NUM_FORMS": "1000",
        "besoins-0-label": "",
        "besoins-0-priority": "haute",
    }
    formset = forms.formset_factory(NeedForm, extra=2, max_num=1, validate_max=True)(
        data, prefix="besoins"
    )
    assert not formset.is_valid()
    html = parse_html(
        render("{% crispy formset helper %}", formset=formset, helper=need_formset_helper())
    )
    alert = one(html, "div", "fr-alert--error")
    assert "Le formulaire contient des erreurs" in text(alert)
    assert "Veuillez soumettre au plus 1 formulaire." in text(alert)
    control = one(html, id="id_besoins-0-label")
    assert text(one(html, id=attrs(control)["aria-describedby"])) == REQUIRED


def test_the_crispy_filter_renders_a_formset_with_its_management_form():
    html = parse_html(render("{{ formset|crispy }}", formset=NeedFormSet(prefix="besoins")))
    assert attrs(one(html, "input", name="besoins-TOTAL_FORMS"))["value"] == "2"
    assert one(html, "input", id="id_besoins-1-label")


def test_a_template_without_request_renders_too():
    """Rendering outside a request (an e-mail, a PDF) has no CSRF token and must not fail."""
    helper = interview_helper(form_tag=True)
    output = Template("{% load crispy_forms_tags %}{% crispy form helper %}").render(
        Context({"form": InterviewTestForm(), "helper": helper})
    )
    assert one(parse_html(output), "form", method="post")
