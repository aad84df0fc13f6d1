"""Cells written for a spreadsheet (CSV and ODS exports): what the person reads, never a formula.

The ODS writer is a few lines of the standard library rather than a dependency: an export is one
sheet of text and numbers, which an OpenDocument package holds in three small files (the
`mimetype`, the manifest, `content.xml`), and the ground floor imports nothing else.
"""

import io
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

# A cell starting with one of these is run as a formula by Excel or LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text, with a leading apostrophe when a spreadsheet would run it as a
    formula: « =HYPERLINK(…) » is shown as written, not followed."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


# --- French numbers ----------------------------------------------------------------------------

# « 1 234 », « 12,5 », « -3 », « 40,0 % », « 100 % »: thousands apart by a space (thin, no-break
# or plain), a decimal comma, « % » after a space. No leading zero: « 007 » is a code, not 7.
_SPACES = "\u202f\u00a0 "
_FRENCH_NUMBER = re.compile(
    rf"(?P<sign>-?)(?P<whole>0|[1-9]\d{{0,2}}(?:[{_SPACES}]\d{{3}})+|[1-9]\d*)"
    rf"(?:,(?P<decimals>\d+))?(?P<percent>[{_SPACES}]%)?"
)


class Number:
    """A cell's text read as a number: its value, and how the text writes it (decimals,
    thousands apart or not, a percentage), so that a spreadsheet shows the same text."""

    def __init__(self, value: Decimal, decimals: int, grouped: bool, percent: bool):
        self.value = value
        self.decimals = decimals
        self.grouped = grouped
        self.percent = percent

    @property
    def style(self) -> str:
        """The name of its number style: « P1 » a percentage with one decimal, « N0g » a
        number with none and thousands apart…"""
        return f"{'P' if self.percent else 'N'}{self.decimals}{'g' if self.grouped else ''}"


def french_number(text: str) -> Number | None:
    """The number a French-written cell shows, or None for any other text (« secret »,
    « non calculable », a name, « 2,5 jours »)."""
    found = _FRENCH_NUMBER.fullmatch(text)
    if not found:
        return None
    whole = re.sub(f"[{_SPACES}]", "", found["whole"])
    decimals = found["decimals"] or ""
    value = Decimal(f"{found['sign']}{whole}.{decimals or '0'}")
    percent = bool(found["percent"])
    if percent:
        value = value.scaleb(-2)  # a percentage cell holds 0.125 and shows « 12,5 % »
    # Under 1 000, grouping changes nothing: one style for both ways of writing.
    grouped = len(whole) < 4 or whole != found["whole"]
    return Number(value, len(decimals), grouped, percent)


# --- OpenDocument spreadsheet ------------------------------------------------------------------

ODS_CONTENT_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODF_VERSION = "1.2"
_NAMESPACES = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
}
# Characters XML 1.0 cannot carry: dropped rather than making the whole file unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A sheet name that Excel and LibreOffice both accept.
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]*?:/\\']")
_SHEET_NAME_LENGTH = 31


def ods_bytes(
    rows: Sequence[Sequence[str]],
    *,
    sheet_name: str,
    preamble: Sequence[str] = (),
) -> bytes:
    """An OpenDocument spreadsheet of one sheet: the `preamble` lines (a title first, in bold),
    an empty line, then `rows` (their headers first, in bold).

    Every cell is text, written as given, except a French-written number (« 1 234 »,
    « 12,5 % ») in a line's cells (not its header, the first), which becomes a number showing
    the same text. A text cell is never a formula,
    whatever it starts with: ODS has no CSV injection, so no apostrophe is added."""
    styles = _Styles()
    lines = []
    for index, line in enumerate(preamble):
        lines.append(_row([line], styles, bold=index == 0, numbers=False))
    if preamble:
        lines.append("<table:table-row><table:table-cell/></table:table-row>")
    for index, row in enumerate(rows):
        lines.append(_row(row, styles, bold=index == 0, numbers=index > 0))
    columns = "".join(
        f'<table:table-column table:style-name="{styles.column(width)}"/>'
        for width in _column_widths(rows)
    )
    name = _NOT_IN_SHEET_NAME.sub("-", sheet_name)[:_SHEET_NAME_LENGTH] or "Feuille1"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<office:document-content "
        + " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in _NAMESPACES.items())
        + f' office:version="{_ODF_VERSION}">'
        f"<office:automatic-styles>{styles.xml()}</office:automatic-styles>"
        "<office:body><office:spreadsheet>"
        f"<table:table table:name={quoteattr(_xml_text(name))}>{columns}{''.join(lines)}"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return _package(content)


def _row(cells: Sequence[str], styles: "_Styles", *, bold: bool, numbers: bool) -> str:
    out = []
    for index, cell in enumerate(cells):
        text = _xml_text("" if cell is None else str(cell))
        number = french_number(text) if numbers and index else None
        if not text:
            out.append("<table:table-cell/>")
        elif number is None:
            style = styles.cell(None, bold)
            out.append(
                f"<table:table-cell{_style_attribute(style)} office:value-type="
                f'"string">{_paragraph(text)}</table:table-cell>'
            )
        else:
            value_type = "percentage" if number.percent else "float"
            style = styles.cell(number, bold)
            out.append(
                f"<table:table-cell{_style_attribute(style)} office:value-type="
                f'"{value_type}" office:value="{number.value:f}">'
                f"{_paragraph(text)}</table:table-cell>"
            )
    return f"<table:table-row>{''.join(out) or '<table:table-cell/>'}</table:table-row>"


def _style_attribute(style: str | None) -> str:
    return f' table:style-name="{style}"' if style else ""


def _paragraph(text: str) -> str:
    """A cell's text as an ODF paragraph: spaces, tabs and line breaks kept (ODF would otherwise
    collapse a run of spaces into one and drop leading ones)."""

    def spaces(found: re.Match) -> str:
        inside = found.start() > 0 and found.end() < len(found.string)
        return (
            " " if inside and found.group() == " " else f'<text:s text:c="{len(found.group())}"/>'
        )

    lines = [
        re.sub(" +", spaces, escape(line)).replace("\t", "<text:tab/>") for line in text.split("\n")
    ]
    return f"<text:p>{'<text:line-break/>'.join(lines)}</text:p>"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def _column_widths(rows: Sequence[Sequence[str]]) -> list[float]:
    """Each column's width in centimetres, from its longest text (the preamble's lines may
    overflow to the right, as a title does)."""
    widths: list[float] = []
    for row in rows:
        for index, cell in enumerate(row):
            width = min(10.0, max(2.5, 0.5 + 0.21 * len(str(cell or ""))))
            if index == len(widths):
                widths.append(width)
            else:
                widths[index] = max(widths[index], width)
    return widths


class _Styles:
    """The automatic styles a sheet uses: number styles, cell styles, column widths."""

    def __init__(self):
        self.numbers: dict[str, Number] = {}
        self.cells: dict[tuple[str | None, bool], str] = {}
        self.columns: dict[float, str] = {}

    def cell(self, number: Number | None, bold: bool) -> str | None:
        if number is None and not bold:
            return None
        if number is not None:
            self.numbers.setdefault(number.style, number)
        key = (number.style if number else None, bold)
        return self.cells.setdefault(key, f"ce{len(self.cells) + 1}")

    def column(self, width: float) -> str:
        width = round(width, 1)
        return self.columns.setdefault(width, f"co{len(self.columns) + 1}")

    def xml(self) -> str:
        out = [_number_style(name, number) for name, number in self.numbers.items()]
        for (number_style, bold), name in self.cells.items():
            data = f' style:data-style-name="{number_style}"' if number_style else ""
            text = '<style:text-properties fo:font-weight="bold"/>' if bold else ""
            out.append(
                f'<style:style style:name="{name}" style:family="table-cell"{data}>'
                f"{text}</style:style>"
            )
        for width, name in self.columns.items():
            out.append(
                f'<style:style style:name="{name}" style:family="table-column">'
                f'<style:table-column-properties style:column-width="{width}cm"/></style:style>'
            )
        return "".join(out)


def _number_style(name: str, number: Number) -> str:
    kind = "percentage-style" if number.percent else "number-style"
    grouping = ' number:grouping="true"' if number.grouped else ""
    percent = "<number:text>\u00a0%</number:text>" if number.percent else ""
    return (
        f'<number:{kind} style:name="{name}" number:language="fr" number:country="FR">'
        f'<number:number number:decimal-places="{number.decimals}" '
        f'number:min-integer-digits="1"{grouping}/>{percent}</number:{kind}>'
    )


def _package(content: str) -> bytes:
    """The zip of an OpenDocument: `mimetype` first and stored, as readers check it."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        f' manifest:version="{_ODF_VERSION}">'
        f'<manifest:file-entry manifest:full-path="/" manifest:version="{_ODF_VERSION}"'
        f' manifest:media-type="{ODS_CONTENT_TYPE}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), ODS_CONTENT_TYPE, zipfile.ZIP_STORED)
        for name, text in (("META-INF/manifest.xml", manifest), ("content.xml", content)):
            package.writestr(zipfile.ZipInfo(name), text.encode(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
