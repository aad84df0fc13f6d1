"""The « frise du suivi »: a person's time in prison and its release preparation, drawn on the
server as an SVG, on a scale of days from the first arrival to the expected release date (DLP).

One lane per kind of event: the stays (arrival, transfers, release), the interview and its
synthesis, the milestones done, the sentence arrangements (requested, decided), the contacts with
the CPIP, and the DLP (its changes, earlier or later, and the date itself, also drawn as a line
across the lanes, beside today's).

Drawn on the day scale of the frise engine (``insertion/core/frise``, which escapes every
text); ``frise_text`` gives the same content as rows for the text alternative shown beside it.
`follow_up_events` reads the objects it is given (their related objects already fetched by the
caller) and runs no query.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString

from insertion.core import frise as engine

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

DEFAULT_TITLE = "Frise du suivi"
EMPTY_MESSAGE = engine.EMPTY_MESSAGE


def french_date(day: datetime.date) -> str:
    """« 12 mars 2026 », as Django's "j F Y" writes it."""
    return _in_words(day, engine.month_names())


def _in_words(day: datetime.date, months: tuple[str, ...]) -> str:
    return f"{day.day} {months[day.month - 1]} {day.year}"


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
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


# --- Text alternative ---------------------------------------------------------------------------


def _sort_key(event: FollowUpEvent):
    return (event.day, list(KIND_LABELS).index(event.kind), event.label)


def frise_text(events: Iterable[FollowUpEvent]) -> list[dict]:
    """The text alternative of the drawing: one row per event, by date."""
    months = engine.month_names()
    return [
        {
            "date": _in_words(event.day, months),
            "day": event.day,
            "kind_label": KIND_LABELS[event.kind],
            "label": engine.clean(event.description),
        }
        for event in sorted(events, key=_sort_key)
    ]


# --- Drawing ------------------------------------------------------------------------------------

DLP_COLOUR = "#000091"  # blue-france sun

# DSFR palette (fill, stroke).
KIND_COLOURS = {
    "incarceration": ("#3a3a3a", "#161616"),  # grey 200 / 50
    "entretien": ("#e3e3fd", "#000091"),  # blue-france 925 / sun
    "jalon": ("#00a95f", "#297254"),  # green-emeraude main / sun
    "amenagement": ("#c8aa39", "#716043"),  # yellow-tournesol main / sun
    "contact": ("#6a6af4", "#000091"),  # blue-france main 525 / sun
    "dlp": ("#ffffff", DLP_COLOUR),
}
LANES = tuple(engine.Lane(kind, label, *KIND_COLOURS[kind]) for kind, label in KIND_LABELS.items())
# The DLP itself is the engine's dot: its lane's ink (the DLP's blue), ringed with white.
_ENGINE_SHAPES = {"dlp": "dot"}

_SUMMARY_NOUNS = {
    "incarceration": ("étape de l'incarcération", "étapes de l'incarcération"),
    "entretien": ("étape de l'entretien", "étapes de l'entretien"),
    "jalon": ("jalon fait", "jalons faits"),
    "amenagement": ("étape d'aménagement de peine", "étapes d'aménagement de peine"),
    "contact": ("contact", "contacts"),
    "dlp": ("repère de DLP", "repères de DLP"),
}


def _summary(events: list[FollowUpEvent], start: datetime.date, end: datetime.date) -> str:
    counts = {kind: sum(e.kind == kind for e in events) for kind in KIND_LABELS}
    parts = [
        f"{n} {_SUMMARY_NOUNS[kind][0] if n == 1 else _SUMMARY_NOUNS[kind][1]}"
        for kind, n in counts.items()
        if n
    ]
    return f"Du {french_date(start)} au {french_date(end)} : {', '.join(parts)}."


def _mark(event: FollowUpEvent, months: tuple[str, ...]) -> engine.Mark:
    title = f"{_in_words(event.day, months)} — {KIND_LABELS[event.kind]} : "
    title += engine.clean(event.description)
    shape = _ENGINE_SHAPES.get(event.shape, event.shape)
    return engine.Mark(event.kind, event.day, event.label, title, shape)


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
    events, months = sorted(events, key=_sort_key), engine.month_names()
    desc = ""
    if events:
        days = [event.day for event in events]
        first = min([*days, *([start] if start else [])])
        last = max([*days, today, *([expected_release_date] if expected_release_date else [])])
        desc = _summary(events, first, last)
    rules = []
    if expected_release_date is not None:
        rules.append(engine.Rule(expected_release_date, "DLP", "frise-dlp", DLP_COLOUR, 9))
    return engine.draw(
        engine.DAY_SCALE,
        lanes=LANES,
        marks=[_mark(event, months) for event in events],
        today=today,
        rules=rules,
        also_covers=[start] if start else [],
        svg_id=svg_id,
        title=title,
        desc=desc,
    )
