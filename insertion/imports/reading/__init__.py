"""Reading an extraction file: open it, check it, yield its rows parsed (FORMAT.md, contract.py).

Two outcomes, on purpose kept apart:
- the whole file is **refused** (`FileRefused`, with a French message that says what to do) when
  it cannot be trusted as a whole: too big, empty, not the format it claims, an unknown
  encoding, a missing or doubled column, a formula, a zip bomb, rows for two establishments or
  two extraction times. Nothing is read further and nothing is changed;
- a **row** is rejected (`SourceRow.errors`) when only its own cells are wrong: an impossible
  date, an unknown value, a missing value, a duplicate. The other rows go on.

Everything the file says about itself is checked at `open_extraction`, by a first streaming
pass, so that `Extraction.rows()` (the second pass, and any later one: each call re-reads the
file from the start) only parses. The memory stays bounded whatever the file's size: rows are
read one at a time; only the keys seen (for duplicates) are kept.
"""

from insertion.imports.reading.cells import parse_cell
from insertion.imports.reading.extraction import ROW, Extraction, SourceRow, open_extraction
from insertion.imports.reading.files import FileRefused

__all__ = ["ROW", "Extraction", "FileRefused", "SourceRow", "open_extraction", "parse_cell"]
