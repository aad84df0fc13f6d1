"""The colours and patterns of the charts: DSFR « illustrative » colours, each at least 3:1
against white (WCAG 1.4.11), and a pattern or a line style for each series so that they are told
apart without colour (in black and white, or by a reader who does not see the difference).

Presentation attributes only, no ``style``: the site's CSP forbids inline styles, and the same
SVG goes into the WeasyPrint PDF."""

from __future__ import annotations

from dataclasses import dataclass

FONT_FAMILY = "Marianne, Arial, sans-serif"
TEXT_COLOUR = "#161616"  # grey-50-1000
MUTED_COLOUR = "#3a3a3a"  # grey-200-850
GRID_COLOUR = "#dddddd"  # grey-900-175
HIDDEN_COLOUR = "#666666"  # grey-425-625: 5.7:1 on white


@dataclass(frozen=True)
class Ink:
    """One series' look: its DSFR colour (and its name there), the pattern that fills its bars,
    and the dashes and marker of its line."""

    name: str
    colour: str
    pattern: str  # "solid", "stripes", "dots", "cross"
    dash: str  # stroke-dasharray of its line, "" for a solid line
    marker: str  # "circle", "square", "diamond", "triangle"


# Contrast against white: 14.9, 3.9, 3.9, 4.7.
INKS = (
    Ink("blue-france-sun-113", "#000091", "solid", "", "circle"),
    Ink("green-archipel-main-557", "#009099", "stripes", "8 4", "square"),
    Ink("pink-tuile-main-556", "#ce614a", "dots", "2 3", "diamond"),
    Ink("purple-glycine-main-494", "#a558a0", "cross", "12 3 2 3", "triangle"),
)
MAX_SERIES = len(INKS)


def pattern_defs(chart_id: str, count: int, secret: bool) -> list[str]:
    """The ``<pattern>`` elements of a chart: one per patterned series, and the hatching of a
    secret value. Their ids start with the chart's, so that two charts on a page do not share
    them."""
    out = []
    for index, ink in enumerate(INKS[:count]):
        if ink.pattern == "solid":
            continue
        out.append(
            f'<pattern id="{chart_id}-p{index}" width="8" height="8" '
            f'patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="{ink.colour}"/>'
            f"{_PATTERN_MARKS[ink.pattern]}</pattern>"
        )
    if secret:
        out.append(
            f'<pattern id="{chart_id}-secret" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HIDDEN_COLOUR}" stroke-width="1.5"/>'
            "</pattern>"
        )
    return ["<defs>", *out, "</defs>"] if out else []


_PATTERN_MARKS = {
    # White marks on the colour: the colour stays the bar's, the marks tell it apart.
    "stripes": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="1.5"/>',
    "dots": '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
    "cross": '<path d="M0,4 h8 M4,0 v8" stroke="#ffffff" stroke-width="1.2"/>',
}


def fill(chart_id: str, index: int) -> str:
    """What fills the bars of series ``index``: its colour, or its pattern."""
    ink = INKS[index]
    return ink.colour if ink.pattern == "solid" else f"url(#{chart_id}-p{index})"
