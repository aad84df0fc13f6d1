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

import codecs
import contextlib
import csv
import datetime
import io
import os
import re
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import openpyxl
from django.conf import settings
from django.utils import timezone
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
    normalize_choice,
    normalize_header,
)

CSV = "csv"
XLSX = "xlsx"
UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
WINDOWS_1252 = "cp1252"
DELIMITERS = (";", ",", "\t")  # the first wins a tie: ";" is what French spreadsheets write

MEBIBYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 25 * MEBIBYTE
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * MEBIBYTE
MAX_COMPRESSION_RATIO = 100
# A member smaller than this cannot hurt whatever its ratio (a few KB of repeated XML compress
# far beyond 100:1); above it, such a ratio is the mark of a zip bomb.
RATIO_CHECKED_FROM = MEBIBYTE
CHUNK_BYTES = 64 * 1024
MIN_YEAR, MAX_YEAR = 1900, 2100
SHOWN_CHARS = 40  # how much of a bad cell a message quotes

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # old binary Excel (.xls), or an XLSX with a password

# The key of `SourceRow.errors` for what concerns the whole row (a duplicate), not one cell.
ROW = "ligne"

HELP = "Le format attendu est décrit dans la documentation des imports (FORMAT.md)."


class FileRefused(Exception):
    """The whole file is refused; nothing was changed. `message` is for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SourceRow:
    """One data row. `line` is the row number a spreadsheet shows (the header is line 1).

    `values`, `raw` and the cell errors are keyed by the canonical column names, for the
    columns the file has (an absent optional column is not in `values`: it says nothing, which
    differs from an empty cell). `values` holds parsed values: `datetime.date`, an aware
    `datetime.datetime` in the current time zone, a choice's value, or text stripped with inner
    spaces folded; an empty or wrong cell gives "" (None for a date). `errors` maps a column
    (or `ROW`) to a French message. `raw` keeps the cells as written, for the rejected rows.
    """

    line: int
    values: dict[str, object]
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Formula(str):
    """A formula cell of a workbook, kept apart from a text that merely looks like one."""


class _Unclosable(io.RawIOBase):
    """The caller's file, read through our buffers; closing them leaves it open."""

    def __init__(self, file):
        self._file = file

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, buffer):
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        return self._file.seek(offset, whence)

    def tell(self):
        return self._file.tell()


class _Source:
    """A path or a binary file object, opened again from the start for every pass."""

    def __init__(self, path_or_file):
        self._path = path_or_file if isinstance(path_or_file, str | os.PathLike) else None
        self._file = None if self._path is not None else path_or_file

    def size(self) -> int:
        if self._path is not None:
            return os.path.getsize(self._path)
        self._file.seek(0, io.SEEK_END)
        return self._file.tell()

    @contextlib.contextmanager
    def open(self) -> Iterator[BinaryIO]:
        if self._path is not None:
            with open(self._path, "rb") as stream:
                yield stream
        else:
            self._file.seek(0)
            with io.BufferedReader(_Unclosable(self._file), CHUNK_BYTES) as stream:
                yield stream

    def head(self, length: int) -> bytes:
        with self.open() as stream:
            return stream.read(length)

    def chunks(self) -> Iterator[bytes]:
        with self.open() as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk


class Extraction:
    """An extraction file accepted as a whole, ready to be read row by row.

    `columns`: the canonical names found, in the file's order; `headers`: the same mapped to the
    header text as written; `unknown_columns`: the header texts the contract does not know
    (ignored, reported). `row_count`: the data rows (blank rows left out).
    """

    def __init__(self, *, source: _Source, filename: str, size: int, format: str):
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
            return _xlsx_records(self._source)
        return _csv_records(self._source, self.encoding, self.delimiter)

    def _data_records(self, records: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
        """The records after the header, blank ones left out, formulas refused."""
        for line, cells in records:
            _refuse_formulas(line, cells)
            if line > self.header_line and not _blank(cells):
                yield line, cells

    def rows(self) -> Iterator[SourceRow]:
        """The data rows, parsed and checked one by one (re-reads the file at each call)."""
        duplicates: dict[object, int] = {}
        for line, cells in self._data_records(self._records()):
            row = self._parse(line, cells)
            if self.kind == MOVEMENTS:
                _check_movement(row)
            _check_duplicate(self.kind, row, duplicates)
            yield row

    def _parse(self, line: int, cells: list) -> SourceRow:
        row = SourceRow(line=line, values={})
        for position, column in self._positions:
            cell = cells[position] if position < len(cells) else None
            value, error = parse_cell(column, cell)
            row.values[column.name] = value
            row.raw[column.name] = _text(cell)
            if error:
                row.errors[column.name] = error
        return row


def open_extraction(path_or_binary_file, *, filename: str) -> Extraction:
    """Open an extraction file, check it as a whole (`FileRefused` if it cannot be trusted),
    and return it ready for `rows()`.

    `filename` is the name the file was sent under: its extension matters only to refuse a file
    that claims to be a workbook and is not; the format is read from the content.
    """
    source = _Source(path_or_binary_file)
    size = source.size()
    _check_size(size)
    head = source.head(8)
    extension = Path(filename).suffix.lower()
    if head.startswith(ZIP_SIGNATURES):
        _check_workbook_archive(source)
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
        extraction.encoding = _detect_encoding(source)
        extraction.delimiter = _sniff_delimiter(source, extraction.encoding)
    # One reading for the header and the checks of the whole file (a workbook is slow to open).
    records = extraction._records()
    try:
        _read_header(extraction, records)
        _first_pass(extraction, records)
    finally:
        records.close()
    return extraction


# --- The file as a whole -------------------------------------------------------------------


def _human_size(size: int) -> str:
    if size >= MEBIBYTE:
        amount, unit = size / MEBIBYTE, "Mo"
    elif size >= 1024:
        amount, unit = size / 1024, "Ko"
    else:
        return f"{size} octets"
    return f"{amount:.1f}".rstrip("0").rstrip(".").replace(".", ",") + f" {unit}"


def _check_size(size: int) -> None:
    if size == 0:
        raise FileRefused("Le fichier est vide : vérifiez l'extraction et déposez-la à nouveau.")
    limit = getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    if size > limit:
        raise FileRefused(
            f"Le fichier dépasse {_human_size(limit)} (il fait {_human_size(size)}) : il n'a pas "
            "été lu. Une extraction d'un établissement tient dans cette limite : vérifiez qu'il "
            "s'agit du bon fichier, ou découpez-le par établissement."
        )


def _check_workbook_archive(source: _Source) -> None:
    """Look inside the ZIP before any XML parser sees it: a workbook that would expand into
    hundreds of MB (a zip bomb) is refused without being expanded."""
    try:
        with source.open() as stream, zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise FileRefused(
            "Le classeur Excel est abîmé et ne peut pas être ouvert. Enregistrez-le à nouveau "
            "depuis le tableur au format .xlsx ou CSV."
        ) from error
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise FileRefused(
            "Le fichier est une archive ZIP mais pas un classeur Excel (.xlsx) : un document "
            "OpenDocument (.ods), Word ou une archive ne convient pas. Enregistrez l'extraction "
            "au format Excel .xlsx ou CSV."
        )
    limit = getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    expanded = sum(member.file_size for member in members)
    suspicious = any(
        member.file_size >= RATIO_CHECKED_FROM
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if expanded > limit or suspicious:
        raise FileRefused(
            "Le classeur Excel est suspect et a été refusé sans être ouvert : une fois "
            f"décompressé il occuperait {_human_size(expanded)}, ou une de ses parties est "
            "anormalement compressée. Une extraction ordinaire n'a pas cette forme : "
            "enregistrez-la à nouveau depuis le tableur, ou en CSV."
        )


def _detect_encoding(source: _Source) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else Windows-1252 — in one
    incremental pass, since a single accented letter near the end decides."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = windows_ok = True
    for chunk in source.chunks():
        if b"\x00" in chunk:
            raise _encoding_refused()
        if utf8_ok:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if windows_ok:
            try:
                chunk.decode(WINDOWS_1252)
            except UnicodeDecodeError:
                windows_ok = False
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    bom = source.head(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    if utf8_ok:
        return UTF8_BOM if bom else UTF8
    if windows_ok and not bom:
        return WINDOWS_1252
    raise _encoding_refused()


def _encoding_refused() -> FileRefused:
    return FileRefused(
        "L'encodage du fichier n'est pas reconnu (UTF-16, fichier binaire ou caractères "
        "invalides). Enregistrez l'extraction en CSV UTF-8 ou Windows-1252 (« CSV (séparateur : "
        "point-virgule) » dans le tableur), ou au format Excel .xlsx."
    )


def _sniff_delimiter(source: _Source, encoding: str) -> str:
    """The separator the header line uses most: ";", "," or a tab (";" if none)."""
    with source.open() as stream, io.TextIOWrapper(stream, encoding=encoding, newline="") as text:
        for line in text:
            if line.strip():
                counts = [line.count(delimiter) for delimiter in DELIMITERS]
                return DELIMITERS[counts.index(max(counts))]
    return DELIMITERS[0]


def _csv_records(source: _Source, encoding: str, delimiter: str) -> Iterator[tuple[int, list]]:
    with source.open() as stream, io.TextIOWrapper(stream, encoding=encoding, newline="") as text:
        reader = csv.reader(text, delimiter=delimiter)
        line = 0
        try:
            for line, record in enumerate(reader, start=1):
                yield line, record
        except csv.Error as error:
            raise FileRefused(
                f"Le fichier CSV est mal formé après la ligne {line} : un guillemet n'est "
                "peut-être pas fermé. Enregistrez-le à nouveau depuis le tableur."
            ) from error


def _xlsx_records(source: _Source) -> Iterator[tuple[int, list]]:
    """The first sheet, read in streaming mode, formulas kept as formulas (never computed)."""
    with source.open() as stream:
        try:
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=False)
        except Exception as error:
            raise FileRefused(
                "Le classeur Excel n'a pas pu être lu (fichier abîmé ou format inattendu). "
                "Enregistrez-le à nouveau depuis le tableur au format .xlsx ou CSV."
            ) from error
        try:
            if not workbook.worksheets:
                return
            sheet = workbook.worksheets[0]
            # Some tools write a wrong size in the sheet: read what is there, not what it says.
            sheet.reset_dimensions()
            rows = enumerate(sheet.iter_rows(), start=1)
            while True:
                try:
                    line, row = next(rows)
                except StopIteration:
                    return
                except Exception as error:
                    raise FileRefused(
                        "Le classeur Excel est abîmé : sa première feuille ne peut pas être lue "
                        "jusqu'au bout. Enregistrez-le à nouveau depuis le tableur."
                    ) from error
                yield line, [_workbook_value(cell) for cell in row]
        finally:
            workbook.close()


def _workbook_value(cell) -> object:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return _Formula(getattr(value, "text", None) or value or "=")
    return value


def _refuse_formulas(line: int, cells: list) -> None:
    for position, cell in enumerate(cells):
        if isinstance(cell, _Formula) or (isinstance(cell, str) and cell.lstrip()[:1] == "="):
            formula = str(cell).strip()
            shown = _shown(formula if formula.startswith("=") else f"={formula}")
            raise FileRefused(
                f"La cellule {get_column_letter(position + 1)}{line} contient une formule "
                f"(« {shown} ») : un fichier d'extraction ne doit contenir que des valeurs. "
                "Remplacez les formules par leurs valeurs (copier, puis collage spécial "
                "« valeurs ») et déposez le fichier à nouveau."
            )


def _blank(cells: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _read_header(extraction: Extraction, records: Iterator[tuple[int, list]]) -> None:
    """Read up to the header (the first row not blank) and map its columns."""
    for line, cells in records:
        _refuse_formulas(line, cells)
        if not _blank(cells):
            break
    else:
        raise FileRefused(
            "Le fichier est vide : il ne contient ni ligne d'en-tête ni données. Vérifiez "
            "l'extraction et déposez-la à nouveau."
        )
    extraction.header_line = line
    texts = [_folded(_text(cell)) for cell in cells]
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
    for line, cells in extraction._data_records(records):
        extraction.row_count += 1
        for position, column in columns:
            cell = cells[position] if position < len(cells) else None
            value, error = parse_cell(column, cell)
            named, different = _FILE_VALUES[column.name]
            if first_line is None:
                if error:
                    raise FileRefused(
                        f"Ligne {line} : {error}. Chaque ligne doit indiquer {named} du "
                        f"fichier. {HELP}"
                    )
                first[column.name] = (value, _text(cell))
            elif error or value != first[column.name][0]:
                raise FileRefused(
                    f"La ligne {line} porte {named} « {_shown(_text(cell))} », {different} de "
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


# --- Cells ---------------------------------------------------------------------------------


def _text(cell) -> str:
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


def _folded(text: str) -> str:
    return " ".join(text.split())


def _shown(text: str) -> str:
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


def _parse_moment(text: str, *, with_time: bool) -> tuple[datetime.datetime | None, str | None]:
    """Read 'jj/mm/aaaa[ hh:mm]' or ISO; return the naive (or zoned, from ISO) moment or the
    French message. A date column accepts a time of 00:00 only (what some exports append)."""
    expected = "jj/mm/aaaa hh:mm" if with_time else "jj/mm/aaaa"
    label = "Date et heure invalides" if with_time else "Date invalide"
    match = _FRENCH_DATE.fullmatch(text) or _ISO_DATE.fullmatch(text)
    if match is None:
        return None, f"{label} : {_shown(text)} (attendu {expected})"
    parts = {key: int(value) for key, value in match.groupdict().items() if value and key != "zone"}
    if not MIN_YEAR <= parts["year"] <= MAX_YEAR:
        return (
            None,
            f"Année hors limites : {_shown(text)} (attendue entre {MIN_YEAR} et {MAX_YEAR})",
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
        return None, f"{label} : {_shown(text)} (attendu {expected})"
    zone = match.groupdict().get("zone")
    if zone:
        moment = datetime.datetime.fromisoformat(f"{moment.isoformat()}{zone}")
    if not with_time and (moment.time() != datetime.time(0, 0) or zone):
        return None, f"{label} : {_shown(text)} (attendu {expected}, sans heure)"
    return moment, None


def _aware(moment: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(moment):
        return timezone.localtime(moment)
    return timezone.make_aware(moment, timezone.get_current_timezone())


def parse_cell(column: Column, cell) -> tuple[object, str | None]:
    """The value of one cell for its column, and the French message if it is wrong."""
    empty = None if column.kind in (DATE, DATETIME) else ""
    text = _folded(_text(cell))
    if not text:
        if column.blank:
            return empty, None
        return empty, f"{column.label} {column.missing_word}"
    if column.kind == DATE:
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
                f"Valeur inconnue pour {column.label} : « {_shown(text)} » "
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


# --- Row rules -----------------------------------------------------------------------------


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
