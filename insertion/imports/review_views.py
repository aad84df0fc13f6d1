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
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods
from dsfr.forms import DsfrBaseForm

from insertion.accounts.policy import PERSON_READERS, has_role
from insertion.audit.log import Action, record
from insertion.core.text import normalize_search
from insertion.detainees.models import ReleaseKind
from insertion.imports import contract, review
from insertion.imports.models import (
    Divergence,
    DivergenceStatus,
    ImportRow,
    RowDecision,
    RowEvent,
    RowStatus,
    RunStatus,
)
from insertion.imports.views import import_manager_required

PER_PAGE = 10
REQUIRED = "Ce champ est obligatoire."
DATE_INVALID = "Saisissez une date valide, par exemple 12/03/2026."


@dataclasses.dataclass(frozen=True)
class Section:
    key: str  # the anchor and the page parameter
    title: str
    hint: str
    empty: str
    event: str | None  # None: the divergences


SECTIONS = (
    Section(
        "rapprochements",
        "Rapprochements à confirmer",
        "Une ligne de l'extraction porte l'identité d'une personne saisie à la main, sans "
        "identifiant national : est-ce la même personne ?",
        "Aucune personne saisie à la main n'attend d'être rattachée à l'extraction.",
        RowEvent.LINK,
    ),
    Section(
        "conflits",
        "Conflits d'identité",
        "L'identifiant national est connu, mais le nom, le prénom ou la date de naissance "
        "diffèrent : rien n'a été mis à jour.",
        "Aucun conflit d'identité à examiner.",
        RowEvent.CONFLICT,
    ),
    Section(
        "departs",
        "Départs à confirmer",
        "Personnes absentes de l'extraction « Présents à date » avant leur DLP : transfert, "
        "libération, ou oubli de l'extraction ?",
        "Aucun départ à confirmer.",
        RowEvent.DEPARTURE,
    ),
    Section(
        "divergences",
        "Corrections locales",
        "Une valeur corrigée à la main diffère de celle de l'extraction : l'import ne l'a pas "
        "écrasée.",
        "Aucune correction locale n'attend de décision.",
        None,
    ),
)
SECTION_OF_EVENT = {section.event: section for section in SECTIONS}


@dataclasses.dataclass(frozen=True)
class DecisionText:
    """What a person reads of a decision: its button, the confirmation's button, what it does,
    and (`previewed`) what happens when the run is not applied yet."""

    label: str
    confirm: str
    effect: str
    previewed: str = ""


LATER = (
    "Cet import n'est pas encore appliqué : la décision est enregistrée tout de suite, son "
    "effet aura lieu quand l'import sera appliqué."
)
KEEP_LOCAL = "keep_local"
TAKE_SOURCE = "take_source"
DECISION_TEXTS = {
    RowDecision.LINK: DecisionText(
        "Même personne : rattacher",
        "Rattacher à cette fiche",
        "La fiche saisie à la main reçoit l'identifiant national de l'extraction : les "
        "prochains imports la tiendront à jour. La ligne est ensuite appliquée à cette fiche "
        "(mise à jour, transfert ou nouvelle incarcération, selon l'extraction). Le "
        "rattachement ne s'annule pas depuis cette page.",
        "Cet import n'est pas encore appliqué : l'identifiant est donné à la fiche tout de "
        "suite, le reste de la ligne sera appliqué avec l'import.",
    ),
    RowDecision.NEW_PERSON: DecisionText(
        "Personne différente : créer une fiche",
        "Créer une nouvelle fiche",
        "Une nouvelle fiche est créée avec l'identité de l'extraction (un entretien est dû "
        "selon la date de déploiement) ; la fiche saisie à la main reste telle quelle. "
        "Vérifiez qu'il s'agit bien de deux personnes différentes.",
        LATER,
    ),
    RowDecision.TAKE_IDENTITY: DecisionText(
        "Reprendre l'identité de l'extraction",
        "Reprendre l'identité",
        "Le nom, le prénom et la date de naissance de la fiche sont remplacés par ceux de "
        "l'extraction, puis la ligne est appliquée. L'identité actuelle n'est pas conservée.",
        "Cet import n'est pas encore appliqué : l'identité est reprise tout de suite, le reste "
        "de la ligne sera appliqué avec l'import.",
    ),
    RowDecision.RELEASE: DecisionText(
        "Confirmer la libération",
        "Confirmer la libération",
        "La libération ferme le séjour, clôt le plan de préparation à la sortie et déclare non "
        "réalisé l'entretien encore dû ; la personne quitte la liste des personnes présentes. "
        "Elle ne s'annule pas depuis cette page.",
        LATER,
    ),
    RowDecision.TRANSFER: DecisionText(
        "Confirmer le transfert",
        "Confirmer le transfert",
        "Le séjour dans l'établissement est fermé et un séjour est ouvert dans l'établissement "
        "de destination, qui voit désormais la personne ; le CPIP référent est retiré et un "
        "entretien y est dû. Le transfert ne s'annule pas depuis cette page.",
        LATER,
    ),
    RowDecision.STILL_PRESENT: DecisionText(
        "La personne est toujours présente",
        "Écarter ce départ",
        "Le départ n'est pas enregistré : la ligne est écartée et figure dans le fichier des "
        "lignes rejetées de l'import. Si la personne manque encore à la prochaine extraction, "
        "la question sera posée de nouveau.",
    ),
    RowDecision.DISMISSED: DecisionText(
        "Écarter la ligne",
        "Écarter la ligne",
        "Rien n'est écrit sur les fiches : la ligne est écartée et figure dans le fichier des "
        "lignes rejetées de l'import, à corriger et renvoyer si besoin.",
    ),
    KEEP_LOCAL: DecisionText(
        "Garder la correction locale",
        "Garder la correction locale",
        "Rien n'est écrit sur la fiche. Les prochains imports ne reposent pas la question tant "
        "que l'extraction donne la même valeur.",
    ),
    TAKE_SOURCE: DecisionText(
        "Reprendre la valeur de l'extraction",
        "Reprendre la valeur de l'extraction",
        "La valeur de l'extraction remplace la correction locale sur la fiche ; pour la DLP, "
        "le changement passe par le service habituel : l'historique garde l'ancienne date et "
        "le plan de sortie suit la nouvelle.",
    ),
}
BUTTON_STYLES = ("fr-btn", "fr-btn fr-btn--secondary", "fr-btn fr-btn--tertiary")

COLUMNS = {column.name: column for columns in contract.COLUMNS.values() for column in columns}


# --- Forms -------------------------------------------------------------------------------------


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": REQUIRED, "invalid": DATE_INVALID},
    )


class ReleaseDecisionForm(DsfrBaseForm):
    on_date = _date_field("Date de la libération")
    kind = forms.ChoiceField(
        label="Type de sortie",
        choices=ReleaseKind.choices,
        error_messages={
            "required": "Choisissez le type de sortie.",
            "invalid_choice": "Choisissez un type de sortie de la liste.",
        },
    )

    def clean_on_date(self):
        day = self.cleaned_data["on_date"]
        if day > timezone.localdate():
            raise ValidationError("La date de la libération ne peut pas être dans le futur.")
        return day


class TransferDecisionForm(DsfrBaseForm):
    to_establishment = forms.ModelChoiceField(
        label="Établissement de destination",
        queryset=None,
        empty_label="Choisir l'établissement",
        error_messages={
            "required": "Choisissez l'établissement de destination.",
            "invalid_choice": "Choisissez un établissement de la liste.",
        },
    )
    on_date = _date_field("Date du transfert")

    def __init__(self, *args, destinations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_establishment"].queryset = destinations

    def clean_on_date(self):
        day = self.cleaned_data["on_date"]
        if day > timezone.localdate():
            raise ValidationError("La date du transfert ne peut pas être dans le futur.")
        return day


class ReasonForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Motif (facultatif)",
        help_text="Une phrase : elle accompagne la ligne dans le fichier des lignes rejetées.",
        required=False,
        max_length=review.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": f"Le motif tient en {review.REASON_MAX_LENGTH} caractères au plus."
        },
    )


def _decision_form(decision: str, row: ImportRow, data=None):
    """The fields a decision needs (None when it needs none), with the defaults proposed."""
    if decision == RowDecision.RELEASE:
        defaults = review.departure_defaults(row)
        return ReleaseDecisionForm(
            data,
            initial={"on_date": defaults.on_date, "kind": defaults.kind},
            auto_id="decision-%s",
        )
    if decision == RowDecision.TRANSFER:
        return TransferDecisionForm(
            data,
            initial={"on_date": review.departure_defaults(row).on_date},
            destinations=review.transfer_destinations(row),
            auto_id="decision-%s",
        )
    if decision in (RowDecision.DISMISSED, RowDecision.STILL_PRESENT):
        return ReasonForm(data, auto_id="decision-%s")
    return None


# --- What an item shows ------------------------------------------------------------------------


@dataclasses.dataclass
class Compared:
    label: str
    source: str
    local: str
    differs: bool = False


@dataclasses.dataclass
class Choice:
    label: str
    url: str
    style: str
    post_value: str = ""  # sent at once by a form (no confirmation): the decision's value


@dataclasses.dataclass
class Item:
    kind: str  # "row" or "divergence"
    pk: int
    title: str
    person_name: str
    ecrou: str
    establishment: str
    person_url: str
    run: object
    run_label: str
    line: int | None
    note: str
    compared: list
    actions: list
    url: str


def _day(value) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return date_format(value, "j F Y")


def _shown(column: str, value) -> str:
    """A value of the file as a person reads it: dates in words, choices by their label."""
    if value in (None, ""):
        return "—"
    spec = COLUMNS.get(column)
    if spec is not None and spec.kind == contract.DATE:
        return _day(value)
    if spec is not None and spec.choices:
        return spec.choices.get(value, str(value))
    return str(value)


def _differs(source: str, local: str) -> bool:
    if source == "—" or local == "—":
        return source != local and source != "—"
    return normalize_search(source) != normalize_search(local)


def _person_url(user, detainee) -> str:
    """The person page when the user may open it (managers of the person's establishment),
    the back-office record for an administrator; nothing otherwise."""
    if detainee is None or detainee.anonymised_on:
        return ""
    if has_role(user, PERSON_READERS) and detainee.establishment_id in user.establishment_ids:
        return reverse("person:detail", args=[detainee.pk])
    if user.is_superuser and user.is_staff:
        return reverse("admin:detainees_detainee_change", args=[detainee.pk])
    return ""


def _run_label(run) -> str:
    when = _day(timezone.localtime(run.extracted_at).date()) if run.extracted_at else "—"
    return f"Extraction du {when} ({run.filename})"


def _row_comparison(row: ImportRow) -> list[Compared]:
    values = row.values or {}
    person = row.detainee
    run = row.run
    if row.event == RowEvent.DEPARTURE:
        return _departure_comparison(row)
    lines = []
    if values.get("type_mouvement"):
        movement = _shown("type_mouvement", values["type_mouvement"])
        lines.append(
            Compared(
                "Mouvement",
                f"{movement} le {_shown('date_mouvement', values.get('date_mouvement'))}",
                "—",
            )
        )
    local = {
        "identifiant_national": (person.national_id or "Aucun (fiche saisie à la main)")
        if person
        else "—",
        "nom": person.last_name if person else "—",
        "prenom": person.first_name if person else "—",
        "date_naissance": _day(person.birth_date) if person else "—",
        "numero_ecrou": person.ecrou_number if person else "—",
        "statut": person.get_legal_status_display() if person else "—",
        "dlp": _day(person.expected_release_date) if person else "—",
    }
    for column in ("identifiant_national", "nom", "prenom", "date_naissance", "numero_ecrou"):
        source = _shown(column, values.get(column))
        lines.append(Compared(COLUMNS[column].label, source, local[column]))
    lines.append(
        Compared(
            "Établissement",
            run.establishment.name if run.establishment else "—",
            person.establishment.name if person else "—",
        )
    )
    for column in ("statut", "dlp"):
        if column in values:
            lines.append(
                Compared(COLUMNS[column].label, _shown(column, values.get(column)), local[column])
            )
    identifier = COLUMNS["identifiant_national"].label
    for line in lines:
        # A proposed link is to a record without identifier: that is the question, not a
        # difference to point at.
        line.differs = _differs(line.source, line.local) and not (
            row.event == RowEvent.LINK and line.label == identifier
        )
    return lines


def _departure_comparison(row: ImportRow) -> list[Compared]:
    person = row.detainee
    when = _day(timezone.localtime(row.run.extracted_at).date()) if row.run.extracted_at else "—"
    if person is None:
        return [Compared("Présence", f"Absente de l'extraction du {when}", "Fiche supprimée")]
    here = (
        f"Libérée le {_day(person.release_date)}"
        if person.release_date
        else f"Présente depuis le {_day(person.arrival_date)}"
    )
    return [
        Compared("Présence", f"Absente de l'extraction du {when}", here, differs=True),
        Compared("Établissement", "—", person.establishment.name),
        Compared("N° d'écrou", "—", person.ecrou_number),
        Compared("DLP", "—", _day(person.expected_release_date)),
    ]


def _row_actions(row: ImportRow) -> list[Choice]:
    url = reverse("imports:review_row", args=[row.pk])
    return [
        Choice(DECISION_TEXTS[decision].label, f"{url}?{urlencode({'decision': decision})}", style)
        for decision, style in zip(review.DECISIONS[row.event], BUTTON_STYLES, strict=False)
    ]


def _row_item(user, row: ImportRow) -> Item:
    person = row.detainee
    values = row.values or {}
    if person is not None:
        name, ecrou = person.full_name, person.ecrou_number
        establishment = person.establishment.name
    else:
        name = " ".join(str(values[key]) for key in ("nom", "prenom") if values.get(key))
        ecrou = str(values.get("numero_ecrou") or "—")
        establishment = row.run.establishment.name if row.run.establishment else "—"
    return Item(
        kind="row",
        pk=row.pk,
        title=row.get_event_display(),
        person_name=name or "Personne sans nom",
        ecrou=ecrou,
        establishment=establishment,
        person_url=_person_url(user, person),
        run=row.run,
        run_label=_run_label(row.run),
        line=row.line,
        note=row.message,
        compared=_row_comparison(row),
        actions=_row_actions(row),
        url=reverse("imports:review_row", args=[row.pk]),
    )


def _divergence_value(field: str, value: str) -> str:
    if field == "dlp":
        return _day(value) if value else "Aucune DLP"
    return _shown(field, value)


def _divergence_item(user, divergence: Divergence) -> Item:
    person = divergence.detainee
    column = COLUMNS.get(divergence.field)
    label = column.label if column else divergence.field
    url = reverse("imports:review_divergence", args=[divergence.pk])
    actions = [Choice(DECISION_TEXTS[KEEP_LOCAL].label, url, "fr-btn", post_value=KEEP_LOCAL)]
    if may_take_source(divergence):
        actions.append(
            Choice(
                DECISION_TEXTS[TAKE_SOURCE].label,
                f"{url}?{urlencode({'decision': TAKE_SOURCE})}",
                "fr-btn fr-btn--secondary",
            )
        )
    changed_by = divergence.local_changed_by
    return Item(
        kind="divergence",
        pk=divergence.pk,
        title=label,
        person_name=person.full_name,
        ecrou=person.ecrou_number,
        establishment=person.establishment.name,
        person_url=_person_url(user, person),
        run=divergence.run,
        run_label=_run_label(divergence.run),
        line=getattr(divergence, "line", None),
        note=f"Corrigée à la main par {changed_by}." if changed_by else "",
        compared=[
            Compared(
                label,
                _divergence_value(divergence.field, divergence.source_value),
                _divergence_value(divergence.field, divergence.local_value),
                differs=True,
            )
        ],
        actions=actions,
        url=url,
    )


def may_take_source(divergence: Divergence) -> bool:
    """A DLP that the extraction no longer gives is not erased from an import."""
    return not (divergence.field == "dlp" and not divergence.source_value)


# --- The queue ---------------------------------------------------------------------------------


def _rows_of(user, event: str):
    return (
        review.held_rows(user, event)
        .select_related("run", "run__establishment", "detainee", "detainee__establishment")
        .defer("raw", "run__unknown_columns", "run__counts")
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
            queryset, describe = _rows_of(user, section.event), _row_item
        else:
            queryset, describe = _divergences_of(user), _divergence_item
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
    return get_object_or_404(
        review.reviewable_rows(request.user).select_related(
            "run", "run__establishment", "detainee", "detainee__establishment", "decided_by"
        ),
        pk=pk,
    )


def _row_page(request, row: ImportRow, decision: str, form=None):
    """The row and its decisions, or the confirmation of one (`decision`), with its fields."""
    if form is None and decision:
        form = _decision_form(decision, row)
    context = {
        "item": _row_item(request.user, row),
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
    form = _decision_form(decision, row, request.POST)
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
        "item": _divergence_item(request.user, divergence),
        "heading": "Correction locale à examiner",
        "section": SECTION_OF_EVENT[None],
        "decision": decision,
        "text": DECISION_TEXTS.get(decision),
        "form": None,
        "run_previewed": False,
    }
    return render(request, "imports/review_decide.html", context)
