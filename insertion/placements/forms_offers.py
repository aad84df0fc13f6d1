"""The forms of the offer pages (views/offers.py): the list's filters, and the offer's form.

The offer's form checks the input (required fields, lengths, numbers and dates that parse); the
rules of an offer stay in `Offer.clean` and in the services (dates unless permanent, end after
start, cadre only for a work post, places kept for the people allocated), whose ValidationError
is put back on the form (`add_service_error`) so that each message shows next to its field and
nothing typed is lost.
"""

from django import forms
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from insertion.core.forms import FilterForm, service_error_field
from insertion.placements.choices import OfferKind, WorkSetting
from insertion.placements.models import Offer

REQUIRED = "Ce champ est obligatoire."
DATE_INVALID = "Saisissez une date valide, par exemple 12/03/2026."
MAX_PLACES = 9999
REQUIREMENTS_MAX = 2000

STATES = {"actives": "Actives", "inactives": "Désactivées", "toutes": "Toutes"}

# The fields of the form, in the order of the services' keyword arguments.
OFFER_FIELDS = (
    "kind",
    "work_setting",
    "title",
    "service",
    "places",
    "permanent",
    "start_date",
    "end_date",
    "requirements",
)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OfferFilterForm(FilterForm):
    """The offer list's filters: the establishment (offered to the users of several, the view
    has already checked it: `access.chosen_establishment`), the kind, the state (active
    offers by default)."""

    etablissement = forms.ChoiceField(label="Établissement", required=False)
    type = forms.ChoiceField(
        label="Type d'offre",
        choices=[("", "Tous les types"), *OfferKind.choices],
        required=False,
    )
    etat = forms.ChoiceField(
        label="État", choices=STATES.items(), initial="actives", required=False
    )

    columns = {
        "etablissement": "fr-col-12 fr-col-md-4",
        "type": "fr-col-12 fr-col-md-3",
        "etat": "fr-col-12 fr-col-md-3",
    }

    def __init__(self, data=None, *, establishments, establishment):
        super().__init__(data)
        if len(establishments) > 1:
            self.fields["etablissement"].choices = [(str(e.pk), e.name) for e in establishments]
            self.fields["etablissement"].initial = str(establishment.pk) if establishment else ""
        else:
            del self.fields["etablissement"]

    def filter(self, offers):
        values = self.values
        if values["etat"] == "actives":
            offers = offers.filter(active=True)
        elif values["etat"] == "inactives":
            offers = offers.filter(active=False)
        if values["type"]:
            offers = offers.filter(kind=values["type"])
        return offers


class OfferForm(DsfrBaseForm):
    kind = forms.ChoiceField(
        label="Type d'offre",
        choices=[("", "Choisir un type"), *OfferKind.choices],
        error_messages={
            "required": "Choisissez le type d'offre.",
            "invalid_choice": "Type d'offre inconnu.",
        },
    )
    work_setting = forms.ChoiceField(
        label="Cadre du poste",
        choices=[("", "Sans objet"), *WorkSetting.choices],
        required=False,
        help_text="Pour un poste de travail seulement : service général, atelier ou concession.",
        error_messages={"invalid_choice": "Cadre du poste inconnu."},
    )
    title = forms.CharField(
        label="Intitulé",
        max_length=200,
        help_text="Par exemple : CAP Cuisine, auxiliaire d'étage, atelier de conditionnement.",
        error_messages={
            "required": "Indiquez l'intitulé de l'offre.",
            "max_length": "L'intitulé tient en 200 caractères au plus.",
        },
    )
    service = forms.CharField(
        label="Service en charge",
        max_length=200,
        help_text="Par exemple : responsable local de formation, service d'enseignement.",
        error_messages={
            "required": "Indiquez le service en charge.",
            "max_length": "Le service tient en 200 caractères au plus.",
        },
    )
    places = forms.IntegerField(
        label="Nombre de places",
        min_value=1,
        max_value=MAX_PLACES,
        error_messages={
            "required": "Indiquez le nombre de places.",
            "invalid": "Indiquez un nombre entier de places.",
            # The same words as Offer.clean, which says it for the other callers.
            "min_value": "Une offre a au moins une place.",
            "max_value": f"Indiquez au plus {MAX_PLACES} places.",
        },
    )
    permanent = forms.BooleanField(
        label="Offre permanente",
        required=False,
        help_text="Sans date de fin (un poste, un atelier ouvert toute l'année). "
        "Sinon, indiquez ses dates de début et de fin.",
    )
    start_date = forms.DateField(
        label="Date de début",
        required=False,
        widget=_date_input(),
        help_text="Pour une offre permanente : facultative, depuis quand elle existe.",
        error_messages={"invalid": DATE_INVALID},
    )
    end_date = forms.DateField(
        label="Date de fin",
        required=False,
        widget=_date_input(),
        help_text="Ignorée pour une offre permanente.",
        error_messages={"invalid": DATE_INVALID},
    )
    requirements = forms.CharField(
        label="Prérequis",
        required=False,
        max_length=REQUIREMENTS_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Facultatif. Niveau de français, permis, habilitations…",
        error_messages={
            "max_length": f"Les prérequis tiennent en {REQUIREMENTS_MAX} caractères au plus."
        },
    )

    def __init__(self, *args, offer: Offer | None = None, **kwargs):
        if offer is not None:
            kwargs.setdefault("initial", {name: getattr(offer, name) for name in OFFER_FIELDS})
        super().__init__(*args, **kwargs)

    def values(self) -> dict:
        """The services' keyword arguments (`offer_create`, `offer_update`)."""
        return {name: self.cleaned_data[name] for name in OFFER_FIELDS}

    def add_service_error(self, error: ValidationError) -> None:
        """A service's refusal next to the field it concerns (the keys of `Offer.clean`'s
        dictionary, or the code of a single error), on the whole form otherwise."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return
        self.add_error(service_error_field(self, error), error.messages)
