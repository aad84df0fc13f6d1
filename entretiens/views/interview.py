"""The interview page: the entry form while it is a draft, its answers once validated.

One URL serves the page and its htmx fragments (rows added or removed, autosave status); every
action also works as a plain form POST without JavaScript.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import reswap

from entretiens.forms import InterviewEntry, RectifyForm
from entretiens.models import Interview, Synthesis, SynthesisDelivery
from entretiens.services import (
    ROW_MODELS,
    EditConflict,
    interview_add_row,
    interview_missing,
    interview_rectify,
    interview_remove_row,
    interview_save_draft,
    interview_validate,
)
from entretiens.sharing import shared_content
from entretiens.summary import interview_summary, interview_timeline_events
from entretiens.timeline import events_from_data, timeline_svg, timeline_text
from entretiens.views.syntheses import is_downloadable
from insertion.accounts.policy import INTERVIEW_READERS, INTERVIEW_WRITERS, role_required
from insertion.audit.log import Action, record
from insertion.core.text import parse_id
from insertion.detainees.models import Incarceration

ROW_SECTIONS = {
    "diplomes": ("scolarite", "Diplômes et certifications", "Ajouter un diplôme"),
    "experiences": ("professionnel", "Expériences professionnelles", "Ajouter une expérience"),
    "savoir_faire": ("competences", "Savoir-faire", "Ajouter un savoir-faire"),
    "projets": ("projets", "Projets (3 au plus)", "Ajouter un projet"),
}
SECTION_NAV = [
    ("deroulement", "1. Déroulement"),
    ("scolarite", "2. Parcours scolaire et formation"),
    ("professionnel", "3. Parcours professionnel"),
    ("competences", "4. Compétences mobilisables"),
    ("projets", "5. Projets envisageables"),
    ("freins", "6. Freins"),
    ("preconisations", "7. Préconisations"),
]


def _interviews(user):
    """The interviews a user may open: writers, all of their establishments'; readers, the
    validated ones."""
    queryset = Interview.objects.select_related(
        "detainee", "establishment", "incarceration", "updated_by", "interviewer"
    )
    if user.role in INTERVIEW_WRITERS:
        return queryset.visible_to(user)
    return queryset.readable_by(user)


def _with_answers(queryset):
    return queryset.prefetch_related(
        "diplomas",
        "experiences",
        "know_hows",
        "projects",
        "soft_skills",
        "barriers",
        "orientations",
        Prefetch(
            "detainee__incarcerations",
            queryset=Incarceration.objects.select_related("establishment").order_by(
                "arrival_date", "pk"
            ),
        ),
    )


def _get(request, pk: int, *, answers: bool = True) -> Interview:
    queryset = _interviews(request.user)
    if answers:
        queryset = _with_answers(queryset)
    return get_object_or_404(queryset, pk=pk)


def _editable(request, interview: Interview) -> bool:
    return request.user.role in INTERVIEW_WRITERS and interview.is_editable


def _frise(interview: Interview) -> dict:
    today = timezone.localdate()
    events = interview_timeline_events(interview)
    return {
        "svg": timeline_svg(events, today=today, svg_id=f"frise-{interview.pk}"),
        "text": timeline_text(events, today=today),
    }


def _form_context(interview: Interview, entry: InterviewEntry, **extra) -> dict:
    rows = [
        {
            "kind": kind,
            "section": section,
            "title": title,
            "add_label": add_label,
            "forms": entry.rows[kind],
        }
        for kind, (section, title, add_label) in ROW_SECTIONS.items()
    ]
    return {
        "interview": interview,
        "detainee": interview.detainee,
        "entry": entry,
        "sections": entry.sections,
        "rows": {row["kind"]: row for row in rows},
        "section_nav": SECTION_NAV,
        "frise": _frise(interview),
        "error_count": entry.error_count() if entry.sections["deroulement"].is_bound else 0,
        "saved_at": None,
        "edit_session": uuid.uuid4().hex,
        "problem": None,
        "conflict": None,
        "row_block": None,
        **extra,
    }


def _edit_session(request) -> str:
    value = request.POST.get("edit_session", "")
    return value if value.isalnum() and len(value) <= 32 else ""


def _lock_version(request) -> int | None:
    value = request.POST.get("lock_version", "")
    return parse_id(value)


def _parse_action(request) -> tuple[str, str, int | None]:
    """`save`, `verify`, `autosave`, `add:<kind>` or `remove:<kind>:<row id>`."""
    action = request.POST.get("action", "save")
    name, _, rest = action.partition(":")
    kind, _, row = rest.partition(":")
    if name in ("add", "remove") and kind not in ROW_MODELS:
        name = "save"
    return name, kind, parse_id(row)


@role_required(INTERVIEW_WRITERS | INTERVIEW_READERS)
def interview_page(request, pk: int):
    interview = _get(request, pk)
    if not _editable(request, interview):
        if request.method == "POST":
            raise PermissionDenied("Cet entretien n'est pas modifiable.")
        return _read_only(request, interview)
    if request.method != "POST":
        _record(request, interview, Action.INTERVIEW_READ)
        entry = InterviewEntry(interview)
        context = _form_context(interview, entry)
        if interview.version:  # a rectification: the syntheses already sent stay in sight
            context.update(
                syntheses=_syntheses(request.user, interview), today=timezone.localdate()
            )
        return render(request, "entretiens/interview_form.html", context)

    action, kind, row_id = _parse_action(request)
    session = _edit_session(request)
    entry = InterviewEntry(interview, request.POST)
    problem = None
    added = None
    try:
        saved = interview_save_draft(
            interview=interview,
            by=request.user,
            lock_version=_lock_version(request),
            changes=entry.changes(),
            edit_session=session,
        )
        _record(request, interview, Action.INTERVIEW_DRAFT_SAVE)
        if action == "add":
            added = interview_add_row(
                interview=saved,
                kind=kind,
                by=request.user,
                lock_version=saved.lock_version,
                edit_session=session,
            )
        elif action == "remove" and row_id:
            interview_remove_row(
                interview=saved,
                kind=kind,
                row_id=row_id,
                by=request.user,
                lock_version=saved.lock_version,
                edit_session=session,
            )
    except EditConflict as conflict:
        return _conflict(request, interview, entry, conflict)
    except ValidationError as error:
        problem = error.messages[0]

    # Show the saved state again, keeping on screen what was typed (valid or not).
    interview = _get(request, pk)
    entry = InterviewEntry(interview, request.POST)
    if added:
        entry.focus_row(kind, added.pk)
    errors = entry.error_count()
    if request.htmx:
        return _fragment(request, interview, entry, action, kind, problem)
    if problem:
        messages.error(request, problem)
    if errors:
        context = _form_context(
            interview, entry, saved_at=timezone.localtime(), edit_session=session
        )
        return render(request, "entretiens/interview_form.html", context)
    anchor = f"ligne-{kind}-{added.pk}" if added else (ROW_SECTIONS[kind][0] if kind else "")
    if action == "verify":
        return redirect("entretiens:verify", pk=interview.pk)
    if action == "save":
        messages.success(request, f"Brouillon enregistré à {timezone.localtime():%H:%M}.")
    url = reverse("entretiens:interview", args=[interview.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _fragment(request, interview, entry, action, kind, problem):
    """htmx: the rows of one kind (after an add or a remove) or only the autosave status, with
    the new lock version, the frise and the status swapped out of band."""
    context = _form_context(
        interview,
        entry,
        saved_at=timezone.localtime(),
        problem=problem,
        edit_session=_edit_session(request),
    )
    if action in ("add", "remove"):
        context["row_block"] = context["rows"][kind]
    return render(request, "entretiens/includes/_interview_update.html", context)


def _conflict(request, interview, entry, conflict: EditConflict):
    if request.htmx:
        # htmx swaps nothing on an error status: answer 200 and swap only the warning.
        context = {"conflict": conflict.message, "interview": conflict.interview}
        response = render(request, "entretiens/includes/_interview_update.html", context)
        return reswap(response, "none")
    messages.error(request, conflict.message)
    context = _form_context(interview, entry)
    context["conflict"] = conflict.message
    # The lock version stays the one the user opened: saving again would conflict again
    # until the page is reloaded, which is what we want.
    return render(request, "entretiens/interview_form.html", context, status=409)


def _read_only(request, interview: Interview):
    """A validated interview (or, for readers, its last validated version)."""
    versions = list(interview.versions.select_related("validated_by").order_by("-number"))
    if not versions:
        raise Http404
    current = versions[0]
    writer = request.user.role in INTERVIEW_WRITERS
    _record(request, interview, Action.INTERVIEW_READ)
    content = current.content if writer else shared_content(current.content)
    today = timezone.localdate()
    events = events_from_data(content.get("timeline", []))
    context = {
        "interview": interview,
        "detainee": interview.detainee,
        "version": current,
        "versions": versions,
        "syntheses": _syntheses(request.user, interview),
        "today": today,
        "content": content,
        "frise": {
            "svg": timeline_svg(events, today=today, svg_id=f"frise-{interview.pk}"),
            "text": timeline_text(events, today=today),
        },
        "can_rectify": writer and interview.status == "valide",
        "rectify_form": RectifyForm() if writer else None,
    }
    return render(request, "entretiens/interview_read.html", context)


def _record(request, interview: Interview, action: str) -> None:
    record(
        request=request,
        action=action,
        obj=interview,
        person=interview.detainee,
        establishment_id=interview.establishment_id,
    )


def _syntheses(user, interview: Interview) -> list[Synthesis]:
    """The syntheses of every version, newest first, each with its deliveries (two queries)."""
    syntheses = list(
        Synthesis.objects.visible_to(user)
        .filter(interview=interview)
        .select_related("replaces")
        .prefetch_related(
            Prefetch("deliveries", queryset=SynthesisDelivery.objects.order_by("email", "pk"))
        )
        .order_by("-number", "-pk")
    )
    for synthesis in syntheses:
        synthesis.downloadable = is_downloadable(synthesis)
    return syntheses


@role_required(INTERVIEW_WRITERS)
def interview_verify(request, pk: int):
    interview = _get(request, pk)
    if not interview.is_editable:
        return redirect("entretiens:interview", pk=interview.pk)
    _record(request, interview, Action.INTERVIEW_READ)
    context = {
        "interview": interview,
        "detainee": interview.detainee,
        "content": interview_summary(interview),
        "missing": interview_missing(interview),
        "frise": _frise(interview),
    }
    return render(request, "entretiens/interview_verify.html", context)


@require_POST
@role_required(INTERVIEW_WRITERS)
def interview_validate_view(request, pk: int):
    interview = _get(request, pk, answers=False)
    try:
        version = interview_validate(
            interview=interview, by=request.user, lock_version=_lock_version(request)
        )
    except EditConflict as conflict:
        messages.error(request, conflict.message)
        return redirect("entretiens:verify", pk=interview.pk)
    except ValidationError as error:
        if len(error.messages) > 1 or getattr(error, "code", None) == "incomplete":
            messages.error(
                request, "L'entretien ne peut pas encore être validé : complétez ce qui manque."
            )
        else:
            messages.error(request, error.messages[0])
        return redirect("entretiens:verify", pk=interview.pk)
    _record(request, interview, Action.INTERVIEW_VALIDATE)
    messages.success(
        request,
        f"Entretien validé (version {version.number}). La synthèse sera transmise aux équipes "
        "de l'établissement.",
    )
    return redirect("entretiens:interview", pk=interview.pk)


@role_required(INTERVIEW_WRITERS)
def interview_rectify_view(request, pk: int):
    interview = _get(request, pk, answers=False)
    form = RectifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            interview_rectify(
                interview=interview, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("entretiens:interview", pk=interview.pk)
        _record(request, interview, Action.INTERVIEW_RECTIFY)
        messages.info(
            request,
            "L'entretien est rouvert pour rectification. Validez-le de nouveau une fois corrigé : "
            "une nouvelle version sera créée.",
        )
        return redirect("entretiens:interview", pk=interview.pk)
    if interview.status != "valide":
        return redirect("entretiens:interview", pk=interview.pk)
    if request.method != "POST":  # sent back with its errors: a refused attempt
        _record(request, interview, Action.INTERVIEW_READ)
    return render(
        request,
        "entretiens/interview_rectify.html",
        {"interview": interview, "detainee": interview.detainee, "form": form},
    )
