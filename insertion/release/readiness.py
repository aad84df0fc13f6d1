"""Release readiness, the dry-release risk and the urgency score: one definition each, as SQL
annotations of a Detainee queryset, so that the dashboard filters, sorts and counts on them in
the database and the person page reads the very same values for one person.

The rules (all relative to `today`):

- **Readiness** = essential milestones done / essential milestones of the open plan ("sans objet"
  ones are left out of both counts). A plan without essential milestone has no readiness (None).
- **Late milestone**: not finished (à faire, en cours, bloqué) and its target date has passed.
- **Sortie sèche à risque**: the person is held, released within `DRY_RISK_DAYS` (90) days
  (or past their DLP and still held), and either an essential milestone of housing, papers or
  rights is not done (nor "sans objet"), or no sentence arrangement is requested or granted
  (one refused, revoked or lapsed does not protect from a dry release).
- **Urgency score** (the dashboard's default order, highest first; ties by DLP, then name):
  release within 30 days (or past) 40 points, within 90 days 25, within 180 days 10;
  dry-release risk 30; 5 per late milestone, 25 at most; not seen for 6 months or never 15,
  for 3 to 6 months 5. Person-facing pages show the reasons, not the number.
"""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least

from insertion.detainees.models import (
    ArrangementStatus,
    Contact,
    SentenceArrangement,
    release_within,
)
from insertion.release.models import CRITICAL_CATEGORIES, OPEN_STATUSES, Milestone, MilestoneStatus

DRY_RISK_DAYS = 90
NOT_SEEN_DAYS = 183  # "non vus depuis 6 mois"
HORIZONS = ((30, 40), (90, 25), (180, 10))
RISK_POINTS = 30
LATE_POINTS, LATE_POINTS_MAX = 5, 25
NOT_SEEN_POINTS = ((NOT_SEEN_DAYS, 15), (91, 5))


# An essential milestone of housing, papers or rights that is neither done nor "sans objet".
CRITICAL_OPEN = Q(essential=True, category__in=CRITICAL_CATEGORIES) & ~Q(
    status__in=[MilestoneStatus.DONE, MilestoneStatus.NOT_APPLICABLE]
)


def is_critical_open(milestone: Milestone) -> bool:
    """`CRITICAL_OPEN` read on a loaded milestone (tests/test_readiness_rules.py: both agree)."""
    return (
        milestone.essential
        and milestone.category in CRITICAL_CATEGORIES
        and milestone.status not in (MilestoneStatus.DONE, MilestoneStatus.NOT_APPLICABLE)
    )


def dry_risk_reasons(person, milestones: list[Milestone]) -> list[str]:
    """Why a person annotated by `with_readiness` is at risk of a dry release, in French."""
    if not person.dry_risk:
        return []
    reasons = [f"« {m.label} » n'est pas fait" for m in milestones if is_critical_open(m)]
    if not person.has_arrangement:
        reasons.append("aucun aménagement de peine n'est demandé ni accordé")
    return reasons


def _count(milestones) -> Coalesce:
    counted = milestones.values("plan__detainee_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def readiness_annotations(today: datetime.date) -> dict:
    """The annotations of `with_readiness(people, today)` (see the module docstring)."""

    in_open_plan = Milestone.objects.filter(
        plan__detainee_id=OuterRef("pk"), plan__closed_on__isnull=True
    ).order_by()
    essential = in_open_plan.filter(essential=True).exclude(status=MilestoneStatus.NOT_APPLICABLE)
    unfinished = in_open_plan.filter(status__in=OPEN_STATUSES)
    next_due = unfinished.exclude(target_date=None).order_by("target_date", "position", "pk")
    last_contact = (
        Contact.objects.filter(detainee_id=OuterRef("pk"))
        .order_by()
        .values("detainee_id")
        .annotate(last=Max("on_date"))
        .values("last")
    )
    arrangement = SentenceArrangement.objects.filter(
        detainee_id=OuterRef("pk"),
        status__in=[ArrangementStatus.REQUESTED, ArrangementStatus.GRANTED],
    )
    return {
        "essential_total": _count(essential),
        "essential_done": _count(essential.filter(status=MilestoneStatus.DONE)),
        "late_count": _count(unfinished.filter(target_date__lt=today)),
        "critical_open": _count(in_open_plan.filter(CRITICAL_OPEN)),
        "next_due_date": Subquery(next_due.values("target_date")[:1], output_field=DateField()),
        "next_due_label": Subquery(next_due.values("label")[:1]),
        "last_contact_on": Subquery(last_contact, output_field=DateField()),
        "has_arrangement": Exists(arrangement),
    }


def risk_condition(today: datetime.date) -> Q:
    """Sortie sèche à risque, on an queryset annotated by `readiness_annotations`."""
    return release_within(DRY_RISK_DAYS, today) & (
        Q(critical_open__gt=0) | Q(has_arrangement=False)
    )


def not_seen_condition(today: datetime.date, days: int = NOT_SEEN_DAYS) -> Q:
    return Q(last_contact_on__isnull=True) | Q(
        last_contact_on__lt=today - datetime.timedelta(days=days)
    )


def risk_and_urgency_annotations(today: datetime.date) -> dict:
    """To add after `readiness_annotations` (they read its values)."""
    horizon = Case(
        *[When(release_within(days, today), then=Value(points)) for days, points in HORIZONS],
        default=Value(0),
        output_field=IntegerField(),
    )
    not_seen = Case(
        *[
            When(not_seen_condition(today, days), then=Value(points))
            for days, points in NOT_SEEN_POINTS
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    dry_risk = Case(
        When(risk_condition(today), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return {
        "dry_risk": dry_risk,
        "urgency": horizon
        + Case(When(risk_condition(today), then=Value(RISK_POINTS)), default=Value(0))
        + Least("late_count", Value(LATE_POINTS_MAX // LATE_POINTS)) * Value(LATE_POINTS)
        + not_seen,
    }


def with_readiness(people: QuerySet, today: datetime.date) -> QuerySet:
    """A Detainee queryset annotated with readiness, late milestones, last contact, dry-release
    risk and urgency score (the rules of the module docstring)."""
    return people.annotate(**readiness_annotations(today)).annotate(
        **risk_and_urgency_annotations(today)
    )
