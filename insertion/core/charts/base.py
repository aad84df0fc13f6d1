"""What the two kinds of chart share: the data (``Series``, ``SECRET``), what a chart gives back
(``Chart``: the SVG, the summary, the table), and the opening, legend and texts of the SVG."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from insertion.core.charts.numbers import format_number, format_value
from insertion.core.charts.palette import (
    FONT_FAMILY,
    HIDDEN_COLOUR,
    INKS,
    MAX_SERIES,
    TEXT_COLOUR,
    fill,
)
from insertion.core.frise.text import XML_INVALID, number, text_width

WIDTH = 900
FONT_SIZE = 13  # never below 12 anywhere
SMALL_SIZE = 12
HIDDEN_WORD = "secret"
NOT_COMPUTABLE = "non calculable"


class _Secret:
    """A figure hidden by the statistical secrecy (insertion/core/secrecy.py)."""

    __slots__ = ()

    def __repr__(self) -> str:  # the chart's default id hashes the data: always the same
        return "SECRET"

    def __reduce__(self):
        return "SECRET"


SECRET = _Secret()


@dataclass(frozen=True)
class Series:
    """One series of figures, one per category or month.

    ``values`` are what is drawn (rates in % from 0 to 100, counts, days…); ``counts`` the
    numbers behind rates, written beside them (« 12,5 % (25) »). A hidden figure is ``SECRET``;
    a count of ``None`` is hidden too (a count can always be computed: missing, it was hidden),
    and so is the value beside it. A value of ``None`` beside a count that is shown (or without
    counts) cannot be computed: its denominator is 0, or nothing was measured. ``Series.of_counts``
    reads counts alone, ``None`` meaning hidden."""

    label: str
    values: Sequence[float | _Secret | None]
    counts: Sequence[int | _Secret | None] | None = None

    @classmethod
    def of_counts(cls, label: str, counts: Sequence[int | _Secret | None]) -> Series:
        values = [SECRET if count is None else count for count in counts]
        return cls(label, values, values)

    def cells(self, size: int) -> list[Cell]:
        if len(self.values) != size or (self.counts is not None and len(self.counts) != size):
            raise ValueError(f"{self.label!r} : {size} valeurs attendues")
        counts = self.counts if self.counts is not None else [False] * size
        cells = []
        for value, count in zip(self.values, counts, strict=True):
            if value is SECRET or count is None or count is SECRET:
                cells.append(Cell(SECRET_STATE))
            elif value is None:
                cells.append(Cell(NOT_COMPUTABLE_STATE))
            else:
                cells.append(Cell(SHOWN, float(value), None if count is False else count))
        return cells


SHOWN, SECRET_STATE, NOT_COMPUTABLE_STATE = "shown", "secret", "not-computable"


@dataclass(frozen=True)
class Cell:
    state: str
    value: float = 0.0
    count: int | None = None

    @property
    def shown(self) -> bool:
        return self.state == SHOWN

    def text(self, unit: str) -> str:
        """The figure as the table and the summary write it."""
        if self.state == SECRET_STATE:
            return HIDDEN_WORD
        if self.state == NOT_COMPUTABLE_STATE:
            return NOT_COMPUTABLE
        text = format_value(self.value, unit)
        if self.count is not None and unit:
            text += f" ({format_number(self.count)})"
        return text


@dataclass(frozen=True)
class Row:
    header: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Chart:
    """A drawn chart: ``svg`` (safe to embed in a page or the PDF), ``summary`` (French
    sentences saying what it shows) and ``table`` (every figure, for the data table)."""

    chart_id: str
    title: str
    svg: SafeString
    summary: str
    table: Table


_ID_INVALID = re.compile(r"[^A-Za-z0-9_-]")


def chart_id(given: str | None, *data) -> str:
    """The id of the SVG and the prefix of its inner ids: the one given, made valid, or one drawn
    from the data (the same data, the same id; two charts of a page, two ids)."""
    if given:
        given = _ID_INVALID.sub("-", given)
        return given if given[0].isalpha() else f"chart-{given}"
    return "chart-" + hashlib.sha1(repr(data).encode(), usedforsecurity=False).hexdigest()[:10]


def check_series(series: Sequence[Series]) -> None:
    if not 1 <= len(series) <= MAX_SERIES:
        raise ValueError(f"De 1 à {MAX_SERIES} séries.")


_FOLDED = re.compile(r"[ \t\n\r\f\v]+")


def clean(text: str) -> str:
    """One line of XML-safe text (not yet escaped): the frise's ``clean``, except that the
    no-break spaces of French numbers (« 1 234 », « 12,5 % ») stay as they are."""
    return _FOLDED.sub(" ", XML_INVALID.sub("", str(text))).strip()


def t(text: str) -> str:
    """A text for the markup: cleaned, then escaped (the one door for what a user typed)."""
    return escape(clean(text))


def open_svg(svg_id: str, height: float, title: str, summary: str, kind: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{svg_id}" class="insertion-chart__svg" '
        f'data-kind="{kind}" role="img" aria-labelledby="{svg_id}-title" '
        f'aria-describedby="{svg_id}-desc" viewBox="0 0 {WIDTH} {number(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-family="{FONT_FAMILY}" '
        f'font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">',
        f'<title id="{svg_id}-title">{t(title)}</title>',
        f'<desc id="{svg_id}-desc">{t(summary)}</desc>',
    ]


def join(lines: list[str]) -> SafeString:
    return mark_safe("\n".join(lines))  # noqa: S308 — every text in it went through escape()


LEGEND_TOP = 8
LEGEND_LINE = 24
SWATCH = 14


def legend(
    svg_id: str, labels: Sequence[str], *, kind: str, secret: bool, left: float = 12
) -> tuple[list[str], float]:
    """The legend, above the plot, its items wrapped across lines; and the height it takes.
    A bar's swatch is its pattern; a line's, its dashes and marker; the hatching of a secret
    value has an item when there is one."""
    items = [(index, label) for index, label in enumerate(labels)]
    if secret:
        items.append((-1, "Secret statistique"))
    out, x, y = ['<g class="insertion-chart__legend">'], left, LEGEND_TOP
    for index, label in items:
        swatch_w = 28 if kind == "line" and index >= 0 else SWATCH
        width = swatch_w + 6 + text_width(clean(label), FONT_SIZE)
        if x > left and x + width > WIDTH - 8:
            x, y = left, y + LEGEND_LINE
        mid = y + SWATCH / 2
        if index < 0:
            out.append(
                f'<rect x="{number(x)}" y="{y}" width="{SWATCH}" height="{SWATCH}" '
                f'fill="url(#{svg_id}-secret)" stroke="{HIDDEN_COLOUR}"/>'
            )
        elif kind == "line":
            ink = INKS[index]
            dash = f' stroke-dasharray="{ink.dash}"' if ink.dash else ""
            out.append(
                f'<line x1="{number(x)}" y1="{number(mid)}" x2="{number(x + swatch_w)}" '
                f'y2="{number(mid)}" stroke="{ink.colour}" stroke-width="2.5"{dash}/>'
            )
            out.append(marker(ink.marker, x + swatch_w / 2, mid, ink.colour))
        else:
            out.append(
                f'<rect x="{number(x)}" y="{y}" width="{SWATCH}" height="{SWATCH}" '
                f'fill="{fill(svg_id, index)}"/>'
            )
        out.append(f'<text x="{number(x + swatch_w + 6)}" y="{y + 11}">{t(label)}</text>')
        x += width + 24
    out.append("</g>")
    return out, y + LEGEND_LINE + 8 - LEGEND_TOP


def marker(shape: str, x: float, y: float, colour: str, r: float = 4.5) -> str:
    """A line's point: its own shape, ringed with white so that crossing lines leave it whole."""
    n = number
    rest = f'fill="{colour}" stroke="#ffffff" stroke-width="1.5"'
    if shape == "square":
        return (
            f'<rect x="{n(x - r)}" y="{n(y - r)}" width="{n(2 * r)}" height="{n(2 * r)}" {rest}/>'
        )
    if shape == "diamond":
        r += 1
        points = f"{n(x)},{n(y - r)} {n(x + r)},{n(y)} {n(x)},{n(y + r)} {n(x - r)},{n(y)}"
        return f'<polygon points="{points}" {rest}/>'
    if shape == "triangle":
        r += 1
        points = f"{n(x)},{n(y - r)} {n(x + r)},{n(y + r * 0.8)} {n(x - r)},{n(y + r * 0.8)}"
        return f'<polygon points="{points}" {rest}/>'
    return f'<circle cx="{n(x)}" cy="{n(y)}" r="{n(r)}" {rest}/>'


def listing(words: Sequence[str]) -> str:
    """« A », « A et B », « A, B et C »."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} et {words[-1]}"
