"""The actions of the CPIP referent on the person page's release plan (the page itself is
assembled in insertion/person/page.py).

Every action is a POST to its own URL, fetches its object through a scoped queryset (another
prison's person or milestone answers 404), checks `may_edit_plan` (403 otherwise) and calls one
service. With htmx the answer is the fragment to swap (a milestone row and, out of band, the
progress; the whole plan after an addition or a move; the contacts); without JavaScript the POST
redirects to the person page, on the anchor of what changed, with a French message. A form with
errors comes back with its messages next to its fields and what was typed: in place with htmx,
on a small page of its own without.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from insertion.accounts.policy import (
    PLAN_READERS,
    may_edit_plan,
    may_record_release,
    role_required,
)
from insertion.audit.log import Action, record
from insertion.detainees.models import Detainee, ReleaseKind
from insertion.detainees.services import contact_record
from insertion.person.page import (
    PLAN_TEMPLATE,
    Bound,
    contacts_context,
)
from insertion.person.services import detainee_release

# --- Milestones ---------------------------------------------------------------------------------
from insertion.person.views.plan_fragments import (
    form_page,
    milestone_for_edit,
    page_url,
    person_for_plan_edit,
    plan_fragment,
    row_fragment,
)
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
    MilestoneStatus,
    ReleaseAlert,
)
from insertion.release.services import (
    milestone_add,
    milestone_add_note,
    milestone_move,
    milestone_set_status,
    milestone_update,
    release_alert_mark_seen,
)


@require_POST
@role_required(PLAN_READERS)
def milestone_status(request, pk: int, milestone_pk: int):
    milestone, detainee = milestone_for_edit(request, pk, milestone_pk)
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
            return row_fragment(request, detainee, milestone.pk, bound=bound)
        if form.data.get("status") != MilestoneStatus.NOT_APPLICABLE or "reason" not in form.errors:
            for message in form.errors.get("__all__", []) + form.errors.get("status", []):
                messages.error(request, message)
            return redirect(page_url(detainee, f"jalon-{milestone.pk}"))
        return form_page(
            request,
            detainee,
            title=f"Jalon sans objet : {milestone.label}",
            form=form,
            action=reverse("person:milestone_status", args=[detainee.pk, milestone.pk]),
            submit="Marquer sans objet",
            anchor=f"jalon-{milestone.pk}",
            hidden={"status": MilestoneStatus.NOT_APPLICABLE},
        )
    record(request=request, action=Action.MILESTONE_STATUS, obj=milestone, person=detainee)
    label = MilestoneStatus(milestone.status).label.lower()
    message = f"Jalon « {milestone.label} » : {label}."
    if request.htmx:
        return row_fragment(request, detainee, milestone.pk, announce=message)
    messages.success(request, message)
    return redirect(page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_edit(request, pk: int, milestone_pk: int):
    milestone, detainee = milestone_for_edit(request, pk, milestone_pk)
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
            return row_fragment(request, detainee, milestone.pk, bound=bound)
        return form_page(
            request,
            detainee,
            title=f"Modifier le jalon : {milestone.label}",
            form=form,
            action=reverse("person:milestone_edit", args=[detainee.pk, milestone.pk]),
            submit="Enregistrer",
            anchor=f"jalon-{milestone.pk}",
        )
    record(request=request, action=Action.MILESTONE_EDIT, obj=milestone, person=detainee)
    message = f"Jalon « {milestone.label} » modifié."
    if request.htmx:
        return row_fragment(request, detainee, milestone.pk, announce=message)
    messages.success(request, message)
    return redirect(page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_note(request, pk: int, milestone_pk: int):
    milestone, detainee = milestone_for_edit(request, pk, milestone_pk)
    form = MilestoneNoteForm(request.POST, auto_id=f"jalon-{milestone.pk}-%s")
    if form.is_valid():
        try:
            milestone_add_note(milestone=milestone, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            form.add_service_error(error)
    if not form.is_valid():
        if request.htmx:
            bound = Bound("note", form, milestone.pk)
            return row_fragment(request, detainee, milestone.pk, bound=bound, open_notes=True)
        return form_page(
            request,
            detainee,
            title=f"Ajouter une note : {milestone.label}",
            form=form,
            action=reverse("person:milestone_note", args=[detainee.pk, milestone.pk]),
            submit="Ajouter la note",
            anchor=f"jalon-{milestone.pk}",
        )
    record(request=request, action=Action.MILESTONE_NOTE, obj=milestone, person=detainee)
    message = f"Note ajoutée au jalon « {milestone.label} »."
    if request.htmx:
        return row_fragment(request, detainee, milestone.pk, announce=message, open_notes=True)
    messages.success(request, message)
    return redirect(page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_reorder(request, pk: int, milestone_pk: int):
    milestone, detainee = milestone_for_edit(request, pk, milestone_pk)
    direction = request.POST.get("direction", "")
    try:
        milestone_move(milestone=milestone, by=request.user, direction=direction)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(page_url(detainee, f"jalon-{milestone.pk}"))
    record(request=request, action=Action.MILESTONE_MOVE, obj=milestone, person=detainee)
    word = "monté" if direction == "up" else "descendu"
    message = f"Jalon « {milestone.label} » {word} d'un rang."
    if request.htmx:
        return plan_fragment(
            request, detainee, template=f"{PLAN_TEMPLATE}#plan_update", announce=message
        )
    messages.success(request, message)
    return redirect(page_url(detainee, f"jalon-{milestone.pk}"))


@require_POST
@role_required(PLAN_READERS)
def milestone_create(request, pk: int):
    detainee = person_for_plan_edit(request, pk)
    plan = getattr(detainee, "release_plan", None)
    if plan is None:
        messages.error(request, "Cette personne n'a pas encore de plan de préparation à la sortie.")
        return redirect(page_url(detainee, "plan-de-sortie"))
    form = MilestoneAddForm(request.POST, auto_id="ajout-%s")
    milestone = None
    if form.is_valid():
        try:
            milestone = milestone_add(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
    if milestone is None:
        if request.htmx:
            return plan_fragment(
                request,
                detainee,
                template=f"{PLAN_TEMPLATE}#plan_update",
                bound=Bound("add", form),
                announce="",
            )
        return form_page(
            request,
            detainee,
            title="Ajouter un jalon",
            form=form,
            action=reverse("person:milestone_create", args=[detainee.pk]),
            submit="Ajouter le jalon",
            anchor="ajout-jalon",
        )
    record(request=request, action=Action.MILESTONE_ADD, obj=milestone, person=detainee)
    message = f"Jalon « {milestone.label} » ajouté au plan."
    if request.htmx:
        return plan_fragment(
            request, detainee, template=f"{PLAN_TEMPLATE}#plan_update", announce=message
        )
    messages.success(request, message)
    return redirect(page_url(detainee, f"jalon-{milestone.pk}"))


# --- Contacts, alerts, release ------------------------------------------------------------------


@require_POST
@role_required(PLAN_READERS)
def contact_create(request, pk: int):
    detainee = person_for_plan_edit(request, pk)
    form = ContactForm(request.POST, auto_id="contact-%s")
    contact = None
    if form.is_valid():
        try:
            contact = contact_record(detainee=detainee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
    if contact is None and not request.htmx:
        return form_page(
            request,
            detainee,
            title="Enregistrer un contact",
            form=form,
            action=reverse("person:contact_create", args=[detainee.pk]),
            submit="Enregistrer le contact",
            anchor="contacts",
        )
    if contact is not None:
        record(request=request, action=Action.CONTACT_ADD, obj=contact, person=detainee)
    message = f"Contact du {frise.french_date(contact.on_date)} enregistré." if contact else ""
    if not request.htmx:
        messages.success(request, message)
        return redirect(page_url(detainee, "contacts"))
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
    return redirect(page_url(detainee, "plan-de-sortie"))


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
                return redirect(page_url(detainee, "plan-de-sortie"))
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
        "cancel_url": page_url(detainee),
    }
    return render(request, "release/release_form.html", context)


def _release_args(form) -> dict:
    return {"on_date": form.cleaned_data["on_date"], "kind": form.cleaned_data["kind"]}
