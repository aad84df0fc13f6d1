from django.core.paginator import Paginator
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
from insertion.core.text import parse_id
from insertion.detainees.models import Detainee
from insertion.establishments.models import Establishment
from insertion.release.views import plan_context

PAGE_SIZE = 50
MANAGER_READS_SHOWN = 10
SORTS = {
    "nom": ("last_name", "first_name", "pk"),
    "arrivee": ("-arrival_date", "last_name", "pk"),
    "dlp": ("expected_release_date", "last_name", "pk"),
}
SITUATIONS = {"presentes": "Présentes", "liberees": "Libérées", "toutes": "Toutes"}


@role_required(PERSON_READERS)
def detainee_list(request):
    user = request.user
    establishments = list(Establishment.objects.visible_to(user).order_by("name"))
    people = Detainee.objects.visible_to(user)

    situation = request.GET.get("situation", "presentes")
    if situation not in SITUATIONS:
        situation = "presentes"
    if situation == "presentes":
        people = people.held()
    elif situation == "liberees":
        people = people.released()

    establishment_id = request.GET.get("etablissement", "")
    if parse_id(establishment_id) in {e.pk for e in establishments}:
        people = people.filter(establishment_id=parse_id(establishment_id))
    else:
        establishment_id = ""

    query = request.GET.get("q", "").strip()[:100]
    if query:
        people = people.search(query)

    sort = request.GET.get("tri", "nom")
    if sort not in SORTS:
        sort = "nom"
    people = people.select_related("establishment", "referent").order_by(*SORTS[sort])

    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "establishments": establishments,
        "query": query,
        "situation": situation,
        "situations": SITUATIONS,
        "establishment_id": establishment_id,
        "sort": sort,
        "shows_sentence": user.role in SENTENCE_READERS,
    }
    template = "detainees/detainee_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@role_required(PERSON_READERS)
def detainee_detail(request, pk: int):
    user = request.user
    today = timezone.localdate()
    reads_plan = user.role in PLAN_READERS
    people = Detainee.objects.visible_to(user).select_related("establishment", "referent")
    if reads_plan:
        # The plan's progress reads the readiness rule's own annotations (readiness.py).
        people = people.with_readiness(today).select_related("release_plan")
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
