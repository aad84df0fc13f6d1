"""Indicator 6 — releases: dry releases against releases under an arrangement (all, then délits
and crimes apart: `Detainee.offence_category`), readiness at release (the plan's final state,
frozen at the release), and the people at risk of a dry release today.

The risk is the one rule of insertion/release/readiness.py (`risk_condition`), the very one the
caseload counts as « Sorties sèches à risque »: held, DLP within 90 days or past, and either no
sentence arrangement requested or granted, or an essential milestone of housing, papers or
rights not done.

Additivity (the monthly snapshot adds results kept per establishment and month): the releases
and the readiness at release count people released on one day from one establishment: their
counts add up across establishments and months, their rates are recomputed from the sums. No
quantile here, hence no `distribution`. NOT additive across months: the people at risk of a dry
release (`risk`) are the state of `today` — its counts add up across establishments only.
"""

import dataclasses
import datetime

from django.db.models import Count, F, Q

from insertion.detainees.choices import OffenceCategory, ReleaseKind
from insertion.detainees.models import Detainee, release_within
from insertion.release.readiness import DRY_RISK_DAYS, readiness_annotations, risk_condition
from insertion.statistics.definitions import Definition, Period, Result
from insertion.statistics.indicators.common import dlp_within_twelve_weeks

# Not a release at the end of a sentence: neither dry nor under an arrangement.
NOT_COUNTED_KINDS = (ReleaseKind.AT_HEARING,)

DRY_RELEASES = Definition(
    code="dry_releases",
    title="Sorties sèches",
    numerator="Personnes libérées dans la période en sortie sèche (fin de peine sans "
    "aménagement) ; les sorties sous chaque aménagement (LSC, DDSE, semi-liberté, placement à "
    "l'extérieur, libération conditionnelle) sont dénombrées à côté.",
    denominator="Personnes libérées dans la période (date de libération effective) d'un "
    "établissement du périmètre, hors libérations à l'audience.",
    exclusions="Les libérations à l'audience (personnes prévenues) ne sont ni des sorties sèches "
    "ni des aménagements : dénombrées à part, hors du dénominateur. Une personne compte pour "
    "l'établissement d'où elle est libérée.",
)
DRY_RELEASES_BY_OFFENCE = {
    OffenceCategory.MISDEMEANOUR: dataclasses.replace(
        DRY_RELEASES, code="dry_releases_delit", title="Sorties sèches — délits"
    ),
    OffenceCategory.FELONY: dataclasses.replace(
        DRY_RELEASES, code="dry_releases_crime", title="Sorties sèches — crimes"
    ),
}

READINESS = Definition(
    code="readiness_at_release",
    title="Préparation de la sortie achevée à la libération",
    numerator="Personnes libérées dans la période dont tous les jalons essentiels du plan de "
    "préparation à la sortie étaient faits à la libération.",
    denominator="Personnes libérées dans la période dont le plan, clos à la libération, "
    "comptait au moins un jalon essentiel (les jalons « sans objet » ne comptent pas).",
    exclusions="Les personnes libérées sans plan clos, et celles dont le plan ne comptait aucun "
    "jalon essentiel, sont dénombrées à part. L'état retenu est celui figé à la libération.",
)

DRY_RISK = Definition(
    code="dry_release_risk",
    title="Personnes à risque de sortie sèche",
    numerator="Personnes détenues aujourd'hui, libérables dans les 90 jours (ou dont la DLP est "
    "passée), sans aménagement de peine demandé ni accordé, ou dont un jalon essentiel de "
    "logement, de papiers ou de droits n'est pas fait : la règle du tableau de bord des CPIP. "
    "Réparties selon la DLP : dans 12 semaines ou moins, au-delà.",
    denominator="Personnes détenues aujourd'hui libérables dans les 90 jours (ou dont la DLP "
    "est passée).",
    exclusions="Indépendant de la période : l'état du jour (ne s'additionne pas d'un mois à "
    "l'autre). Un aménagement refusé, révoqué ou "
    "caduc ne protège pas d'une sortie sèche. Les personnes sans DLP ne comptent pas.",
)


def compute(establishment_ids: list[int], period: Period, *, today: datetime.date) -> list[Result]:
    """[dry releases, délits, crimes, readiness at release, dry-release risk now]. Two queries."""
    return [*released(establishment_ids, period, today=today), risk(establishment_ids, today=today)]


def released(establishment_ids: list[int], period: Period, *, today: datetime.date) -> list[Result]:
    """The people released in the period, by offence and kind of release, in one query.

    Dry releases' `parts`: each kind of release → people. Readiness's `parts`: "ready",
    "not_ready", "no_plan" (no plan closed at the release), "no_essential"."""
    essential = Q(release_plan__final_essential_total__gt=0)
    rows = (
        Detainee.objects.filter(
            establishment_id__in=establishment_ids,
            release_date__gte=period.start,
            release_date__lte=period.end,
        )
        .values("offence_category", "release_kind")
        .annotate(
            n=Count("pk"),
            essential=Count("pk", filter=essential),
            ready=Count(
                "pk",
                filter=essential
                & Q(release_plan__final_essential_done=F("release_plan__final_essential_total")),
            ),
            closed_plan=Count("pk", filter=Q(release_plan__final_essential_total__isnull=False)),
        )
        .order_by()
    )
    by_offence = {category: dict.fromkeys(ReleaseKind.values, 0) for category in OffenceCategory}
    ready = with_essential = with_closed_plan = total = 0
    for row in rows:
        by_offence[row["offence_category"]][row["release_kind"]] += row["n"]
        total += row["n"]
        ready += row["ready"]
        with_essential += row["essential"]
        with_closed_plan += row["closed_plan"]

    def dry(definition: Definition, kinds: dict[str, int]) -> Result:
        denominator = sum(n for kind, n in kinds.items() if kind not in NOT_COUNTED_KINDS)
        return Result(
            definition=definition,
            numerator=kinds[ReleaseKind.DRY],
            denominator=denominator,
            value=Result.rate(kinds[ReleaseKind.DRY], denominator),
            parts=kinds,
        )

    every = {kind: sum(kinds[kind] for kinds in by_offence.values()) for kind in ReleaseKind.values}
    return [
        dry(DRY_RELEASES, every),
        *(dry(DRY_RELEASES_BY_OFFENCE[c], by_offence[c]) for c in OffenceCategory),
        Result(
            definition=READINESS,
            numerator=ready,
            denominator=with_essential,
            value=Result.rate(ready, with_essential),
            parts={
                "ready": ready,
                "not_ready": with_essential - ready,
                "no_plan": total - with_closed_plan,
                "no_essential": with_closed_plan - with_essential,
            },
        ),
    ]


def risk(establishment_ids: list[int], *, today: datetime.date) -> Result:
    """Today's people at risk of a dry release, in one query. `parts`: "within_12_weeks",
    "beyond_12_weeks" (DLP more than 12 weeks away, within 90 days), and the reasons (a person
    may have both): "no_arrangement", "critical_open"."""
    annotations = readiness_annotations(today)
    at_risk = risk_condition(today)
    rows = (
        Detainee.objects.held()
        .filter(establishment_id__in=establishment_ids)
        # Aliases: only the two columns the rule reads are computed. Grouped (as the team view
        # does) rather than `aggregate()`, which Django cannot put over these aliases.
        .alias(
            critical_open=annotations["critical_open"],
            has_arrangement=annotations["has_arrangement"],
        )
        .values("establishment_id")
        .annotate(
            soon=Count("pk", filter=release_within(DRY_RISK_DAYS, today)),
            at_risk=Count("pk", filter=at_risk),
            within_12_weeks=Count("pk", filter=at_risk & dlp_within_twelve_weeks(today)),
            no_arrangement=Count("pk", filter=at_risk & Q(has_arrangement=False)),
            critical_milestone=Count("pk", filter=at_risk & Q(critical_open__gt=0)),
        )
        .order_by()
    )
    keys = ("soon", "at_risk", "within_12_weeks", "no_arrangement", "critical_milestone")
    counts = dict.fromkeys(keys, 0)
    for row in rows:
        for key in keys:
            counts[key] += row[key]
    return Result(
        definition=DRY_RISK,
        numerator=counts["at_risk"],
        denominator=counts["soon"],
        value=Result.rate(counts["at_risk"], counts["soon"]),
        parts={
            "within_12_weeks": counts["within_12_weeks"],
            "beyond_12_weeks": counts["at_risk"] - counts["within_12_weeks"],
            "no_arrangement": counts["no_arrangement"],
            "critical_open": counts["critical_milestone"],
        },
    )
