"""The period of a steering page: the selector (the last 12 months, a full quarter, a month,
or custom — from one month to another), and the 13 months of the trends."""

import datetime
from urllib.parse import urlencode

from django import forms

from insertion.core.forms import FilterForm
from insertion.statistics.definitions import MONTHS, Period
from insertion.statistics.snapshot import shift_months

DEFAULT_PERIOD = "12m"
MONTHS_OFFERED = 18  # the full months the snapshot keeps fresh (snapshot.MONTHS_KEPT_FRESH)
TREND_MONTHS = 13  # a month and the same month a year before
QUARTER_NAMES = ("1er", "2e", "3e", "4e")


def offered_months(today: datetime.date) -> list[datetime.date]:
    """The MONTHS_OFFERED full months before the month of `today`, newest first."""
    current = today.replace(day=1)
    return [shift_months(current, -n) for n in range(1, MONTHS_OFFERED + 1)]


def period_choices(today: datetime.date) -> dict[str, tuple[str, list[datetime.date]]]:
    """{value of the selector: (French label, its months oldest first)}: the last 12 months,
    each full quarter among the offered months, each offered month; newest first."""
    months = offered_months(today)
    twelve = Period.last_twelve_months(today)
    choices = {
        DEFAULT_PERIOD: (twelve.label, sorted(m for m in months if twelve.start <= m)),
    }
    offered = set(months)
    for month in months:  # newest first; a quarter is offered when its three months are
        if month.month % 3 == 1:
            quarter = [shift_months(month, n) for n in range(3)]
            if offered.issuperset(quarter):
                number = month.month // 3
                label = f"{QUARTER_NAMES[number]} trimestre {month.year}"
                choices[f"{month.year}-T{number + 1}"] = (label, quarter)
    for month in months:
        choices[f"{month:%Y-%m}"] = (month_label(month), [month])
    return choices


CUSTOM = "perso"


class PeriodForm(FilterForm):
    """The period selector: a bad or stale value shows the default period, silently; a custom
    period runs from one offered month to another (both included, in either order)."""

    periode = forms.ChoiceField(label="Période", initial=DEFAULT_PERIOD, required=False)
    debut = forms.ChoiceField(label="Période personnalisée : de", required=False)
    fin = forms.ChoiceField(label="à", required=False)

    default_columns = "fr-col-12 fr-col-md-3"
    submit_label = "Afficher"

    def __init__(self, data=None, *, today: datetime.date):
        super().__init__(data)
        self.periods = period_choices(today)
        self.fields["periode"].choices = [
            (value, label) for value, (label, _months) in self.periods.items()
        ] + [(CUSTOM, "Personnalisée (de… à…)")]
        months = [("", "—")] + [
            (f"{month:%Y-%m}", month_label(month)) for month in offered_months(today)
        ]
        self.fields["debut"].choices = months
        self.fields["fin"].choices = months

    def _custom(self) -> list[datetime.date] | None:
        values = self.values
        if values.get("periode") != CUSTOM or not values.get("debut") or not values.get("fin"):
            return None
        first, last = sorted(
            datetime.date.fromisoformat(f"{values[name]}-01") for name in ("debut", "fin")
        )
        months, month = [], first
        while month <= last:
            months.append(month)
            month = shift_months(month, 1)
        return months

    @property
    def label(self) -> str:
        custom = self._custom()
        if custom:
            if len(custom) == 1:
                return month_label(custom[0])
            return f"De {month_label(custom[0]).lower()} à {month_label(custom[-1]).lower()}"
        return self.periods[self._chosen()][0]

    @property
    def months(self) -> list[datetime.date]:
        return self._custom() or self.periods[self._chosen()][1]

    def _chosen(self) -> str:
        chosen = self.values.get("periode")
        return chosen if chosen in self.periods else DEFAULT_PERIOD

    @property
    def query(self) -> str:
        """The period as a query string (the export and report links keep it)."""
        return urlencode({k: v for k, v in self.values.items() if v})


def month_label(month: datetime.date) -> str:
    return f"{MONTHS[month.month - 1].capitalize()} {month.year}"


def trend_months(months: list[datetime.date]) -> list[datetime.date]:
    """The TREND_MONTHS months ending with the period's last, oldest first."""
    last = max(months)
    return [shift_months(last, -n) for n in range(TREND_MONTHS - 1, -1, -1)]


def today_month(months: list[datetime.date], today: datetime.date) -> datetime.date | None:
    """Where the « today » indicators (risk of a dry release, people not seen…) are read: a
    period ending with the last full month shows the state of the last refresh (the current
    month's rows); an older period, the state at its last month's last refresh (None: the
    snapshot's default)."""
    current = today.replace(day=1)
    return current if max(months) == shift_months(current, -1) else None
