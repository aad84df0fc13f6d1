from django import forms

from insertion.accounts.policy import PERSON_READERS, SENTENCE_READERS, role_required
from insertion.core.forms import FilterForm, SearchField, establishment_choices
from insertion.core.lists import page_of, page_or_fragment
from insertion.detainees.models import Detainee
from insertion.establishments.models import Establishment

SORTS = {
    "nom": ("Nom", ("last_name", "first_name", "pk")),
    "arrivee": ("Arrivée (récentes d'abord)", ("-arrival_date", "last_name", "pk")),
    "dlp": ("Date de libération prévisible", ("expected_release_date", "last_name", "pk")),
}
SITUATIONS = {"presentes": "Présentes", "liberees": "Libérées", "toutes": "Toutes"}


class DetaineeFilterForm(FilterForm):
    """The person list's filters. The DLP order is offered to the readers of sentences only;
    the establishment filter, to the users of several establishments."""

    q = SearchField()
    etablissement = forms.ChoiceField(label="Établissement", required=False)
    situation = forms.ChoiceField(
        label="Situation", choices=SITUATIONS.items(), initial="presentes", required=False
    )
    tri = forms.ChoiceField(label="Trier par", initial="nom", required=False)

    columns = {"q": "fr-col-12 fr-col-md-4", "etablissement": "fr-col-12 fr-col-md-3"}
    submit_columns = "fr-col-12 fr-col-md-1"

    def __init__(self, data=None, *, establishments, shows_sentence: bool):
        super().__init__(data)
        if len(establishments) > 1:
            self.fields["etablissement"].choices = establishment_choices(establishments)
        else:
            del self.fields["etablissement"]
        self.fields["tri"].choices = [
            (value, label)
            for value, (label, _) in SORTS.items()
            if shows_sentence or value != "dlp"
        ]

    def filter(self, people):
        values = self.values
        if values["situation"] == "presentes":
            people = people.held()
        elif values["situation"] == "liberees":
            people = people.released()
        if values.get("etablissement"):
            people = people.filter(establishment_id=int(values["etablissement"]))
        if values["q"]:
            people = people.search(values["q"])
        return people.order_by(*SORTS[values["tri"]][1])


@role_required(PERSON_READERS)
def detainee_list(request):
    user = request.user
    establishments = list(Establishment.objects.visible_to(user).order_by("name"))
    shows_sentence = user.role in SENTENCE_READERS
    filters = DetaineeFilterForm(
        request.GET, establishments=establishments, shows_sentence=shows_sentence
    )
    people = filters.filter(Detainee.objects.visible_to(user)).select_related(
        "establishment", "referent"
    )
    context = {
        "page_obj": page_of(request, people),
        "filters": filters,
        "query": filters.values["q"],
        "establishment_id": filters.values.get("etablissement", ""),
        "sort": filters.values["tri"],
        "shows_sentence": shows_sentence,
    }
    return page_or_fragment(request, "detainees/detainee_list.html", context, fragment="results")
