"""The manager's team view (/equipe/): the caseload of each CPIP, the people without referent,
and the bulk reassignment of referents (choose, confirm, done)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from insertion.accounts.models import Role
from insertion.accounts.policy import TEAM_MANAGERS, role_required
from insertion.audit.log import Action, record_each
from insertion.core.lists import page_of, page_or_fragment
from insertion.core.text import parse_id
from insertion.dashboard.caseload.team import (
    TEAM_RELEASE_DAYS,
    TeamFilterForm,
    reassignment_problems,
    reassignment_targets,
    team_people,
    team_table,
)
from insertion.detainees.models import Detainee
from insertion.release.services import referents_reassign


def _team_url(followed_by: str = "") -> str:
    url = reverse("caseload:team")
    return f"{url}?suivies_par={followed_by}" if followed_by else url


@require_GET
@role_required(TEAM_MANAGERS)
def team_overview(request):
    user = request.user
    table = team_table(user, today=timezone.localdate())
    referents = [row.referent for row in table.rows]
    filters = TeamFilterForm(request.GET, referents=referents)
    followed_by = filters.followed_by
    people = filters.filter(team_people(user))
    context = {
        "table": table,
        "release_days": TEAM_RELEASE_DAYS,
        "referents": referents,
        "filters": filters,
        "followed_by": followed_by,
        "followed_by_name": next(
            (r.get_full_name() for r in referents if str(r.pk) == followed_by), ""
        ),
        "targets": [
            row.referent
            for row in table.rows
            if row.works_here and row.referent.is_active and row.referent.role == Role.CPIP
        ],
        "page_obj": page_of(request, people),
    }
    return page_or_fragment(request, "dashboard/team.html", context, fragment="people")


@role_required(TEAM_MANAGERS)
def team_reassign(request):
    """POST the people and the target CPIP: a confirmation page; POST again with `confirmer`:
    the reassignment, all or nothing. People the manager does not reach answer 404."""
    if request.method != "POST":
        return redirect("caseload:team")
    user = request.user
    followed_by = request.POST.get("suivies_par", "")
    back = _team_url(followed_by if parse_id(followed_by) else "")
    ids = request.POST.getlist("personnes")
    parsed = [parse_id(value) for value in ids]
    if None in parsed:
        raise Http404
    ids = set(parsed)
    people = list(
        Detainee.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("establishment", "referent")
        .order_by("last_name", "first_name", "pk")
    )
    if len(people) != len(ids):
        raise Http404
    if not people:
        messages.error(request, "Cochez au moins une personne à réattribuer.")
        return redirect(back)
    target_id = request.POST.get("cpip", "")
    target = (
        reassignment_targets(user).filter(pk=parse_id(target_id)).first()
        if parse_id(target_id)
        else None
    )
    if target is None:
        messages.error(request, "Choisissez le CPIP à qui confier ces personnes.")
        return redirect(back)

    problems = reassignment_problems(people, target)
    if request.POST.get("confirmer") and not problems:
        try:
            count = referents_reassign(detainees=people, referent=target, by=user)
        except ValidationError as error:
            problems = error.messages
        else:
            record_each(request=request, action=Action.REASSIGN, people=people)
            messages.success(
                request,
                f"{count} personne{'s' if count > 1 else ''} "
                f"confiée{'s' if count > 1 else ''} à {target.get_full_name()}.",
            )
            return redirect(back)
    record_each(request=request, action=Action.REASSIGN_PREVIEW, people=people)
    context = {
        "people": people,
        "target": target,
        "problems": problems,
        "followed_by": followed_by if parse_id(followed_by) else "",
        "back": back,
    }
    return render(request, "dashboard/team_confirm.html", context)
