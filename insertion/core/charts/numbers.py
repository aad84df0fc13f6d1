"""Numbers and months as the charts write them (French typography), and the ticks of a value
axis."""

from __future__ import annotations

import datetime
import math

from insertion.core.frise.scales import SHORT_MONTHS

THIN_SPACE = "\u202f"  # espace fine insécable: between thousands (« 1 234 »)
NO_BREAK_SPACE = "\u00a0"  # before a unit (« 12,5 % »), as the templates write it
PERCENT = "%"


def format_number(value: float, decimals: int | None = None) -> str:
    """« 1 234 », « 12,5 », « -3 »: a comma for the decimals, a thin no-break space between
    thousands. Without ``decimals``, a whole number is written without them, any other with
    one."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    if round(value, decimals) == 0:
        value = 0  # never « -0 »
    text = f"{value:,.{decimals}f}"
    return text.replace(",", THIN_SPACE).replace(".", ",")


def format_value(value: float, unit: str) -> str:
    """A value with its unit: a rate with one decimal (« 40,0 % »), a count as it is
    (« 1 234 »), any other unit after the number (« 2,5 jours »)."""
    if unit == PERCENT:
        return f"{format_number(value, 1)}{NO_BREAK_SPACE}%"
    if not unit:
        return format_number(value)
    return f"{format_number(value)}{NO_BREAK_SPACE}{unit}"


def format_tick(value: float, unit: str, decimals: int) -> str:
    number = format_number(value, decimals)
    return f"{number}{NO_BREAK_SPACE}%" if unit == PERCENT else number


def month_label(month: datetime.date) -> str:
    """« janv. 2026 »: the Imprimerie nationale's abbreviation and the year."""
    return f"{SHORT_MONTHS[month.month - 1]} {month.year}"


def nice_ticks(high: float, *, unit: str = PERCENT, target: int = 5) -> tuple[list[float], int]:
    """The ticks of an axis from 0 to a round number at least ``high``: about ``target`` steps
    of 1, 2, 2.5 or 5 times a power of ten, and the decimals their labels need. A rate axis stops
    at 100 % when the values do; a count axis steps by whole numbers."""
    counts = unit != PERCENT
    if not high or high <= 0 or not math.isfinite(high):
        high = 1 if counts else 100  # nothing to show: a whole axis all the same
    raw = high / target
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if counts else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw * (1 - 1e-9))
    if counts:
        step = max(step, 1)
    steps = math.ceil(high / step - 1e-9)
    if not counts and high <= 100 < steps * step:
        steps = round(100 / step)
    ticks = [round(index * step, 6) for index in range(steps + 1)]
    decimals = 0 if all(float(tick).is_integer() for tick in ticks) else 1
    return ticks, decimals
