"""Indicator 4 — the barriers found at the arrival interviews: prevalence by category and level.

Withheld « Freins » sections are NOT counted, although entretiens/sharing.py allows anonymous
statistics to count them: managers read exact figures for their own establishment over any
period, down to a single day, where one interview can be alone; counting its withheld answers
would show them. The interviews left out are counted apart (`parts["withheld"]`).

Additivity (the monthly snapshot adds results kept per establishment and month): every count
adds up across establishments and months (an interview belongs to one establishment and is first
validated on one day, it has one level per barrier); the rate is recomputed from the sums. No
quantile here, hence no `distribution`.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Q

from entretiens.choices import BarrierCategory, BarrierLevel, Section
from entretiens.models import BarrierAssessment
from entretiens.sharing import PRESENT_LEVELS, is_shared
from insertion.statistics.definitions import Definition, Period, Result
from insertion.statistics.indicators.common import validated_in_period

WITHHELD = "withheld"

BARRIERS = Definition(
    code="barrier_prevalence",
    title="Freins relevés à l'entretien d'arrivée",
    numerator="Entretiens validés dans la période relevant au moins un frein (léger, important "
    "ou bloquant) ; par frein et par niveau, les entretiens qui relèvent ce frein à ce niveau.",
    denominator="Entretiens d'arrivée validés pour la première fois dans la période dont la "
    "personne partage la section « Freins ».",
    exclusions="Les entretiens dont la personne n'a pas souhaité partager la section « Freins » "
    "ne sont pas comptés (ils sont dénombrés à part) ; un entretien rectifié compte une fois, "
    "dans la période de sa première validation, avec ses réponses actuelles ; les entretiens "
    "déclarés non réalisés ne comptent pas. Un frein évalué « aucun » n'est pas un frein.",
)


def compute(establishment_ids: list[int], period: Period, *, today: datetime.date) -> Result:
    """`parts`: "<frein>" and "<frein>:<niveau>" → interviews (only the barriers and levels
    found), and "withheld" → interviews left out. Two queries."""
    interviews = validated_in_period(establishment_ids, period)
    present = BarrierAssessment.objects.filter(
        interview_id=OuterRef("pk"), level__in=PRESENT_LEVELS
    )
    by_sharing = (
        interviews.alias(has_barrier=Exists(present))
        .values("withheld_sections")
        .annotate(n=Count("pk"), with_barrier=Count("pk", filter=Q(has_barrier=True)))
        .order_by()
    )
    denominator = numerator = left_out = 0
    for row in by_sharing:
        if is_shared(row["withheld_sections"], Section.BARRIERS):
            denominator += row["n"]
            numerator += row["with_barrier"]
        else:
            left_out += row["n"]

    rows = (
        BarrierAssessment.objects.filter(interview__in=interviews, level__in=PRESENT_LEVELS)
        .values("category", "level", "interview__withheld_sections")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        if is_shared(row["interview__withheld_sections"], Section.BARRIERS):
            key = (row["category"], row["level"])
            counts[key] = counts.get(key, 0) + row["n"]

    parts: dict[str, int] = {}
    for category in BarrierCategory.values:
        levels = {level: counts.get((category, level), 0) for level in PRESENT_LEVELS}
        if not any(levels.values()):
            continue
        parts[category] = sum(levels.values())
        for level in BarrierLevel.values:
            if levels.get(level):
                parts[f"{category}:{level}"] = levels[level]
    parts[WITHHELD] = left_out
    return Result(
        definition=BARRIERS,
        numerator=numerator,
        denominator=denominator,
        value=Result.rate(numerator, denominator),
        parts=parts,
    )
