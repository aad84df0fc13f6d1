"""The person page's release preparation, assembled from several apps: the plan with its
progress and frise, the contacts, the syntheses received. `plan_context` serves the page
(insertion/person/views/page.py); the plan's actions (insertion/person/views/plan.py)
re-render parts of it after each change.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.db.models import Prefetch

from entretiens.models import InterviewVersion, Synthesis
from insertion.accounts.policy import (
    may_edit_plan,
    may_record_release,
)
from insertion.detainees.models import ReleaseKind
from insertion.release import frise
from insertion.release.forms import (
    ContactForm,
    MilestoneAddForm,
    MilestoneEditForm,
    MilestoneNoteForm,
    MilestoneStatusForm,
)
from insertion.release.models import (
    Milestone,
    MilestoneChange,
    MilestoneNote,
    MilestoneStatus,
    ReleaseAlert,
)
from insertion.release.readiness import DRY_RISK_DAYS, dry_risk_reasons

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


def decorate_milestones(
    milestones: list[Milestone], *, today, editable: bool, bound: Bound | None = None
):
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
    progress.update(
        closed=False,
        essential_done=detainee.essential_done,
        essential_total=detainee.essential_total,
        late_count=detainee.late_count,
        dry_risk=detainee.dry_risk,
        risk_reasons=dry_risk_reasons(detainee, milestones),
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
    milestones = decorate_milestones(
        plan_milestones(plan), today=today, editable=editable and bool(plan)
    )
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
