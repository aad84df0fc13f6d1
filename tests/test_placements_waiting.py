"""The waiting lists' documented order, case by case, and demand against places; both read in
a number of queries that does not grow with the list."""

import datetime

import pytest

from entretiens.choices import Priority
from insertion.placements.choices import OfferKind, RequestOrigin, RequestStatus
from insertion.placements.models import Offer, PlacementRequest
from insertion.placements.waiting import demand_vs_places, waiting_list
from tests.factories import DetaineeFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def days(n):
    return datetime.timedelta(days=n)


def waiting(
    establishment,
    *,
    priority=Priority.MEDIUM,
    release_in=200,
    since=30,
    kind=OfferKind.TRAINING,
    rank=None,
    reason="",
    status=RequestStatus.WAITING,
    name="Martin",
):
    person = DetaineeFactory(
        establishment=establishment,
        last_name=name,
        arrival_date=TODAY - days(300),
        expected_release_date=None if release_in is None else TODAY + days(release_in),
    )
    return PlacementRequest.objects.create(
        detainee=person,
        establishment=establishment,
        offer_kind=kind,
        priority=priority,
        origin=RequestOrigin.TEAM,
        status=status,
        waiting_since=None if status != RequestStatus.WAITING else TODAY - days(since),
        manual_rank=rank,
        override_reason=reason,
    )


def order(establishment, kind=OfferKind.TRAINING):
    return [
        entry.request.detainee.last_name for entry in waiting_list(kind, establishment, today=TODAY)
    ]


def test_priority_comes_first(fresnes):
    waiting(fresnes, priority=Priority.LOW, name="Low", release_in=10, since=300)
    waiting(fresnes, priority=Priority.HIGH, name="High")
    waiting(fresnes, priority=Priority.MEDIUM, name="Medium", release_in=10, since=300)
    assert order(fresnes) == ["High", "Medium", "Low"]


def test_same_priority_the_release_soonest_first_and_no_date_last(fresnes):
    waiting(fresnes, release_in=None, name="NoDate", since=500)
    waiting(fresnes, release_in=300, name="Later", since=400)
    waiting(fresnes, release_in=40, name="Soon")
    assert order(fresnes) == ["Soon", "Later", "NoDate"]


def test_same_priority_and_release_the_longest_wait_first(fresnes):
    waiting(fresnes, since=10, name="Recent")
    waiting(fresnes, since=90, name="Longest")
    waiting(fresnes, since=40, name="Middle")
    assert order(fresnes) == ["Longest", "Middle", "Recent"]


def test_everything_equal_the_older_request_first(fresnes):
    first = waiting(fresnes, name="First")
    second = waiting(fresnes, name="Second")
    assert first.pk < second.pk
    assert order(fresnes) == ["First", "Second"]


def test_a_fixed_rank_comes_before_the_usual_order(fresnes):
    waiting(fresnes, priority=Priority.HIGH, release_in=5, name="Usual")
    waiting(fresnes, priority=Priority.LOW, rank=2, reason="CPU du 12/05", name="RankTwo")
    waiting(fresnes, priority=Priority.LOW, rank=1, reason="Sortie avancée", name="RankOne")
    entries = waiting_list(OfferKind.TRAINING, fresnes, today=TODAY)
    assert [e.request.detainee.last_name for e in entries] == ["RankOne", "RankTwo", "Usual"]
    assert [e.position for e in entries] == [1, 2, 3]
    assert [e.rank_fixed for e in entries] == [True, True, False]
    assert entries[0].request.override_reason == "Sortie avancée"


def test_only_the_waiting_requests_of_this_kind_and_establishment(fresnes, lyon):
    waiting(fresnes, name="Listed")
    waiting(fresnes, name="OtherKind", kind=OfferKind.WORK)
    waiting(fresnes, name="ToReview", status=RequestStatus.TO_REVIEW)
    waiting(lyon, name="Lyon")
    assert order(fresnes) == ["Listed"]
    assert order(fresnes, OfferKind.WORK) == ["OtherKind"]
    assert order(lyon) == ["Lyon"]


def test_an_entry_tells_release_date_weeks_to_release_and_waiting_time(fresnes):
    waiting(fresnes, release_in=45, since=20, name="A")
    waiting(fresnes, release_in=-3, since=20, name="Past")
    waiting(fresnes, release_in=None, since=20, name="NoDate")
    entries = {
        e.detainee.last_name: e for e in waiting_list(OfferKind.TRAINING, fresnes, today=TODAY)
    }
    assert (entries["A"].release_date, entries["A"].weeks_to_release) == (TODAY + days(45), 6)
    assert entries["A"].waiting_days == 20
    assert entries["A"].request.waiting_since == TODAY - days(20)
    assert entries["Past"].weeks_to_release == 0
    assert entries["NoDate"].weeks_to_release is None


@pytest.mark.parametrize("size", [2, 20])
def test_the_waiting_list_is_one_query(fresnes, django_assert_num_queries, size):
    for n in range(size):
        waiting(fresnes, name=f"P{n}", since=n, release_in=None if n % 3 == 0 else 100 + n)
    with django_assert_num_queries(1):
        entries = waiting_list(OfferKind.TRAINING, fresnes, today=TODAY)
        names = [(e.detainee.full_name, e.weeks_to_release, e.position) for e in entries]
    assert len(names) == size


# --- Demand against places ---------------------------------------------------------------------


def offer(establishment, kind, places, **fields):
    values = dict(
        establishment=establishment,
        kind=kind,
        title=f"{kind} {places}",
        service="Service",
        places=places,
        permanent=True,
    )
    values.update(fields)
    return Offer.objects.create(**values)


def test_demand_against_places(fresnes, lyon):
    offer(fresnes, OfferKind.TRAINING, 5)
    offer(
        fresnes, OfferKind.TRAINING, 3, permanent=False, start_date=TODAY, end_date=TODAY + days(60)
    )
    offer(fresnes, OfferKind.TRAINING, 50, active=False)
    offer(
        fresnes,
        OfferKind.TRAINING,
        40,
        permanent=False,
        start_date=TODAY - days(90),
        end_date=TODAY - days(1),
    )
    offer(fresnes, OfferKind.DIGITAL, 1)
    offer(lyon, OfferKind.TRAINING, 99)
    for _ in range(34):
        waiting(fresnes)
    waiting(fresnes, status=RequestStatus.TO_REVIEW, kind=OfferKind.DIGITAL)
    waiting(fresnes, kind=OfferKind.WORK)
    waiting(fresnes, kind=OfferKind.EDUCATION, status=RequestStatus.TO_REVIEW)
    waiting(lyon)
    demand = {d.offer_kind: d for d in demand_vs_places(fresnes, today=TODAY)}
    # Education: neither an offer nor anyone waiting (only one to examine): not shown.
    assert list(demand) == [OfferKind.WORK, OfferKind.TRAINING, OfferKind.DIGITAL]
    training = demand[OfferKind.TRAINING]
    assert (training.waiting, training.places, training.offers) == (34, 8, 2)
    assert training.summary == "34 en attente pour 8 places"
    assert training.label == "Formation professionnelle"
    digital = demand[OfferKind.DIGITAL]
    assert (digital.waiting, digital.to_review, digital.places) == (0, 1, 1)
    assert digital.summary == "0 en attente pour 1 place"
    assert demand[OfferKind.WORK].summary == "1 en attente pour 0 place"


@pytest.mark.parametrize("size", [2, 20])
def test_demand_against_places_in_constant_queries(fresnes, django_assert_num_queries, size):
    kinds = OfferKind.values
    for n in range(size):
        kind = kinds[n % len(kinds)]
        offer(fresnes, kind, n + 1)
        status = RequestStatus.WAITING if n % 2 else RequestStatus.TO_REVIEW
        waiting(fresnes, kind=kind, status=status)
    with django_assert_num_queries(2):
        demand = demand_vs_places(fresnes, today=TODAY)
    assert sum(d.places for d in demand) == size * (size + 1) // 2
    assert sum(d.waiting + d.to_review for d in demand) == size
