"""Indicator 5 — projects and orientations: the orientations of the interviews validated in the
period by kind, what became of the requests they made (request → waiting list → place), how
long people waited, and demand against places today.

As for the barriers (barriers.py), a withheld « Préconisations » section is not counted in the
orientations: a manager's exact figures over a short period could show it. Its requests, made
before the section was withheld, are counted: the services acted on them and see them anyway.

Additivity (the monthly snapshot adds results kept per establishment and month): the
orientations, the requests' outcomes and the waiting time count interviews and requests that
belong to one establishment and one month (their interview's first validation): their counts
and the waiting time's `distribution` add up, its median and 9th decile are recomputed from it.
Their states are those of `today` (a request still waiting keeps waiting, its wait grows).
NOT additive across months: demand against places (`demand`) is the state of `today` — its
people waiting, requests to review, places and offers add up across establishments only, and
its `value` (people waiting per place) is recomputed from the sums.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum

from entretiens.choices import OrientationKind, Priority, Section
from entretiens.models import Orientation
from entretiens.sharing import is_shared
from insertion.placements.choices import ORIENTATION_TO_OFFER_KIND, OfferKind, RequestStatus
from insertion.placements.models import Offer, PlacementRequest
from insertion.statistics.definitions import Definition, Period, Result
from insertion.statistics.indicators.common import (
    distribution_figures,
    distribution_of,
    validated_in_period,
)

WITHHELD = "withheld"
WAITED = "waited"  # requests put on a waiting list at some point
PLACED = (RequestStatus.ALLOCATED, RequestStatus.DONE)
WAIT_ENDED = (RequestStatus.REFUSED, RequestStatus.WITHDRAWN, RequestStatus.CLOSED)

ORIENTATIONS = Definition(
    code="orientations",
    title="Orientations préconisées à l'entretien d'arrivée",
    numerator="Entretiens validés dans la période préconisant au moins une orientation vers un "
    "service de l'établissement (travail, formation professionnelle, enseignement, lutte contre "
    "l'illettrisme, numérique) ; par orientation (et par priorité), les entretiens qui la "
    "préconisent.",
    denominator="Entretiens d'arrivée validés pour la première fois dans la période dont la "
    "personne partage la section « Préconisations ».",
    exclusions="Les entretiens dont la personne n'a pas souhaité partager la section "
    "« Préconisations » ne sont pas comptés (ils sont dénombrés à part) ; un entretien rectifié "
    "compte une fois, dans la période de sa première validation, avec ses réponses actuelles ; "
    "les entretiens déclarés non réalisés ne comptent pas.",
)

REQUEST_OUTCOMES = Definition(
    code="orientation_outcomes",
    title="Devenir des demandes issues des orientations",
    numerator="Demandes ayant obtenu une place (affectées ou terminées), à la date des données.",
    denominator="Demandes faites à partir des entretiens validés pour la première fois dans la "
    "période ; chacune comptée dans son état du jour : à examiner, en liste d'attente, affectée, "
    "terminée, refusée, retirée par la personne ou close (transfert, libération). Les demandes "
    "passées par la liste d'attente sont dénombrées à part.",
    exclusions="Les demandes faites directement (CPIP, équipe, personne) ne comptent pas. Les "
    "orientations du ressort du CPIP (aménagement, France Travail, accès aux droits, soins…) ne "
    "font pas de demande.",
)

WAITING_TIME = Definition(
    code="orientation_waiting_time",
    title="Durée d'attente d'une place",
    numerator="Médiane et 9e décile, en jours, du temps passé en liste d'attente : de la mise en "
    "liste d'attente au début de l'affectation ; pour une demande refusée, retirée ou close "
    "après attente, jusqu'à cette fin ; pour une demande encore en attente, jusqu'à la date des "
    "données (attente en cours). Jours entiers, calculés sur la répartition des attentes.",
    denominator="Demandes issues des entretiens validés pour la première fois dans la période et "
    "passées par la liste d'attente.",
    exclusions="Les demandes affectées sans passer par la liste d'attente, et celles encore à "
    "examiner, n'ont pas de durée d'attente.",
    unit="jours",
)

DEMAND = Definition(
    code="demand_vs_places",
    title="Demandes en attente et places disponibles",
    numerator="Personnes en liste d'attente, à la date des données, par type d'offre (les "
    "demandes à examiner sont dénombrées à part).",
    denominator="Places des offres pouvant encore accueillir (actives, permanentes ou non "
    "terminées), par type d'offre.",
    exclusions="Indépendant de la période : l'état du jour (ne s'additionne pas d'un mois à "
    "l'autre). Un type d'offre apparaît s'il a une offre, quelqu'un en attente ou une demande à "
    "examiner.",
    unit="personnes en attente par place",
)


def compute(establishment_ids: list[int], period: Period, *, today: datetime.date) -> list[Result]:
    """[orientations, request outcomes, waiting time, demand vs places]. Five queries."""
    return [
        orientations(establishment_ids, period, today=today),
        *requests(establishment_ids, period, today=today),
        demand(establishment_ids, today=today),
    ]


def orientations(establishment_ids: list[int], period: Period, *, today: datetime.date) -> Result:
    """`parts`: "<orientation>" and "<orientation>:<priorité>" → interviews, and "withheld" →
    interviews left out. Two queries."""
    interviews = validated_in_period(establishment_ids, period)
    to_a_service = Orientation.objects.filter(
        interview_id=OuterRef("pk"), kind__in=list(ORIENTATION_TO_OFFER_KIND)
    )
    by_sharing = (
        interviews.alias(to_a_service=Exists(to_a_service))
        .values("withheld_sections")
        .annotate(n=Count("pk"), to_a_service=Count("pk", filter=Q(to_a_service=True)))
        .order_by()
    )
    denominator = numerator = left_out = 0
    for row in by_sharing:
        if is_shared(row["withheld_sections"], Section.RECOMMENDATIONS):
            denominator += row["n"]
            numerator += row["to_a_service"]
        else:
            left_out += row["n"]

    rows = (
        Orientation.objects.filter(interview__in=interviews)
        .values("kind", "priority", "interview__withheld_sections")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        if is_shared(row["interview__withheld_sections"], Section.RECOMMENDATIONS):
            key = (row["kind"], row["priority"])
            counts[key] = counts.get(key, 0) + row["n"]
    parts: dict[str, int] = {}
    for kind in OrientationKind.values:
        by_priority = {p: counts.get((kind, p), 0) for p in Priority.values}
        if not any(by_priority.values()):
            continue
        parts[kind] = sum(by_priority.values())
        for priority, n in by_priority.items():
            if n:
                parts[f"{kind}:{priority}"] = n
    parts[WITHHELD] = left_out
    return Result(
        definition=ORIENTATIONS,
        numerator=numerator,
        denominator=denominator,
        value=Result.rate(numerator, denominator),
        parts=parts,
    )


def _wait_end(status: str, start_date, ended_on, today: datetime.date) -> datetime.date | None:
    if status in PLACED:
        return start_date
    if status in WAIT_ENDED:
        return ended_on
    if status == RequestStatus.WAITING:
        return today
    return None


def requests(
    establishment_ids: list[int], period: Period, *, today: datetime.date
) -> tuple[Result, Result]:
    """(outcomes, waiting time) of the requests made from the interviews validated in the
    period, in one query. Outcomes' `parts`: each request status → requests, and "waited" →
    requests that went through the waiting list. Waiting time's `distribution`: {whole days on
    the waiting list: requests}; its `figures` "median_days", "ninth_decile_days" computed from
    it, and `value` the median; its `parts`: "ongoing" (still waiting) and "ended"."""
    rows = PlacementRequest.objects.filter(
        interview__in=validated_in_period(establishment_ids, period)
    ).values_list("status", "waiting_since", "start_date", "ended_on")
    by_status = dict.fromkeys(RequestStatus.values, 0)
    waits: list[int] = []  # whole days
    ongoing = 0
    for status, waiting_since, start_date, ended_on in rows:
        by_status[status] += 1
        if waiting_since is None:
            continue
        end = _wait_end(status, start_date, ended_on, today)
        if end is None:
            continue
        waits.append(max(0, (end - waiting_since).days))
        ongoing += status == RequestStatus.WAITING
    total = sum(by_status.values())
    placed = sum(by_status[s] for s in PLACED)
    distribution = distribution_of(waits)
    quantiles = distribution_figures(distribution)
    outcomes = Result(
        definition=REQUEST_OUTCOMES,
        numerator=placed,
        denominator=total,
        value=Result.rate(placed, total),
        parts={**by_status, WAITED: len(waits)},
    )
    waiting = Result(
        definition=WAITING_TIME,
        numerator=len(waits),
        denominator=len(waits),
        value=quantiles["median"],
        parts={"ongoing": ongoing, "ended": len(waits) - ongoing},
        figures={
            "median_days": quantiles["median"],
            "ninth_decile_days": quantiles["ninth_decile"],
        },
        distribution=distribution,
    )
    return outcomes, waiting


def demand(establishment_ids: list[int], *, today: datetime.date) -> Result:
    """Today's demand against places, summed over the establishments: the rule of
    insertion/placements/waiting.py `demand_vs_places`, restated over many establishments in
    two queries (that function reads one establishment at a time). One difference: a kind
    appears as soon as it has an offer, someone waiting or a request to review (that function
    leaves out a kind with only requests to review), so that the counts of a scope are the sums
    of its establishments' counts, kind by kind.

    `parts`: "waiting:<type>", "to_review:<type>" → requests; `figures`: "places:<type>",
    "offers:<type>". numerator = people waiting, denominator = places, value = people waiting
    per place."""
    offers = {
        row["kind"]: row
        for row in Offer.objects.current(today)
        .filter(establishment_id__in=establishment_ids)
        .values("kind")
        .annotate(places=Sum("places"), offers=Count("pk"))
        .order_by()
    }
    demand_rows = {
        row["offer_kind"]: row
        for row in PlacementRequest.objects.filter(
            establishment_id__in=establishment_ids,
            status__in=(RequestStatus.WAITING, RequestStatus.TO_REVIEW),
        )
        .values("offer_kind")
        .annotate(
            waiting=Count("pk", filter=Q(status=RequestStatus.WAITING)),
            to_review=Count("pk", filter=Q(status=RequestStatus.TO_REVIEW)),
        )
        .order_by()
    }
    parts: dict[str, int] = {}
    figures: dict[str, float | None] = {}
    for kind in OfferKind.values:
        offer_row, demand_row = offers.get(kind), demand_rows.get(kind)
        if offer_row is None and demand_row is None:
            continue
        parts[f"waiting:{kind}"] = demand_row["waiting"] if demand_row else 0
        parts[f"to_review:{kind}"] = demand_row["to_review"] if demand_row else 0
        figures[f"places:{kind}"] = offer_row["places"] if offer_row else 0
        figures[f"offers:{kind}"] = offer_row["offers"] if offer_row else 0
    waiting = sum(v for k, v in parts.items() if k.startswith("waiting:"))
    places = int(sum(v for k, v in figures.items() if k.startswith("places:")))
    return Result(
        definition=DEMAND,
        numerator=waiting,
        denominator=places,
        value=round(waiting / places, 2) if places else None,
        parts=parts,
        figures=figures,
    )
