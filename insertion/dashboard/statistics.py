"""Aggregate counts by establishment: never a named person, a constant number of queries."""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.db.models import Count, Q

from insertion.core.secrecy import secret_cells
from insertion.detainees.models import Detainee, Incarceration

ARRIVALS_WINDOW_DAYS = 30
RELEASES_WINDOW_DAYS = 90
MEASURES = ("held", "arrivals", "releases_soon")


@dataclass
class EstablishmentCounts:
    establishment: object
    held: int = 0
    arrivals: int = 0
    releases_soon: int = 0
    # The measures shown as secret (statistical secrecy); managers' own counts hide none.
    secret: frozenset[str] = frozenset()


@dataclass
class CountsTable:
    rows: list[EstablishmentCounts]
    total: EstablishmentCounts = field(init=False)

    def __post_init__(self):
        self.total = EstablishmentCounts(
            establishment=None,
            held=sum(r.held for r in self.rows),
            arrivals=sum(r.arrivals for r in self.rows),
            releases_soon=sum(r.releases_soon for r in self.rows),
        )


def establishment_counts(establishments, *, today: datetime.date) -> CountsTable:
    """People held, arrivals in the last 30 days, releases in the next 90 days, by establishment.

    Arrivals count stays that began in the window (new custody or transfer in), released
    people included. Three queries whatever the number of establishments.

    Each query reads only the rows its figures are about (people held; stays begun in the
    window) and counts rows (`COUNT(*)`), not a column: an index on what the condition reads
    can then answer alone, without reading released people nor past stays.
    """
    establishments = list(establishments)
    ids = [e.pk for e in establishments]
    release_horizon = today + datetime.timedelta(days=RELEASES_WINDOW_DAYS)
    people = (
        Detainee.objects.held()
        .filter(establishment_id__in=ids)
        .values("establishment_id")
        .annotate(
            held=Count("*"),
            # The DLP is never null in the window: counting it counts the people.
            releases_soon=Count(
                "expected_release_date",
                filter=Q(
                    expected_release_date__gte=today, expected_release_date__lte=release_horizon
                ),
            ),
        )
        .order_by()
    )
    arrivals = (
        Incarceration.objects.filter(
            establishment_id__in=ids,
            arrival_date__gt=today - datetime.timedelta(days=ARRIVALS_WINDOW_DAYS),
            arrival_date__lte=today,
        )
        .values("establishment_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    by_id = {e.pk: EstablishmentCounts(establishment=e) for e in establishments}
    for row in people:
        counts = by_id[row["establishment_id"]]
        counts.held = row["held"]
        counts.releases_soon = row["releases_soon"]
    for row in arrivals:
        by_id[row["establishment_id"]].arrivals = row["n"]
    return CountsTable(rows=list(by_id.values()))


def by_region_with_secrecy(table: CountsTable) -> list[tuple[object, CountsTable]]:
    """The national page's tables (rows ordered by region), with statistical secrecy applied.

    The page shows every establishment's counts, each region's total and the national total
    (`table.total`), so those are the cells and sums given to `secret_cells`; people releasing
    soon are among the people held, which the reader knows too. Sets `secret` on every row and
    total; the exact figures stay on the objects, the template shows the mark instead.
    """
    regions = [
        (region, CountsTable(rows=list(rows)))
        for region, rows in groupby(table.rows, key=lambda r: r.establishment.region)
    ]
    values, sums, pairs = {}, [], []
    for measure in MEASURES:
        national = ("national", measure)
        values[national] = getattr(table.total, measure)
        sums.append((national, [("region", i, measure) for i in range(len(regions))]))
        for i, (_region, counts) in enumerate(regions):
            values[("region", i, measure)] = getattr(counts.total, measure)
            cells = [("establishment", row.establishment.pk, measure) for row in counts.rows]
            sums.append((("region", i, measure), cells))
            for cell, row in zip(cells, counts.rows, strict=True):
                values[cell] = getattr(row, measure)
    for row in table.rows:
        pk = row.establishment.pk
        pairs.append((("establishment", pk, "releases_soon"), ("establishment", pk, "held")))
    hidden = secret_cells(values, sums, pairs, smallest=settings.STATISTICS_SMALLEST_SHOWN)

    def secret(*key):
        return frozenset(m for m in MEASURES if (*key, m) in hidden)

    table.total.secret = secret("national")
    for i, (_region, counts) in enumerate(regions):
        counts.total.secret = secret("region", i)
        for row in counts.rows:
            row.secret = secret("establishment", row.establishment.pk)
    return regions
