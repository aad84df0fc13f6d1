"""Fetching and re-rendering for the plan's actions (insertion/person/views/plan.py): the
person and milestone through scoped querysets, and the parts of the page that change."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from insertion.accounts.policy import may_edit_plan
from insertion.detainees.models import Detainee
from insertion.person.page import (
    ONE_CLICK_STATUSES,
    Bound,
    decorate_milestones,
    plan_milestones,
    progress_context,
)
from insertion.release.forms import MilestoneAddForm
from insertion.release.models import Milestone
from insertion.release.readiness import with_readiness


def person_for_plan_edit(request, pk: int):
    """The person, scoped (404); 403 unless the user may change the plan."""
    detainee = get_object_or_404(
        Detainee.objects.visible_to(request.user).select_related("release_plan"), pk=pk
    )
    if not may_edit_plan(request.user, detainee):
        raise PermissionDenied("Seul le CPIP référent de la personne modifie son plan.")
    return detainee


def milestone_for_edit(request, pk: int, milestone_pk: int) -> tuple[Milestone, Detainee]:
    milestone = get_object_or_404(
        Milestone.objects.visible_to(request.user), pk=milestone_pk, plan__detainee_id=pk
    )
    return milestone, person_for_plan_edit(request, pk)


def page_url(detainee, anchor: str = "") -> str:
    url = reverse("person:detail", args=[detainee.pk])
    return f"{url}#{anchor}" if anchor else url


def plan_fragment(request, detainee, *, template: str, bound: Bound | None = None, **extra):
    """Render a part of the plan (a row, the whole plan) with the figures after the action."""
    today = timezone.localdate()
    detainee = (
        with_readiness(Detainee.objects.visible_to(request.user), today)
        .select_related("release_plan")
        .get(pk=detainee.pk)
    )
    plan = detainee.release_plan
    milestones = decorate_milestones(plan_milestones(plan), today=today, editable=True, bound=bound)
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


def row_fragment(request, detainee, milestone_pk: int, *, bound=None, announce="", **extra):
    return plan_fragment(
        request,
        detainee,
        template="release/includes/_milestone_update.html",
        bound=bound,
        milestone_pk=milestone_pk,
        announce=announce,
        **extra,
    )


def form_page(
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
            "cancel_url": page_url(detainee, anchor),
            "hidden": hidden or {},
        },
    )
