"""The waiting lists, and demand against places, read in a constant number of queries.

The order of a waiting list (one per establishment and kind of offer) is, in this order:

1. a rank the team fixed (`manual_rank`, with its reason), smallest first, before everyone else;
2. the priority of the request: prioritaire, then importante, then à envisager;
3. the release soonest (date de libération prévisible; a person without one comes last);
4. the longest wait (`waiting_since`, oldest first);
5. the request's number, so that the order never depends on the database's mood.

Callers check that the user may see the establishment (`Offer`/`PlacementRequest.visible_to`):
these functions take an establishment, not a user.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from entretiens.choices import Priority
from insertion.placements.choices import OfferKind, RequestStatus
from insertion.placements.models import Offer, PlacementRequest

PRIORITY_ORDER = (Priority.HIGH, Priority.MEDIUM, Priority.LOW)


@dataclass(frozen=True)
class WaitingEntry:
    request: PlacementRequest
    position: int
    weeks_to_release: int | None  # None without a DLP; 0 when it is this week or past
    waiting_days: int | None

    @property
    def detainee(self):
        return self.request.detainee

    @property
    def release_date(self) -> datetime.date | None:
        return self.request.detainee.expected_release_date

    @property
    def rank_fixed(self) -> bool:
        return self.request.manual_rank is not None


def _priority_rank():
    return Case(
        *(When(priority=value, then=Value(rank)) for rank, value in enumerate(PRIORITY_ORDER)),
        default=Value(len(PRIORITY_ORDER)),
        output_field=IntegerField(),
    )


def waiting_order():
    """The documented order (module docstring), as `order_by` arguments."""
    return (
        F("manual_rank").asc(nulls_last=True),
        _priority_rank().asc(),
        F("detainee__expected_release_date").asc(nulls_last=True),
        F("waiting_since").asc(nulls_last=True),
        "pk",
    )


def _waiting_requests(offer_kind: str, establishment):
    return (
        PlacementRequest.objects.filter(
            establishment=establishment, offer_kind=offer_kind, status=RequestStatus.WAITING
        )
        .select_related("detainee")
        .order_by(*waiting_order())
    )


def _entry(request: PlacementRequest, position: int, today: datetime.date) -> WaitingEntry:
    release = request.detainee.expected_release_date
    return WaitingEntry(
        request=request,
        position=position,
        weeks_to_release=None if release is None else max(0, (release - today).days // 7),
        waiting_days=request.waiting_days(today),
    )


def waiting_list(
    offer_kind: str, establishment, *, today: datetime.date | None = None
) -> list[WaitingEntry]:
    """Who waits for this kind of offer in this establishment, in order: one query."""
    today = today or timezone.localdate()
    return [
        _entry(request, position, today)
        for position, request in enumerate(_waiting_requests(offer_kind, establishment), start=1)
    ]


class PagedWaitingList:
    """The same list as a paginator reads it, for the lists of hundreds (a large prison's work
    posts): its length in one query, and each page in one query whose positions the database
    numbers over the whole list (a window function), so that only the page's rows are loaded."""

    def __init__(self, offer_kind: str, establishment, *, today: datetime.date | None = None):
        self.today = today or timezone.localdate()
        self.requests = _waiting_requests(offer_kind, establishment)

    def count(self) -> int:
        return self.requests.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[WaitingEntry]:
        if not isinstance(index, slice):
            raise TypeError("PagedWaitingList reads pages (slices), not single rows.")
        numbered = self.requests.annotate(
            position=Window(RowNumber(), order_by=list(waiting_order()))
        )
        return [_entry(request, request.position, self.today) for request in numbered[index]]


@dataclass(frozen=True)
class Demand:
    offer_kind: str
    waiting: int
    to_review: int
    places: int
    offers: int

    @property
    def label(self) -> str:
        return OfferKind(self.offer_kind).label

    @property
    def summary(self) -> str:
        """« 34 en attente pour 8 places »."""
        return f"{self.waiting} en attente pour {self.places} place{'s' if self.places > 1 else ''}"


def demand_vs_places(establishment, *, today: datetime.date | None = None) -> list[Demand]:
    """Per kind of offer: people waiting (and to examine) against the places of the offers that
    can still take people (active, permanent or not ended). A kind appears when it has such an
    offer or someone waiting for it. Two queries, whatever the numbers."""
    today = today or timezone.localdate()
    offers = {
        row["kind"]: row
        for row in Offer.objects.current(today)
        .filter(establishment=establishment)
        .values("kind")
        .annotate(places=Sum("places"), offers=Count("pk"))
        .order_by()
    }
    demand = {
        row["offer_kind"]: row
        for row in PlacementRequest.objects.filter(
            establishment=establishment,
            status__in=(RequestStatus.WAITING, RequestStatus.TO_REVIEW),
        )
        .values("offer_kind")
        .annotate(
            waiting=Count("pk", filter=Q(status=RequestStatus.WAITING)),
            to_review=Count("pk", filter=Q(status=RequestStatus.TO_REVIEW)),
        )
        .order_by()
    }
    result = []
    for kind in OfferKind.values:
        offer_row, demand_row = offers.get(kind), demand.get(kind)
        if offer_row is None and (demand_row is None or not demand_row["waiting"]):
            continue
        result.append(
            Demand(
                offer_kind=kind,
                waiting=demand_row["waiting"] if demand_row else 0,
                to_review=demand_row["to_review"] if demand_row else 0,
                places=offer_row["places"] if offer_row else 0,
                offers=offer_row["offers"] if offer_row else 0,
            )
        )
    return result
