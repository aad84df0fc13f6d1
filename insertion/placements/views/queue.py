"""The prison team's landing page (its work queue) and the waiting lists, for the keepers of
the establishment's offers (PLACEMENT_KEEPERS).

Both pages show one establishment, picked with `?etablissement=` by a user of several (another
establishment answers 404), and read in a number of queries that does not grow with the rows.
They list many people and write no line of the access log (the page of one request does).
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from insertion.accounts.policy import PLACEMENT_KEEPERS, role_required
from insertion.core.lists import page_of
from insertion.placements import queue, reminders
from insertion.placements.access import (
    ESTABLISHMENT_PARAMETER,
    chosen_establishment,
    establishments_of,
)
from insertion.placements.choices import OfferKind, RefusalReason, RequestStatus
from insertion.placements.forms import ACTIONS_BY_STATUS
from insertion.placements.waiting import PagedWaitingList, demand_vs_places

WAITING_LIST_PAGE_SIZE = 50
# Beyond this many offers of the kind (a large prison's work posts), the rows of a waiting list
# link to the request's page to allocate, rather than each carrying the list of offers.
INLINE_ALLOCATION_MAX_OFFERS = 8


def _establishment_context(request) -> dict:
    establishments = establishments_of(request.user)
    establishment = chosen_establishment(request, establishments)
    several = len(establishments) > 1
    return {
        "establishments": establishments,
        "establishment": establishment,
        "several_establishments": several,
        # What the page's links carry so that the next page shows the same establishment.
        "establishment_query": (
            f"?{ESTABLISHMENT_PARAMETER}={establishment.pk}" if several and establishment else ""
        ),
    }


@require_GET
@role_required(PLACEMENT_KEEPERS)
def work_queue(request):
    """Requests to examine (oldest first, late ones flagged), the waiting lists with demand
    against places, the places free in each offer, then the last syntheses received."""
    context = _establishment_context(request)
    establishment = context["establishment"]
    today = timezone.localdate()
    context |= {"today": today, "reminder_days": settings.PLACEMENT_REVIEW_REMINDER_DAYS}
    if establishment is not None:
        page = page_of(request, queue.to_review(establishment))
        page.object_list = list(page.object_list)
        for placement_request in page.object_list:
            placement_request.review_days = reminders.review_days(placement_request, today)
            placement_request.review_late = reminders.is_review_overdue(placement_request, today)
        context |= {
            "next": request.get_full_path(),
            "page_obj": page,
            "late_count": queue.late_review_count(establishment, today),
            "demands": demand_vs_places(establishment, today=today),
            "offers": queue.offers_with_free_places(establishment, today),
            "syntheses": queue.recent_syntheses(request.user, establishment),
        }
    return render(request, "placements/queue.html", context)


@require_GET
@role_required(PLACEMENT_KEEPERS)
def waiting_list_page(request, kind: str):
    """Who waits for a kind of offer, in the documented order (waiting.py), with the actions
    on each row and the offers of that kind."""
    if kind not in OfferKind.values:
        raise Http404
    context = _establishment_context(request)
    establishment = context["establishment"]
    if establishment is None:
        raise Http404
    today = timezone.localdate()
    page = page_of(
        request,
        PagedWaitingList(kind, establishment, today=today),
        per_page=WAITING_LIST_PAGE_SIZE,
    )
    offers = queue.offers_with_free_places(establishment, today, kind=kind)
    context |= {
        "today": today,
        "kind": kind,
        "kind_label": OfferKind(kind).label,
        "page_obj": page,
        "waiting_count": page.paginator.count,
        "offers": offers,
        "allocate_by_link": len(offers) > INLINE_ALLOCATION_MAX_OFFERS,
        "places": sum(offer.places for offer in offers),
        "free": sum(max(offer.free, 0) for offer in offers),
        "refusal_reasons": RefusalReason.choices,
        "row_actions": ACTIONS_BY_STATUS[RequestStatus.WAITING],
        "next": request.get_full_path(),
    }
    return render(request, "placements/waiting_list.html", context)
