"""Logging filters of the project (wired in settings.LOGGING)."""

import logging


class FirstOccurrenceOnly(logging.Filter):
    """Lets each message template through once per process.

    WeasyPrint warns once per font of every PDF when a system library is missing (HarfBuzz
    subsetting): the demo seed renders hundreds of PDFs, and one line says it all.
    """

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._seen: set[tuple[str, object]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.msg)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True
