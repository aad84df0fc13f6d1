"""The syntheses as the prison teams receive them: their list, and the PDF download.

Every synthesis is fetched through `Synthesis.objects.visible_to(request.user)`: another
prison's synthesis answers 404. The PDF is served only by `synthesis_download`, which writes a
line of the access log for each download.
"""

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from entretiens.choices import SynthesisStatus
from entretiens.models import Synthesis
from insertion.accounts.models import Role
from insertion.accounts.policy import INTERVIEW_WRITERS, SYNTHESIS_READERS, role_required
from insertion.audit.log import Action, record
from insertion.core.text import normalize_search, parse_id
from insertion.establishments.models import Establishment

PAGE_SIZE = 50
# Who may download a PDF: the teams it is made for, the manager, the CPIP of the person, and
# the interviewer who wrote it. National steering reads aggregates only.
SYNTHESIS_DOWNLOADERS = SYNTHESIS_READERS | INTERVIEW_WRITERS | {Role.CPIP}
DOWNLOADABLE = (SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED)


def is_downloadable(synthesis: Synthesis) -> bool:
    return synthesis.status in DOWNLOADABLE and bool(synthesis.pdf)


@role_required(SYNTHESIS_READERS)
def synthesis_list(request):
    """Syntheses of the user's establishments, newest first, searchable by name or écrou."""
    user = request.user
    establishments = list(Establishment.objects.visible_to(user).order_by("name", "pk"))
    syntheses = Synthesis.objects.visible_to(user)

    establishment_id = request.GET.get("etablissement", "")
    if parse_id(establishment_id) in {e.pk for e in establishments}:
        syntheses = syntheses.filter(establishment_id=int(establishment_id))
    else:
        establishment_id = ""

    query = request.GET.get("q", "").strip()[:100]
    for word in normalize_search(query).split():
        syntheses = syntheses.filter(interview__detainee__search_text__contains=word)

    syntheses = syntheses.select_related(
        "interview__detainee", "interview__incarceration", "version", "establishment", "replaces"
    ).order_by("-created_at", "-pk")
    page = Paginator(syntheses, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for synthesis in page.object_list:
        synthesis.downloadable = is_downloadable(synthesis)
    context = {
        "page_obj": page,
        "establishments": establishments,
        "establishment_id": establishment_id,
        "query": query,
        "today": timezone.localdate(),
    }
    template = "entretiens/synthesis_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, template + "#results", context)
    return render(request, template, context)


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
