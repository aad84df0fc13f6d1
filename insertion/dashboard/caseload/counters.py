"""The counters of the dashboard and the number of people the filters keep: one aggregate query
over the scope. The counters follow the scope, not the filters; each links to the list its
count is about."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q

from insertion.dashboard.caseload.filters import LONG_WAIT_CONDITION, CaseloadFilterForm
from insertion.dashboard.caseload.selectors import Caseload
from insertion.detainees.models import release_within
from insertion.release.readiness import not_seen_condition, risk_condition

TOTAL = "total"


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    count: int
    url: str
    alert: bool = False  # shown in red when not zero


# (key, label, the filter it links to, its condition, alert)
def _counter_definitions(today: datetime.date):
    return (
        (
            "releases_30",
            "Libérations dans 30 jours",
            {"horizon": "30"},
            release_within(30, today),
            False,
        ),
        (
            "releases_90",
            "Libérations dans 90 jours",
            {"horizon": "90"},
            release_within(90, today),
            False,
        ),
        ("dry_risk", "Sorties sèches à risque", {"risque": "1"}, risk_condition(today), True),
        ("late", "Jalons en retard", {"retard": "1"}, Q(late_count__gt=0), True),
        ("not_seen", "Non vus depuis 6 mois", {"non_vus": "6"}, not_seen_condition(today), False),
        (
            "unread",
            "Synthèses reçues non lues",
            {"synthese": "1"},
            Q(synthesis_unread=True),
            False,
        ),
        (
            "alerts",
            "Dates de libération avancées",
            {"alerte": "1"},
            Q(has_unread_alert=True),
            True,
        ),
        # People, like the others (the list it links to shows them): a person waits for more
        # than 3 months for one activity or more.
        (
            "long_wait",
            "En attente d'une activité depuis plus de 3 mois",
            {"attente": "1"},
            LONG_WAIT_CONDITION,
            False,
        ),
    )


def caseload_counts(
    caseload: Caseload, filters: CaseloadFilterForm, *, today: datetime.date, counters: bool = True
) -> dict[str, int]:
    """`total`: the people the filters keep; with `counters`, each counter's count too. One
    query, which computes each column it reads once per person of the scope."""
    condition = filters.condition()
    aggregates = {TOTAL: Count("pk", filter=condition) if condition else Count("pk")}
    if counters:
        for key, _, _, counted, _ in _counter_definitions(today):
            aggregates[key] = Count("pk", filter=counted)
    return caseload.people.aggregate(**aggregates)


def caseload_counters(
    counts: dict[str, int], filters: CaseloadFilterForm, *, today: datetime.date, base_url: str
) -> list[Counter]:
    scope = filters.scope_params()
    return [
        Counter(
            key=key,
            label=label,
            count=counts[key],
            url=f"{base_url}?{urlencode({**scope, **params})}",
            alert=alert,
        )
        for key, label, params, _, alert in _counter_definitions(today)
    ]
