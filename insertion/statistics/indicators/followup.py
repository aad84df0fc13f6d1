"""Indicator 7 — follow-up: people held per CPIP, people not seen for 6 months (one query for
both), and the DLPs brought forward in the period.

« Non vus depuis 6 mois » is the caseload's rule (insertion/release/readiness.py
`not_seen_condition`): no contact recorded, or the last one more than 183 days ago.

Additivity (the monthly snapshot adds results kept per establishment and month): the DLPs
brought forward count changes of one person (one establishment) on one day: their counts and
their `distribution` add up across establishments and months, the median and the maximum are
recomputed from it. NOT additive across months — the state of `today` — : people per CPIP (its
counts, its `distribution` and the figures drawn from it: median, 9th decile, minimum, maximum,
number of CPIP) and the people not seen for 6 months; both add up across establishments, a CPIP
counting once in each establishment where they are a referent.
"""

import datetime

from django.db.models import Count, Q

from insertion.detainees.choices import ReleaseDateChangeReason
from insertion.detainees.models import Detainee, ReleaseDateChange
from insertion.release.readiness import NOT_SEEN_DAYS, not_seen_condition, readiness_annotations
from insertion.statistics.definitions import Definition, Period, Result
from insertion.statistics.indicators.common import (
    TWELVE_WEEKS_DAYS,
    distribution_figures,
    distribution_of,
    dlp_within_twelve_weeks,
)

PEOPLE_PER_CPIP = Definition(
    code="people_per_cpip",
    title="Personnes suivies par CPIP",
    numerator="Répartition, entre les CPIP référents, du nombre de personnes détenues "
    "aujourd'hui dont ils sont le référent : médiane, minimum, maximum et 9e décile.",
    denominator="Personnes détenues aujourd'hui dans le périmètre ; celles sans CPIP référent "
    "sont dénombrées à part.",
    exclusions="Indépendant de la période : l'état du jour (ne s'additionne pas d'un mois à "
    "l'autre). Un CPIP ne compte que s'il est le référent d'au moins une personne détenue du "
    "périmètre (un CPIP sans personne suivie n'est pas dans la répartition). Un CPIP référent "
    "dans plusieurs établissements compte une fois dans chacun, avec les personnes de cet "
    "établissement.",
    unit="personnes",
)

NOT_SEEN = Definition(
    code="not_seen_6_months",
    title="Personnes non vues depuis 6 mois",
    numerator=f"Personnes détenues aujourd'hui sans contact enregistré avec leur CPIP (entretien, "
    f"courrier, téléphone, visioconférence) depuis plus de {NOT_SEEN_DAYS} jours, ou sans aucun "
    "contact : la règle du tableau de bord des CPIP. Réparties selon la DLP : dans 12 semaines "
    "ou moins (ou passée), au-delà ou sans DLP.",
    denominator="Personnes détenues aujourd'hui dans le périmètre.",
    exclusions="Indépendant de la période : l'état du jour (ne s'additionne pas d'un mois à "
    "l'autre). Une personne arrivée depuis peu et jamais vue compte parmi les personnes non "
    "vues.",
)

DLP_BROUGHT_FORWARD = Definition(
    code="dlp_brought_forward",
    title="Dates de libération avancées",
    numerator="Changements de DLP enregistrés dans la période dont la nouvelle date précède "
    "l'ancienne, par motif ; ceux qui placent la libération à 12 semaines ou moins du "
    "changement sont dénombrés à part ; médiane et maximum de l'avancée, en jours entiers "
    "(calculés sur la répartition des avancées).",
    denominator="Changements de DLP enregistrés dans la période (date du changement), hors "
    "date initiale.",
    exclusions="La DLP initiale n'est pas un changement. Une personne compte pour son "
    "établissement actuel (ou celui d'où elle a été libérée).",
)


def compute(establishment_ids: list[int], period: Period, *, today: datetime.date) -> list[Result]:
    """[people per CPIP, not seen for 6 months, DLPs brought forward]. Two queries."""
    return [*caseloads(establishment_ids, today=today), brought_forward(establishment_ids, period)]


def caseloads(establishment_ids: list[int], *, today: datetime.date) -> tuple[Result, Result]:
    """(people per CPIP, not seen for 6 months) in one query grouped by establishment and
    referent.

    People per CPIP: `distribution` {people held with this referent in one establishment:
    CPIP}; from it `value` and `figures["median"]` the median, `figures` "min", "max",
    "ninth_decile", "cpip" (how many CPIP, one per establishment where they are a referent);
    `parts` "with_referent", "without_referent".
    Not seen: `parts` "within_12_weeks", "beyond_12_weeks" (or without DLP), "never_seen"."""
    not_seen = not_seen_condition(today)
    rows = (
        Detainee.objects.held()
        .filter(establishment_id__in=establishment_ids)
        .alias(last_contact_on=readiness_annotations(today)["last_contact_on"])
        .values("establishment_id", "referent_id")
        .annotate(
            n=Count("pk"),
            not_seen=Count("pk", filter=not_seen),
            not_seen_soon=Count("pk", filter=not_seen & dlp_within_twelve_weeks(today)),
            never_seen=Count("pk", filter=Q(last_contact_on__isnull=True)),
        )
        .order_by()
    )
    per_cpip: list[int] = []  # people, per referent and establishment
    without_referent = held = unseen = unseen_soon = never = 0
    for row in rows:
        held += row["n"]
        unseen += row["not_seen"]
        unseen_soon += row["not_seen_soon"]
        never += row["never_seen"]
        if row["referent_id"] is None:
            without_referent += row["n"]
        else:
            per_cpip.append(row["n"])
    distribution = distribution_of(per_cpip)
    quantiles = distribution_figures(distribution)
    people = Result(
        definition=PEOPLE_PER_CPIP,
        numerator=held - without_referent,
        denominator=held,
        value=quantiles["median"],
        parts={"with_referent": held - without_referent, "without_referent": without_referent},
        figures={
            "median": quantiles["median"],
            "min": quantiles["min"],
            "max": quantiles["max"],
            "ninth_decile": quantiles["ninth_decile"],
            "cpip": sum(distribution.values()),
        },
        distribution=distribution,
    )
    not_seen_result = Result(
        definition=NOT_SEEN,
        numerator=unseen,
        denominator=held,
        value=Result.rate(unseen, held),
        parts={
            "within_12_weeks": unseen_soon,
            "beyond_12_weeks": unseen - unseen_soon,
            "never_seen": never,
        },
    )
    return people, not_seen_result


def brought_forward(establishment_ids: list[int], period: Period) -> Result:
    """`parts`: each reason → changes brought forward, and "within_12_weeks"; `distribution`:
    {whole days earlier: changes}; `figures` "median_days", "max_days" computed from it. One
    query."""
    rows = (
        ReleaseDateChange.objects.filter(
            detainee__establishment_id__in=establishment_ids,
            changed_on__gte=period.start,
            changed_on__lte=period.end,
        )
        .exclude(reason=ReleaseDateChangeReason.INITIAL)
        .values_list("reason", "changed_on", "previous_date", "new_date")
        .order_by()
    )
    by_reason = dict.fromkeys(
        (r for r in ReleaseDateChangeReason.values if r != ReleaseDateChangeReason.INITIAL), 0
    )
    earlier: list[int] = []  # whole days
    changes = soon = 0
    for reason, changed_on, previous_date, new_date in rows:
        changes += 1
        if new_date >= previous_date:
            continue
        by_reason[reason] += 1
        earlier.append((previous_date - new_date).days)
        soon += (new_date - changed_on).days <= TWELVE_WEEKS_DAYS
    distribution = distribution_of(earlier)
    quantiles = distribution_figures(distribution)
    return Result(
        definition=DLP_BROUGHT_FORWARD,
        numerator=len(earlier),
        denominator=changes,
        value=Result.rate(len(earlier), changes),
        parts={**by_reason, "within_12_weeks": soon},
        figures={"median_days": quantiles["median"], "max_days": quantiles["max"]},
        distribution=distribution,
    )
