"""The « frise chronologique » of a person's life, drawn on the server as an SVG.

School, training and diplomas, jobs and incarcerations are laid on one time axis, one lane per
kind, on the month scale of the frise engine (``insertion/core/frise``, which draws it and
escapes every text). It is an image for the eye: ``timeline_text`` gives the same content as rows
for the text alternative shown beside it. No database, no WeasyPrint.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from insertion.core import frise as engine

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

MIN_YEAR, MAX_YEAR = 1900, 2100

EMPTY_MESSAGE = engine.EMPTY_MESSAGE
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


def _month_year(ym: tuple[int, int], months: tuple[str, ...]) -> str:
    return f"{months[ym[1] - 1]} {ym[0]}"


def _de(text: str) -> str:
    """« de mars », « d'avril », « d'octobre »."""
    return f"d'{text}" if text[0] in "aeiouyàâéèêîôû" else f"de {text}"


def _period(event: TimelineEvent, months: tuple[str, ...]) -> str:
    if event.ongoing:
        return f"depuis {_month_year(event.start, months)} (en cours)"
    if event.end is None:
        return f"en {event.start[0]}"
    if event.end == event.start:
        return f"en {_month_year(event.start, months)}"
    if event.end[0] == event.start[0]:
        return f"{_de(months[event.start[1] - 1])} à {_month_year(event.end, months)}"
    return f"{_de(_month_year(event.start, months))} à {_month_year(event.end, months)}"


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
    months = engine.month_names()
    return [
        {
            "kind_label": KIND_LABELS[event.kind],
            "label": event.label,
            "period": _period(event, months),
        }
        for event in sorted(events, key=_sort_key)
    ]


# --- Drawing ------------------------------------------------------------------------------------

# DSFR palette; in black and white the lanes stay apart by their titles, their shades (light,
# medium, dark) and their shapes (diamonds for diplomas, arrows for what is still running).
KIND_COLOURS = {
    "scolarite": ("#e3e3fd", "#000091"),  # blue-france 925 / blue-france sun
    "formation": ("#00a95f", "#297254"),  # green-emeraude main / sun
    "emploi": ("#6a6af4", "#000091"),  # blue-france main 525 / sun
    "incarceration": ("#3a3a3a", "#161616"),  # grey 200 / 50
}
LANES = tuple(engine.Lane(kind, label, *KIND_COLOURS[kind]) for kind, label in KIND_LABELS.items())

_PERIOD_NOUNS = {
    "scolarite": ("période de scolarité", "périodes de scolarité"),
    "formation": ("formation", "formations"),
    "emploi": ("période d'emploi", "périodes d'emploi"),
    "incarceration": ("incarcération", "incarcérations"),
}


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


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


def _mark(event: TimelineEvent, this_month: datetime.date, months: tuple[str, ...]) -> engine.Mark:
    start = datetime.date(*event.start, 1)
    title = f"{KIND_LABELS[event.kind]} : {engine.clean(event.label)}, {_period(event, months)}"
    if event.is_point:  # a diploma is a diamond
        shape = "diamond" if event.kind == "formation" else "circle"
        return engine.Mark(event.kind, start, event.label, title, shape)
    # An ongoing period with no end runs to this month (or starts later).
    end = datetime.date(*event.end, 1) if event.end is not None else max(start, this_month)
    shape = "bar-ongoing" if event.ongoing else "bar"
    return engine.Mark(event.kind, start, event.label, title, shape, end)


def timeline_svg(
    events: Iterable[TimelineEvent],
    *,
    today: datetime.date,
    svg_id: str = "frise",
    title: str = DEFAULT_TITLE,
) -> SafeString:
    """The timeline drawn as an accessible SVG string, ready to embed in a page or a PDF."""
    events = sorted(events, key=_sort_key)
    this_month, months = today.replace(day=1), engine.month_names()
    marks = [_mark(event, this_month, months) for event in events]
    desc = ""
    if marks:
        first_year = min(mark.start.year for mark in marks)
        desc = _summary(events, first_year, max((m.end or m.start).year for m in marks))
    return engine.draw(
        engine.MONTH_SCALE,
        lanes=LANES,
        marks=marks,
        today=today,
        svg_id=svg_id,
        title=title,
        desc=desc,
    )
