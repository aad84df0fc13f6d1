"""Words and measures of text for the frise engine: month names, XML-safe lines, coordinates
written alike, and widths estimated without a font engine (to stack and cut labels)."""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata

from django.utils import translation
from django.utils.formats import date_format

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")

# Approximate advance widths (in em) of Arial-like glyphs; Marianne is a little wider, hence the
# factor. Good enough to stack and cut labels without a font engine.
_EM = {
    **dict.fromkeys("ijl.,;:!|'’`", 0.25),
    **{" ": 0.28, "f": 0.3, "t": 0.3, "r": 0.34, "I": 0.28, "J": 0.5, "m": 0.84, "w": 0.73},
    **{"M": 0.84, "W": 0.95, "—": 1.0, "…": 1.0, "–": 0.56, "-": 0.34, "(": 0.34, ")": 0.34},
    **{"/": 0.3, "«": 0.56, "»": 0.56},
}
_WIDTH_FACTOR = 1.07
BOLD_FACTOR = 1.08


@functools.lru_cache(maxsize=4)
def _month_names(language: str | None) -> tuple[str, ...]:
    return tuple(date_format(datetime.date(2000, month, 1), "F") for month in range(1, 13))


def month_names() -> tuple[str, ...]:
    """Django's names of the months in the active language, « janvier » first. Asked once per
    drawing and kept per language: date_format costs some 20 µs a call (and even the language
    some 2 µs), and a person page writes a hundred dates."""
    return _month_names(translation.get_language())


def clean(text: str) -> str:
    """One line of XML-safe text (not yet escaped): control characters dropped, spaces folded."""
    if text.isprintable() and "  " not in text:  # most labels: nothing to drop or fold
        return text.strip()
    return _SPACES.sub(" ", XML_INVALID.sub("", text)).strip()


def number(value: float) -> str:
    """A coordinate, rounded, always written the same way."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@functools.lru_cache(maxsize=1024)  # labels draw on a few dozen characters
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
    return 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6


def text_width(text: str, size: float) -> float:
    return sum(map(_char_em, text)) * size * _WIDTH_FACTOR


def fit(text: str, max_width: float, size: float) -> tuple[str, float]:
    """The text, cut with an ellipsis if needed to fit max_width; and its width."""
    width = text_width(text, size)
    if width <= max_width:
        return text, width
    budget = max_width - text_width("…", size)
    used, cut = 0.0, 0
    for index, char in enumerate(text):
        advance = _char_em(char) * size * _WIDTH_FACTOR
        if used + advance > budget:
            break
        used, cut = used + advance, index + 1
    shown = text[:cut].rstrip() + "…"
    return shown, text_width(shown, size)


def wrap(text: str, max_width: float, size: float, max_lines: int = 2) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", size) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [fit(line, max_width, size)[0] for line in lines]
