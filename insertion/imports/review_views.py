"""The review queue pages (/imports/a-examiner/): what the imports hold for a decision, in four
sections (proposed links, identity conflicts, departures to confirm, local corrections), each
counted and paginated, and one page per item to decide it.

Managers of the establishment and administrators only (`import_manager_required`, the rule of
the import pages). Items are fetched through the scoped querysets of review.py: another
prison's item answers 404. Every decision is a POST with its CSRF token; those that write on a
person's record or cannot be undone from here (a link, a new record, an identity, a release, a
transfer, a line set aside, a value taken from the extraction) go through a confirmation page
first; keeping a local correction, which writes nothing on the person, is one click. Each
decision leaves a line in the access log (`import.decision`), each decision page read one
(`import.examen`); a refused decision leaves `tentative.refusee`. The queue itself is a list
of people, like the other lists: it writes no line.

What an item shows (and hides of another establishment's person) is in review_items.py, the
fields of the decisions that need some in review_forms.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from insertion.audit.log import Action, record
from insertion.imports import review
from insertion.imports.models import (
    Divergence,
    DivergenceStatus,
    ImportRow,
    RowDecision,
    RowStatus,
    RunStatus,
)
from insertion.imports.review_forms import decision_form
from insertion.imports.review_items import (
    DECISION_TEXTS,
    KEEP_LOCAL,
    SECTION_OF_EVENT,
    SECTIONS,
    TAKE_SOURCE,
    divergence_item,
    may_take_source,
    row_item,
    with_person_access,
)
from insertion.imports.views import import_manager_required

PER_PAGE = 10


# --- The queue ---------------------------------------------------------------------------------


def _rows_of(user, event: str):
    return with_person_access(
        review.held_rows(user, event)
        .select_related("run", "run__establishment", "detainee", "detainee__establishment")
        .defer("raw", "run__unknown_columns", "run__counts"),
        user,
    )


def _divergences_of(user):
    line = ImportRow.objects.filter(run=OuterRef("run"), detainee=OuterRef("detainee")).order_by(
        "line"
    )
    return (
        review.open_divergences(user)
        .select_related("detainee", "detainee__establishment", "run", "run__establishment")
        .defer("run__unknown_columns", "run__counts")
        .annotate(line=Subquery(line.values("line")[:1]))
    )


def _page_links(request, key: str, page: Page) -> dict:
    def url(number: int) -> str:
        query = request.GET.copy()
        query[key] = number
        return f"?{query.urlencode()}#{key}"

    if not page.has_other_pages():
        return {}
    return {
        "first": url(1) if page.has_previous() else "",
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
        "last": url(page.paginator.num_pages) if page.has_next() else "",
    }


@require_GET
@import_manager_required
def review_queue(request):
    """The four sections, each with its count and its own page (`?rapprochements=2`…)."""
    user = request.user
    sections = []
    for section in SECTIONS:
        if section.event:
            queryset, describe = _rows_of(user, section.event), row_item
        else:
            queryset, describe = _divergences_of(user), divergence_item
        page = Paginator(queryset, PER_PAGE).get_page(request.GET.get(section.key))
        count = page.paginator.count
        # An empty section costs its count only.
        items = [describe(user, obj) for obj in page.object_list] if count else []
        sections.append(
            {
                "section": section,
                "count": count,
                "page": page,
                "items": items,
                "links": _page_links(request, section.key, page),
            }
        )
    context = {"sections": sections, "total": sum(entry["count"] for entry in sections)}
    return render(request, "imports/review.html", context)


# --- Deciding ----------------------------------------------------------------------------------


def _refused(request, obj, error: ValidationError, *, detainee_id, establishment_id) -> None:
    record(
        request=request,
        action=Action.REFUSED,
        obj=obj,
        detainee_id=detainee_id,
        establishment_id=establishment_id,
    )
    messages.error(request, " ".join(error.messages))


def _row_or_404(request, pk: int) -> ImportRow:
    rows = review.reviewable_rows(request.user).select_related(
        "run", "run__establishment", "detainee", "detainee__establishment", "decided_by"
    )
    return get_object_or_404(with_person_access(rows, request.user), pk=pk)


def _row_page(request, row: ImportRow, decision: str, form=None):
    """The row and its decisions, or the confirmation of one (`decision`), with its fields."""
    if form is None and decision:
        form = decision_form(decision, row)
    context = {
        "item": row_item(request.user, row),
        "heading": row.get_event_display(),
        "section": SECTION_OF_EVENT[row.event],
        "decision": decision,
        "text": DECISION_TEXTS.get(decision),
        "form": form,
        "run_previewed": row.run.status == RunStatus.PREVIEWED,
    }
    return render(request, "imports/review_decide.html", context)


def _success_message(request, row: ImportRow) -> None:
    if row.decision in (RowDecision.DISMISSED, RowDecision.STILL_PRESENT):
        messages.success(
            request,
            "Ligne écartée : rien n'a été écrit sur la fiche. Elle figure dans le fichier des "
            "lignes rejetées de son import.",
        )
    elif row.status == RowStatus.PENDING:
        messages.success(
            request,
            "Décision enregistrée. L'import n'est pas encore appliqué : cette ligne le sera avec "
            "les autres, quand vous cliquerez sur « Appliquer » sur la page de l'import.",
        )
    elif row.status == RowStatus.REJECTED:
        messages.warning(
            request, f"Décision enregistrée, mais la ligne ne peut pas s'appliquer : {row.message}"
        )
    else:
        messages.success(request, f"Décision enregistrée et appliquée : {row.message}")


def _decide_row(row: ImportRow, decision: str, by, form):
    data = form.cleaned_data if form is not None else {}
    if decision == RowDecision.LINK:
        return review.row_link(row=row, by=by)
    if decision == RowDecision.NEW_PERSON:
        return review.row_new_person(row=row, by=by)
    if decision == RowDecision.TAKE_IDENTITY:
        return review.row_take_identity(row=row, by=by)
    if decision == RowDecision.RELEASE:
        return review.row_confirm_release(
            row=row, by=by, on_date=data["on_date"], kind=data["kind"]
        )
    if decision == RowDecision.TRANSFER:
        return review.row_confirm_transfer(
            row=row, by=by, to_establishment=data["to_establishment"], on_date=data["on_date"]
        )
    if decision == RowDecision.STILL_PRESENT:
        return review.row_still_present(row=row, by=by, reason=data.get("reason", ""))
    return review.row_dismiss(row=row, by=by, reason=data.get("reason", ""))


@require_http_methods(["GET", "POST"])
@import_manager_required
def review_row(request, pk: int):
    """GET: the item and its decisions, or (`?decision=`) the confirmation of one, with its
    fields. POST with `decision` and `confirmer=1`: the decision is taken."""
    row = _row_or_404(request, pk)
    refusal = review.not_waiting(row, row.run)
    if refusal is not None:
        messages.info(request, " ".join(refusal.messages))
        return redirect("imports:review")
    allowed = review.DECISIONS[row.event]
    detainee_id = row.detainee_id
    establishment_id = row.run.establishment_id
    if request.method == "GET":
        decision = request.GET.get("decision")
        decision = decision if decision in allowed else ""
        record(
            request=request,
            action=Action.IMPORT_REVIEW_READ,
            obj=row,
            detainee_id=detainee_id,
            establishment_id=establishment_id,
        )
        return _row_page(request, row, decision)
    decision = request.POST.get("decision")
    if decision not in allowed:
        messages.error(request, "Choisissez une des décisions proposées pour cette ligne.")
        return redirect("imports:review_row", pk=row.pk)
    form = decision_form(decision, row, request.POST)
    if request.POST.get("confirmer") != "1" or (form is not None and not form.is_valid()):
        return _row_page(request, row, decision, form)
    try:
        decided = _decide_row(row, decision, request.user, form)
    except ValidationError as error:
        code = getattr(error, "code", None)
        if form is not None and code in form.fields:  # a date, a destination: on its field
            form.add_error(code, error)
            return _row_page(request, row, decision, form)
        _refused(request, row, error, detainee_id=detainee_id, establishment_id=establishment_id)
        if code in ("decided", "run", "superseded"):
            return redirect("imports:review")
        return redirect("imports:review_row", pk=row.pk)
    record(
        request=request,
        action=Action.IMPORT_REVIEW,
        obj=decided,
        detainee_id=decided.detainee_id or detainee_id,
        establishment_id=establishment_id,
    )
    _success_message(request, decided)
    return redirect("imports:review")


def _divergence_or_404(request, pk: int) -> Divergence:
    return get_object_or_404(
        review.reviewable_divergences(request.user)
        .select_related("detainee", "detainee__establishment", "run", "run__establishment")
        .annotate(
            line=Subquery(
                ImportRow.objects.filter(run=OuterRef("run"), detainee=OuterRef("detainee"))
                .order_by("line")
                .values("line")[:1]
            )
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
@import_manager_required
def review_divergence(request, pk: int):
    """GET: the divergence and its two decisions, or (`?decision=take_source`) the
    confirmation of taking the extraction's value. POST `decision=keep_local` (at once) or
    `decision=take_source` with `confirmer=1`."""
    divergence = _divergence_or_404(request, pk)
    person = divergence.detainee
    if divergence.status != DivergenceStatus.OPEN:
        messages.info(
            request,
            f"Cette divergence a déjà été tranchée (« {divergence.get_status_display()} »).",
        )
        return redirect("imports:review")
    allowed = [KEEP_LOCAL, TAKE_SOURCE] if may_take_source(divergence) else [KEEP_LOCAL]
    if request.method == "GET":
        decision = request.GET.get("decision")
        record(request=request, action=Action.IMPORT_REVIEW_READ, obj=divergence, person=person)
        if decision not in allowed or decision == KEEP_LOCAL:
            decision = ""  # keeping the local value needs no confirmation page
        return _divergence_page(request, divergence, decision)
    decision = request.POST.get("decision")
    if decision not in allowed:
        messages.error(request, "Choisissez une des décisions proposées pour cette divergence.")
        return redirect("imports:review_divergence", pk=divergence.pk)
    if decision == TAKE_SOURCE and request.POST.get("confirmer") != "1":
        return _divergence_page(request, divergence, decision)
    try:
        if decision == KEEP_LOCAL:
            review.divergence_keep_local(divergence=divergence, by=request.user)
        else:
            review.divergence_take_source(divergence=divergence, by=request.user)
    except ValidationError as error:
        _refused(
            request,
            divergence,
            error,
            detainee_id=person.pk,
            establishment_id=person.establishment_id,
        )
        return redirect("imports:review")
    record(request=request, action=Action.IMPORT_REVIEW, obj=divergence, person=person)
    if decision == KEEP_LOCAL:
        messages.success(
            request,
            "Correction locale gardée : les prochains imports ne la reposeront pas tant que "
            "l'extraction donne la même valeur.",
        )
    else:
        messages.success(request, "Valeur de l'extraction reprise sur la fiche.")
    return redirect("imports:review")


def _divergence_page(request, divergence: Divergence, decision: str):
    context = {
        "item": divergence_item(request.user, divergence),
        "heading": "Correction locale à examiner",
        "section": SECTION_OF_EVENT[None],
        "decision": decision,
        "text": DECISION_TEXTS.get(decision),
        "form": None,
        "run_previewed": False,
    }
    return render(request, "imports/review_decide.html", context)
