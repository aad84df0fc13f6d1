import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def normalize_search(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Hélène  LŒUILLET' -> 'helene loeuillet'.

    Stored beside names so that search is accent-insensitive on SQLite and PostgreSQL alike.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
