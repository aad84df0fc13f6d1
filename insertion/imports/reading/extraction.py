"""An extraction accepted as a whole: its header mapped to the contract's columns, the checks of
the whole file in a first streaming pass (one establishment, one extraction time, at least one
row), then its rows parsed and checked one by one (movement needs, duplicates)."""

import datetime
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from insertion.imports.contract import (
    CHOICE,
    COLUMNS,
    DATE,
    DATETIME,
    HEADER_INDEX,
    KIND_LABELS,
    MOVEMENT_NEEDS,
    MOVEMENT_PHRASES,
    MOVEMENTS,
    SNAPSHOT,
    Column,
    detect_kind,
    normalize_header,
)
from insertion.imports.reading.cells import cell_text, folded, parse_cell, shown
from insertion.imports.reading.files import (
    CSV,
    OLE_SIGNATURE,
    XLSX,
    ZIP_SIGNATURES,
    FileRefused,
    Source,
    check_size,
    check_workbook_archive,
    csv_records,
    detect_encoding,
    is_blank,
    refuse_formulas,
    sniff_delimiter,
    xlsx_records,
)

# The kinds of cell whose values repeat across rows (dates, choices): parsed once per reading,
# up to this many distinct cells kept (the memory stays bounded whatever the file).
REPEATED_KINDS = (CHOICE, DATE, DATETIME)
PARSED_KEPT = 20_000
_NOTHING = object()

# The key of `SourceRow.errors` for what concerns the whole row (a duplicate), not one cell.
ROW = "ligne"

HELP = "Le format attendu est décrit dans la documentation des imports (FORMAT.md)."


@dataclass(frozen=True)
class SourceRow:
    """One data row. `line` is the row number a spreadsheet shows (the header is line 1).

    `values`, `raw` and the cell errors are keyed by the canonical column names, for the
    columns the file has (an absent optional column is not in `values`: it says nothing, which
    differs from an empty cell). `values` holds parsed values: `datetime.date`, an aware
    `datetime.datetime` in the current time zone, a choice's value, or text stripped with inner
    spaces folded; an empty or wrong cell gives "" (None for a date). `errors` maps a column
    (or `ROW`) to a French message. `cells` keeps the cells as read and `raw` gives them as
    written, for the rejected rows (made when asked: most rows never need it).
    """

    line: int
    values: dict[str, object]
    errors: dict[str, str] = field(default_factory=dict)
    cells: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def raw(self) -> dict[str, str]:
        return {name: cell_text(cell) for name, cell in self.cells.items()}

    @property
    def ok(self) -> bool:
        return not self.errors


class Extraction:
    """An extraction file accepted as a whole, ready to be read row by row.

    `columns`: the canonical names found, in the file's order; `headers`: the same mapped to the
    header text as written; `unknown_columns`: the header texts the contract does not know
    (ignored, reported). `row_count`: the data rows (blank rows left out).
    """

    def __init__(self, *, source: Source, filename: str, size: int, format: str):
        self._source = source
        self.filename = filename
        self.size = size
        self.format = format
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.kind = SNAPSHOT
        self.header_line = 0
        self.headers: dict[str, str] = {}
        self.unknown_columns: list[str] = []
        self.row_count = 0
        self.establishment_code = ""
        self.extracted_at: datetime.datetime | None = None
        self._positions: list[tuple[int, Column]] = []

    @property
    def columns(self) -> list[str]:
        return list(self.headers)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def _records(self) -> Generator[tuple[int, list], None, None]:
        """Every record of the file with its line number, blank ones included."""
        if self.format == XLSX:
            return xlsx_records(self._source)
        return csv_records(self._source, self.encoding, self.delimiter)

    def _data_records(self, records: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
        """The records after the header, blank ones left out, formulas refused."""
        for line, cells in records:
            refuse_formulas(line, cells)
            if line > self.header_line and not is_blank(cells):
                yield line, cells

    def rows(self) -> Iterator[SourceRow]:
        """The data rows, parsed and checked one by one (re-reads the file at each call)."""
        duplicates: dict[object, int] = {}
        parsed: dict[tuple, tuple] = {}
        for line, cells in self._data_records(self._records()):
            if len(parsed) > PARSED_KEPT:
                parsed.clear()
            row = self._parse(line, cells, parsed)
            if self.kind == MOVEMENTS:
                _check_movement(row)
            _check_duplicate(self.kind, row, duplicates)
            yield row

    def _parse(self, line: int, cells: list, parsed: dict[tuple, tuple]) -> SourceRow:
        """`parsed` remembers the dates and choices already read: the same extraction date,
        status or DLP comes back on many rows, and each is parsed once (values are immutable)."""
        row = SourceRow(line=line, values={})
        for position, column in self._positions:
            cell = cells[position] if position < len(cells) else None
            if column.kind in REPEATED_KINDS:
                key = (position, type(cell), cell)
                if key not in parsed:
                    parsed[key] = parse_cell(column, cell)
                value, error = parsed[key]
            else:
                value, error = parse_cell(column, cell)
            row.values[column.name] = value
            row.cells[column.name] = cell
            if error:
                row.errors[column.name] = error
        return row


def open_extraction(path_or_binary_file, *, filename: str) -> Extraction:
    """Open an extraction file, check it as a whole (`FileRefused` if it cannot be trusted),
    and return it ready for `rows()`.

    `filename` is the name the file was sent under: its extension matters only to refuse a file
    that claims to be a workbook and is not; the format is read from the content.
    """
    source = Source(path_or_binary_file)
    size = source.size()
    check_size(size)
    head = source.head(8)
    extension = Path(filename).suffix.lower()
    if head.startswith(ZIP_SIGNATURES):
        check_workbook_archive(source)
        extraction = Extraction(source=source, filename=filename, size=size, format=XLSX)
    elif extension == ".xls" or head.startswith(OLE_SIGNATURE):
        raise FileRefused(
            "Ce fichier est un classeur Excel à l'ancien format (.xls) ou protégé par un mot de "
            "passe : il ne peut pas être lu. Ouvrez-le dans le tableur et enregistrez-le au "
            "format Excel .xlsx (sans mot de passe) ou CSV, puis déposez-le à nouveau."
        )
    elif extension in (".xlsx", ".xlsm"):
        raise FileRefused(
            f"Le fichier porte l'extension {extension} mais n'est pas un classeur Excel : il a "
            "sans doute été renommé. Ouvrez-le dans le tableur et enregistrez-le au format "
            "Excel .xlsx ou CSV, sans changer seulement son nom."
        )
    else:
        extraction = Extraction(source=source, filename=filename, size=size, format=CSV)
        extraction.encoding = detect_encoding(source)
        extraction.delimiter = sniff_delimiter(source, extraction.encoding)
    # One reading for the header and the checks of the whole file (a workbook is slow to open).
    records = extraction._records()
    try:
        _read_header(extraction, records)
        _first_pass(extraction, records)
    finally:
        records.close()
    return extraction


def _read_header(extraction: Extraction, records: Iterator[tuple[int, list]]) -> None:
    """Read up to the header (the first row not blank) and map its columns."""
    for line, cells in records:
        refuse_formulas(line, cells)
        if not is_blank(cells):
            break
    else:
        raise FileRefused(
            "Le fichier est vide : il ne contient ni ligne d'en-tête ni données. Vérifiez "
            "l'extraction et déposez-la à nouveau."
        )
    extraction.header_line = line
    texts = [folded(cell_text(cell)) for cell in cells]
    kind = detect_kind(normalize_header(text) for text in texts)
    index = HEADER_INDEX[kind]
    extraction.kind = kind
    found: dict[str, int] = {}
    for position, text in enumerate(texts):
        if not text:
            continue  # an untitled column: trailing separators, a spreadsheet's margin
        column = index.get(normalize_header(text))
        if column is None:
            extraction.unknown_columns.append(text)
        elif column.name in found:
            first = found[column.name]
            raise FileRefused(
                f"La colonne {column.label} figure deux fois dans l'en-tête (« {texts[first]} » "
                f"en colonne {get_column_letter(first + 1)} et « {text} » en colonne "
                f"{get_column_letter(position + 1)}). Gardez-en une seule."
            )
        else:
            found[column.name] = position
            extraction.headers[column.name] = text
            extraction._positions.append((position, column))
    missing = [
        column.label for column in COLUMNS[kind] if column.required and column.name not in found
    ]
    if missing:
        raise FileRefused(
            f"Colonnes obligatoires absentes pour un fichier « {KIND_LABELS[kind]} » : "
            f"{', '.join(missing)}. Vérifiez la ligne d'en-tête (ligne {line}) : les intitulés "
            f"peuvent s'écrire sans accents ni majuscules, mais doivent être présents. {HELP}"
        )


# How the file-level values are named in messages: « porte le code établissement « LYO » ».
_FILE_VALUES = {
    "code_etablissement": ("le code établissement", "différent de celui"),
    "date_extraction": ("la date d'extraction", "différente de celle"),
}


def _first_pass(extraction: Extraction, records: Iterator[tuple[int, list]]) -> None:
    """Count the rows, refuse formulas, and check that every row is for the same establishment
    at the same extraction time — a file mixing them is a wrong export, not wrong rows."""
    columns = [(p, c) for p, c in extraction._positions if c.name in _FILE_VALUES]
    first_line = None
    first: dict[str, tuple[object, str]] = {}
    previous: dict[str, object] = {}
    parsed: dict[str, tuple] = {}
    for line, cells in extraction._data_records(records):
        extraction.row_count += 1
        for position, column in columns:
            cell = cells[position] if position < len(cells) else None
            seen = (type(cell), cell)
            if seen != previous.get(column.name, _NOTHING):  # most rows repeat the first
                previous[column.name] = seen
                parsed[column.name] = parse_cell(column, cell)
            value, error = parsed[column.name]
            named, different = _FILE_VALUES[column.name]
            if first_line is None:
                if error:
                    raise FileRefused(
                        f"Ligne {line} : {error}. Chaque ligne doit indiquer {named} du "
                        f"fichier. {HELP}"
                    )
                first[column.name] = (value, cell_text(cell))
            elif error or value != first[column.name][0]:
                raise FileRefused(
                    f"La ligne {line} porte {named} « {shown(cell_text(cell))} », {different} de "
                    f"la ligne {first_line} (« {first[column.name][1]} ») : un fichier ne doit "
                    "concerner qu'un établissement, à une seule date d'extraction. Faites une "
                    "extraction par établissement."
                )
        first_line = first_line or line
    if first_line is None:
        raise FileRefused(
            "Le fichier ne contient que la ligne d'en-tête, aucune ligne de données. Vérifiez "
            "l'extraction et déposez-la à nouveau."
        )
    extraction.establishment_code = first["code_etablissement"][0]
    extraction.extracted_at = first["date_extraction"][0]


def _check_movement(row: SourceRow) -> None:
    """The values a movement needs by its kind: « Sexe manquant pour une arrivée »."""
    kind = row.values.get("type_mouvement")
    if not kind:
        return
    columns = {column.name: column for column in COLUMNS[MOVEMENTS]}
    for name in MOVEMENT_NEEDS[kind]:
        if row.values.get(name) in ("", None) and name not in row.errors:
            column = columns[name]
            row.errors[name] = f"{column.label} {column.missing_word} {MOVEMENT_PHRASES[kind]}"


def _check_duplicate(kind: str, row: SourceRow, seen: dict[object, int]) -> None:
    """A second row for the same person (snapshot), or for the same person, movement and date
    (movements), is a row error: applying both would count the person or the event twice."""
    if kind == SNAPSHOT:
        names = ("identifiant_national",)
        what = "même identifiant"
    else:
        names = ("identifiant_national", "type_mouvement", "date_mouvement")
        what = "même identifiant, même type de mouvement et même date"
    if any(name in row.errors or row.values.get(name) in ("", None) for name in names):
        return
    key = tuple(row.values[name] for name in names)
    if key in seen:
        row.errors[ROW] = f"Ligne en double : {what} que la ligne {seen[key]}"
    else:
        seen[key] = row.line
