"""The person page: identity, stays, release dates and arrangements, the interview's state and,
for the plan readers, the release preparation (insertion/person/page.py), the requests to the
services of the establishment (insertion/person/activity_requests.py) and the partner companies:
offers that fit, agreements, profiles sent (insertion/person/partners.py)."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from insertion.accounts.models import Role
from insertion.accounts.policy import (
    INTERVIEW_WRITERS,
    PERSON_READERS,
    PLAN_READERS,
    SENTENCE_READERS,
    role_required,
)
from insertion.audit.log import Action, record
from insertion.audit.models import AccessLog
from insertion.detainees.models import Detainee
from insertion.person.activity_requests import requests_context
from insertion.person.page import plan_context
from insertion.person.partners import partners_context
from insertion.release.readiness import with_readiness

MANAGER_READS_SHOWN = 10


@role_required(PERSON_READERS)
def detainee_detail(request, pk: int):
    user = request.user
    today = timezone.localdate()
    reads_plan = user.role in PLAN_READERS
    people = Detainee.objects.visible_to(user).select_related("establishment", "referent")
    if reads_plan:
        # The plan's progress reads the readiness rule's own annotations (readiness.py).
        people = with_readiness(people, today).select_related("release_plan")
    detainee = get_object_or_404(people, pk=pk)
    shows_sentence = user.role in SENTENCE_READERS
    incarcerations = list(
        detainee.incarcerations.select_related("establishment").order_by("arrival_date", "pk")
    )
    context = {
        "detainee": detainee,
        # The interview of the current stay (or the last validated one): status for everyone
        # who opens the page, a link when the user may read or write it.
        "interview": detainee.interviews.order_by("-version", "-arrival_date", "-pk").first(),
        "writes_interviews": user.role in INTERVIEW_WRITERS,
        "incarcerations": incarcerations,
        "shows_sentence": shows_sentence,
        "reads_plan": reads_plan,
    }
    if shows_sentence:
        context["release_date_changes"] = list(
            detainee.release_date_changes.select_related("changed_by").order_by(
                "-changed_on", "-pk"
            )
        )
        context["arrangements"] = list(detainee.arrangements.order_by("-requested_on", "-pk"))
    if reads_plan:
        context.update(
            plan_context(
                user=user,
                detainee=detainee,
                today=today,
                incarcerations=incarcerations,
                release_date_changes=context.get("release_date_changes", []),
                arrangements=context.get("arrangements", []),
                show_all_contacts=request.GET.get("contacts") == "tous",
            )
        )
        context.update(requests_context(user=user, detainee=detainee, today=today))
        context.update(partners_context(user=user, detainee=detainee, today=today))
    record(request=request, action=Action.PERSON_READ, obj=detainee, person=detainee)
    if reads_plan:
        # Transparency: who of the management opened this person's data lately.
        context["manager_reads"] = list(
            AccessLog.objects.for_detainee(detainee.pk)
            .filter(user__role=Role.MANAGER)
            .select_related("user")
            .order_by("-at", "-pk")[:MANAGER_READS_SHOWN]
        )
    return render(request, "detainees/detainee_detail.html", context)
