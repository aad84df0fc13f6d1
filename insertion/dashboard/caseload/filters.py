"""The filters of the caseload dashboard, read from its query string (French values, they are in
the URL), and its orders. The scope (whose people) is `perimetre` for a CPIP and `referent` for a
manager; the rest narrows the list. Unknown values are ignored, as on every list."""

import datetime
from urllib.parse import urlencode

from django import forms
from django.db.models import F, Q

from insertion.accounts.models import Role
from insertion.core.forms import FilterForm, FlagField, SearchField
from insertion.core.text import search_condition
from insertion.detainees.models import ArrangementStatus, release_within
from insertion.release.readiness import NOT_SEEN_DAYS, not_seen_condition, risk_condition

MINE, ALL_ESTABLISHMENTS = "mes", "etablissement"
NO_REFERENT = "aucun"
HORIZONS = {"30": "30 jours", "90": "90 jours", "180": "180 jours"}
NOT_SEEN_MONTHS = {"3": 91, "6": NOT_SEEN_DAYS, "12": 365}
ARRANGEMENT_FILTERS = {
    "aucun": ("Aucun", None),
    "demande": ("Demandé", ArrangementStatus.REQUESTED),
    "accorde": ("Accordé", ArrangementStatus.GRANTED),
    "refuse": ("Refusé", ArrangementStatus.REFUSED),
}
# A request on the waiting list for more than 3 months (the column of `selectors.caseload`).
LONG_WAIT_CONDITION = Q(requests_long_waiting__gt=0)
URGENCY = "urgence"
# The orders read the columns of `selectors.caseload` (urgency: readiness.py's score).
SORTS = {
    URGENCY: (
        "Urgence",
        (
            F("urgency").desc(),
            F("expected_release_date").asc(nulls_last=True),
            "last_name",
            "pk",
        ),
    ),
    "dlp": (
        "Date de libération prévisible",
        (F("expected_release_date").asc(nulls_last=True), "last_name", "first_name", "pk"),
    ),
    "nom": ("Nom", ("last_name", "first_name", "pk")),
}


class CaseloadFilterForm(FilterForm):
    """`referents`: the CPIP a manager may choose (`selectors.caseload_referents`)."""

    perimetre = forms.ChoiceField(
        choices=[("", "Mes personnes"), (ALL_ESTABLISHMENTS, "Toutes")],
        required=False,
        widget=forms.HiddenInput,
    )
    referent = forms.ChoiceField(label="CPIP référent", required=False)
    q = SearchField()
    horizon = forms.ChoiceField(
        label="Libération dans",
        choices=[("", "Toutes les dates"), *HORIZONS.items()],
        required=False,
    )
    non_vus = forms.ChoiceField(
        label="Non vues depuis",
        choices=[("", "Peu importe")] + [(value, f"{value} mois") for value in NOT_SEEN_MONTHS],
        required=False,
    )
    amenagement = forms.ChoiceField(
        label="Aménagement",
        choices=[("", "Peu importe")]
        + [(value, label) for value, (label, _) in ARRANGEMENT_FILTERS.items()],
        required=False,
    )
    tri = forms.ChoiceField(
        label="Trier par",
        choices=[(value, label) for value, (label, _) in SORTS.items()],
        initial=URGENCY,
        required=False,
    )
    risque = FlagField(label="à risque de sortie sèche")
    retard = FlagField(label="avec un jalon en retard")
    alerte = FlagField(label="dont la DLP a été avancée")
    synthese = FlagField(label="avec une synthèse reçue non lue")
    attente = FlagField(label="en attente d'une activité depuis plus de 3 mois")

    columns = {"q": "fr-col-12 fr-col-md-4"}
    flags_legend = "Seulement les personnes"
    drawn_elsewhere = ("perimetre", "referent")  # the scope, chosen above the filters
    # The parameters that narrow the list, in the order of the export link's query string.
    NARROWING_PARAMS = (
        "horizon",
        "risque",
        "retard",
        "non_vus",
        "amenagement",
        "alerte",
        "synthese",
        "attente",
        "q",
    )

    def __init__(self, data=None, *, user, referents=(), today: datetime.date):
        super().__init__(data)
        self.today = today
        self.is_manager = user.role == Role.MANAGER
        if self.is_manager:
            del self.fields["perimetre"]
            self.fields["referent"].choices = [
                ("", "Tous les CPIP"),
                (NO_REFERENT, "Personnes sans référent"),
            ] + [
                (
                    str(referent.pk),
                    referent.get_full_name()
                    + ("" if referent.is_active else " (compte désactivé)"),
                )
                for referent in referents
            ]
        else:
            del self.fields["referent"]

    # What the filters say.

    @property
    def perimeter(self) -> str:
        if self.is_manager:
            return ALL_ESTABLISHMENTS
        return self.values["perimetre"] or MINE

    @property
    def referent_choice(self) -> str:
        return self.values["referent"] if self.is_manager else ""

    @property
    def query(self) -> str:
        return self.values["q"]

    @property
    def sort(self) -> str:
        return self.values["tri"]

    @property
    def sort_label(self) -> str:
        return SORTS[self.sort][0]

    @property
    def ordering(self) -> tuple:
        return SORTS[self.sort][1]

    @property
    def whole_establishments(self) -> bool:
        """The list shows other CPIP's people: it names each person's referent."""
        return self.perimeter == ALL_ESTABLISHMENTS and self.referent_choice == ""

    @property
    def narrows(self) -> bool:
        return bool(self.condition())

    def scope_params(self) -> dict[str, str]:
        if self.is_manager:
            return {"referent": self.referent_choice} if self.referent_choice else {}
        return {"perimetre": ALL_ESTABLISHMENTS} if self.perimeter == ALL_ESTABLISHMENTS else {}

    def kept_params(self) -> dict[str, str]:
        """The scope is chosen above the filters: they carry it."""
        return self.scope_params()

    @property
    def scope_query(self) -> str:
        return urlencode(self.scope_params())

    def query_string(self) -> str:
        """The parameters that give these filters back (the export link keeps them)."""
        params = self.scope_params()
        for name in self.NARROWING_PARAMS:
            params[name] = self._param(name)
        params["tri"] = "" if self.sort == URGENCY else self.sort
        return urlencode({name: value for name, value in params.items() if value})

    def _param(self, name: str) -> str:
        value = self.values[name]
        return ("1" if value else "") if isinstance(value, bool) else value

    # What the filters keep.

    def condition(self) -> Q:
        """The people the filters keep, on the columns of `selectors.caseload`."""
        values, today = self.values, self.today
        condition = Q()
        if values["horizon"]:
            condition &= release_within(int(values["horizon"]), today)
        if values["risque"]:
            condition &= risk_condition(today)
        if values["retard"]:
            condition &= Q(late_count__gt=0)
        if values["non_vus"]:
            condition &= not_seen_condition(today, NOT_SEEN_MONTHS[values["non_vus"]])
        if values["amenagement"]:
            status = ARRANGEMENT_FILTERS[values["amenagement"]][1]
            condition &= (
                Q(arrangement_status__isnull=True)
                if status is None
                else Q(arrangement_status=status)
            )
        if values["alerte"]:
            condition &= Q(has_unread_alert=True)
        if values["synthese"]:
            condition &= Q(synthesis_unread=True)
        if values["attente"]:
            condition &= LONG_WAIT_CONDITION
        if self.query:
            # DetaineeQuerySet.search's lookup, as a condition the counters' query counts too.
            condition &= search_condition(self.query, "search_text__contains")
        return condition

    def filter(self, people):
        return people.filter(self.condition())
