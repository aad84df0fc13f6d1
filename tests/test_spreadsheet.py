"""The spreadsheet cells and the ODS writer of insertion/core/spreadsheet.py: what a person reads
is written, never a formula, and a French number stays the text the page shows."""

import io
import zipfile
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring

from insertion.core.spreadsheet import french_number, ods_bytes, safe_cell

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
NUMBER = "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
THIN, NO_BREAK = "\u202f", "\u00a0"


# --- CSV cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x";"clic")', '\'=HYPERLINK("http://x";"clic")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Total national", "Total national"),
        (f"1{THIN}234", f"1{THIN}234"),
        (None, ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_neutralised(value, written):
    assert safe_cell(value) == written


# --- French numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "style"),
    [
        ("0", Decimal("0"), "N0g"),
        ("7", Decimal("7"), "N0g"),
        (f"1{THIN}234", Decimal("1234"), "N0g"),
        ("1 234 567", Decimal("1234567"), "N0g"),
        ("2025", Decimal("2025"), "N0"),  # written without a space: shown so
        ("12,5", Decimal("12.5"), "N1g"),
        ("-3", Decimal("-3"), "N0g"),
        (f"87,5{NO_BREAK}%", Decimal("0.875"), "P1g"),
        ("100 %", Decimal("1"), "P0g"),
        (f"1{THIN}250,0{NO_BREAK}%", Decimal("12.5"), "P1g"),
    ],
)
def test_a_french_number_is_read_with_the_way_it_is_written(text, value, style):
    number = french_number(text)
    assert number.value == value
    assert number.style == style


@pytest.mark.parametrize(
    "text",
    [
        "secret",
        "non calculable",
        "",
        "007",  # a code
        "1 23",
        "12.5",
        f"2,5{NO_BREAK}jours",
        f"88,2{NO_BREAK}% (15)",
        "=1+1",
        "1,",
    ],
)
def test_any_other_text_is_not_a_number(text):
    assert french_number(text) is None


# --- ODS ---------------------------------------------------------------------------------------


def read(content: bytes):
    package = zipfile.ZipFile(io.BytesIO(content))
    return package, fromstring(package.read("content.xml"))


def cells(root) -> list[list]:
    return [list(row.iter(f"{{{TABLE}}}table-cell")) for row in root.iter(f"{{{TABLE}}}table-row")]


def text_of(cell) -> str:
    paragraph = cell.find(f"{{{TEXT}}}p")
    if paragraph is None:
        return ""
    out = [paragraph.text or ""]
    for child in paragraph:
        if child.tag == f"{{{TEXT}}}s":
            out.append(" " * int(child.get(f"{{{TEXT}}}c")))
        elif child.tag == f"{{{TEXT}}}tab":
            out.append("\t")
        elif child.tag == f"{{{TEXT}}}line-break":
            out.append("\n")
        out.append(child.tail or "")
    return "".join(out)


def test_an_ods_is_an_opendocument_package():
    package, root = read(ods_bytes([["a"]], sheet_name="essai"))
    first = package.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED and not first.extra
    assert package.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    manifest = fromstring(package.read("META-INF/manifest.xml"))
    entries = {
        entry.get("{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}full-path")
        for entry in manifest
    }
    assert entries == {"/", "content.xml"}
    assert root.get(f"{{{OFFICE}}}version") == "1.2"
    sheet = root.find(f".//{{{TABLE}}}table")
    assert sheet.get(f"{{{TABLE}}}name") == "essai"


def test_the_preamble_an_empty_line_then_the_table():
    content = ods_bytes(
        [["Établissement", "Validés", "Taux"], ["Fresnes", "secret", f"87,5{NO_BREAK}%"]],
        sheet_name="etablissements",
        preamble=["Titre", "France entière"],
    )
    _package, root = read(content)
    lines = [[text_of(cell) for cell in row] for row in cells(root)]
    assert lines == [
        ["Titre"],
        ["France entière"],
        [""],
        ["Établissement", "Validés", "Taux"],
        ["Fresnes", "secret", f"87,5{NO_BREAK}%"],
    ]
    rows = cells(root)
    fresnes = rows[4]
    assert fresnes[1].get(f"{{{OFFICE}}}value-type") == "string"
    assert fresnes[2].get(f"{{{OFFICE}}}value-type") == "percentage"
    assert fresnes[2].get(f"{{{OFFICE}}}value") == "0.875"
    # The title and the headers in bold, the rest not.
    bold = {
        style.get(f"{{{STYLE}}}name")
        for style in root.iter(f"{{{STYLE}}}style")
        if style.find(f"{{{STYLE}}}text-properties[@{{{FO}}}font-weight='bold']") is not None
    }
    assert rows[0][0].get(f"{{{TABLE}}}style-name") in bold
    assert all(cell.get(f"{{{TABLE}}}style-name") in bold for cell in rows[3])
    assert rows[1][0].get(f"{{{TABLE}}}style-name") not in bold


def test_a_number_shows_its_text_through_its_number_style():
    _package, root = read(ods_bytes([["", "N"], ["Lyon", f"1{THIN}234,5"]], sheet_name="s"))
    cell = cells(root)[1][1]
    assert cell.get(f"{{{OFFICE}}}value-type") == "float"
    assert cell.get(f"{{{OFFICE}}}value") == "1234.5"
    assert text_of(cell) == f"1{THIN}234,5"
    cell_style = next(
        style
        for style in root.iter(f"{{{STYLE}}}style")
        if style.get(f"{{{STYLE}}}name") == cell.get(f"{{{TABLE}}}style-name")
    )
    data_style = next(
        style
        for style in root.iter(f"{{{NUMBER}}}number-style")
        if style.get(f"{{{STYLE}}}name") == cell_style.get(f"{{{STYLE}}}data-style-name")
    )
    number = data_style.find(f"{{{NUMBER}}}number")
    assert number.get(f"{{{NUMBER}}}decimal-places") == "1"
    assert number.get(f"{{{NUMBER}}}grouping") == "true"
    assert data_style.get(f"{{{NUMBER}}}language") == "fr"


def test_a_line_header_and_the_headers_stay_text_even_when_numbers():
    _package, root = read(ods_bytes([["2025", "12"], ["2026", "12"]], sheet_name="s"))
    rows = cells(root)
    assert [cell.get(f"{{{OFFICE}}}value-type") for cell in rows[0]] == ["string", "string"]
    assert [cell.get(f"{{{OFFICE}}}value-type") for cell in rows[1]] == ["string", "float"]


def test_a_text_cell_is_never_a_formula_and_keeps_its_spaces():
    rows = [["En-tête", "B"], ["=1+1", "  deux  espaces\tet\nune ligne <&>"], ["x", ""]]
    content = ods_bytes(rows, sheet_name="s")
    _package, root = read(content)
    formula, spaced = cells(root)[1]
    assert formula.get(f"{{{OFFICE}}}value-type") == "string"
    assert formula.get(f"{{{TABLE}}}formula") is None
    assert b"table:formula" not in zipfile.ZipFile(io.BytesIO(content)).read("content.xml")
    assert text_of(formula) == "=1+1"  # shown as written, no apostrophe
    assert text_of(spaced) == "  deux  espaces\tet\nune ligne <&>"
    assert len(cells(root)[2]) == 2  # an empty cell keeps its column


def test_characters_xml_cannot_carry_are_dropped_and_the_sheet_name_made_valid():
    content = ods_bytes([["a\x00b\x1fc"]], sheet_name="a/b:c[d]*e?f" + "g" * 40)
    _package, root = read(content)
    assert text_of(cells(root)[0][0]) == "abc"
    name = root.find(f".//{{{TABLE}}}table").get(f"{{{TABLE}}}name")
    assert name == ("a-b-c-d--e-f" + "g" * 40)[:31]
