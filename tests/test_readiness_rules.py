"""The dry-release risk is one rule read two ways: `CRITICAL_OPEN` in SQL for the lists and
counters, `is_critical_open` in Python for the reasons shown on the person page. Every
combination of essential, category and status must give the same answer in both."""

import itertools

import pytest
from django.utils import timezone

from insertion.detainees.models import Detainee
from insertion.release.models import (
    CRITICAL_CATEGORIES,
    Milestone,
    MilestoneCategory,
    MilestoneStatus,
    ReleasePlan,
)
from insertion.release.readiness import (
    CRITICAL_OPEN,
    dry_risk_reasons,
    is_critical_open,
    with_readiness,
)
from tests.factories import DetaineeFactory

pytestmark = pytest.mark.django_db

COMBINATIONS = list(
    itertools.product((True, False), MilestoneCategory.values, MilestoneStatus.values)
)


def every_combination(plan) -> None:
    for position, (essential, category, status) in enumerate(COMBINATIONS):
        Milestone.objects.create(
            plan=plan,
            label=f"{essential}-{category}-{status}",
            category=category,
            essential=essential,
            status=status,
            done_on=timezone.localdate() if status == MilestoneStatus.DONE else None,
            not_applicable_reason="Sans objet" if status == MilestoneStatus.NOT_APPLICABLE else "",
            position=position,
        )


def test_the_sql_and_the_python_readings_of_a_critical_open_milestone_agree(fresnes):
    person = DetaineeFactory(establishment=fresnes)
    plan = ReleasePlan.objects.create(detainee=person)
    every_combination(plan)
    milestones = list(plan.milestones.all())
    in_sql = set(plan.milestones.filter(CRITICAL_OPEN).values_list("pk", flat=True))
    in_python = {m.pk for m in milestones if is_critical_open(m)}
    assert in_sql == in_python
    # Both readings find something and leave something out, so the comparison can fail.
    assert 0 < len(in_sql) < len(milestones)
    assert all(m.category in CRITICAL_CATEGORIES for m in milestones if m.pk in in_sql)


def test_the_reasons_name_the_milestones_the_sql_counts(fresnes):
    person = DetaineeFactory(
        establishment=fresnes,
        expected_release_date=timezone.localdate() + timezone.timedelta(days=30),
    )
    plan = ReleasePlan.objects.create(detainee=person)
    every_combination(plan)
    annotated = with_readiness(Detainee.objects.all(), timezone.localdate()).get(pk=person.pk)
    reasons = dry_risk_reasons(annotated, list(plan.milestones.all()))
    assert annotated.dry_risk
    # One reason per critical open milestone, plus the missing sentence arrangement.
    assert len(reasons) == annotated.critical_open + 1
    assert reasons[-1] == "aucun aménagement de peine n'est demandé ni accordé"
