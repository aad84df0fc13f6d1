"""The forms of the partners' pages (views.py): the lists' filters, a company, a contact, an
offer.

The forms check the input (required fields, lengths, SIRET key, codes of départements, dates
that parse, establishments among the user's); the rules of a company or an offer stay in the
models' `clean` and the services, whose ValidationError goes back on the form
(`add_service_error`) next to its field, with everything typed kept.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from entretiens.choices import DiplomaLevel, DrivingLicence, ProfessionalLicence, Sector
from insertion.core.forms import FilterForm, SearchField, service_error_field
from insertion.establishments.models import Establishment
from insertion.partners.choices import (
    DEFAULT_SHARED_ITEMS,
    EngagementKind,
    FrenchRequirement,
    OfferKind,
    OfferSetting,
    ReferralStatus,
    SharedItem,
)
from insertion.partners.models import (
    LONG_TEXT,
    REFERRAL_NOTE_HELP,
    SHORT_TEXT,
    Company,
    CompanyContact,
    Offer,
)
from insertion.partners.siret import normalise_siret, siret_error

DATE_INVALID = "Saisissez une date valide, par exemple 12/03/2026."
MAX_PLACES = 999

STATES = {"actives": "Actives", "inactives": "Désactivées", "toutes": "Toutes"}

# Metropolitan départements (01 to 95, Corsica as 2A and 2B) and overseas ones (971…, 986…).
DEPARTMENT_CODE = re.compile(r"^(0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-8]|98[678])$")
DEPARTMENT_SEPARATORS = re.compile(r"[\s,;]+")
# A requirement of an offer is a licence one has: « permis suspendu » is not one to ask for.
DRIVING_REQUIREMENTS = [
    (value, label) for value, label in DrivingLicence.choices if value != DrivingLicence.SUSPENDED
]

COMPANY_FIELDS = ("name", "siret", "sector", "engagement", "establishments", "departments", "notes")
CONTACT_FIELDS = ("name", "function", "email", "phone")
OFFER_FIELDS = (
    "kind",
    "title",
    "sector",
    "description",
    "setting",
    "establishment",
    "nationwide",
    "department",
    "city",
    "places",
    "driving_licences",
    "professional_licences",
    "diploma_level",
    "french",
    "opens_on",
    "closes_on",
)


def department_code(value: str) -> str:
    """The code of a département as stored (« 2a » → « 2A »), or ValidationError."""
    code = value.strip().upper()
    if not DEPARTMENT_CODE.match(code):
        raise ValidationError(
            f"« {value.strip()} » n'est pas un code de département (par exemple 75, 2A, 971).",
            code="department",
        )
    return code


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label: str, *, required: bool = True, max_length: int = SHORT_TEXT, **kwargs):
    messages = {"max_length": f"Ce champ tient en {max_length} caractères au plus."}
    if required:
        messages["required"] = f"Indiquez : {label.lower()}."
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages=messages,
        **kwargs,
    )


def _choice(label: str, choices, *, required: bool = True, empty: str = "Choisir", **kwargs):
    return forms.ChoiceField(
        label=label,
        choices=[("", empty), *choices],
        required=required,
        error_messages={
            "required": f"Choisissez : {label.lower()}.",
            "invalid_choice": "Ce choix n'existe pas.",
        },
        **kwargs,
    )


class ServiceErrorForm(DsfrBaseForm):
    def add_service_error(self, error: ValidationError) -> None:
        """A service's refusal next to the field it concerns (the keys of a model's `clean`,
        or the code of a single error), on the whole form otherwise."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return
        self.add_error(service_error_field(self, error), error.messages)


# --- Filters -------------------------------------------------------------------------------


class CompanyFilterForm(FilterForm):
    q = SearchField(help_text="Raison sociale ou numéro SIRET")
    secteur = forms.ChoiceField(
        label="Secteur", choices=[("", "Tous les secteurs"), *Sector.choices], required=False
    )
    etat = forms.ChoiceField(
        label="État", choices=STATES.items(), initial="actives", required=False
    )
    columns = {"q": "fr-col-12 fr-col-md-4", "secteur": "fr-col-12 fr-col-md-3"}

    def filter(self, companies):
        values = self.values
        if values["q"]:
            words = values["q"]
            digits = normalise_siret(words)
            query = companies.filter(name__icontains=words)
            if digits.isdigit():
                query = query | companies.filter(siret__startswith=digits)
            companies = query
        if values["secteur"]:
            companies = companies.filter(sector=values["secteur"])
        if values["etat"] == "actives":
            companies = companies.filter(active=True)
        elif values["etat"] == "inactives":
            companies = companies.filter(active=False)
        return companies


class OfferFilterForm(FilterForm):
    q = SearchField(help_text="Intitulé de l'offre ou nom de l'entreprise")
    type = forms.ChoiceField(
        label="Type d'offre", choices=[("", "Tous les types"), *OfferKind.choices], required=False
    )
    secteur = forms.ChoiceField(
        label="Secteur", choices=[("", "Tous les secteurs"), *Sector.choices], required=False
    )
    etat = forms.ChoiceField(
        label="État", choices=STATES.items(), initial="actives", required=False
    )
    columns = {"q": "fr-col-12 fr-col-md-4", "type": "fr-col-12 fr-col-md-3"}

    def filter(self, offers):
        values = self.values
        if values["q"]:
            words = values["q"]
            offers = offers.filter(title__icontains=words) | offers.filter(
                company__name__icontains=words
            )
        if values["type"]:
            offers = offers.filter(kind=values["type"])
        if values["secteur"]:
            offers = offers.filter(sector=values["secteur"])
        if values["etat"] == "actives":
            offers = offers.filter(active=True, company__active=True)
        elif values["etat"] == "inactives":
            offers = offers.filter(active=False) | offers.filter(company__active=False)
        return offers


# --- A company -----------------------------------------------------------------------------


class CompanyForm(ServiceErrorForm):
    name = _text("Raison sociale")
    siret = forms.CharField(
        label="Numéro SIRET",
        max_length=20,
        help_text="14 chiffres ; les espaces sont acceptés (123 456 789 00012).",
        error_messages={
            "required": "Indiquez le numéro SIRET de l'entreprise.",
            "max_length": "Le numéro SIRET compte 14 chiffres (les espaces sont acceptés).",
        },
    )
    sector = _choice("Secteur", Sector.choices, empty="Choisir un secteur")
    engagement = _choice(
        "Type d'engagement", EngagementKind.choices, empty="Choisir un type d'engagement"
    )
    establishments = forms.ModelMultipleChoiceField(
        label="Établissements partenaires",
        queryset=Establishment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins un établissement partenaire.",
            "invalid_choice": "Choisissez parmi vos établissements.",
            "invalid_pk_value": "Choisissez parmi vos établissements.",
        },
    )
    departments = forms.CharField(
        label="Départements où elle recrute",
        required=False,
        max_length=400,
        help_text="Codes séparés par des virgules ou des espaces (94, 75, 2A, 971) ; "
        "laissez vide si elle recrute dans toute la France.",
        error_messages={"max_length": "Indiquez au plus une centaine de départements."},
    )
    notes = _text(
        "Remarques",
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, company: Company | None = None, **kwargs):
        if company is not None:
            initial = {name: getattr(company, name) for name in COMPANY_FIELDS[:-3]}
            initial["notes"] = company.notes
            initial["departments"] = ", ".join(company.departments)
            initial["establishments"] = [
                e.pk for e in company.establishments.all() if e.pk in user.establishment_ids
            ]
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["establishments"].queryset = Establishment.objects.filter(
            pk__in=user.establishment_ids
        ).order_by("name", "pk")

    def clean_siret(self):
        value = self.cleaned_data["siret"]
        error = siret_error(value)
        if error:
            raise ValidationError(error, code="siret")
        return normalise_siret(value)

    def clean_departments(self):
        text = self.cleaned_data["departments"]
        codes, errors = [], []
        for part in DEPARTMENT_SEPARATORS.split(text.strip()):
            if not part:
                continue
            try:
                code = department_code(part)
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                if code not in codes:
                    codes.append(code)
        if errors:
            raise ValidationError(errors)
        return codes

    def values(self) -> dict:
        """The services' keyword arguments (`company_create`, `company_update`)."""
        return {name: self.cleaned_data[name] for name in COMPANY_FIELDS}


class ContactForm(ServiceErrorForm):
    name = _text("Nom")
    function = _text("Fonction", required=False, help_text="Par exemple : chargée de recrutement.")
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Les profils des personnes lui sont envoyés à cette adresse.",
        error_messages={
            "required": "Indiquez l'adresse électronique du contact.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@entreprise.fr.",
        },
    )
    phone = _text("Téléphone", required=False, max_length=30)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS}


# --- An offer ------------------------------------------------------------------------------


class OfferForm(ServiceErrorForm):
    kind = _choice("Type d'offre", OfferKind.choices, empty="Choisir un type")
    title = _text(
        "Intitulé", help_text="Par exemple : commis de cuisine, préparateur de commandes."
    )
    sector = _choice("Secteur", Sector.choices, empty="Choisir un secteur")
    description = _text(
        "Description",
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    setting = forms.ChoiceField(
        label="Où",
        choices=OfferSetting.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez si l'offre a lieu en détention ou à la sortie.",
            "invalid_choice": "Ce choix n'existe pas.",
        },
    )
    establishment = forms.ModelChoiceField(
        label="Établissement (offre en détention)",
        queryset=Establishment.objects.none(),
        required=False,
        empty_label="Choisir un établissement",
        error_messages={"invalid_choice": "Choisissez parmi vos établissements."},
    )
    nationwide = forms.BooleanField(label="Partout en France", required=False)
    department = forms.CharField(
        label="Département (offre à la sortie)",
        required=False,
        max_length=3,
        help_text="Code du département, par exemple 94, 2A ou 971.",
        error_messages={"max_length": "Un code de département compte 2 ou 3 caractères."},
    )
    city = _text("Commune", required=False, max_length=120)
    places = forms.IntegerField(
        label="Nombre de places",
        min_value=1,
        max_value=MAX_PLACES,
        error_messages={
            "required": "Indiquez le nombre de places.",
            "invalid": "Indiquez un nombre entier de places.",
            "min_value": "Une offre a au moins une place.",
            "max_value": f"Indiquez au plus {MAX_PLACES} places.",
        },
    )
    driving_licences = forms.MultipleChoiceField(
        label="Permis demandés",
        choices=DRIVING_REQUIREMENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Permis inconnu."},
    )
    professional_licences = forms.MultipleChoiceField(
        label="Habilitations demandées",
        choices=ProfessionalLicence.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Habilitation inconnue."},
    )
    diploma_level = _choice(
        "Diplôme minimum", DiplomaLevel.choices, required=False, empty="Aucun diplôme demandé"
    )
    french = _choice(
        "Français demandé", FrenchRequirement.choices, required=False, empty="Sans exigence"
    )
    opens_on = forms.DateField(
        label="Ouverte le",
        widget=_date_input(),
        error_messages={"required": "Indiquez la date d'ouverture.", "invalid": DATE_INVALID},
    )
    closes_on = forms.DateField(
        label="Close le",
        required=False,
        widget=_date_input(),
        help_text="Facultative : laissez vide pour une offre sans date de fin.",
        error_messages={"invalid": DATE_INVALID},
    )

    def __init__(self, *args, user, offer: Offer | None = None, **kwargs):
        if offer is not None:
            kwargs.setdefault("initial", {name: getattr(offer, name) for name in OFFER_FIELDS})
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = Establishment.objects.filter(
            pk__in=user.establishment_ids
        ).order_by("name", "pk")

    def clean_department(self):
        value = self.cleaned_data["department"]
        return department_code(value) if value.strip() else ""

    def clean(self):
        cleaned = super().clean()
        setting = cleaned.get("setting")
        if (
            setting == OfferSetting.INSIDE
            and not cleaned.get("establishment")
            and "establishment" not in self.errors
        ):
            self.add_error("establishment", "Choisissez l'établissement où l'offre a lieu.")
        if (
            setting == OfferSetting.AT_RELEASE
            and not cleaned.get("nationwide")
            and not cleaned.get("department")
            and "department" not in self.errors
        ):
            self.add_error(
                "department",
                "Indiquez le département de l'offre, ou cochez « partout en France ».",
            )
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "La date de clôture suit la date d'ouverture.")
        return cleaned

    def values(self) -> dict:
        """The services' keyword arguments (`offer_create`, `offer_update`)."""
        return {name: self.cleaned_data[name] for name in OFFER_FIELDS}


# --- The person's agreement (agreement_views.py) ---------------------------------------------

ANY_OFFER = "entreprise"


class AgreementForm(ServiceErrorForm):
    """The person's agreement: for which company and offer (one choice: « any offer of the
    company » or one of its open offers), what may be shared, and when the person agreed."""

    scope = forms.ChoiceField(
        label="Entreprise et offre",
        help_text="L'accord vaut pour une offre, ou pour toute offre de l'entreprise.",
        error_messages={
            "required": (
                "Choisissez l'entreprise (et l'offre) pour laquelle la personne donne son accord."
            ),
            "invalid_choice": "Choisissez parmi les entreprises partenaires de l'établissement.",
        },
    )
    shares = forms.MultipleChoiceField(
        label="Ce que la personne accepte de partager",
        help_text="Le prénom figure toujours sur le profil ; jamais le nom, le numéro d'écrou, "
        "la date de libération, l'infraction, la peine, la santé ni les freins.",
        choices=SharedItem.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins un élément que la personne accepte de partager.",
            "invalid_choice": "Ce choix n'existe pas.",
        },
    )
    agreed_on = forms.DateField(
        label="Date de l'accord de la personne",
        widget=_date_input(),
        error_messages={"required": "Indiquez la date de l'accord.", "invalid": DATE_INVALID},
    )
    informed = forms.BooleanField(
        label="La personne a été informée de ce qui sera transmis, et qu'elle peut retirer son "
        "accord à tout moment",
        error_messages={"required": "Cochez la case : la personne doit avoir été informée."},
    )

    def __init__(self, *args, companies, offer: Offer | None = None, **kwargs):
        """`companies`: the active companies of the person's establishment the user reaches,
        with their open offers prefetched as `open_offers`."""
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("shares", list(DEFAULT_SHARED_ITEMS))
        initial.setdefault("agreed_on", timezone.localdate())
        if offer is not None:
            initial.setdefault("scope", f"offre-{offer.pk}")
        super().__init__(*args, **kwargs)
        choices, self.targets = [("", "Choisir une entreprise ou une offre")], {}
        for company in companies:
            group = [(f"{ANY_OFFER}-{company.pk}", f"Toute offre de {company.name}")]
            self.targets[group[0][0]] = (company, None)
            for open_offer in company.open_offers:
                key = f"offre-{open_offer.pk}"
                group.append((key, f"{open_offer.title} ({open_offer.get_kind_display()})"))
                self.targets[key] = (company, open_offer)
            choices.append((company.name, group))
        self.fields["scope"].choices = choices

    def values(self) -> dict:
        company, offer = self.targets[self.cleaned_data["scope"]]
        return {
            "company": company,
            "offer": offer,
            "shares": self.cleaned_data["shares"],
            "agreed_on": self.cleaned_data["agreed_on"],
        }


class AgreementWithdrawForm(ServiceErrorForm):
    note = _text(
        "Motif du retrait (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : la personne ne souhaite plus que son profil soit transmis.",
    )


# --- Sending a profile (transmission_views.py) -------------------------------------------------


class TransmissionForm(ServiceErrorForm):
    contact = forms.ModelChoiceField(
        label="Destinataire",
        queryset=CompanyContact.objects.none(),
        empty_label="Choisir un contact de l'entreprise",
        error_messages={
            "required": "Choisissez le contact de l'entreprise à qui envoyer le profil.",
            "invalid_choice": "Choisissez parmi les contacts de l'entreprise.",
        },
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = company.contacts.order_by("name", "pk")
        self.fields["contact"].label_from_instance = lambda c: f"{c.name} — {c.email}"


# --- Referrals and their steps (referral_views.py) ---------------------------------------------


class ReferralForm(ServiceErrorForm):
    """The first step of a referral (« proposé »): its date and a short note."""

    on = forms.DateField(
        label="Date de l'étape",
        widget=_date_input(),
        error_messages={"required": "Indiquez la date de l'étape.", "invalid": DATE_INVALID},
    )
    note = _text("Note (facultative)", required=False, help_text=REFERRAL_NOTE_HELP)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class ReferralStepForm(ReferralForm):
    """« Enregistrer une étape »: only the steps that may follow the current one."""

    status = forms.ChoiceField(
        label="Nouvelle étape",
        error_messages={
            "required": "Choisissez la nouvelle étape.",
            "invalid_choice": "Cette étape ne peut pas suivre l'étape actuelle.",
        },
    )
    field_order = ["status", "on", "note"]

    def __init__(self, *args, allowed: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", "Choisir l'étape"),
            *((value, ReferralStatus(value).label) for value in allowed),
        ]
