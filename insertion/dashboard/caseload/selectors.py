"""Whose people the dashboard shows, with which columns, and one page of them.

What a large establishment costs (2,557 people held): the readiness columns are correlated
subqueries, so each is computed once per person it is asked for. The page asks for them in three
places, each for only what it reads:
- the counters and the filtered total: one aggregate over the scope (`counters.py`);
- the page's ids: the scope narrowed and sorted, reading only the columns the filters and the
  order need (none for the name or the DLP, the urgency score's for the default order);
- the page's rows: every column, for the page's 50 people only.
Every column is declared once per request as an alias (`caseload`): a query compiles only the
ones it reads. The CSV export, which shows every column of every row, selects them all at once.

Requests to the services of the establishment (work, training, classes…): the person's open
requests counted by state, and those waiting « depuis plus de 3 mois » (on the waiting list since
before `long_wait_start`, PLACEMENT_LONG_WAIT_DAYS days ago). Never their « précisions »: they may
come from the interview's recommendations, which the dashboard does not show.

Unread synthesis: the person's latest synthesis that reached the teams (generated or sent),
which the user has neither downloaded nor read on the interview page since it was created (the
access log says so: `synthese.telechargement` on the synthesis, `entretien.consultation` on its
interview).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from entretiens.choices import SynthesisStatus
from entretiens.models import Interview, Synthesis
from insertion.accounts.models import Role, User
from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.core.lists import RowsByIds
from insertion.dashboard.caseload.filters import MINE, NO_REFERENT, CaseloadFilterForm
from insertion.detainees.models import Detainee, SentenceArrangement
from insertion.placements.choices import RequestStatus
from insertion.placements.models import PlacementRequest
from insertion.release.models import ReleaseAlert
from insertion.release.readiness import readiness_annotations, risk_and_urgency_annotations

RECEIVED_SYNTHESIS = (SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED)


def caseload_referents(user):
    """The manager's filter by referent: the CPIP of their establishments, and any former
    referent who still follows people held there."""
    still_following = (
        Detainee.objects.visible_to(user).held().exclude(referent=None).values("referent_id")
    )
    return (
        User.objects.filter(
            Q(role=Role.CPIP, establishments__in=user.establishment_ids) | Q(pk__in=still_following)
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def caseload_scope(user, filters: CaseloadFilterForm):
    """The people held whose rows the page shows before the filters narrow them: the CPIP's
    own people (or all of their establishments'), a manager's whole establishments or one
    referent's people."""
    people = Detainee.objects.visible_to(user).held()
    if not filters.is_manager and filters.perimeter == MINE:
        return people.followed_by(user)
    if filters.referent_choice == NO_REFERENT:
        return people.filter(referent__isnull=True)
    if filters.referent_choice:
        return people.filter(referent_id=int(filters.referent_choice))
    return people


def caseload_annotations() -> dict:
    """What the table shows beside the readiness annotations: the latest interview, synthesis
    and sentence arrangement, an unread DLP alert."""
    interview = Interview.objects.filter(detainee_id=OuterRef("pk")).order_by(
        "-version", "-arrival_date", "-pk"
    )
    synthesis = Synthesis.objects.filter(interview__detainee_id=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    arrangement = SentenceArrangement.objects.filter(detainee_id=OuterRef("pk")).order_by(
        "-requested_on", "-pk"
    )
    return {
        "interview_status": Subquery(interview.values("status")[:1]),
        "interview_version": Subquery(interview.values("version")[:1]),
        "synthesis_status": Subquery(synthesis.values("status")[:1]),
        "received_synthesis_id": Subquery(
            synthesis.filter(status__in=RECEIVED_SYNTHESIS).values("pk")[:1]
        ),
        "arrangement_kind": Subquery(arrangement.values("kind")[:1]),
        "arrangement_status": Subquery(arrangement.values("status")[:1]),
        "has_unread_alert": Exists(
            ReleaseAlert.objects.unread().filter(detainee_id=OuterRef("pk"))
        ),
    }


def long_wait_start(today: datetime.date) -> datetime.date:
    """A request on the waiting list since before this day waits « depuis plus de 3 mois »."""
    return today - datetime.timedelta(days=settings.PLACEMENT_LONG_WAIT_DAYS)


def _request_count(**conditions):
    requests = (
        PlacementRequest.objects.filter(detainee_id=OuterRef("pk"), **conditions)
        .order_by()
        .values("detainee_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(requests, output_field=IntegerField()), 0)


def request_annotations(today: datetime.date) -> dict:
    """The person's open requests by state, and those waiting for more than 3 months."""
    return {
        "requests_to_review": _request_count(status=RequestStatus.TO_REVIEW),
        "requests_waiting": _request_count(status=RequestStatus.WAITING),
        "requests_allocated": _request_count(status=RequestStatus.ALLOCATED),
        "requests_long_waiting": _request_count(
            status=RequestStatus.WAITING, waiting_since__lt=long_wait_start(today)
        ),
    }


def unread_synthesis_annotation(*, user) -> Exists:
    """To add after `caseload_annotations` (it reads `received_synthesis_id`)."""
    downloaded = AccessLog.objects.filter(
        user=user,
        action=Action.SYNTHESIS_DOWNLOAD,
        object_type="synthesis",
        object_id=OuterRef("pk"),
    )
    read_on_the_interview_page = AccessLog.objects.filter(
        user=user,
        action=Action.INTERVIEW_READ,
        object_type="interview",
        object_id=OuterRef("interview_id"),
        at__gte=OuterRef("created_at"),
    )
    return Exists(
        Synthesis.objects.filter(pk=OuterRef("received_synthesis_id"))
        .exclude(Exists(downloaded))
        .exclude(Exists(read_on_the_interview_page))
    )


@dataclass(frozen=True)
class Caseload:
    """The scope with every column of the dashboard declared as an alias (`names`). Built once
    per request (about twenty subquery expressions: ~10 ms of Python to build); the counters,
    the page's ids and its rows are all derived from it, and each of their queries computes
    only the columns it reads."""

    people: QuerySet
    names: tuple[str, ...]

    def selected(self, people: QuerySet | None = None) -> QuerySet:
        """`people` (derived from `self.people`) with every column selected."""
        people = self.people if people is None else people
        return people.annotate(**{name: F(name) for name in self.names}).select_related("referent")


def caseload(user, filters: CaseloadFilterForm, *, today: datetime.date) -> Caseload:
    columns = (
        readiness_annotations(today),
        risk_and_urgency_annotations(today),  # reads the readiness columns
        caseload_annotations(),
        {"synthesis_unread": unread_synthesis_annotation(user=user)},
        request_annotations(today),
    )
    people = caseload_scope(user, filters)
    for group in columns:
        people = people.alias(**group)
    return Caseload(people=people, names=tuple(name for group in columns for name in group))


def caseload_rows(caseload: Caseload, filters: CaseloadFilterForm) -> QuerySet:
    """The filtered, sorted caseload with every column (the CSV export)."""
    return caseload.selected(filters.filter(caseload.people)).order_by(*filters.ordering)


def caseload_page_rows(caseload: Caseload, filters: CaseloadFilterForm, *, count: int):
    """The filtered, sorted caseload for the paginator: `count` people (the filtered total of
    `counters.caseload_counts`), sorted on the columns the order reads, then the rows of the
    page loaded by their ids with every column."""
    ids = filters.filter(caseload.people).order_by(*filters.ordering).values_list("pk", flat=True)

    def load(page_ids: list[int]) -> QuerySet:
        return caseload.selected(caseload.people.filter(pk__in=page_ids))

    return RowsByIds(count=count, ids=ids, load=load)
