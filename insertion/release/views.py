"""The release preparation on the person page: what the plan readers see (`plan_context`, called
by the person page) and the actions of the CPIP referent.

Every action is a POST to its own URL, fetches its object through a scoped queryset (another
prison's person or milestone answers 404), checks `may_edit_plan` (403 otherwise) and calls one
service. With htmx the answer is the fragment to swap (a milestone row and, out of band, the
progress; the whole plan after an addition or a move; the contacts); without JavaScript the POST
redirects to the person page, on the anchor of what changed, with a French message. A form with
errors comes back with its messages next to its fields and what was typed: in place with htmx,
on a small page of its own without.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from entretiens.models import InterviewVersion, Synthesis
from insertion.accounts.policy import (
    PLAN_READERS,
    may_edit_plan,
    may_record_release,
    role_required,
)
from insertion.audit.log import Action, record
from insertion.detainees.models import Detainee, ReleaseKind
from insertion.detainees.services import contact_record, detainee_release
from insertion.release import frise
from insertion.release.forms import (
    ContactForm,
    MilestoneAddForm,
    MilestoneEditForm,
    MilestoneNoteForm,
    MilestoneStatusForm,
    ReleaseForm,
)
from insertion.release.models import (
    CRITICAL_CATEGORIES,
    Milestone,
    MilestoneChange,
    MilestoneNote,
    MilestoneStatus,
    ReleaseAlert,
)
from insertion.release.readiness import DRY_RISK_DAYS
from insertion.release.services import (
    milestone_add,
    milestone_add_note,
    milestone_move,
    milestone_set_status,
    milestone_update,
    release_alert_mark_seen,
)

PLAN_TEMPLATE = "release/includes/_plan.html"
# The statuses a click sets; "sans objet" asks for its reason first.
ONE_CLICK_STATUSES = [
    (status.value, status.label)
    for status in (
        MilestoneStatus.TO_DO,
        MilestoneStatus.IN_PROGRESS,
        MilestoneStatus.DONE,
        MilestoneStatus.BLOCKED,
    )
]
STATUS_BADGES = {
    MilestoneStatus.TO_DO: "",
    MilestoneStatus.IN_PROGRESS: "fr-badge--info",
    MilestoneStatus.DONE: "fr-badge--success",
    MilestoneStatus.BLOCKED: "fr-badge--error",
    MilestoneStatus.NOT_APPLICABLE: "fr-badge--no-icon",
}
CONTACTS_SHOWN = 10


# --- Reading ------------------------------------------------------------------------------------


@dataclass
class Bound:
    """A form sent with errors, shown again in place of the blank one."""

    name: str  # "status", "edit", "note" (a row's) or "add" (the plan's)
    form: object
    milestone_pk: int | None = None


def plan_milestones(plan) -> list[Milestone]:
    """The plan's milestones in their order, with their notes and status history (3 queries)."""
    if plan is None:
        return []
    return list(
        plan.milestones.prefetch_related(
            Prefetch(
                "notes", queryset=MilestoneNote.objects.select_related("by").order_by("at", "pk")
            ),
            Prefetch(
                "changes",
                queryset=MilestoneChange.objects.select_related("by").order_by("at", "pk"),
            ),
        ).order_by("position", "pk")
    )


def _milestone_forms(milestone: Milestone, bound: Bound | None) -> dict:
    prefix = f"jalon-{milestone.pk}-%s"
    forms = {
        "status": MilestoneStatusForm(
            auto_id=prefix, initial={"status": MilestoneStatus.NOT_APPLICABLE}
        ),
        "edit": MilestoneEditForm(
            auto_id=prefix,
            initial={"target_date": milestone.target_date, "owner": milestone.owner},
        ),
        "note": MilestoneNoteForm(auto_id=prefix),
    }
    if bound is not None and bound.milestone_pk == milestone.pk:
        forms[bound.name] = bound.form
    return forms


def _decorate(milestones: list[Milestone], *, today, editable: bool, bound: Bound | None = None):
    """What the rows show beyond the model: lateness in days, first/last, the forms."""
    last = len(milestones) - 1
    # The notes' collapse gets a new id at each rendering: htmx copies the attributes of an
    # element to the one with the same id that replaces it, and the DSFR writes a style on an
    # open collapse, which the CSP forbids to set again.
    rendering = secrets.token_hex(4)
    for index, milestone in enumerate(milestones):
        milestone.collapse_id = f"jalon-{milestone.pk}-suivi-{rendering}"
        milestone.late_days = (
            (today - milestone.target_date).days if milestone.is_late(today) else 0
        )
        milestone.is_first, milestone.is_last = index == 0, index == last
        milestone.badge_class = STATUS_BADGES[milestone.status]
        milestone.note_list = list(milestone.notes.all())
        milestone.change_list = list(milestone.changes.all())
        if editable:
            milestone.forms = _milestone_forms(milestone, bound)
    return milestones


def progress_context(detainee, plan, milestones: list[Milestone], today) -> dict:
    """The progress block: readiness, dry-release risk and its reasons, days left to the DLP.

    The readiness figures and the risk are the SQL annotations of `with_readiness` (one rule,
    readiness.py); the reasons name the milestones behind `critical_open`."""
    progress = {"plan": plan, "today": today}
    dlp = detainee.expected_release_date
    if plan is not None and not plan.is_open:
        progress.update(
            closed=True,
            essential_done=plan.final_essential_done,
            essential_total=plan.final_essential_total,
            late_count=plan.final_late,
            release_kind_label=ReleaseKind(plan.final_release_kind).label
            if plan.final_release_kind in ReleaseKind.values
            else plan.final_release_kind,
        )
        return progress
    reasons = []
    if detainee.dry_risk:
        reasons = [
            f"« {m.label} » n'est pas fait"
            for m in milestones
            if m.essential
            and m.category in CRITICAL_CATEGORIES
            and m.status not in (MilestoneStatus.DONE, MilestoneStatus.NOT_APPLICABLE)
        ]
        if not detainee.has_arrangement:
            reasons.append("aucun aménagement de peine n'est demandé ni accordé")
    progress.update(
        closed=False,
        essential_done=detainee.essential_done,
        essential_total=detainee.essential_total,
        late_count=detainee.late_count,
        dry_risk=detainee.dry_risk,
        risk_reasons=reasons,
        risk_days=DRY_RISK_DAYS,
        days_left=(dlp - today).days if dlp else None,
        days_overdue=(today - dlp).days if dlp and dlp < today else 0,
        next_due_label=detainee.next_due_label,
        next_due_date=detainee.next_due_date,
    )
    return progress


def _frise(
    detainee, *, today, incarcerations, milestones, release_date_changes, arrangements, contacts
) -> dict:
    events = frise.follow_up_events(
        incarcerations=incarcerations,
        interview_versions=InterviewVersion.objects.filter(interview__detainee=detainee).order_by(
            "validated_at", "pk"
        ),
        syntheses=Synthesis.objects.filter(
            interview__detainee=detainee, delivered_at__isnull=False
        ).order_by("delivered_at", "pk"),
        milestones=milestones,
        release_date_changes=release_date_changes,
        arrangements=arrangements,
        contacts=contacts,
        expected_release_date=detainee.expected_release_date,
        release_date=detainee.release_date,
        release_kind_label=detainee.get_release_kind_display() if detainee.release_kind else "",
    )
    start = min((s.arrival_date for s in incarcerations), default=detainee.custody_start)
    return {
        "svg": frise.frise_svg(
            events,
            today=today,
            start=start,
            expected_release_date=detainee.expected_release_date,
            svg_id=f"frise-suivi-{detainee.pk}",
            title=f"Frise du suivi de {detainee.full_name}",
        ),
        "text": frise.frise_text(events),
    }


def contacts_context(detainee, contacts: list, *, editable: bool, show_all: bool, form=None):
    return {
        "contacts": contacts if show_all else contacts[:CONTACTS_SHOWN],
        "contact_count": len(contacts),
        "contacts_hidden": 0 if show_all else max(len(contacts) - CONTACTS_SHOWN, 0),
        "contact_form": (form or ContactForm(auto_id="contact-%s")) if editable else None,
    }


def plan_context(
    *,
    user,
    detainee,
    today: datetime.date,
    incarcerations,
    release_date_changes,
    arrangements,
    show_all_contacts: bool = False,
) -> dict:
    """The plan readers' part of the person page: alerts, plan, contacts and frise. `detainee`
    comes annotated by `with_readiness(today)` with its `release_plan` selected."""
    plan = getattr(detainee, "release_plan", None)
    editable = may_edit_plan(user, detainee)
    milestones = _decorate(plan_milestones(plan), today=today, editable=editable and bool(plan))
    contacts = list(detainee.contacts.select_related("by").order_by("-on_date", "-pk"))
    return {
        "plan": plan,
        "milestones": milestones,
        "editable": editable,
        "may_record_release": may_record_release(user, detainee),
        "statuses": ONE_CLICK_STATUSES,
        "progress": progress_context(detainee, plan, milestones, today),
        "add_form": MilestoneAddForm(auto_id="ajout-%s") if editable and plan else None,
        # Once the person is released, a date brought forward no longer calls for anything.
        "alerts": []
        if detainee.is_released
        else list(
            ReleaseAlert.objects.visible_to(user)
            .filter(detainee=detainee)
            .unread()
            .select_related("change")
            .order_by("-created_at", "-pk")
        ),
        **contacts_context(detainee, contacts, editable=editable, show_all=show_all_contacts),
        "frise": _frise(
            detainee,
            today=today,
            incarcerations=incarcerations,
            milestones=milestones,
            release_date_changes=release_date_changes,
            arrangements=arrangements,
            contacts=contacts,
        ),
    }


# --- Fetching for the actions -------------------------------------------------------------------


def _person(request, pk: int):
    """The person, scoped (404); 403 unless the user may change the plan."""
    detainee = get_object_or_404(
        Detainee.objects.visible_to(request.user).select_related("release_plan"), pk=pk
    )
    if not may_edit_plan(request.user, detainee):
        raise PermissionDenied("Seul le CPIP référent de la personne modifie son plan.")
    return detainee


def _milestone(request, pk: int, milestone_pk: int) -> tuple[Milestone, Detainee]:
    milestone = get_object_or_404(
        Milestone.objects.visible_to(request.user), pk=milestone_pk, plan__detainee_id=pk
    )
    return milestone, _person(request, pk)


def _page_url(detainee, anchor: str = "") -> str:
    url = reverse("detainees:detail", args=[detainee.pk])
    return f"{url}#{anchor}" if anchor else url


def _plan_fragment(request, detainee, *, template: str, bound: Bound | None = None, **extra):
    """Render a part of the plan (a row, the whole plan) with the figures after the action."""
    today = timezone.localdate()
    detainee = (
        Detainee.objects.visible_to(request.user)
        .with_readiness(today)
        .select_related("release_plan")
        .get(pk=detainee.pk)
    )
    plan = detainee.release_plan
    milestones = _decorate(plan_milestones(plan), today=today, editable=True, bound=bound)
    context = {
        "detainee": detainee,
        "plan": plan,
        "milestones": milestones,
        "editable": True,
        "statuses": ONE_CLICK_STATUSES,
        "progress": progress_context(detainee, plan, milestones, today),
        "add_form": bound.form
        if bound and bound.name == "add"
        else MilestoneAddForm(auto_id="ajout-%s"),
        **extra,
    }
    if "milestone_pk" in extra:
        context["milestone"] = next(m for m in milestones if m.pk == extra["milestone_pk"])
    return render(request, template, context)


def _row_response(request, detainee, milestone_pk: int, *, bound=None, announce="", **extra):
    return _plan_fragment(
        request,
        detainee,
        template="release/includes/_milestone_update.html",
        bound=bound,
        milestone_pk=milestone_pk,
        announce=announce,
        **extra,
    )


def _form_page(
    request,
    detainee,
    *,
    title: str,
    form,
    action: str,
    submit: str,
    anchor: str,
    hidden: dict | None = None,
):
    """Without JavaScript, a form with errors on a page of its own (nothing typed is lost)."""
    return render(
        request,
        "release/action_form.html",
        {
            "detainee": detainee,
            "title": title,
            "form": form,
            "action": action,
            "submit": submit,
            "cancel_url": _page_url(detainee, anchor),
            "hidden": hidden or {},
        },
    )


# --- Milestones ---------------------------------------------------------------------------------


@require_POST
@role_required(PLAN_READERS)
def milestone_status(request, pk: int, milestone_pk: int):
    milestone, detainee = _milestone(request, pk, milestone_pk)
    form = MilestoneStatusForm(request.POST, auto_id=f"jalon-{milestone.pk}-%s")
    if form.is_valid():
        try:
            milestone = milestone_set_status(
                milestone=milestone,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
    if not form.is_valid():
        if request.htmx:
            bound = Bound("status", form, milestone.pk)
            return _row_response(request, detainee, milestone.pk, bound=bound)
        if form.data.get("status") != MilestoneStatus.NOT_APPLICABLE or "reason" not in form.errors:
            for message in form.errors.get("__all__", []) + form.errors.get("status", []):
                messages.error(request, message)
            return redirect(_page_url(detainee, f"jalon-{milestone.pk}"))
        return _form_page(
            request,
            detainee,
            title=f"Jalon sans objet : {milestone.label}",
            form=form,
            action=reverse("release:milestone_status", args=[detainee.pk, milestone.pk]),
            submit="Marquer sans objet",
            anchor=f"jalon-{milestone.pk}",
            hidden={"status": MilestoneStatus.NOT_APPLICABLE},
        )
    record(request=request, action=Action.MILESTONE_STATUS, obj=milestone, person=detainee)
    label = MilestoneStatus(milestone.status).label.lower()
    message = f"Jalon « {milestone.label} » : {label}."
    if request.htmx:
        return _row_response(request, detainee, milestone.pk, announce=message)
    messages.success(request, message)
    return redirect(_page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_edit(request, pk: int, milestone_pk: int):
    milestone, detainee = _milestone(request, pk, milestone_pk)
    form = MilestoneEditForm(request.POST, auto_id=f"jalon-{milestone.pk}-%s")
    if form.is_valid():
        try:
            milestone_update(
                milestone=milestone,
                by=request.user,
                target_date=form.cleaned_data["target_date"],
                owner=form.cleaned_data["owner"],
            )
        except ValidationError as error:
            form.add_service_error(error)
    if not form.is_valid():
        if request.htmx:
            bound = Bound("edit", form, milestone.pk)
            return _row_response(request, detainee, milestone.pk, bound=bound)
        return _form_page(
            request,
            detainee,
            title=f"Modifier le jalon : {milestone.label}",
            form=form,
            action=reverse("release:milestone_edit", args=[detainee.pk, milestone.pk]),
            submit="Enregistrer",
            anchor=f"jalon-{milestone.pk}",
        )
    record(request=request, action=Action.MILESTONE_EDIT, obj=milestone, person=detainee)
    message = f"Jalon « {milestone.label} » modifié."
    if request.htmx:
        return _row_response(request, detainee, milestone.pk, announce=message)
    messages.success(request, message)
    return redirect(_page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_note(request, pk: int, milestone_pk: int):
    milestone, detainee = _milestone(request, pk, milestone_pk)
    form = MilestoneNoteForm(request.POST, auto_id=f"jalon-{milestone.pk}-%s")
    if form.is_valid():
        try:
            milestone_add_note(milestone=milestone, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            form.add_service_error(error)
    if not form.is_valid():
        if request.htmx:
            bound = Bound("note", form, milestone.pk)
            return _row_response(request, detainee, milestone.pk, bound=bound, open_notes=True)
        return _form_page(
            request,
            detainee,
            title=f"Ajouter une note : {milestone.label}",
            form=form,
            action=reverse("release:milestone_note", args=[detainee.pk, milestone.pk]),
            submit="Ajouter la note",
            anchor=f"jalon-{milestone.pk}",
        )
    record(request=request, action=Action.MILESTONE_NOTE, obj=milestone, person=detainee)
    message = f"Note ajoutée au jalon « {milestone.label} »."
    if request.htmx:
        return _row_response(request, detainee, milestone.pk, announce=message, open_notes=True)
    messages.success(request, message)
    return redirect(_page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_reorder(request, pk: int, milestone_pk: int):
    milestone, detainee = _milestone(request, pk, milestone_pk)
    direction = request.POST.get("direction", "")
    try:
        milestone_move(milestone=milestone, by=request.user, direction=direction)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(_page_url(detainee, f"jalon-{milestone.pk}"))
    record(request=request, action=Action.MILESTONE_MOVE, obj=milestone, person=detainee)
    word = "monté" if direction == "up" else "descendu"
    message = f"Jalon « {milestone.label} » {word} d'un rang."
    if request.htmx:
        return _plan_fragment(
            request, detainee, template=f"{PLAN_TEMPLATE}#plan_update", announce=message
        )
    messages.success(request, message)
    return redirect(_page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_create(request, pk: int):
    detainee = _person(request, pk)
    plan = getattr(detainee, "release_plan", None)
    if plan is None:
        messages.error(request, "Cette personne n'a pas encore de plan de préparation à la sortie.")
        return redirect(_page_url(detainee, "plan-de-sortie"))
    form = MilestoneAddForm(request.POST, auto_id="ajout-%s")
    milestone = None
    if form.is_valid():
        try:
            milestone = milestone_add(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
    if milestone is None:
        if request.htmx:
            return _plan_fragment(
                request,
                detainee,
                template=f"{PLAN_TEMPLATE}#plan_update",
                bound=Bound("add", form),
                announce="",
            )
        return _form_page(
            request,
            detainee,
            title="Ajouter un jalon",
            form=form,
            action=reverse("release:milestone_create", args=[detainee.pk]),
            submit="Ajouter le jalon",
            anchor="ajout-jalon",
        )
    record(request=request, action=Action.MILESTONE_ADD, obj=milestone, person=detainee)
    message = f"Jalon « {milestone.label} » ajouté au plan."
    if request.htmx:
        return _plan_fragment(
            request, detainee, template=f"{PLAN_TEMPLATE}#plan_update", announce=message
        )
    messages.success(request, message)
    return redirect(_page_url(detainee, f"jalon-{milestone.pk}"))


# --- Contacts, alerts, release ------------------------------------------------------------------


@require_POST
@role_required(PLAN_READERS)
def contact_create(request, pk: int):
    detainee = _person(request, pk)
    form = ContactForm(request.POST, auto_id="contact-%s")
    contact = None
    if form.is_valid():
        try:
            contact = contact_record(detainee=detainee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
    if contact is None and not request.htmx:
        return _form_page(
            request,
            detainee,
            title="Enregistrer un contact",
            form=form,
            action=reverse("release:contact_create", args=[detainee.pk]),
            submit="Enregistrer le contact",
            anchor="contacts",
        )
    if contact is not None:
        record(request=request, action=Action.CONTACT_ADD, obj=contact, person=detainee)
    message = f"Contact du {frise.french_date(contact.on_date)} enregistré." if contact else ""
    if not request.htmx:
        messages.success(request, message)
        return redirect(_page_url(detainee, "contacts"))
    contacts = list(detainee.contacts.select_related("by").order_by("-on_date", "-pk"))
    context = {
        "detainee": detainee,
        "editable": True,
        "announce": message,
        **contacts_context(
            detainee, contacts, editable=True, show_all=False, form=None if contact else form
        ),
    }
    return render(request, "release/includes/_contacts.html", context)


@require_POST
@role_required(PLAN_READERS)
def alert_mark_seen(request, pk: int, alert_pk: int):
    alert = get_object_or_404(
        ReleaseAlert.objects.visible_to(request.user).select_related("detainee"),
        pk=alert_pk,
        detainee_id=pk,
    )
    detainee = alert.detainee
    if not may_edit_plan(request.user, detainee):
        raise PermissionDenied("Seul le CPIP référent de la personne marque ses alertes.")
    release_alert_mark_seen(alerts=ReleaseAlert.objects.filter(pk=alert.pk), by=request.user)
    record(request=request, action=Action.ALERT_SEEN, obj=alert, person=detainee)
    message = "Alerte marquée comme vue."
    if request.htmx:
        return render(request, "release/includes/_alert_seen.html", {"message": message})
    messages.success(request, message)
    return redirect(_page_url(detainee, "plan-de-sortie"))


@role_required(PLAN_READERS)
def release_record(request, pk: int):
    """Record the release in two steps: date and kind, then a confirmation that says what it
    closes. GET shows the first step."""
    detainee = get_object_or_404(
        Detainee.objects.visible_to(request.user).select_related("release_plan", "establishment"),
        pk=pk,
    )
    if not may_record_release(request.user, detainee):
        raise PermissionDenied("Seuls le CPIP référent et l'encadrement enregistrent une sortie.")
    form = ReleaseForm(request.POST or None, auto_id="liberation-%s")
    confirming = False
    going_back = "back" in request.POST
    if request.method == "POST" and form.is_valid() and not going_back:
        if form.cleaned_data["confirmed"]:
            try:
                detainee_release(detainee=detainee, by=request.user, **_release_args(form))
            except ValidationError as error:
                form.add_service_error(error)
            else:
                record(request=request, action=Action.RELEASE_RECORD, obj=detainee, person=detainee)
                day = frise.french_date(form.cleaned_data["on_date"])
                messages.success(
                    request,
                    f"Libération du {day} enregistrée : le plan de sortie est clos.",
                )
                return redirect(_page_url(detainee, "plan-de-sortie"))
        else:
            confirming = True
    if not form.errors:
        # The form, its confirmation step or the way back; sent back with its errors, it is a
        # refused attempt instead (logged by the middleware).
        record(request=request, action=Action.RELEASE_FORM_READ, obj=detainee, person=detainee)
    plan = getattr(detainee, "release_plan", None)
    context = {
        "detainee": detainee,
        "form": form,
        "confirming": confirming,
        "plan": plan,
        "kind_label": ReleaseKind(form.cleaned_data["kind"]).label if confirming else "",
        "cancel_url": _page_url(detainee),
    }
    return render(request, "release/release_form.html", context)


def _release_args(form) -> dict:
    return {"on_date": form.cleaned_data["on_date"], "kind": form.cleaned_data["kind"]}
