"""The « frise chronologique » of a person's life, drawn on the server as an SVG.

School, training and diplomas, jobs and incarcerations are laid on one time axis, one lane per
kind. The drawing is plain SVG with presentation attributes only (no ``style``: the site's CSP
forbids inline styles, and the same SVG goes into the WeasyPrint PDF). It is an image for the
eye: ``timeline_text`` gives the same content as rows for the text alternative shown beside it.

Pure Python: no database, no WeasyPrint. Every text typed by a user is escaped before it enters
the drawing, and the result is marked safe only at the very end.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = [
    "KIND_LABELS",
    "TimelineEvent",
    "events_from_data",
    "events_to_data",
    "timeline_svg",
    "timeline_text",
]

KIND_LABELS = {
    "scolarite": "Scolarité",
    "formation": "Formation et diplômes",
    "emploi": "Emploi",
    "incarceration": "Incarcération",
}

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

MIN_YEAR, MAX_YEAR = 1900, 2100

EMPTY_MESSAGE = "Aucun élément à afficher sur la frise"
DEFAULT_TITLE = "Frise chronologique du parcours"


@dataclass(frozen=True)
class TimelineEvent:
    """One element of the timeline: a period (start and end) or a point in time (end is None).

    Months are (year, month) pairs, month 1–12; a period covers its end month. An ongoing period
    is given today's month as its end (or None) and is drawn open-ended.
    """

    kind: str
    label: str
    start: tuple[int, int]
    end: tuple[int, int] | None = None
    ongoing: bool = False

    def __post_init__(self):
        if self.kind not in KIND_LABELS:
            raise ValueError(f"Type d'élément inconnu : {self.kind!r}")
        if not isinstance(self.label, str):
            raise ValueError("Le libellé doit être un texte.")
        object.__setattr__(self, "start", _year_month(self.start))
        if self.end is not None:
            object.__setattr__(self, "end", _year_month(self.end))
            if self.end < self.start:
                raise ValueError("La fin précède le début.")
        if not isinstance(self.ongoing, bool):
            raise ValueError("« En cours » doit être vrai ou faux.")

    @property
    def is_point(self) -> bool:
        return self.end is None and not self.ongoing


def _year_month(value) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"Mois invalide : {value!r}")
    year, month = value
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (year, month)):
        raise ValueError(f"Mois invalide : {value!r}")
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        raise ValueError(f"Mois hors limites : {value!r}")
    return (year, month)


# --- Serialisation (JSONField snapshot) ---------------------------------------------------------


def events_to_data(events: Iterable[TimelineEvent]) -> list[dict]:
    """The JSON-serialisable form of the events, for a JSONField snapshot."""
    return [
        {
            "kind": event.kind,
            "label": event.label,
            "start": list(event.start),
            "end": list(event.end) if event.end is not None else None,
            "ongoing": event.ongoing,
        }
        for event in events
    ]


def events_from_data(data) -> list[TimelineEvent]:
    """The inverse of ``events_to_data``; malformed items are left out rather than failing."""
    if not isinstance(data, list | tuple):
        return []
    events = []
    for item in data:
        if not isinstance(item, dict):
            continue
        try:
            events.append(
                TimelineEvent(
                    kind=item["kind"],
                    label=item["label"],
                    start=item["start"],
                    end=item.get("end"),
                    ongoing=item.get("ongoing", False),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return events


# --- French periods -----------------------------------------------------------------------------


def _month_year(ym: tuple[int, int]) -> str:
    return f"{MONTHS[ym[1] - 1]} {ym[0]}"


def _de(text: str) -> str:
    """« de mars », « d'avril », « d'octobre »."""
    return f"d'{text}" if text[0] in "aeiouyàâéèêîôû" else f"de {text}"


def _period(event: TimelineEvent) -> str:
    if event.ongoing:
        return f"depuis {_month_year(event.start)} (en cours)"
    if event.end is None:
        return f"en {event.start[0]}"
    if event.end == event.start:
        return f"en {_month_year(event.start)}"
    if event.end[0] == event.start[0]:
        return f"{_de(MONTHS[event.start[1] - 1])} à {_month_year(event.end)}"
    return f"{_de(_month_year(event.start))} à {_month_year(event.end)}"


def _sort_key(event: TimelineEvent):
    return (
        event.start,
        event.end or event.start,
        list(KIND_LABELS).index(event.kind),
        event.label,
    )


def timeline_text(events: Iterable[TimelineEvent], *, today: datetime.date) -> list[dict]:
    """The text alternative of the drawing: one row per event, sorted by start.

    ``today`` is accepted for symmetry with ``timeline_svg``; an ongoing period is said
    « depuis … (en cours) » whatever today is.
    """
    del today
    return [
        {
            "kind_label": KIND_LABELS[event.kind],
            "label": event.label,
            "period": _period(event),
        }
        for event in sorted(events, key=_sort_key)
    ]


# --- Drawing ------------------------------------------------------------------------------------

WIDTH = 900
GUTTER_X = 12  # lane titles start here…
GUTTER_W = 140  # …and wrap within this width
PLOT_LEFT = 176
PLOT_RIGHT = 870
TEXT_RIGHT = 894  # labels may run into the right margin, never past it
TOP = 28  # room for the « aujourd'hui » marker
LANE_PAD = 6
ROW_H = 38  # one sub-row: a label line, then the bar
BAR_OFFSET, BAR_H = 20, 12
LABEL_BASELINE = 14
AXIS_H = 44
LABEL_SIZE = 13
LANE_TITLE_SIZE = 14
MAX_LABEL_W = 200  # a label longer than this (and than its bar) is cut with an ellipsis
ITEM_GAP = 10
MIN_BAR_W = 3
POINT_R = 6.5
ARROW_W = 9
MIN_TICK_LABEL_GAP = 40  # between the centres of two year labels

FONT_FAMILY = "Marianne, Arial, sans-serif"
TEXT_COLOUR = "#161616"
MUTED_COLOUR = "#3a3a3a"
GRID_COLOUR = "#dddddd"
LANE_BACKGROUNDS = ("#f6f6f6", "#ffffff")
TODAY_COLOUR = "#e1000f"  # red-marianne

# DSFR palette; in black and white the lanes stay apart by their titles, their shades (light,
# medium, dark) and their shapes (diamonds for diplomas, arrows for what is still running).
KIND_COLOURS = {
    "scolarite": ("#e3e3fd", "#000091"),  # blue-france 925 / blue-france sun
    "formation": ("#00a95f", "#297254"),  # green-emeraude main / sun
    "emploi": ("#6a6af4", "#000091"),  # blue-france main 525 / sun
    "incarceration": ("#3a3a3a", "#161616"),  # grey 200 / 50
}

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
_ID_INVALID = re.compile(r"[^A-Za-z0-9_-]")


def _clean(text: str) -> str:
    """One line of XML-safe text (not yet escaped): control characters dropped, spaces folded."""
    return _SPACES.sub(" ", _XML_INVALID.sub("", text)).strip()


def _t(text: str) -> str:
    return escape(_clean(text))


def _n(value: float) -> str:
    """A coordinate, rounded, always written the same way."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# Approximate advance widths (in em) of Arial-like glyphs; Marianne is a little wider, hence the
# factor. Good enough to stack and cut labels without a font engine.
_NARROW = {c: 0.25 for c in "ijl.,;:!|'’`"}
_EM = {
    **_NARROW,
    " ": 0.28,
    "f": 0.3,
    "t": 0.3,
    "r": 0.34,
    "I": 0.28,
    "J": 0.5,
    "m": 0.84,
    "w": 0.73,
    "M": 0.84,
    "W": 0.95,
    "—": 1.0,
    "…": 1.0,
    "–": 0.56,
    "-": 0.34,
    "(": 0.34,
    ")": 0.34,
    "/": 0.3,
    "«": 0.56,
    "»": 0.56,
}
_WIDTH_FACTOR = 1.07
BOLD_FACTOR = 1.08


def _char_em(char: str) -> float:
    if char in _EM:
        return _EM[char]
    base = unicodedata.normalize("NFD", char)[:1] or char
    if base in _EM:
        return _EM[base]
    if base.isdigit():
        return 0.56
    if base.isupper():
        return 0.68
    if base in "cksvxyz":
        return 0.5
    if base.islower():
        return 0.56
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    return 0.6


def _text_width(text: str, size: float) -> float:
    return sum(_char_em(c) for c in text) * size * _WIDTH_FACTOR


def _fit(text: str, max_width: float, size: float) -> tuple[str, float]:
    """The text, cut with an ellipsis if needed to fit max_width; and its width."""
    width = _text_width(text, size)
    if width <= max_width:
        return text, width
    budget = max_width - _text_width("…", size)
    used, cut = 0.0, 0
    for index, char in enumerate(text):
        advance = _char_em(char) * size * _WIDTH_FACTOR
        if used + advance > budget:
            break
        used, cut = used + advance, index + 1
    shown = text[:cut].rstrip() + "…"
    return shown, _text_width(shown, size)


def _wrap(text: str, max_width: float, size: float, max_lines: int = 2) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and _text_width(f"{lines[-1]} {word}", size) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_fit(line, max_width, size)[0] for line in lines]


def _month_index(ym: tuple[int, int]) -> int:
    return ym[0] * 12 + ym[1] - 1


def _tick_step(span_years: int) -> int:
    if span_years <= 12:
        return 1
    if span_years <= 24:
        return 2
    if span_years <= 60:
        return 5
    return 10


def _major_years(first: int, last: int, step: int) -> list[int]:
    """The years with a major tick: both ends of the axis and the round years between."""
    inner = range(-(-(first + 1) // step) * step, last, step)
    return [first, *inner, last]


def _labelled_years(major: list[int], x_of) -> set[int]:
    """The major ticks that get their year written: the ends always, a round year only if it
    leaves room beside the ends (1998 and 2000 may both be written, 1999 and 2000 not)."""
    ends = (major[0], major[-1])
    x_ends = [x_of(year * 12) for year in ends]
    return {
        year
        for year in major
        if year in ends or min(abs(x_of(year * 12) - x) for x in x_ends) >= MIN_TICK_LABEL_GAP
    }


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


_PERIOD_NOUNS = {
    "scolarite": ("période de scolarité", "périodes de scolarité"),
    "formation": ("formation", "formations"),
    "emploi": ("période d'emploi", "périodes d'emploi"),
    "incarceration": ("incarcération", "incarcérations"),
}


def _summary(events: list[TimelineEvent], first_year: int, last_year: int) -> str:
    parts = []
    for kind in KIND_LABELS:
        of_kind = [e for e in events if e.kind == kind]
        periods = [e for e in of_kind if not (kind == "formation" and e.is_point)]
        if periods:
            text = _count(len(periods), *_PERIOD_NOUNS[kind])
            ongoing = sum(e.ongoing for e in periods)
            if ongoing:
                text += f" dont {ongoing} en cours"
            parts.append(text)
        if diplomas := len(of_kind) - len(periods):
            parts.append(_count(diplomas, "diplôme", "diplômes"))
    when = f"en {first_year}" if first_year == last_year else f"de {first_year} à {last_year}"
    return f"{', '.join(parts)}, {when}."


@dataclass
class _Item:
    event: TimelineEvent
    x0: float  # where the shape starts
    x1: float  # where the shape ends (arrow included)
    label: str  # as shown, maybe cut
    label_x: float
    extent: tuple[float, float]
    row: int = 0


def _layout_lane(events: list[TimelineEvent], x_of, today_index: int) -> tuple[list[_Item], int]:
    """Place each event of a lane in the first sub-row where neither its shape nor its label
    meets another one (greedy interval partitioning, sorted by left edge: fewest sub-rows)."""
    items = []
    for event in events:
        start = _month_index(event.start)
        if event.is_point:
            centre = x_of(start + 0.5)
            x0, x1 = centre - POINT_R, centre + POINT_R
        else:
            end = _month_index(event.end) if event.end is not None else max(start, today_index)
            x0 = x_of(start)
            x1 = max(x_of(end + 1), x0 + MIN_BAR_W)
            if event.ongoing:
                x1 += ARROW_W
        text = _clean(event.label) or KIND_LABELS[event.kind]
        label, width = _fit(text, max(MAX_LABEL_W, x1 - x0), LABEL_SIZE)
        label_x = max(PLOT_LEFT - 4, min(x0, TEXT_RIGHT - width))
        if label_x + width > TEXT_RIGHT:
            label, width = _fit(text, TEXT_RIGHT - label_x, LABEL_SIZE)
        extent = (min(x0, label_x), max(x1, label_x + width))
        items.append(_Item(event, x0, x1, label, label_x, extent))

    items.sort(key=lambda item: (item.extent[0], _sort_key(item.event)))
    row_ends: list[float] = []
    for item in items:
        for row, row_end in enumerate(row_ends):
            if row_end + ITEM_GAP <= item.extent[0]:
                item.row = row
                row_ends[row] = item.extent[1]
                break
        else:
            item.row = len(row_ends)
            row_ends.append(item.extent[1])
    return items, max(len(row_ends), 1)


def _svg_open(svg_id: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{svg_id}" class="frise" role="img" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT_FAMILY}" font-size="{LABEL_SIZE}" fill="{TEXT_COLOUR}">',
        f'<title id="{svg_id}-title">{_t(title)}</title>',
        f'<desc id="{svg_id}-desc">{_t(desc)}</desc>',
    ]


def _draw_item(item: _Item, row_y: float, background: str) -> list[str]:
    event = item.event
    fill, stroke = KIND_COLOURS[event.kind]
    bar_y = row_y + BAR_OFFSET
    mid_y = bar_y + BAR_H / 2
    title = f"{KIND_LABELS[event.kind]} : {_clean(event.label)}, {_period(event)}"
    out = [
        f'<g class="frise-item" data-row="{item.row}">',
        f"<title>{_t(title)}</title>",
    ]
    # The label first, over a halo of the lane's colour so grid and today lines do not cross it
    # (the shape, drawn next, stays whole).
    position = f'x="{_n(item.label_x)}" y="{_n(row_y + LABEL_BASELINE)}"'
    label = escape(item.label)
    out.append(
        f'<text {position} fill="{background}" stroke="{background}" stroke-width="6" '
        f'stroke-linejoin="round" aria-hidden="true">{label}</text>'
    )
    out.append(f"<text {position}>{label}</text>")
    if event.is_point:
        cx = (item.x0 + item.x1) / 2
        if event.kind == "formation":  # a diploma: a diamond
            r = POINT_R + 1
            points = f"{_n(cx)},{_n(mid_y - r)} {_n(cx + r)},{_n(mid_y)} {_n(cx)},{_n(mid_y + r)} "
            points += f"{_n(cx - r)},{_n(mid_y)}"
            out.append(
                f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
            )
        else:
            out.append(
                f'<circle cx="{_n(cx)}" cy="{_n(mid_y)}" r="{_n(POINT_R)}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="1.5"/>'
            )
    else:
        bar_end = item.x1 - (ARROW_W if event.ongoing else 0)
        out.append(
            f'<rect x="{_n(item.x0)}" y="{_n(bar_y)}" width="{_n(bar_end - item.x0)}" '
            f'height="{BAR_H}" rx="2" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
        )
        if event.ongoing:  # still running: an arrow opens the end
            points = (
                f"{_n(bar_end)},{_n(bar_y - 4)} {_n(item.x1)},{_n(mid_y)} "
                f"{_n(bar_end)},{_n(bar_y + BAR_H + 4)}"
            )
            out.append(
                f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
            )
    out.append("</g>")
    return out


def timeline_svg(
    events: Iterable[TimelineEvent],
    *,
    today: datetime.date,
    svg_id: str = "frise",
    title: str = DEFAULT_TITLE,
) -> SafeString:
    """The timeline drawn as an accessible SVG string, ready to embed in a page or a PDF."""
    events = sorted(events, key=_sort_key)
    svg_id = _ID_INVALID.sub("-", svg_id) or "frise"
    if not svg_id[0].isalpha():
        svg_id = f"frise-{svg_id}"

    if not events:
        height = 64
        out = _svg_open(svg_id, height, title, f"{EMPTY_MESSAGE}.")
        out += [
            f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" fill="#f6f6f6" '
            f'stroke="{GRID_COLOUR}"/>',
            f'<text x="{WIDTH // 2}" y="{height // 2 + 5}" text-anchor="middle" font-size="14" '
            f'fill="{MUTED_COLOUR}">{_t(EMPTY_MESSAGE)}</text>',
            "</svg>",
        ]
        return mark_safe("\n".join(out))  # noqa: S308 — every text above is escaped

    today_index = _month_index((today.year, today.month))

    def last_index(event: TimelineEvent) -> int:
        if event.end is not None:
            return _month_index(event.end)
        start = _month_index(event.start)
        return max(start, today_index) if event.ongoing else start

    first_year = min(e.start[0] for e in events)
    last_year = max(last_index(e) for e in events) // 12
    # The axis runs from January of the first year to the end of the year of the last month shown,
    # today included: no empty years padded on either side.
    domain_start = min(first_year, today.year)
    domain_end = max(max(last_index(e) for e in events), today_index) // 12 + 1
    step = _tick_step(domain_end - domain_start)
    scale = (PLOT_RIGHT - PLOT_LEFT) / ((domain_end - domain_start) * 12)

    def x_of(month_index: float) -> float:
        return PLOT_LEFT + (month_index - domain_start * 12) * scale

    lanes = []
    for kind in KIND_LABELS:
        of_kind = [e for e in events if e.kind == kind]
        if of_kind:
            items, rows = _layout_lane(of_kind, x_of, today_index)
            lanes.append((kind, items, rows))

    lanes_top = TOP
    lanes_bottom = lanes_top + sum(2 * LANE_PAD + rows * ROW_H for _, _, rows in lanes)
    height = lanes_bottom + AXIS_H

    out = _svg_open(svg_id, height, title, _summary(events, first_year, last_year))

    # Lane backgrounds and titles.
    y = lanes_top
    lane_tops = []
    for index, (kind, _items, rows) in enumerate(lanes):
        lane_h = 2 * LANE_PAD + rows * ROW_H
        lane_tops.append(y)
        out.append(f'<g class="frise-lane" data-kind="{kind}">')
        out.append(
            f'<rect x="0" y="{_n(y)}" width="{WIDTH}" height="{_n(lane_h)}" '
            f'fill="{LANE_BACKGROUNDS[index % 2]}"/>'
        )
        lines = _wrap(KIND_LABELS[kind], GUTTER_W, LANE_TITLE_SIZE * BOLD_FACTOR)
        first_baseline = y + lane_h / 2 + 5 - (len(lines) - 1) * 8.5
        for number, line in enumerate(lines):
            out.append(
                f'<text x="{GUTTER_X}" y="{_n(first_baseline + number * 17)}" '
                f'font-size="{LANE_TITLE_SIZE}" font-weight="bold">{escape(line)}</text>'
            )
        out.append("</g>")
        y += lane_h
    # Year grid, behind the items.
    major = _major_years(domain_start, domain_end, step)
    for year in major:
        x = _n(x_of(year * 12))
        out.append(
            f'<line x1="{x}" y1="{_n(lanes_top)}" x2="{x}" y2="{_n(lanes_bottom)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )

    # Today.
    today_x = x_of(today_index + (today.day - 1) / 31)
    out.append('<g class="frise-today">')
    out.append(
        f'<line x1="{_n(today_x)}" y1="{_n(lanes_top - 6)}" x2="{_n(today_x)}" '
        f'y2="{_n(lanes_bottom)}" stroke="{TODAY_COLOUR}" stroke-width="1.5" '
        f'stroke-dasharray="4 3"/>'
    )
    today_label = "Aujourd'hui"
    label_w = _text_width(today_label, 12)
    label_x = min(max(today_x, PLOT_LEFT + label_w / 2), TEXT_RIGHT - label_w / 2)
    out.append(
        f'<text x="{_n(label_x)}" y="{_n(lanes_top - 10)}" text-anchor="middle" font-size="12" '
        f'fill="{TODAY_COLOUR}">{escape(today_label)}</text>'
    )
    out.append("</g>")

    # Items, lane by lane, row by row.
    for index, ((_kind, items, _rows), lane_top) in enumerate(zip(lanes, lane_tops, strict=True)):
        background = LANE_BACKGROUNDS[index % 2]
        for item in sorted(items, key=lambda i: (i.row, i.extent[0])):
            out += _draw_item(item, lane_top + LANE_PAD + item.row * ROW_H, background)

    # Axis.
    axis_y = lanes_bottom
    out.append('<g class="frise-axis">')
    out.append(
        f'<line x1="{PLOT_LEFT}" y1="{_n(axis_y)}" x2="{PLOT_RIGHT}" y2="{_n(axis_y)}" '
        f'stroke="{MUTED_COLOUR}" stroke-width="1.5"/>'
    )
    span = domain_end - domain_start
    major_set = set(major)
    # Minor ticks: months on a short axis, quarters, then years (every 5 years on a long axis).
    minor_every = 1 if span <= 3 else 3 if span <= 8 else 12
    for month in range(domain_start * 12, domain_end * 12 + 1, minor_every):
        year = month // 12
        if month % 12 == 0 and (year in major_set or (step == 10 and year % 5)):
            continue
        x = _n(x_of(month))
        out.append(
            f'<line x1="{x}" y1="{_n(axis_y)}" x2="{x}" y2="{_n(axis_y + 4)}" '
            f'stroke="{MUTED_COLOUR}" stroke-width="1"/>'
        )
    labelled = _labelled_years(major, x_of)
    for year in major:
        x = _n(x_of(year * 12))
        text = (
            f'<text x="{x}" y="{_n(axis_y + 24)}" text-anchor="middle" '
            f'fill="{MUTED_COLOUR}">{year}</text>'
            if year in labelled
            else ""
        )
        out.append(
            f'<g class="frise-tick" data-year="{year}">'
            f'<line x1="{x}" y1="{_n(axis_y)}" x2="{x}" y2="{_n(axis_y + 8)}" '
            f'stroke="{MUTED_COLOUR}" stroke-width="1.5"/>{text}</g>'
        )
    out.append("</g>")
    out.append("</svg>")
    return mark_safe("\n".join(out))  # noqa: S308 — every text above is escaped
