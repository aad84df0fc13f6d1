"""The vocabulary of the steering indicators (issue 15): a period, a scope, a definition shown
beside every figure, and the figures themselves.

Every indicator module (`indicators/*.py`) exposes one function per indicator,
``compute(establishment_ids, period, *, today) -> Result``, reading the database in a constant
number of queries whatever the number of establishments, with its `Definition` beside it. A
`Result` keeps the raw counts (numerator, denominator, parts) so that the pages, the exports and
the report apply the statistical secrecy (insertion/core/secrecy.py) to the counts, never to a
rounded rate.
"""

import calendar
import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Definition:
    """What a figure means, in the words shown under it (« À propos des indicateurs »)."""

    code: str
    title: str
    numerator: str
    denominator: str = ""
    exclusions: str = ""
    unit: str = "%"  # "%", "jours", "personnes"…


@dataclass(frozen=True)
class Period:
    """Calendar days from `start` to `end`, both included."""

    start: datetime.date
    end: datetime.date
    label: str = ""

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("A period ends after it starts.")

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        last = calendar.monthrange(year, month)[1]
        start = datetime.date(year, month, 1)
        return cls(start, datetime.date(year, month, last), f"{MONTHS[month - 1]} {year}")

    @classmethod
    def last_twelve_months(cls, today: datetime.date) -> "Period":
        """The twelve full months before the month of `today`."""
        end = today.replace(day=1) - datetime.timedelta(days=1)
        year, month = divmod(end.year * 12 + end.month - 1 - 11, 12)
        return cls(datetime.date(year, month + 1, 1), end, "12 derniers mois")


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass
class Result:
    """One indicator over one scope and period: the raw counts, and the parts it splits into
    (by reason, category, kind…), each a count. `value` is the rate or the figure (median days)
    when it can be computed (None when the denominator is 0 or nothing was measured)."""

    definition: Definition
    numerator: int | None = None
    denominator: int | None = None
    value: float | None = None
    parts: dict[str, int] = field(default_factory=dict)
    # Extra figures named by the indicator (e.g. "median_days", "ninth_decile_days").
    figures: dict[str, float | None] = field(default_factory=dict)
    # For the figures that are quantiles: {value (whole days, people…): how many}, so that
    # results kept per establishment and month add up and give the same median again.
    distribution: dict[int, int] = field(default_factory=dict)

    @staticmethod
    def rate(numerator: int, denominator: int) -> float | None:
        return None if not denominator else round(100 * numerator / denominator, 1)
