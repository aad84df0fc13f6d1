"""One cell of an extraction: as text as a spreadsheet shows it, and parsed for its column
(dates jj/mm/aaaa or ISO, choices by label or code, lengths) with the French message when it is
wrong."""

import datetime
import re

from django.utils import timezone

from insertion.imports.contract import CHOICE, DATE, DATETIME, Column, normalize_choice

MIN_YEAR, MAX_YEAR = 1900, 2100
SHOWN_CHARS = 40  # how much of a bad cell a message quotes


def cell_text(cell) -> str:
    """A cell as text, as a spreadsheet shows it: 12345, not 12345.0; dates as jj/mm/aaaa."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "VRAI" if cell else "FAUX"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime):
        if cell.time() == datetime.time(0, 0):
            return cell.strftime("%d/%m/%Y")
        return cell.strftime("%d/%m/%Y %H:%M")
    if isinstance(cell, datetime.date):
        return cell.strftime("%d/%m/%Y")
    return str(cell)


def folded(text: str) -> str:
    return " ".join(text.split())


def shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


_FRENCH_DATE = re.compile(
    r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"
    r"(?:[ T]+(?:à\s*)?(?P<hour>\d{1,2})[:hH](?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
)
_ISO_DATE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[ T](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)


def _plain_french_date(text: str) -> datetime.date | None:
    """The common case, 'jj/mm/aaaa' exactly, a valid date within the years allowed, read
    without a regular expression (a snapshot has four dates per row); None for anything else,
    which `_parse_moment` reads or explains."""
    if len(text) != 10 or text[2] != "/" or text[5] != "/":
        return None
    day, month, year = text[:2], text[3:5], text[6:]
    if not (day.isdigit() and month.isdigit() and year.isdigit() and year.isascii()):
        return None
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        return None
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _parse_moment(text: str, *, with_time: bool) -> tuple[datetime.datetime | None, str | None]:
    """Read 'jj/mm/aaaa[ hh:mm]' or ISO; return the naive (or zoned, from ISO) moment or the
    French message. A date column accepts a time of 00:00 only (what some exports append)."""
    expected = "jj/mm/aaaa hh:mm" if with_time else "jj/mm/aaaa"
    label = "Date et heure invalides" if with_time else "Date invalide"
    match = _FRENCH_DATE.fullmatch(text) or _ISO_DATE.fullmatch(text)
    if match is None:
        return None, f"{label} : {shown(text)} (attendu {expected})"
    parts = {key: int(value) for key, value in match.groupdict().items() if value and key != "zone"}
    if not MIN_YEAR <= parts["year"] <= MAX_YEAR:
        return (
            None,
            f"Année hors limites : {shown(text)} (attendue entre {MIN_YEAR} et {MAX_YEAR})",
        )
    try:
        moment = datetime.datetime(
            parts["year"],
            parts["month"],
            parts["day"],
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
        )
    except ValueError:
        return None, f"{label} : {shown(text)} (attendu {expected})"
    zone = match.groupdict().get("zone")
    if zone:
        moment = datetime.datetime.fromisoformat(f"{moment.isoformat()}{zone}")
    if not with_time and (moment.time() != datetime.time(0, 0) or zone):
        return None, f"{label} : {shown(text)} (attendu {expected}, sans heure)"
    return moment, None


def _aware(moment: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(moment):
        return timezone.localtime(moment)
    return timezone.make_aware(moment, timezone.get_current_timezone())


def parse_cell(column: Column, cell) -> tuple[object, str | None]:
    """The value of one cell for its column, and the French message if it is wrong."""
    empty = None if column.kind in (DATE, DATETIME) else ""
    text = folded(cell_text(cell))
    if not text:
        if column.blank:
            return empty, None
        return empty, f"{column.label} {column.missing_word}"
    if column.kind == DATE:
        if (day := _plain_french_date(text)) is not None:
            return day, None
        if isinstance(cell, datetime.datetime):
            cell = cell.date()
        if isinstance(cell, datetime.date):
            if not MIN_YEAR <= cell.year <= MAX_YEAR:
                return (
                    None,
                    f"Année hors limites : {text} (attendue entre {MIN_YEAR} et {MAX_YEAR})",
                )
            return cell, None
        moment, error = _parse_moment(text, with_time=False)
        return (moment.date() if moment else None), error
    if column.kind == DATETIME:
        if isinstance(cell, datetime.datetime | datetime.date):
            if not isinstance(cell, datetime.datetime):
                cell = datetime.datetime.combine(cell, datetime.time(0, 0))
            if not MIN_YEAR <= cell.year <= MAX_YEAR:
                return (
                    None,
                    f"Année hors limites : {text} (attendue entre {MIN_YEAR} et {MAX_YEAR})",
                )
            return _aware(cell), None
        moment, error = _parse_moment(text, with_time=True)
        return (_aware(moment) if moment else None), error
    if column.kind == CHOICE:
        value = column.choice_keys.get(normalize_choice(text))
        if value is None:
            return "", (
                f"Valeur inconnue pour {column.label} : « {shown(text)} » "
                f"(valeurs admises : {_accepted(column)})"
            )
        return value, None
    if column.uppercase:
        text = text.upper()
    if column.max_length and len(text) > column.max_length:
        return "", (
            f"{column.label} trop long : {len(text)} caractères ({column.max_length} au plus)"
        )
    return text, None


def _accepted(column: Column) -> str:
    """The labels, with a short code beside its label ("Femme (F)") since exports use codes."""
    return ", ".join(
        f"{label} ({value})" if len(value) <= 3 else label
        for value, label in column.choices.items()
    )
