"""What the prison team's work queue reads (views/queue.py), each part in one query whatever
the number of rows: the requests to examine, the places free in each offer, the last
syntheses received. The waiting lists and demand against places are in `waiting.py`.

How long a request has waited to be examined, and when that is late, is said once, in
`reminders.py` (the weekly digest reads the same rule).

Callers check that the user works in the establishment (`access.chosen_establishment`).
"""

import datetime

from entretiens.models import Synthesis
from insertion.placements.choices import OfferKind, RequestStatus
from insertion.placements.models import Offer, PlacementRequest
from insertion.placements.reminders import overdue_to_review

RECENT_SYNTHESES = 5


def to_review(establishment):
    """The requests to examine, the oldest first, with the person."""
    return (
        PlacementRequest.objects.filter(establishment=establishment, status=RequestStatus.TO_REVIEW)
        .select_related("detainee")
        .order_by("created_at", "pk")
    )


def late_review_count(establishment, today: datetime.date) -> int:
    """How many requests of the establishment are late to examine (reminders.py)."""
    return overdue_to_review(establishment, today).order_by().count()


def offers_with_free_places(
    establishment, today: datetime.date, *, kind: str | None = None
) -> list[Offer]:
    """The offers that can still take people (`Offer.objects.current`), each with `taken` (the
    requests allocated to it now) and `free` (places minus taken; below zero when the team
    allocated more people than places). In the order of the kinds, then by title."""
    offers = Offer.objects.current(today).filter(establishment=establishment)
    if kind is not None:
        offers = offers.filter(kind=kind)
    offers = offers.with_taken().order_by("title", "pk")
    kinds = {value: index for index, value in enumerate(OfferKind.values)}
    return sorted(offers, key=lambda offer: kinds.get(offer.kind, len(kinds)))


def recent_syntheses(user, establishment, *, limit: int = RECENT_SYNTHESES) -> list[Synthesis]:
    """The last syntheses the establishment received, newest first."""
    return list(
        Synthesis.objects.visible_to(user)
        .filter(establishment=establishment)
        .select_related("interview__detainee", "interview__incarceration", "version")
        .order_by("-created_at", "-pk")[:limit]
    )
