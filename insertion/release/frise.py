"""The « frise du suivi »: a person's time in prison and its release preparation, drawn on the
server as an SVG, on a scale of days from the first arrival to the expected release date (DLP).

One lane per kind of event: the stays (arrival, transfers, release), the interview and its
synthesis, the milestones done, the sentence arrangements (requested, decided), the contacts with
the CPIP, and the DLP (its changes, earlier or later, and the date itself, also drawn as a line
across the lanes, beside today's).

As in entretiens/timeline.py: plain SVG with presentation attributes only (no ``style``: the
site's CSP forbids inline styles), every text escaped before it enters the drawing, the result
marked safe only at the very end, and ``frise_text`` gives the same content as rows for the text
alternative shown beside it. Pure Python: `follow_up_events` reads the objects it is given
(their related objects already fetched by the caller) and runs no query.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from entretiens.timeline import MONTHS, _clean, _fit, _n, _t, _text_width, _wrap

__all__ = [
    "KIND_LABELS",
    "FollowUpEvent",
    "follow_up_events",
    "french_date",
    "frise_svg",
    "frise_text",
]

KIND_LABELS = {
    "incarceration": "Incarcération",
    "entretien": "Entretien et synthèse",
    "jalon": "Jalons faits",
    "amenagement": "Aménagements de peine",
    "contact": "Contacts",
    "dlp": "Date de libération prévisible",
}
# What a marker looks like besides its lane's colour (so that the frise reads in grey too).
SHAPES = ("circle", "diamond", "square", "square-open", "earlier", "later", "dlp")

SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)

DEFAULT_TITLE = "Frise du suivi"
EMPTY_MESSAGE = "Aucun élément à afficher sur la frise"


def french_date(day: datetime.date) -> str:
    """« 12 mars 2026 », as Django's "j F Y" writes it."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _days(n: int) -> str:
    return f"{n} jour{'s' if n > 1 else ''}"


@dataclass(frozen=True)
class FollowUpEvent:
    """One dated event of the follow-up. `label` is drawn (short), `text` is the text
    alternative's wording (defaults to the label)."""

    kind: str
    day: datetime.date
    label: str
    text: str = ""
    shape: str = "circle"

    def __post_init__(self):
        if self.kind not in KIND_LABELS:
            raise ValueError(f"Type d'élément inconnu : {self.kind!r}")
        if not isinstance(self.day, datetime.date) or isinstance(self.day, datetime.datetime):
            raise ValueError("La date doit être un jour (datetime.date).")
        if self.shape not in SHAPES:
            raise ValueError(f"Forme inconnue : {self.shape!r}")
        if not isinstance(self.label, str) or not isinstance(self.text, str):
            raise ValueError("Le libellé doit être un texte.")

    @property
    def description(self) -> str:
        return self.text or self.label


# --- From the domain's objects ------------------------------------------------------------------

_ARRANGEMENT_SHORT = {
    "lsc": "LSC",
    "ddse": "DDSE",
    "semi_liberte": "Semi-liberté",
    "placement_exterieur": "Placement extérieur",
    "liberation_conditionnelle": "LC",
}


def follow_up_events(
    *,
    incarcerations=(),
    interview_versions=(),
    syntheses=(),
    milestones=(),
    release_date_changes=(),
    arrangements=(),
    contacts=(),
    expected_release_date: datetime.date | None = None,
    release_date: datetime.date | None = None,
    release_kind_label: str = "",
) -> list[FollowUpEvent]:
    """The events of a person's follow-up, from their model objects (any iterables; no query is
    run here: stays need their `establishment`, and nothing else is followed)."""
    events: list[FollowUpEvent] = []
    for number, stay in enumerate(sorted(incarcerations, key=lambda s: (s.arrival_date, s.pk))):
        name = stay.establishment.name
        if number == 0:
            label, text = "Arrivée", f"Arrivée : {name} (écrou n° {stay.ecrou_number})"
        else:
            label, text = "Transfert", f"Transfert : {name} (écrou n° {stay.ecrou_number})"
        events.append(FollowUpEvent("incarceration", stay.arrival_date, label, text))
    if release_date is not None:
        text = f"Libération : {release_kind_label}" if release_kind_label else "Libération"
        events.append(FollowUpEvent("incarceration", release_date, "Libération", text, "square"))

    for version in interview_versions:
        day = _local_day(version.validated_at)
        if version.number == 1:
            events.append(FollowUpEvent("entretien", day, "Entretien validé", shape="square"))
        else:
            label = f"Entretien rectifié (version {version.number})"
            events.append(FollowUpEvent("entretien", day, label, shape="square"))
    for synthesis in syntheses:
        if synthesis.delivered_at is None:
            continue
        label = "Synthèse envoyée"
        text = f"Synthèse envoyée aux équipes (version {synthesis.number})"
        events.append(FollowUpEvent("entretien", _local_day(synthesis.delivered_at), label, text))

    for milestone in milestones:
        if milestone.done_on is not None:
            events.append(
                FollowUpEvent(
                    "jalon",
                    milestone.done_on,
                    milestone.label,
                    f"Jalon fait : {milestone.label}",
                    "diamond",
                )
            )

    for change in release_date_changes:
        new = french_date(change.new_date)
        if change.previous_date is None:
            label, text, shape = "DLP initiale", f"DLP initiale : {new}", "circle"
        else:
            shift = (change.new_date - change.previous_date).days
            way = "avancée" if shift < 0 else "reculée"
            label = f"DLP {way} de {_days(abs(shift))}"
            text = f"{label} : {new} ({change.get_reason_display().lower()})"
            shape = "earlier" if shift < 0 else "later"
        events.append(FollowUpEvent("dlp", change.changed_on, label, text, shape))
    if expected_release_date is not None:
        label = f"DLP : {french_date(expected_release_date)}"
        text = f"Date de libération prévisible : {french_date(expected_release_date)}"
        events.append(FollowUpEvent("dlp", expected_release_date, label, text, "dlp"))

    for arrangement in arrangements:
        short = _ARRANGEMENT_SHORT.get(arrangement.kind, arrangement.get_kind_display())
        full = arrangement.get_kind_display()
        events.append(
            FollowUpEvent(
                "amenagement",
                arrangement.requested_on,
                f"{short} : demande",
                f"Demande d'aménagement de peine : {full}",
                "square-open",
            )
        )
        if arrangement.decided_on is not None:
            status = "accordé" if arrangement.status == "revoked" else ""
            status = status or arrangement.get_status_display().lower()
            events.append(
                FollowUpEvent(
                    "amenagement",
                    arrangement.decided_on,
                    f"{short} : {status}",
                    f"Décision sur l'aménagement {full} : {status}",
                    "square",
                )
            )
        if arrangement.revoked_on is not None:
            events.append(
                FollowUpEvent(
                    "amenagement",
                    arrangement.revoked_on,
                    f"{short} : révoqué",
                    f"Aménagement révoqué : {full}",
                    "square",
                )
            )

    for contact in contacts:
        kind = contact.get_kind_display()
        events.append(
            FollowUpEvent("contact", contact.on_date, kind, f"{kind} : {contact.subject}")
        )
    return events


def _local_day(moment: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


# --- Text alternative ---------------------------------------------------------------------------


def _sort_key(event: FollowUpEvent):
    return (event.day, list(KIND_LABELS).index(event.kind), event.label)


def frise_text(events: Iterable[FollowUpEvent]) -> list[dict]:
    """The text alternative of the drawing: one row per event, by date."""
    return [
        {
            "date": french_date(event.day),
            "day": event.day,
            "kind_label": KIND_LABELS[event.kind],
            "label": _clean(event.description),
        }
        for event in sorted(events, key=_sort_key)
    ]


# --- Drawing ------------------------------------------------------------------------------------

WIDTH = 900
GUTTER_X = 12
GUTTER_W = 150
PLOT_LEFT = 176
PLOT_RIGHT = 860
TEXT_RIGHT = 894
TOP = 44  # room for the « Aujourd'hui » and « DLP » labels
LANE_PAD = 6
ROW_H = 34  # one sub-row: a label line, then the markers
MARK_OFFSET = 24  # centre of the markers below a row's top
LABEL_BASELINE = 13
MAX_ROWS = 3  # labels that find no room in these sub-rows are left out (the title keeps them)
AXIS_H = 40
LABEL_SIZE = 12
LANE_TITLE_SIZE = 13
MAX_LABEL_W = 170
ITEM_GAP = 8
MARK_R = 6
MIN_TICK_LABEL_GAP = 52
BOLD_FACTOR = 1.08

FONT_FAMILY = "Marianne, Arial, sans-serif"
TEXT_COLOUR = "#161616"
MUTED_COLOUR = "#3a3a3a"
GRID_COLOUR = "#dddddd"
LANE_BACKGROUNDS = ("#f6f6f6", "#ffffff")
TODAY_COLOUR = "#e1000f"  # red-marianne
DLP_COLOUR = "#000091"  # blue-france sun

# DSFR palette (fill, stroke).
KIND_COLOURS = {
    "incarceration": ("#3a3a3a", "#161616"),  # grey 200 / 50
    "entretien": ("#e3e3fd", "#000091"),  # blue-france 925 / sun
    "jalon": ("#00a95f", "#297254"),  # green-emeraude main / sun
    "amenagement": ("#c8aa39", "#716043"),  # yellow-tournesol main / sun
    "contact": ("#6a6af4", "#000091"),  # blue-france main 525 / sun
    "dlp": ("#ffffff", "#000091"),
}


@dataclass
class _Item:
    event: FollowUpEvent
    x: float
    label: str  # as drawn, maybe cut; "" when it found no room
    label_x: float
    extent: tuple[float, float]
    row: int = 0


def _layout_lane(events: list[FollowUpEvent], x_of) -> tuple[list[_Item], int]:
    """Each marker with its label in the first sub-row where the label meets no other one
    (greedy, by date). Past MAX_ROWS the marker goes without its label (its title keeps it), in
    a sub-row where no label runs above it, so that it is never read as another one's (one more
    sub-row, of markers only, when there is none)."""
    items = []
    for event in sorted(events, key=_sort_key):
        x = x_of(event.day)
        text = _clean(event.label) or KIND_LABELS[event.kind]
        label, width = _fit(text, MAX_LABEL_W, LABEL_SIZE)
        label_x = max(PLOT_LEFT - 20, min(x - MARK_R, TEXT_RIGHT - width))
        items.append(_Item(event, x, label, label_x, (label_x, label_x + width)))
    row_ends: list[float] = []
    labelled: list[list[tuple[float, float]]] = []
    unlabelled = []
    for item in items:
        for row, row_end in enumerate(row_ends):
            if row_end + ITEM_GAP <= item.extent[0]:
                item.row = row
                row_ends[row] = item.extent[1]
                labelled[row].append(item.extent)
                break
        else:
            if len(row_ends) < MAX_ROWS:
                item.row = len(row_ends)
                row_ends.append(item.extent[1])
                labelled.append([item.extent])
            else:
                item.label = ""
                unlabelled.append(item)
    rows = max(len(row_ends), 1)
    for item in unlabelled:
        clear = [
            row
            for row, extents in enumerate(labelled)
            if all(item.x + MARK_R < start or item.x - MARK_R > end for start, end in extents)
        ]
        # No row is clear at this date: one more row, of markers only.
        item.row = clear[0] if clear else len(row_ends)
        rows = max(rows, item.row + 1)
    return items, rows


def _marker(shape: str, x: float, y: float, fill: str, stroke: str) -> str:
    r = MARK_R
    if shape == "diamond":
        r += 1
        points = f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"
        return f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
    if shape in ("square", "square-open"):
        side = 2 * r - 1
        fill = "#ffffff" if shape == "square-open" else fill
        return (
            f'<rect x="{_n(x - side / 2)}" y="{_n(y - side / 2)}" width="{_n(side)}" '
            f'height="{_n(side)}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
    if shape in ("earlier", "later"):  # a triangle pointing the way the date moved
        tip = -1 if shape == "earlier" else 1
        points = (
            f"{_n(x + tip * r)},{_n(y)} {_n(x - tip * r)},{_n(y - r)} {_n(x - tip * r)},{_n(y + r)}"
        )
        return f'<polygon points="{points}" fill="{stroke}" stroke="{stroke}" stroke-width="1"/>'
    if shape == "dlp":
        return (
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r + 1)}" fill="{DLP_COLOUR}" '
            f'stroke="#ffffff" stroke-width="2"/>'
        )
    return (
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="1.5"/>'
    )


def _draw_item(item: _Item, row_y: float, background: str) -> list[str]:
    event = item.event
    fill, stroke = KIND_COLOURS[event.kind]
    title = f"{french_date(event.day)} — {KIND_LABELS[event.kind]} : {_clean(event.description)}"
    out = [
        f'<g class="frise-item" data-kind="{event.kind}" data-row="{item.row}">',
        f"<title>{_t(title)}</title>",
    ]
    if item.label:
        position = f'x="{_n(item.label_x)}" y="{_n(row_y + LABEL_BASELINE)}"'
        label = escape(item.label)
        out.append(
            f'<text {position} fill="{background}" stroke="{background}" stroke-width="5" '
            f'stroke-linejoin="round" aria-hidden="true">{label}</text>'
        )
        out.append(f"<text {position}>{label}</text>")
    out.append(_marker(event.shape, item.x, row_y + MARK_OFFSET, fill, stroke))
    out.append("</g>")
    return out


def _tick_months(span_days: int) -> int:
    for limit, step in ((430, 1), (850, 2), (1500, 3), (3000, 6)):
        if span_days <= limit:
            return step
    return 12


def _summary(events: list[FollowUpEvent], start: datetime.date, end: datetime.date) -> str:
    counts = {kind: sum(e.kind == kind for e in events) for kind in KIND_LABELS}
    nouns = {
        "incarceration": ("étape de l'incarcération", "étapes de l'incarcération"),
        "entretien": ("étape de l'entretien", "étapes de l'entretien"),
        "jalon": ("jalon fait", "jalons faits"),
        "amenagement": ("étape d'aménagement de peine", "étapes d'aménagement de peine"),
        "contact": ("contact", "contacts"),
        "dlp": ("repère de DLP", "repères de DLP"),
    }
    parts = [
        f"{n} {nouns[kind][0] if n == 1 else nouns[kind][1]}" for kind, n in counts.items() if n
    ]
    return f"Du {french_date(start)} au {french_date(end)} : {', '.join(parts)}."


def _svg_open(svg_id: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{svg_id}" class="frise" role="img" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT_FAMILY}" font-size="{LABEL_SIZE}" fill="{TEXT_COLOUR}">',
        f'<title id="{svg_id}-title">{_t(title)}</title>',
        f'<desc id="{svg_id}-desc">{_t(desc)}</desc>',
    ]


def _vertical_marker(
    x: float, label: str, y_label: float, colour: str, top: float, bottom: float, css: str
) -> list[str]:
    width = _text_width(label, 12)
    label_x = min(max(x, PLOT_LEFT + width / 2), TEXT_RIGHT - width / 2)
    return [
        f'<g class="{css}">',
        f'<line x1="{_n(x)}" y1="{_n(top - 4)}" x2="{_n(x)}" y2="{_n(bottom)}" '
        f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="4 3"/>',
        f'<text x="{_n(label_x)}" y="{_n(y_label)}" text-anchor="middle" font-size="12" '
        f'fill="{colour}">{escape(label)}</text>',
        "</g>",
    ]


def frise_svg(
    events: Iterable[FollowUpEvent],
    *,
    today: datetime.date,
    start: datetime.date | None = None,
    expected_release_date: datetime.date | None = None,
    svg_id: str = "frise-suivi",
    title: str = DEFAULT_TITLE,
) -> SafeString:
    """The frise as an accessible SVG string. The axis runs from `start` (the first arrival)
    or the first event, to the DLP, today or the last event, whichever is last."""
    events = sorted(events, key=_sort_key)
    if not events:
        height = 60
        out = _svg_open(svg_id, height, title, f"{EMPTY_MESSAGE}.")
        out += [
            f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" fill="#f6f6f6" '
            f'stroke="{GRID_COLOUR}"/>',
            f'<text x="{WIDTH // 2}" y="{height // 2 + 5}" text-anchor="middle" font-size="14" '
            f'fill="{MUTED_COLOUR}">{_t(EMPTY_MESSAGE)}</text>',
            "</svg>",
        ]
        return mark_safe("\n".join(out))  # noqa: S308 — every text above is escaped

    days = [e.day for e in events]
    first = min([*days, *([start] if start else [])])
    last = max([*days, today, *([expected_release_date] if expected_release_date else [])])
    span = max((last - first).days, 30)
    # A margin of 2 % on each side, so that a marker on either end is drawn whole.
    margin = max(span // 50, 1)
    domain_start = first - datetime.timedelta(days=margin)
    domain_days = span + 2 * margin
    scale = (PLOT_RIGHT - PLOT_LEFT) / domain_days

    def x_of(day: datetime.date) -> float:
        return PLOT_LEFT + ((day - domain_start).days + 0.5) * scale

    lanes = []
    for kind in KIND_LABELS:
        of_kind = [e for e in events if e.kind == kind]
        if of_kind:
            items, rows = _layout_lane(of_kind, x_of)
            lanes.append((kind, items, rows))

    lanes_top = TOP
    lanes_bottom = lanes_top + sum(2 * LANE_PAD + rows * ROW_H for _, _, rows in lanes)
    height = lanes_bottom + AXIS_H
    out = _svg_open(svg_id, height, title, _summary(events, first, last))

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
        first_baseline = y + lane_h / 2 + 5 - (len(lines) - 1) * 8
        for number, line in enumerate(lines):
            out.append(
                f'<text x="{GUTTER_X}" y="{_n(first_baseline + number * 16)}" '
                f'font-size="{LANE_TITLE_SIZE}" font-weight="bold">{escape(line)}</text>'
            )
        out.append("</g>")
        y += lane_h

    # Month grid and ticks.
    step = _tick_months(domain_days)
    ticks = []
    month = datetime.date(domain_start.year, domain_start.month, 1)
    domain_end = domain_start + datetime.timedelta(days=domain_days)
    while month <= domain_end:
        if month >= domain_start and (month.month - 1) % step == 0:
            ticks.append(month)
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    for tick in ticks:
        x = _n(x_of(tick) - 0.5 * scale)
        out.append(
            f'<line x1="{x}" y1="{_n(lanes_top)}" x2="{x}" y2="{_n(lanes_bottom)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )

    # Today and the DLP, across the lanes.
    today_x = x_of(today)
    out += _vertical_marker(
        today_x, "Aujourd'hui", lanes_top - 26, TODAY_COLOUR, lanes_top, lanes_bottom, "frise-today"
    )
    if expected_release_date is not None:
        out += _vertical_marker(
            x_of(expected_release_date),
            "DLP",
            lanes_top - 9,
            DLP_COLOUR,
            lanes_top,
            lanes_bottom,
            "frise-dlp",
        )

    for index, ((_kind, items, _rows), lane_top) in enumerate(zip(lanes, lane_tops, strict=True)):
        background = LANE_BACKGROUNDS[index % 2]
        for item in sorted(items, key=lambda i: (i.row, i.x)):
            out += _draw_item(item, lane_top + LANE_PAD + item.row * ROW_H, background)

    # Axis.
    axis_y = lanes_bottom
    out.append('<g class="frise-axis">')
    out.append(
        f'<line x1="{PLOT_LEFT}" y1="{_n(axis_y)}" x2="{PLOT_RIGHT}" y2="{_n(axis_y)}" '
        f'stroke="{MUTED_COLOUR}" stroke-width="1.5"/>'
    )
    last_label_x = None
    for number, tick in enumerate(ticks):
        x = x_of(tick) - 0.5 * scale
        text = SHORT_MONTHS[tick.month - 1]
        if tick.month == 1 or number == 0 or last_label_x is None:
            text = f"{text} {tick.year}"
        width = _text_width(text, LABEL_SIZE)
        label = ""
        if (last_label_x is None or x - width / 2 - last_label_x >= MIN_TICK_LABEL_GAP / 4) and (
            x + width / 2 <= TEXT_RIGHT
        ):
            label = (
                f'<text x="{_n(x)}" y="{_n(axis_y + 22)}" text-anchor="middle" '
                f'fill="{MUTED_COLOUR}">{escape(text)}</text>'
            )
            last_label_x = x + width / 2
        out.append(
            f'<g class="frise-tick" data-month="{tick:%Y-%m}">'
            f'<line x1="{_n(x)}" y1="{_n(axis_y)}" x2="{_n(x)}" y2="{_n(axis_y + 6)}" '
            f'stroke="{MUTED_COLOUR}" stroke-width="1"/>{label}</g>'
        )
    out.append("</g>")
    out.append("</svg>")
    return mark_safe("\n".join(out))  # noqa: S308 — every text above is escaped
