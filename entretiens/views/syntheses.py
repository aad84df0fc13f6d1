"""The syntheses as the prison teams receive them: their list, and the PDF download.

Every synthesis is fetched through `Synthesis.objects.visible_to(request.user)`: another
prison's synthesis answers 404. The PDF is served only by `synthesis_download`, which writes a
line of the access log for each download.
"""

from django import forms
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from entretiens.choices import SynthesisStatus
from entretiens.models import Synthesis
from insertion.accounts.models import Role
from insertion.accounts.policy import INTERVIEW_WRITERS, SYNTHESIS_READERS, role_required
from insertion.audit.log import Action, record
from insertion.core.forms import FilterForm, SearchField, establishment_choices
from insertion.core.lists import page_of, page_or_fragment
from insertion.core.text import search_condition
from insertion.establishments.models import Establishment

# Who may download a PDF: the teams it is made for, the manager, the CPIP of the person, and
# the interviewer who wrote it. National steering reads aggregates only.
SYNTHESIS_DOWNLOADERS = SYNTHESIS_READERS | INTERVIEW_WRITERS | {Role.CPIP}
DOWNLOADABLE = (SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED)


def is_downloadable(synthesis: Synthesis) -> bool:
    return synthesis.status in DOWNLOADABLE and bool(synthesis.pdf)


class SynthesisFilterForm(FilterForm):
    """The synthesis list's filters: a search on the person, an establishment (offered to the
    users of several establishments)."""

    q = SearchField()
    etablissement = forms.ChoiceField(label="Établissement", required=False)

    columns = {"q": "fr-col-12 fr-col-md-4", "etablissement": "fr-col-12 fr-col-md-4"}
    submit_label = "Rechercher"

    def __init__(self, data=None, *, establishments):
        super().__init__(data)
        if len(establishments) > 1:
            self.fields["etablissement"].choices = establishment_choices(establishments)
        else:
            del self.fields["etablissement"]

    def filter(self, syntheses):
        if self.values.get("etablissement"):
            syntheses = syntheses.filter(establishment_id=int(self.values["etablissement"]))
        if self.values["q"]:
            syntheses = syntheses.filter(
                search_condition(self.values["q"], "interview__detainee__search_text__contains")
            )
        return syntheses


@role_required(SYNTHESIS_READERS)
def synthesis_list(request):
    """Syntheses of the user's establishments, newest first, searchable by name or écrou."""
    user = request.user
    establishments = list(Establishment.objects.visible_to(user).order_by("name", "pk"))
    filters = SynthesisFilterForm(request.GET, establishments=establishments)
    syntheses = (
        filters.filter(Synthesis.objects.visible_to(user))
        .select_related(
            "interview__detainee",
            "interview__incarceration",
            "version",
            "establishment",
            "replaces",
        )
        .order_by("-created_at", "-pk")
    )
    page = page_of(request, syntheses)
    page.object_list = list(page.object_list)
    for synthesis in page.object_list:
        synthesis.downloadable = is_downloadable(synthesis)
    context = {
        "page_obj": page,
        "filters": filters,
        "establishments": establishments,
        "establishment_id": filters.values.get("etablissement", ""),
        "query": filters.values["q"],
        "today": timezone.localdate(),
    }
    return page_or_fragment(request, "entretiens/synthesis_list.html", context, fragment="results")


@require_GET
@role_required(SYNTHESIS_DOWNLOADERS)
def synthesis_download(request, pk: int):
    synthesis = get_object_or_404(
        Synthesis.objects.visible_to(request.user).select_related(
            "interview__detainee", "interview__incarceration"
        ),
        pk=pk,
    )
    if not is_downloadable(synthesis):
        return _unavailable(request, synthesis)
    try:
        pdf = synthesis.pdf.open("rb")
    except FileNotFoundError:
        return _unavailable(request, synthesis)
    record(
        request=request,
        action=Action.SYNTHESIS_DOWNLOAD,
        obj=synthesis,
        person=synthesis.interview.detainee,
        establishment_id=synthesis.establishment_id,
    )
    response = FileResponse(
        pdf, as_attachment=True, filename=synthesis.filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _unavailable(request, synthesis: Synthesis):
    """The synthesis exists but its PDF does not (yet): say so in French, as a 404."""
    context = {"synthesis": synthesis, "detainee": synthesis.interview.detainee}
    return render(request, "entretiens/synthesis_unavailable.html", context, status=404)
