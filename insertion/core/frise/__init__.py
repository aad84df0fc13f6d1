"""The frise engine: dated marks laid on a time axis, one lane per kind, drawn on the server as an
accessible SVG.

Two scales: ``MONTH_SCALE`` (a life, month by month: ``entretiens/timeline.py``) and
``DAY_SCALE`` (a follow-up in prison, day by day: ``release/frise.py``). A domain turns its data
into ``Lane``, ``Mark`` and ``Rule`` objects, words their titles and the description, and calls
``draw``; the axis, its ticks, the packing in sub-rows, the fitting of labels and the layout live
here.

Plain SVG with presentation attributes only (no ``style``: the site's CSP forbids inline styles,
and the same SVG goes into the WeasyPrint PDF). Written with f-strings, not a template: a Django
template took ten times as long for the same bytes (3.5 ms against 0.35 ms for a person page's
frise). So every text goes through ``escape`` where it enters the markup (``_t``), numbers through
``number``, and the result is marked safe only at the very end.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from insertion.core.frise.scales import (
    DAY_SCALE,
    MONTH_SCALE,
    PLOT_LEFT,
    TEXT_RIGHT,
    WIDTH,
    Layout,
    Scale,
)
from insertion.core.frise.text import BOLD_FACTOR, clean, fit, month_names, number, text_width, wrap

__all__ = [
    "DAY_SCALE",
    "EMPTY_MESSAGE",
    "MONTH_SCALE",
    "SHAPES",
    "Lane",
    "Mark",
    "Rule",
    "clean",
    "draw",
    "month_names",
]

EMPTY_MESSAGE = "Aucun élément à afficher sur la frise"

GUTTER_X = 12  # lane titles start here and wrap within the layout's gutter width
LANE_PAD = 6
BAR_H = 12
MIN_BAR_W = 3
ARROW_W = 9
TODAY_LABEL = "Aujourd'hui"
RULE_LABEL_SIZE = 12

FONT_FAMILY = "Marianne, Arial, sans-serif"
TEXT_COLOUR = "#161616"
MUTED_COLOUR = "#3a3a3a"
GRID_COLOUR = "#dddddd"
LANE_BACKGROUNDS = ("#f6f6f6", "#ffffff")
TODAY_COLOUR = "#e1000f"  # red-marianne

# A bar runs from its start to its end; every other shape marks one point in time. Besides the
# lane's colour, the shape tells marks apart in black and white.
BARS = ("bar", "bar-ongoing")
SHAPES = (*BARS, "circle", "diamond", "square", "square-open", "earlier", "later", "dot")


@dataclass(frozen=True)
class Lane:
    """One kind of mark: its key (``data-kind``), its title in the gutter, its colours. Keys,
    colours and a rule's CSS class are the domain's own constants, written as they are; labels,
    titles, descriptions and a rule's label may hold what a user typed and are escaped."""

    key: str
    title: str
    fill: str
    stroke: str


@dataclass(frozen=True)
class Mark:
    """One thing on the frise. ``label`` is drawn (cut to fit; the lane's title when empty),
    ``title`` says it in full to whoever points at it. A bar covers the units (months or days) of
    ``start`` to ``end``; any other shape stands at ``start``."""

    lane: str
    start: datetime.date
    label: str
    title: str
    shape: str = "circle"
    end: datetime.date | None = None

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"Forme inconnue : {self.shape!r}")


@dataclass(frozen=True)
class Rule:
    """A dashed line across the lanes at one day, labelled above them (today's is always drawn)."""

    day: datetime.date
    label: str
    css_class: str
    colour: str
    label_above: float  # from the label's baseline up to the lanes' top


# --- Layout and drawing -------------------------------------------------------------------------

_ID_INVALID = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class _Item:
    mark: Mark
    x0: float  # where the shape starts…
    x1: float  # …and ends (arrow included)
    label: str  # as drawn, maybe cut; "" when it found no room
    label_x: float
    extent: tuple[float, float]  # shape and label together
    centre: float = 0.0  # of a point's shape
    row: int = 0


def _place(mark: Mark, lane: Lane, axis, layout: Layout) -> _Item:
    start = axis.unit(mark.start)
    centre = 0.0
    if mark.shape in BARS:
        x0 = axis.edge(start)
        x1 = max(axis.edge(axis.unit(mark.end or mark.start) + 1), x0 + MIN_BAR_W)
        x1 += ARROW_W if mark.shape == "bar-ongoing" else 0
    else:
        centre = axis.centre(start)
        x0, x1 = centre - layout.mark_r, centre + layout.mark_r
    text = clean(mark.label) or lane.title
    label, width = fit(text, max(layout.max_label_w, x1 - x0), layout.label_size)
    label_x = max(PLOT_LEFT - layout.label_overhang, min(x0, TEXT_RIGHT - width))
    if label_x + width > TEXT_RIGHT:
        label, width = fit(text, TEXT_RIGHT - label_x, layout.label_size)
    return _Item(mark, x0, x1, label, label_x, (min(x0, label_x), max(x1, label_x + width)), centre)


def _pack(items: list[_Item], layout: Layout) -> int:
    """Put each item in the first sub-row where it meets no other one (greedy interval
    partitioning: fewest sub-rows when taken by left edge) and return the number of sub-rows.
    Past ``layout.max_rows`` an item goes without its label, in a sub-row where no label runs
    above it, so that it is never read as another one's (one more sub-row, of marks only, when
    there is none)."""
    if layout.pack_by_left_edge:
        items.sort(key=lambda item: item.extent[0])  # stable: ties keep the domain's order
    row_ends: list[float] = []
    taken: list[list[tuple[float, float]]] = []
    unlabelled = []
    for item in items:
        for row, row_end in enumerate(row_ends):
            if row_end + layout.item_gap <= item.extent[0]:
                item.row, row_ends[row] = row, item.extent[1]
                taken[row].append(item.extent)
                break
        else:
            if layout.max_rows is None or len(row_ends) < layout.max_rows:
                item.row = len(row_ends)
                row_ends.append(item.extent[1])
                taken.append([item.extent])
            else:
                item.label = ""
                unlabelled.append(item)
    rows = max(len(row_ends), 1)
    for item in unlabelled:
        clear = [
            row
            for row, extents in enumerate(taken)
            if all(item.x1 < start or item.x0 > end for start, end in extents)
        ]
        item.row = clear[0] if clear else len(row_ends)
        rows = max(rows, item.row + 1)
    return rows


def _t(text: str) -> str:
    """A text for the markup: cleaned, then escaped (the one door for what a user typed)."""
    return escape(clean(text))


def _shape(item: _Item, lane: Lane, mid_y: float, r: float) -> list[str]:
    shape, n, fill, stroke = item.mark.shape, number, lane.fill, lane.stroke
    if shape in BARS:
        bar_y, bar_end = mid_y - BAR_H / 2, item.x1 - (ARROW_W if shape == "bar-ongoing" else 0)
        out = [
            f'<rect x="{n(item.x0)}" y="{n(bar_y)}" width="{n(bar_end - item.x0)}" '
            f'height="{BAR_H}" rx="2" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
        ]
        if shape == "bar-ongoing":  # still running: an arrow opens the end
            points = f"{n(bar_end)},{n(bar_y - 4)} {n(item.x1)},{n(mid_y)} "
            points += f"{n(bar_end)},{n(bar_y + BAR_H + 4)}"
            out.append(
                f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
            )
        return out
    x, y = item.centre, mid_y
    if shape == "diamond":
        r += 1
        points = f"{n(x)},{n(y - r)} {n(x + r)},{n(y)} {n(x)},{n(y + r)} {n(x - r)},{n(y)}"
        return [f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>']
    if shape in ("square", "square-open"):
        side, fill = 2 * r - 1, "#ffffff" if shape == "square-open" else fill
        return [
            f'<rect x="{n(x - side / 2)}" y="{n(y - side / 2)}" width="{n(side)}" '
            f'height="{n(side)}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        ]
    if shape in ("earlier", "later"):  # a triangle pointing the way the date moved
        tip = -1 if shape == "earlier" else 1
        points = f"{n(x + tip * r)},{n(y)} {n(x - tip * r)},{n(y - r)} {n(x - tip * r)},{n(y + r)}"
        return [f'<polygon points="{points}" fill="{stroke}" stroke="{stroke}" stroke-width="1"/>']
    if shape == "dot":  # the lane's ink ringed with white: stands out of its lane
        fill, r, stroke, width = stroke, r + 1, "#ffffff", 2
    else:
        width = 1.5
    return [
        f'<circle cx="{n(x)}" cy="{n(y)}" r="{n(r)}" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{width}"/>'
    ]


def _item(item: _Item, lane: Lane, row_y: float, background: str, layout: Layout) -> list[str]:
    out = [
        f'<g class="frise-item" data-kind="{lane.key}" data-row="{item.row}">',
        f"<title>{_t(item.mark.title)}</title>",
    ]
    if item.label:
        # The label first, over a halo of the lane's colour so that grid and rules do not cross
        # it (the shape, drawn next, stays whole).
        position = f'x="{number(item.label_x)}" y="{number(row_y + layout.label_baseline)}"'
        label = escape(item.label)
        out.append(
            f'<text {position} fill="{background}" stroke="{background}" stroke-width='
            f'"{layout.halo_w}" stroke-linejoin="round" aria-hidden="true">{label}</text>'
        )
        out.append(f"<text {position}>{label}</text>")
    return [*out, *_shape(item, lane, row_y + layout.mark_y, layout.mark_r), "</g>"]


def _rule(x: float, rule: Rule, top: float, bottom: float, layout: Layout) -> list[str]:
    width = text_width(rule.label, RULE_LABEL_SIZE)
    label_x = min(max(x, PLOT_LEFT + width / 2), TEXT_RIGHT - width / 2)
    return [
        f'<g class="{rule.css_class}">',
        f'<line x1="{number(x)}" y1="{number(top - layout.rule_overhang)}" x2="{number(x)}" '
        f'y2="{number(bottom)}" stroke="{rule.colour}" stroke-width="1.5" stroke-dasharray="4 3"/>',
        f'<text x="{number(label_x)}" y="{number(top - rule.label_above)}" text-anchor="middle" '
        f'font-size="{RULE_LABEL_SIZE}" fill="{rule.colour}">{escape(rule.label)}</text>',
        "</g>",
    ]


def _axis(axis, y: float, layout: Layout) -> list[str]:
    n, y_text = number, number(y)
    out = [
        '<g class="frise-axis">',
        f'<line x1="{PLOT_LEFT}" y1="{y_text}" x2="{layout.plot_right}" y2="{y_text}" '
        f'stroke="{MUTED_COLOUR}" stroke-width="1.5"/>',
    ]
    for x in map(n, axis.minor):
        out.append(
            f'<line x1="{x}" y1="{y_text}" x2="{x}" y2="{n(y + 4)}" stroke="{MUTED_COLOUR}" '
            'stroke-width="1"/>'
        )
    for x, attribute, value, label in axis.ticks:
        x = n(x)
        text = label and (
            f'<text x="{x}" y="{n(y + layout.tick_label_below)}" text-anchor="middle" '
            f'fill="{MUTED_COLOUR}">{escape(label)}</text>'
        )
        out.append(
            f'<g class="frise-tick" data-{attribute}="{value}"><line x1="{x}" y1="{y_text}" '
            f'x2="{x}" y2="{n(y + layout.tick_len)}" stroke="{MUTED_COLOUR}" '
            f'stroke-width="{layout.tick_w}"/>{text}</g>'
        )
    return [*out, "</g>"]


def _open(svg_id: str, height: float, title: str, desc: str, layout: Layout) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{svg_id}" class="frise" role="img" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" viewBox="0 0 {WIDTH} {number(height)}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT_FAMILY}" font-size="{layout.label_size}" fill="{TEXT_COLOUR}">',
        f'<title id="{svg_id}-title">{_t(title)}</title>',
        f'<desc id="{svg_id}-desc">{_t(desc)}</desc>',
    ]


def draw(
    scale: Scale,
    *,
    lanes: Sequence[Lane],
    marks: Iterable[Mark],
    today: datetime.date,
    svg_id: str,
    title: str,
    desc: str,
    rules: Sequence[Rule] = (),
    also_covers: Iterable[datetime.date] = (),
) -> SafeString:
    """The frise as an SVG string, safe to embed in a page or a PDF. Marks come in the domain's
    order, which breaks the ties of the layout; lanes in their drawing order, an empty one left
    out. The axis covers the marks, the rules, ``also_covers`` and today (as the scale wants it).
    With no mark the drawing says it is empty (``desc`` is not used)."""
    layout = scale.layout
    svg_id = _ID_INVALID.sub("-", svg_id) or "frise"
    svg_id = svg_id if svg_id[0].isalpha() else f"frise-{svg_id}"
    marks = list(marks)
    if not marks:
        height = layout.empty_h
        return _join(
            *_open(svg_id, height, title, f"{EMPTY_MESSAGE}.", layout),
            f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" '
            f'fill="{LANE_BACKGROUNDS[0]}" stroke="{GRID_COLOUR}"/>',
            f'<text x="{WIDTH // 2}" y="{height // 2 + 5}" text-anchor="middle" font-size="14" '
            f'fill="{MUTED_COLOUR}">{_t(EMPTY_MESSAGE)}</text>',
            "</svg>",
        )

    days = [day for mark in marks for day in (mark.start, mark.end) if day is not None]
    days += [rule.day for rule in rules] + list(also_covers)
    axis = scale.axis(layout, min(days), max(days), today)
    placed = []
    for lane in lanes:
        if items := [_place(m, lane, axis, layout) for m in marks if m.lane == lane.key]:
            placed.append((lane, items, _pack(items, layout)))

    top = layout.top
    bottom = top + sum(2 * LANE_PAD + rows * layout.row_h for *_, rows in placed)
    out = _open(svg_id, bottom + layout.axis_h, title, desc, layout)
    y, step, lane_tops = top, layout.lane_title_size + 3, []
    for index, (lane, _items, rows) in enumerate(placed):
        lane_h = 2 * LANE_PAD + rows * layout.row_h
        lane_tops.append(y)
        out.append(f'<g class="frise-lane" data-kind="{lane.key}">')
        out.append(
            f'<rect x="0" y="{number(y)}" width="{WIDTH}" height="{number(lane_h)}" '
            f'fill="{LANE_BACKGROUNDS[index % 2]}"/>'
        )
        lines = wrap(lane.title, layout.gutter_w, layout.lane_title_size * BOLD_FACTOR)
        baseline = y + lane_h / 2 + 5 - (len(lines) - 1) * step / 2
        for line_number, line in enumerate(lines):
            out.append(
                f'<text x="{GUTTER_X}" y="{number(baseline + line_number * step)}" '
                f'font-size="{layout.lane_title_size}" font-weight="bold">{escape(line)}</text>'
            )
        out.append("</g>")
        y += lane_h
    # The grid, then the rules, behind the items.
    for x in map(number, axis.grid):
        out.append(
            f'<line x1="{x}" y1="{number(top)}" x2="{x}" y2="{number(bottom)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
    today_rule = Rule(today, TODAY_LABEL, "frise-today", TODAY_COLOUR, layout.today_label_above)
    out += _rule(axis.at(today), today_rule, top, bottom, layout)
    for rule in rules:
        out += _rule(axis.at(rule.day), rule, top, bottom, layout)
    for index, ((lane, items, _rows), lane_top) in enumerate(zip(placed, lane_tops, strict=True)):
        background = LANE_BACKGROUNDS[index % 2]
        for item in sorted(items, key=lambda item: item.row):  # stable: packing order in a row
            out += _item(
                item, lane, lane_top + LANE_PAD + item.row * layout.row_h, background, layout
            )
    return _join(*out, *_axis(axis, bottom, layout), "</svg>")


def _join(*lines: str) -> SafeString:
    return mark_safe("\n".join(lines))  # noqa: S308 — every text in it went through escape()
