import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def normalize_search(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Hélène  LŒUILLET' -> 'helene loeuillet'.

    Stored beside names so that search is accent-insensitive on SQLite and PostgreSQL alike.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


MAX_ID_DIGITS = 18  # a bigint


def parse_id(value: str | None) -> int | None:
    """A primary key read from a form or a query string, or None.

    Only ASCII digits: `str.isdigit()` also accepts "²" or "٣", which `int()` refuses (a server
    error), and a number past a bigint would fail in the database.
    """
    if not value or not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        return None
    return int(value)
