"""The forms of the prison team's actions on requests, and of a request made by the team.

They check the input (required fields, lengths, dates that parse); the rules of the domain stay
in the services, whose ValidationError is put back on the form (`add_service_error`) so that the
message shows next to its field and nothing typed is lost.

Every action carries the state the request had on the page it was sent from (`etat`): when the
request changed in between (a colleague examined or allocated it), the action is refused with a
French message rather than applied to a request the user did not see. An empty POST is thus
always refused.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from entretiens.choices import Priority
from insertion.core.forms import ServiceErrorsMixin
from insertion.detainees.models import Detainee
from insertion.placements.choices import OfferKind, RefusalReason, RequestOrigin, RequestStatus
from insertion.placements.models import Offer, PlacementRequest

REQUIRED = "Ce champ est obligatoire."
DATE_INVALID = "Saisissez une date valide, par exemple 12/03/2026."
NOTE_MAX = 2000
STALE = "Cette action ne vient pas de la page de la demande : affichez-la de nouveau."
# Who may be named as the origin of a request made by the team (the interview's requests are
# made by its validation, a CPIP's from the person page).
TEAM_ORIGINS = (RequestOrigin.TEAM, RequestOrigin.PERSON)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _note_field(label: str = "Commentaire", help_text: str = "Facultatif.") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Le commentaire tient en 2 000 caractères au plus."},
    )


class RequestActionForm(ServiceErrorsMixin, DsfrBaseForm):
    """An action on one request; `etat` is the state the user saw."""

    etat = forms.CharField(widget=forms.HiddenInput, error_messages={"required": STALE})

    def __init__(self, data=None, *, placement_request: PlacementRequest, **kwargs):
        self.placement_request = placement_request
        super().__init__(data, **kwargs)
        self.fields["etat"].initial = placement_request.status

    def clean_etat(self):
        seen = self.cleaned_data["etat"]
        now = self.placement_request.status
        if seen != now:
            raise ValidationError(
                "Cette demande a changé depuis l'affichage de la page : elle est maintenant "
                f"« {self.placement_request.status_label} ». Vérifiez-la avant d'agir."
            )
        return seen


class ExamineForm(RequestActionForm):
    note = _note_field()


class AllocateForm(RequestActionForm):
    """A place in one offer of the request's kind and establishment, from a start date. The
    select offers the offers that can still take people (`offers`); any offer of the
    establishment is accepted here, the service refusing an inactive one or one of another kind
    in French."""

    offer = forms.ModelChoiceField(
        label="Offre",
        queryset=Offer.objects.none(),
        error_messages={
            "required": "Choisissez l'offre.",
            "invalid_choice": "Cette offre n'existe pas dans l'établissement.",
        },
    )
    start_date = forms.DateField(
        label="Date de début",
        widget=_date_input(),
        error_messages={"required": "Indiquez la date de début.", "invalid": DATE_INVALID},
    )
    note = _note_field()

    def __init__(self, data=None, *, placement_request, offers=(), **kwargs):
        super().__init__(data, placement_request=placement_request, **kwargs)
        field = self.fields["offer"]
        field.queryset = Offer.objects.filter(
            establishment_id=placement_request.establishment_id
        ).order_by("title", "pk")
        field.widget.choices = [("", "Choisir une offre")] + [
            (offer.pk, offer_label(offer)) for offer in offers
        ]
        self.fields["start_date"].initial = timezone.localdate()


def _places(count: int, word: str = "place") -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def offer_label(offer: Offer) -> str:
    """« CAP Cuisine — 3 places libres sur 8 », with the `free` places of
    queue.offers_with_free_places (as the waiting list's select says it)."""
    free = getattr(offer, "free", None)
    if free is None:
        return offer.title
    if free <= 0:
        return f"{offer.title} — complète ({_places(offer.places)})"
    libres = "libres" if free > 1 else "libre"
    return f"{offer.title} — {_places(free)} {libres} sur {offer.places}"


class FinishForm(RequestActionForm):
    on_date = forms.DateField(
        label="Date de fin",
        widget=_date_input(),
        required=False,
        help_text="Aujourd'hui si elle est laissée vide.",
        error_messages={"invalid": DATE_INVALID},
    )
    note = _note_field()


class RefuseForm(RequestActionForm):
    reason = forms.ChoiceField(
        label="Motif du refus",
        choices=[("", "Choisir un motif"), *RefusalReason.choices],
        error_messages={
            "required": "Indiquez le motif du refus.",
            "invalid_choice": "Motif de refus inconnu.",
        },
    )
    details = _note_field("Précisions", "Obligatoires pour le motif « Autre ».")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == RefusalReason.OTHER and not cleaned.get("details", "").strip():
            self.add_error("details", "Précisez le motif du refus.")
        return cleaned


class WithdrawForm(RequestActionForm):
    note = _note_field()


class RankForm(RequestActionForm):
    """Fix the request's rank in the waiting list (with its reason), or remove it (`retirer`)."""

    rank = forms.IntegerField(
        label="Rang dans la liste",
        min_value=1,
        max_value=9999,
        required=False,
        error_messages={
            "invalid": "Indiquez un nombre entier.",
            "min_value": "Le rang commence à 1.",
            "max_value": "Indiquez un rang plus petit.",
        },
    )
    reason = _note_field("Motif", "Obligatoire pour fixer un rang : il est montré dans la liste.")
    retirer = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("retirer") and cleaned.get("rank") is None and "rank" not in self.errors:
            self.add_error("rank", "Indiquez le rang.")
        return cleaned


class EcrouField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value).strip()


class RequestFieldsForm(ServiceErrorsMixin, DsfrBaseForm):
    """What every request made directly says: the kind of offer, the priority, who asks (the
    choices `ORIGINS` of each form: {value: label}), the précisions for the service. A second
    open request of the kind is refused next to the kind."""

    ORIGINS: dict[str, str] = {}

    offer_kind = forms.ChoiceField(
        label="Type d'offre",
        choices=[("", "Choisir un type d'offre"), *OfferKind.choices],
        error_messages={
            "required": "Choisissez le type d'offre.",
            "invalid_choice": "Type d'offre inconnu.",
        },
    )
    priority = forms.ChoiceField(
        label="Priorité",
        choices=[("", "Choisir une priorité"), *Priority.choices],
        error_messages={
            "required": "Choisissez la priorité.",
            "invalid_choice": "Priorité inconnue.",
        },
    )
    origin = forms.ChoiceField(
        label="Demande faite",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez qui fait la demande.",
            "invalid_choice": "Origine de la demande inconnue.",
        },
    )
    details = _note_field(
        "Précisions", "Pour le service : métier ou formation visés, niveau, disponibilités…"
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["origin"].choices = list(self.ORIGINS.items())
        self.fields["origin"].initial = next(iter(self.ORIGINS))

    def add_service_error(self, error) -> None:
        # « Une demande … est déjà en cours » is about the kind chosen: said next to it.
        if getattr(error, "code", None) == "open_request":
            for message in error.messages:
                self.add_error("offer_kind", message)
            return
        super().add_service_error(error)


class RequestCreateForm(RequestFieldsForm):
    """A request made directly by the team, for a person held in the chosen establishment,
    found by n° d'écrou (`detainee` once the form is valid)."""

    ORIGINS = {value: RequestOrigin(value).label for value in TEAM_ORIGINS}
    field_order = ["ecrou", "offer_kind", "priority", "origin", "details"]

    ecrou = EcrouField(
        label="N° d'écrou",
        max_length=20,
        help_text="Celui de la personne dans l'établissement.",
        error_messages={
            "required": "Indiquez le n° d'écrou de la personne.",
            "max_length": "Un n° d'écrou tient en 20 caractères au plus.",
        },
    )

    def __init__(self, data=None, *, user, establishment, establishments=(), **kwargs):
        self.user = user
        self.establishment = establishment
        self.detainee: Detainee | None = None
        super().__init__(data, **kwargs)
        if len(establishments) > 1:
            # The view already read it (access.chosen_establishment: another one is a 404).
            self.fields = {
                "etablissement": forms.ChoiceField(
                    label="Établissement",
                    choices=[(str(e.pk), e.name) for e in establishments],
                    initial=str(establishment.pk),
                    error_messages={"invalid_choice": "Établissement inconnu."},
                ),
                **self.fields,
            }

    def clean_ecrou(self):
        ecrou = self.cleaned_data["ecrou"]
        self.detainee = (
            Detainee.objects.visible_to(self.user)
            .held()
            .filter(establishment=self.establishment, ecrou_number=ecrou)
            .first()
        )
        if self.detainee is None:
            raise ValidationError(
                f"Aucune personne détenue à « {self.establishment.name} » n'a le n° d'écrou "
                f"« {ecrou} »."
            )
        return ecrou


# The states in which each action is offered (the services refuse the others anyway).
ACTIONS_BY_STATUS = {
    RequestStatus.TO_REVIEW: ("examine", "allocate", "refuse", "withdraw"),
    RequestStatus.WAITING: ("allocate", "rank", "refuse", "withdraw"),
    RequestStatus.ALLOCATED: ("finish", "withdraw"),
}
