"""The import pages (/imports/): send an extraction file, read its preview, apply it while a
progress bar follows the worker, read the report and download the rejected rows.

Managers of the establishment and administrators only. Every run is fetched through
`ImportRun.objects.visible_to(user)`: another prison's run answers 404. The state lives in the
database (the run's status and counters), so every page survives a reload.
"""

import csv
import tempfile
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from insertion.accounts.models import Role
from insertion.accounts.policy import has_role
from insertion.audit.log import Action, record
from insertion.core.lists import page_of, page_or_fragment
from insertion.core.spreadsheet import safe_cell
from insertion.imports import contract
from insertion.imports.applying import ClosingNotConfirmed, closing_needs_confirmation
from insertion.imports.forms import ApplyForm, RowFilterForm, UploadForm
from insertion.imports.models import ImportRun, RowEvent, RowStatus, RunSource, RunStatus
from insertion.imports.runs import receive_file
from insertion.imports.tasks import enqueue_apply

IMPORT_MANAGERS = frozenset({Role.MANAGER})
RUNS_PER_PAGE = 25
ROWS_PER_PAGE = 50
UPLOAD_CHUNK = 1024 * 1024

# The plural of each event's label, for the preview's sentence (« 12 arrivées, 3 … »).
EVENT_PLURALS = {
    RowEvent.ARRIVAL: "arrivées",
    RowEvent.TRANSFER_IN: "transferts entrants",
    RowEvent.TRANSFER_OUT: "transferts sortants",
    RowEvent.RELEASE: "libérations",
    RowEvent.DEPARTURE: "départs constatés",
    RowEvent.RELEASE_DATE: "DLP modifiées",
    RowEvent.ARRANGEMENT: "aménagements de peine",
    RowEvent.IDENTITY: "identités mises à jour",
    RowEvent.UNCHANGED: "sans changement",
    RowEvent.CONFLICT: "conflits d'identité",
    RowEvent.LINK: "rapprochements à confirmer",
    RowEvent.ERROR: "lignes en erreur",
}
CONTRACT_ORDER = {
    kind: tuple(column.name for column in columns) for kind, columns in contract.COLUMNS.items()
}


def import_manager_required(view):
    """Managers and administrators (superusers, who have no role): 403 for every other role.
    Anonymous users never get here (the login middleware sends them to the login page)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and (user.is_superuser or has_role(user, IMPORT_MANAGERS))):
            raise PermissionDenied("Votre rôle ne donne pas accès aux imports.")
        return view(request, *args, **kwargs)

    return wrapped


def _event_label(event: str, count: int) -> str:
    if count > 1:
        return EVENT_PLURALS.get(event, event)
    label = RowEvent(event).label if event in RowEvent.values else event
    return label if label.startswith("DLP") else label[:1].lower() + label[1:]


def counts_in_words(counts: dict) -> str:
    """« 12 arrivées, 3 transferts entrants et 4 lignes en erreur », in the order of the events;
    the events with no row are left out."""
    parts = [
        f"{counts[event]} {_event_label(event, counts[event])}"
        for event in RowEvent.values
        if counts.get(event)
    ]
    if not parts:
        return "aucune ligne"
    if len(parts) == 1:
        return parts[0]
    return f"{', '.join(parts[:-1])} et {parts[-1]}"


def _runs(user):
    return (
        ImportRun.objects.visible_to(user)
        .select_related("establishment", "created_by")
        .order_by("-created_at", "-pk")
    )


def _run_or_404(request, pk: int) -> ImportRun:
    return get_object_or_404(
        ImportRun.objects.visible_to(request.user).select_related(
            "establishment", "created_by", "applied_by"
        ),
        pk=pk,
    )


def _list_page(request, form: UploadForm, *, status: int = 200):
    page_obj = page_of(request, _runs(request.user), per_page=RUNS_PER_PAGE)
    for run in page_obj.object_list:
        run.summary = counts_in_words(run.counts) if run.counts else ""
    context = {"form": form, "page_obj": page_obj}
    return render(request, "imports/list.html", context, status=status)


@require_GET
@import_manager_required
def run_list(request):
    return _list_page(request, UploadForm())


def _store_upload(uploaded) -> Path:
    """The uploaded file in a temporary file of its own, written in chunks (never read whole
    into memory); the caller removes it."""
    suffix = Path(uploaded.name).suffix.lower()[:10]
    with tempfile.NamedTemporaryFile(prefix="extraction-", suffix=suffix, delete=False) as out:
        for chunk in uploaded.chunks(UPLOAD_CHUNK):
            out.write(chunk)
    return Path(out.name)


@require_POST
@import_manager_required
def run_upload(request):
    """Receive the file: the run page of its preview, of its refusal, or of the earlier run of
    the same file (nothing changes then)."""
    user = request.user
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    uploaded = form.cleaned_data["file"]
    path = _store_upload(uploaded)
    try:
        before = timezone.now()
        run = receive_file(
            path=path,
            filename=uploaded.name,
            source=RunSource.UPLOAD,
            by=user,
            allowed=None if user.is_superuser else user.establishment_ids,
        )
    finally:
        path.unlink(missing_ok=True)
    record(
        request=request,
        action=Action.IMPORT_RUN,
        obj=run,
        establishment_id=run.establishment_id,
    )
    if run.created_at < before:
        messages.info(
            request,
            "Ce fichier a déjà été importé : voici le résultat de son import, rien n'a été "
            "modifié.",
        )
    elif run.status == RunStatus.REFUSED:
        messages.error(request, f"Le fichier a été refusé. {run.refusal}")
    else:
        messages.success(request, "Le fichier a été lu : vérifiez l'aperçu avant de l'appliquer.")
    if not ImportRun.objects.visible_to(user).filter(pk=run.pk).exists():
        # A file refused before its establishment was known, or another prison's run.
        return redirect("imports:list")
    return redirect("imports:run", pk=run.pk)


def _rows_page(request, run: ImportRun):
    filters = RowFilterForm(request.GET)
    rows = filters.filter(run.rows.defer("raw").order_by("line", "pk"))
    page_obj = page_of(request, rows, per_page=ROWS_PER_PAGE)
    for row in page_obj.object_list:
        values = row.values or {}
        row.person_name = " ".join(str(values[key]) for key in ("nom", "prenom") if values.get(key))
        row.shown_id = row.national_id or str(values.get("identifiant_national") or "")
    return filters, page_obj


def _run_context(request, run: ImportRun, *, apply_form: ApplyForm | None = None) -> dict:
    needs_confirmation = closing_needs_confirmation(run)
    filters, page_obj = _rows_page(request, run)
    by_status = dict(
        run.rows.order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return {
        "run": run,
        "summary": counts_in_words(run.counts),
        "needs_confirmation": needs_confirmation,
        "closes_percent": round(run.closes_share * 100, 1),
        "apply_form": apply_form or ApplyForm(needs_confirmation=needs_confirmation),
        "filters": filters,
        "page_obj": page_obj,
        "rejected_count": by_status.get(RowStatus.REJECTED, 0),
        "held_count": by_status.get(RowStatus.HELD, 0),
        "progress": _progress(run),
        "purged_notice": purged_sentence(run) if run.purged_at else "",
    }


def purged_sentence(run: ImportRun) -> str:
    """What the run page says of a run the retention job has emptied (`purged_at`)."""
    when = date_format(timezone.localtime(run.purged_at), "j F Y")
    days = settings.IMPORT_FILE_RETENTION_DAYS
    return (
        f"Le fichier et les cellules lues ont été effacés le {when} (conservation de {days} "
        "jours après la fin de l'import) : les décomptes et les résultats restent."
    )


def _progress(run: ImportRun) -> dict:
    total = run.rows_total
    percent = min(100, int(run.rows_done * 100 / total)) if total else 0
    return {"done": run.rows_done, "total": total, "percent": percent}


@require_GET
@import_manager_required
def run_detail(request, pk: int):
    run = _run_or_404(request, pk)
    context = _run_context(request, run)
    record(
        request=request, action=Action.IMPORT_READ, obj=run, establishment_id=run.establishment_id
    )
    return page_or_fragment(request, "imports/run.html", context, fragment="rows")


@require_GET
@import_manager_required
def run_progress(request, pk: int):
    """The progress bar, polled every 2 s by the run page while the run is applied; once done it
    stops polling and points to the report."""
    run = _run_or_404(request, pk)
    return render(
        request,
        "imports/includes/_progress.html",
        {"run": run, "progress": _progress(run), "polled": True},
    )


@require_POST
@import_manager_required
def run_apply(request, pk: int):
    """Apply the previewed run in the background. The button's `appliquer` must be sent (an
    empty POST applies nothing); the closures' checkbox when the snapshot closes many stays."""
    user = request.user
    if request.POST.get("appliquer") != "1":
        messages.error(request, "Utilisez le bouton « Appliquer » de la page de l'import.")
        return redirect("imports:run", pk=_run_or_404(request, pk).pk)
    with transaction.atomic():
        # Locked: two clicks (or two managers) on the same run apply it once.
        run = get_object_or_404(ImportRun.objects.visible_to(user).select_for_update(), pk=pk)
        form = ApplyForm(request.POST, needs_confirmation=closing_needs_confirmation(run))
        if form.is_valid():
            if form.cleaned_data["confirm_closing"] and not run.closing_confirmed:
                run.closing_confirmed = True
                run.save(update_fields=["closing_confirmed"])
            try:
                enqueue_apply(run=run, by=user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("imports:run", pk=run.pk)
            except ClosingNotConfirmed:
                form.add_error(
                    "confirm_closing", "Cochez la case pour confirmer ces fermetures de séjour."
                )
            else:
                record(
                    request=request,
                    action=Action.IMPORT_APPLY,
                    obj=run,
                    establishment_id=run.establishment_id,
                )
                messages.success(
                    request, "L'application a commencé : suivez sa progression sur cette page."
                )
                return redirect("imports:run", pk=run.pk)
    run = _run_or_404(request, pk)
    return render(
        request, "imports/run.html", _run_context(request, run, apply_form=form), status=400
    )


@import_manager_required
def run_cancel(request, pk: int):
    """GET: the confirmation page; POST with `confirmer`: the run is abandoned (from the preview
    only: an applied or running import cannot be undone this way)."""
    run = _run_or_404(request, pk)
    if run.status != RunStatus.PREVIEWED:
        messages.error(
            request, "Cet import ne peut plus être abandonné : il a déjà été lancé ou abandonné."
        )
        return redirect("imports:run", pk=run.pk)
    if request.method == "POST" and request.POST.get("confirmer") == "1":
        cancelled = ImportRun.objects.filter(pk=run.pk, status=RunStatus.PREVIEWED).update(
            status=RunStatus.CANCELLED, finished_at=timezone.now()
        )
        if cancelled:
            record(
                request=request,
                action=Action.IMPORT_CANCEL,
                obj=run,
                establishment_id=run.establishment_id,
            )
            messages.success(request, "L'import a été abandonné : rien n'a été modifié.")
        else:
            messages.error(
                request, "Cet import vient d'être lancé : il ne peut plus être abandonné."
            )
        return redirect("imports:run", pk=run.pk)
    return render(request, "imports/cancel.html", {"run": run})


@require_GET
@import_manager_required
def run_rejected(request, pk: int):
    """The rejected rows as the file had them, to correct and send again: « ligne », the cells
    under their column names, « motif ». French spreadsheets open it as it is (";", UTF-8 with
    its BOM). Access-logged: it carries personal data out of the application.

    Once the retention job has erased the file and the cells read (`purged_at`), there is
    nothing left to send again: back to the run page, which says when and why, rather than an
    empty file."""
    run = _run_or_404(request, pk)
    if run.purged_at:
        messages.info(
            request,
            "Le fichier des lignes rejetées n'est plus disponible : le fichier importé et les "
            "cellules lues ont été effacés à la fin de leur durée de conservation.",
        )
        return redirect("imports:run", pk=run.pk)
    rows = list(
        run.rows.filter(status=RowStatus.REJECTED)
        .order_by("line", "pk")
        .values_list("line", "raw", "message")
    )
    # The contract's order (the database keeps no order of the keys), then any other name.
    present = {name for _, raw, _ in rows for name in (raw or {})}
    columns = [name for name in CONTRACT_ORDER.get(run.kind, ()) if name in present]
    columns += sorted(present.difference(columns))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejets-import-{run.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(["ligne", *columns, "motif"])
    for line, raw, message in rows:
        raw = raw or {}
        writer.writerow(
            [line or "", *(safe_cell(raw.get(name, "")) for name in columns), safe_cell(message)]
        )
    record(
        request=request, action=Action.IMPORT_REPORT, obj=run, establishment_id=run.establishment_id
    )
    return response
