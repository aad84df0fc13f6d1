import unicodedata

from django.db.models import Q

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def normalize_search(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Hélène  LŒUILLET' -> 'helene loeuillet'.

    Stored beside names so that search is accent-insensitive on SQLite and PostgreSQL alike.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def search_condition(text: str, *lookups: str) -> Q:
    """Every word of `text` must match one of `lookups` (accent- and case-insensitive).

    The lookups compare with normalised stored text (such as `Detainee.search_text`) through
    `contains`-like lookups, so the words are normalised the same way.
    """
    condition = Q()
    for word in normalize_search(text).split():
        any_lookup = Q()
        for lookup in lookups:
            any_lookup |= Q(**{lookup: word})
        condition &= any_lookup
    return condition


MAX_ID_DIGITS = 18  # a bigint


def parse_id(value: str | None) -> int | None:
    """A primary key read from a form or a query string, or None.

    Only ASCII digits: `str.isdigit()` also accepts "²" or "٣", which `int()` refuses (a server
    error), and a number past a bigint would fail in the database.
    """
    if not value or not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        return None
    return int(value)
