"""The extraction file as bytes: its size, its format (CSV or XLSX, told by the content), its
encoding and separator, the ZIP checks before any XML parser sees a workbook, and its records
(line number, cells) read in streaming. A file that cannot be trusted as a whole raises
`FileRefused` with a French message that says what to do."""

import codecs
import contextlib
import csv
import io
import os
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

import openpyxl
from django.conf import settings
from openpyxl.utils import get_column_letter

from insertion.imports.reading.cells import shown

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

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # old binary Excel (.xls), or an XLSX with a password


class FileRefused(Exception):
    """The whole file is refused; nothing was changed. `message` is for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Formula(str):
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


class Source:
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


def _human_size(size: int) -> str:
    if size >= MEBIBYTE:
        amount, unit = size / MEBIBYTE, "Mo"
    elif size >= 1024:
        amount, unit = size / 1024, "Ko"
    else:
        return f"{size} octets"
    return f"{amount:.1f}".rstrip("0").rstrip(".").replace(".", ",") + f" {unit}"


def check_size(size: int) -> None:
    if size == 0:
        raise FileRefused("Le fichier est vide : vérifiez l'extraction et déposez-la à nouveau.")
    limit = getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    if size > limit:
        raise FileRefused(
            f"Le fichier dépasse {_human_size(limit)} (il fait {_human_size(size)}) : il n'a pas "
            "été lu. Une extraction d'un établissement tient dans cette limite : vérifiez qu'il "
            "s'agit du bon fichier, ou découpez-le par établissement."
        )


def check_workbook_archive(source: Source) -> None:
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


def detect_encoding(source: Source) -> str:
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


def sniff_delimiter(source: Source, encoding: str) -> str:
    """The separator the header line uses most: ";", "," or a tab (";" if none)."""
    with source.open() as stream, io.TextIOWrapper(stream, encoding=encoding, newline="") as text:
        for line in text:
            if line.strip():
                counts = [line.count(delimiter) for delimiter in DELIMITERS]
                return DELIMITERS[counts.index(max(counts))]
    return DELIMITERS[0]


def csv_records(source: Source, encoding: str, delimiter: str) -> Iterator[tuple[int, list]]:
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


def xlsx_records(source: Source) -> Iterator[tuple[int, list]]:
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
        return Formula(getattr(value, "text", None) or value or "=")
    return value


def refuse_formulas(line: int, cells: list) -> None:
    for position, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        if not isinstance(cell, Formula) and ("=" not in cell or cell.lstrip()[:1] != "="):
            continue  # most cells have no "=" at all: the first test settles them
        formula = str(cell).strip()
        quoted = shown(formula if formula.startswith("=") else f"={formula}")
        raise FileRefused(
            f"La cellule {get_column_letter(position + 1)}{line} contient une formule "
            f"(« {quoted} ») : un fichier d'extraction ne doit contenir que des valeurs. "
            "Remplacez les formules par leurs valeurs (copier, puis collage spécial "
            "« valeurs ») et déposez le fichier à nouveau."
        )


def is_blank(cells: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)
