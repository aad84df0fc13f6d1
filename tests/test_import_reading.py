"""Reading the extraction files (insertion/imports/reading/, contract.py, FORMAT.md).

The files are built here, in each test's folder, in every shape a prison's export can take:
encodings, separators, header spellings, workbooks, and the bad files a whole file is refused
for. No database: reading a file touches none.
"""

import csv
import datetime
import io
import re
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from insertion.imports import contract
from insertion.imports.contract import (
    MOVEMENT_COLUMNS,
    MOVEMENTS,
    SNAPSHOT,
    SNAPSHOT_COLUMNS,
    MovementKind,
    column_for,
    detect_kind,
    normalize_header,
)
from insertion.imports.reading import ROW, FileRefused, open_extraction

PARIS = ZoneInfo("Europe/Paris")
IMPORTS = Path(contract.__file__).parent
LABELS = {column.name: column.label for column in (*SNAPSHOT_COLUMNS, *MOVEMENT_COLUMNS)}


def person(number: int = 1, **cells) -> dict:
    """A snapshot row, by canonical column name."""
    return {
        "identifiant_national": f"GEN{number:07d}",
        "numero_ecrou": str(24000 + number),
        "nom": "MARTINEAU",
        "prenom": "Loïc",
        "nom_usage": "",
        "date_naissance": "14/02/1991",
        "sexe": "M",
        "statut": "Condamné",
        "categorie_infraction": "Délit",
        "date_ecrou_initial": "03/09/2025",
        "date_arrivee": "03/09/2025",
        "dlp": "17/06/2027",
        "code_etablissement": "FRE",
        "date_extraction": "01/12/2026 06:00",
        **cells,
    }


def movement(kind: str, number: int = 1, **cells) -> dict:
    """A movements row, by canonical column name (only the identity and the movement)."""
    return {
        "identifiant_national": f"GEN{number:07d}",
        "numero_ecrou": str(24000 + number),
        "nom": "MARTINEAU",
        "prenom": "Loïc",
        "date_naissance": "14/02/1991",
        "code_etablissement": "FRE",
        "date_extraction": "02/12/2026 06:00",
        "type_mouvement": kind,
        "date_mouvement": "01/12/2026",
        **cells,
    }


def grid(rows: list[dict], names: list[str] | None = None, header: list[str] | None = None):
    """Header (the French labels unless given) and cells, in the order of `names`."""
    names = names or list(dict.fromkeys(name for row in rows for name in row))
    header = header or [LABELS[name] for name in names]
    return [header, *([row.get(name, "") for name in names] for row in rows)]


def csv_bytes(table, *, encoding="utf-8", delimiter=";") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return buffer.getvalue().encode(encoding)


def write(tmp_path, content: bytes, name="extraction.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def write_csv(tmp_path, table, name="extraction.csv", **options) -> Path:
    return write(tmp_path, csv_bytes(table, **options), name)


def write_xlsx(tmp_path, table, name="extraction.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in table:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def read(path: Path):
    return open_extraction(path, filename=path.name)


def refusal(path: Path) -> str:
    with pytest.raises(FileRefused) as info:
        read(path)
    return info.value.message


# --- Kinds, encodings, separators ----------------------------------------------------------


def test_a_snapshot_file_is_read_with_its_values_parsed(tmp_path):
    rows = [person(1, prenom="  Jean   Pierre "), person(2, statut="Prévenu", dlp="")]
    extraction = read(write_csv(tmp_path, grid(rows)))

    assert extraction.kind == SNAPSHOT
    assert (extraction.format, extraction.encoding, extraction.delimiter) == ("csv", "utf-8", ";")
    assert extraction.columns == list(person())
    assert extraction.unknown_columns == []
    assert extraction.establishment_code == "FRE"
    assert extraction.extracted_at == datetime.datetime(2026, 12, 1, 6, 0, tzinfo=PARIS)
    assert extraction.row_count == 2
    first, second = extraction.rows()
    assert first.ok and second.ok
    assert first.values["prenom"] == "Jean Pierre"
    assert first.raw["prenom"] == "  Jean   Pierre "
    assert first.values["date_naissance"] == datetime.date(1991, 2, 14)
    assert first.values["statut"] == "condamne"
    assert first.values["categorie_infraction"] == "delit"
    assert first.values["dlp"] == datetime.date(2027, 6, 17)
    assert second.values["statut"] == "prevenu"
    assert second.values["dlp"] is None
    assert second.values["nom_usage"] == ""


def test_a_file_with_a_movement_type_column_is_a_movements_file(tmp_path):
    rows = [
        movement("Libération", sexe="M"),
        movement("transfert_sortant", 2, etablissement_destination="lyo"),
    ]
    extraction = read(write_csv(tmp_path, grid(rows)))

    assert extraction.kind == MOVEMENTS
    release, transfer = extraction.rows()
    assert release.ok and transfer.ok
    assert release.values["type_mouvement"] == MovementKind.RELEASE
    assert transfer.values["type_mouvement"] == MovementKind.TRANSFER_OUT
    assert transfer.values["etablissement_destination"] == "LYO"
    # An optional column the file does not have says nothing: it is not in the values.
    assert "dlp" not in release.values


def test_detect_kind_looks_for_the_movement_type_column():
    assert detect_kind(["identifiant_national", "type_mouvement"]) == MOVEMENTS
    assert detect_kind([normalize_header("Mouvement")]) == MOVEMENTS
    assert detect_kind(["identifiant_national", "statut"]) == SNAPSHOT


def test_utf8_with_a_byte_order_mark_is_read_and_the_mark_is_not_in_the_first_header(tmp_path):
    path = write_csv(tmp_path, grid([person(nom="LEFÈVRE")]), encoding="utf-8-sig")
    extraction = read(path)

    assert extraction.encoding == "utf-8-sig"
    assert extraction.columns[0] == "identifiant_national"
    assert extraction.headers["identifiant_national"] == "Identifiant national"
    assert next(extraction.rows()).values["nom"] == "LEFÈVRE"


def test_windows_1252_keeps_the_curly_apostrophe_and_the_oe_ligature(tmp_path):
    rows = [person(1, nom="D’ALMEIDA"), person(2, nom="CŒURVILLE", prenom="Maëlys")]
    extraction = read(write_csv(tmp_path, grid(rows), encoding="cp1252"))

    assert extraction.encoding == "cp1252"
    names = [row.values["nom"] for row in extraction.rows()]
    assert names == ["D’ALMEIDA", "CŒURVILLE"]


def test_the_encoding_is_decided_by_the_whole_file_not_its_beginning(tmp_path):
    rows = [person(number) for number in range(1, 3000)] + [person(3000, nom="LŒUILLET")]
    extraction = read(write_csv(tmp_path, grid(rows), encoding="cp1252"))

    assert extraction.size > 128 * 1024  # past the first chunks read
    assert extraction.encoding == "cp1252"
    assert list(extraction.rows())[-1].values["nom"] == "LŒUILLET"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_the_separator_is_sniffed_from_the_header(tmp_path, delimiter):
    rows = [person(1, nom="DUPRAT, dit « Le Grand »"), person(2)]
    extraction = read(write_csv(tmp_path, grid(rows), delimiter=delimiter))

    assert extraction.delimiter == delimiter
    first, second = extraction.rows()
    assert first.values["nom"] == "DUPRAT, dit « Le Grand »"
    assert second.values["identifiant_national"] == "GEN0000002"
    assert first.ok and second.ok


# --- Headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("Date de naissance", "date_naissance"),
        ("DATE_NAISSANCE", "date_naissance"),
        ("date naissance", "date_naissance"),
        (" Date-de-Naissance ", "date_naissance"),
        ("N° d’écrou", "numero_ecrou"),
        ("ECROU", "numero_ecrou"),
        ("numero d'ecrou", "numero_ecrou"),
        ("Id national", "identifiant_national"),
        ("Établissement", "code_etablissement"),
        ("Date de libération prévisible", "dlp"),
    ],
)
def test_headers_are_matched_ignoring_case_accents_and_spacing(tmp_path, spelling, name):
    table = grid([person()])
    table[0][list(person()).index(name)] = spelling
    extraction = read(write_csv(tmp_path, table))

    assert name in extraction.columns
    assert extraction.headers[name] == spelling.strip()
    assert next(extraction.rows()).ok


def test_unknown_columns_are_reported_and_the_file_is_still_read(tmp_path):
    table = grid([person()])
    table[0] += ["Observations", "Quartier", ""]
    table[1] += ["RAS", "B2", ""]
    extraction = read(write_csv(tmp_path, table))

    assert extraction.unknown_columns == ["Observations", "Quartier"]
    row = next(extraction.rows())
    assert row.ok
    assert "Observations" not in row.values


def test_missing_required_columns_refuse_the_file_and_are_named(tmp_path):
    names = [name for name in person() if name not in ("sexe", "date_naissance", "dlp")]
    message = refusal(write_csv(tmp_path, grid([person()], names)))

    assert "Colonnes obligatoires absentes" in message
    assert "Présents à date" in message
    assert "Date de naissance" in message and "Sexe" in message
    assert "DLP" not in message  # optional


def test_a_column_given_twice_refuses_the_file(tmp_path):
    table = grid([person()])
    table[0].append("NOM")
    table[1].append("AUTRE")
    message = refusal(write_csv(tmp_path, table))

    assert "La colonne Nom figure deux fois" in message
    assert "colonne C" in message and "colonne O" in message


# --- Cells ---------------------------------------------------------------------------------


def test_an_impossible_date_is_a_row_error_and_the_other_rows_go_on(tmp_path):
    rows = [person(1), person(2, date_naissance="31/02/2026"), person(3)]
    first, wrong, third = read(write_csv(tmp_path, grid(rows))).rows()

    assert first.ok and third.ok
    assert wrong.errors == {"date_naissance": "Date invalide : 31/02/2026 (attendu jj/mm/aaaa)"}
    assert wrong.values["date_naissance"] is None
    assert wrong.raw["date_naissance"] == "31/02/2026"


def test_a_repeated_date_is_read_the_same_on_every_row_right_or_wrong(tmp_path):
    # Dates and choices are parsed once per reading and remembered: each row still gets its
    # own value or its own error, and a workbook's typed cell is not taken for its text.
    rows = [
        person(1, date_naissance="31/02/2026"),
        person(2, date_naissance="12/03/1990"),
        person(3, date_naissance="31/02/2026"),
        person(4, date_naissance="12/03/1990"),
    ]
    read_rows = list(read(write_csv(tmp_path, grid(rows))).rows())
    assert [bool(row.errors) for row in read_rows] == [True, False, True, False]
    assert read_rows[2].errors == read_rows[0].errors
    assert read_rows[1].values["date_naissance"] == datetime.date(1990, 3, 12)
    assert read_rows[3].values["date_naissance"] == datetime.date(1990, 3, 12)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1991-02-14", datetime.date(1991, 2, 14)),
        ("3/9/2025", datetime.date(2025, 9, 3)),
        (" 14/02/1991 ", datetime.date(1991, 2, 14)),
        ("14/02/1991 00:00", datetime.date(1991, 2, 14)),
    ],
)
def test_dates_are_read_in_french_order_and_iso_is_tolerated(tmp_path, cell, expected):
    row = next(read(write_csv(tmp_path, grid([person(date_naissance=cell)]))).rows())

    assert row.ok
    assert row.values["date_naissance"] == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("14-02-1991", "Date invalide : 14-02-1991 (attendu jj/mm/aaaa)"),
        ("14/02/91", "Date invalide : 14/02/91 (attendu jj/mm/aaaa)"),
        ("01/01/1850", "Année hors limites : 01/01/1850 (attendue entre 1900 et 2100)"),
        ("01/01/2150", "Année hors limites : 01/01/2150 (attendue entre 1900 et 2100)"),
        ("14/02/1991 10:30", "Date invalide : 14/02/1991 10:30 (attendu jj/mm/aaaa, sans heure)"),
    ],
)
def test_dates_in_another_shape_or_out_of_range_are_row_errors(tmp_path, cell, message):
    row = next(read(write_csv(tmp_path, grid([person(date_naissance=cell)]))).rows())

    assert row.errors == {"date_naissance": message}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("01/12/2026 06:00", datetime.datetime(2026, 12, 1, 6, 0, tzinfo=PARIS)),
        ("1/12/2026 6:05:30", datetime.datetime(2026, 12, 1, 6, 5, 30, tzinfo=PARIS)),
        ("01/12/2026", datetime.datetime(2026, 12, 1, 0, 0, tzinfo=PARIS)),
        ("2026-12-01T06:00", datetime.datetime(2026, 12, 1, 6, 0, tzinfo=PARIS)),
        ("2026-12-01T05:00:00Z", datetime.datetime(2026, 12, 1, 6, 0, tzinfo=PARIS)),
    ],
)
def test_the_extraction_time_is_read_in_the_current_time_zone(tmp_path, cell, expected):
    extraction = read(write_csv(tmp_path, grid([person(date_extraction=cell)])))

    assert extraction.extracted_at == expected
    assert extraction.extracted_at.utcoffset() == datetime.timedelta(hours=1)
    assert next(extraction.rows()).values["date_extraction"] == expected


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("statut", "CONDAMNÉ PRÉVENU", "condamne_prevenu"),
        ("statut", "condamne_prevenu", "condamne_prevenu"),
        ("sexe", "Femme", "F"),
        ("sexe", "f", "F"),
        ("categorie_infraction", " crime ", "crime"),
    ],
)
def test_choices_match_their_value_or_their_label(tmp_path, column, cell, expected):
    row = next(read(write_csv(tmp_path, grid([person(**{column: cell})]))).rows())

    assert row.ok
    assert row.values[column] == expected


def test_arrangement_kinds_match_their_abbreviation_or_their_label_without_it(tmp_path):
    rows = [
        movement("Aménagement de peine", 1, type_amenagement="LSC", statut_amenagement="Demandé"),
        movement("AMENAGEMENT", 2, type_amenagement="Semi-liberté", statut_amenagement="accorde"),
        movement(
            "amenagement",
            3,
            type_amenagement="Placement à l'extérieur",
            statut_amenagement="REVOQUE",
        ),
    ]
    values = [row.values for row in read(write_csv(tmp_path, grid(rows))).rows()]

    assert [(v["type_amenagement"], v["statut_amenagement"]) for v in values] == [
        ("lsc", "requested"),
        ("semi_liberte", "granted"),
        ("placement_exterieur", "revoked"),
    ]


def test_an_unknown_choice_is_a_row_error_listing_the_accepted_values(tmp_path):
    rows = [person(1, statut="xyz"), person(2, sexe="X")]
    status, sex = read(write_csv(tmp_path, grid(rows))).rows()

    assert status.errors == {
        "statut": "Valeur inconnue pour Statut : « xyz » "
        "(valeurs admises : Prévenu, Condamné, Condamné prévenu)"
    }
    assert status.values["statut"] == ""
    assert sex.errors == {
        "sexe": "Valeur inconnue pour Sexe : « X » (valeurs admises : Femme (F), Homme (M))"
    }


def test_required_values_left_empty_are_row_errors_named_by_their_label(tmp_path):
    row = next(read(write_csv(tmp_path, grid([person(nom=" ", date_arrivee="")]))).rows())

    assert row.errors == {"nom": "Nom manquant", "date_arrivee": "Date d'arrivée manquante"}


def test_a_text_longer_than_its_column_allows_is_a_row_error(tmp_path):
    row = next(read(write_csv(tmp_path, grid([person(nom="A" * 151)]))).rows())

    assert row.errors == {"nom": "Nom trop long : 151 caractères (150 au plus)"}


def test_establishment_codes_are_compared_in_upper_case(tmp_path):
    rows = [person(1, code_etablissement="fre"), person(2, code_etablissement=" FRE ")]
    extraction = read(write_csv(tmp_path, grid(rows)))

    assert extraction.establishment_code == "FRE"
    assert {row.values["code_etablissement"] for row in extraction.rows()} == {"FRE"}


def test_cells_starting_with_plus_minus_or_at_are_values_not_formulas(tmp_path):
    rows = [person(1, nom_usage="-"), person(2, nom_usage="+ABC"), person(3, nom_usage="@X")]
    extraction = read(write_csv(tmp_path, grid(rows)))

    assert [row.values["nom_usage"] for row in extraction.rows()] == ["-", "+ABC", "@X"]


# --- Duplicates ----------------------------------------------------------------------------


def test_the_same_person_twice_in_a_snapshot_rejects_the_second_row(tmp_path):
    rows = [person(1), person(2), person(1, nom="AUTRE")]
    first, second, again = read(write_csv(tmp_path, grid(rows))).rows()

    assert first.ok and second.ok
    assert again.errors == {ROW: "Ligne en double : même identifiant que la ligne 2"}


def test_the_same_movement_twice_rejects_the_second_row(tmp_path):
    rows = [
        movement("Libération", 1),
        movement("Modification de la DLP", 1, dlp="01/02/2027", motif_dlp="Réduction de peine"),
        movement("liberation", 1),
        movement("Libération", 1, date_mouvement="02/12/2026"),
    ]
    release, change, same, other_day = read(write_csv(tmp_path, grid(rows))).rows()

    assert release.ok and change.ok and other_day.ok
    assert same.errors == {
        ROW: "Ligne en double : même identifiant, même type de mouvement et même date "
        "que la ligne 2"
    }


# --- Movement rules ------------------------------------------------------------------------


def test_each_movement_kind_requires_its_values(tmp_path):
    rows = [
        movement("Arrivée", 1, statut="Prévenu", categorie_infraction="Délit"),
        movement("Transfert entrant", 2, sexe="F", statut="Condamné", categorie_infraction="Crime"),
        movement("Transfert sortant", 3),
        movement("Modification de la DLP", 4),
        movement("Aménagement de peine", 5, type_amenagement="DDSE"),
        movement("Libération", 6),
    ]
    names = [
        *movement("x"),
        "sexe",
        "statut",
        "categorie_infraction",
        "dlp",
        "motif_dlp",
        "etablissement_destination",
        "type_amenagement",
        "statut_amenagement",
    ]
    arrival, transfer_in, transfer_out, date_change, arrangement, release = read(
        write_csv(tmp_path, grid(rows, names))
    ).rows()

    assert arrival.errors == {
        "sexe": "Sexe manquant pour une arrivée",
        "date_ecrou_initial": "Date de l'écrou initial manquante pour une arrivée",
    }
    assert transfer_in.errors == {
        "date_ecrou_initial": "Date de l'écrou initial manquante pour un transfert entrant"
    }
    assert transfer_out.errors == {
        "etablissement_destination": "Établissement de destination manquant pour un transfert "
        "sortant"
    }
    assert date_change.errors == {
        "dlp": "Date de libération prévisible (DLP) manquante pour une modification de la DLP",
        "motif_dlp": "Motif de modification de la DLP manquant pour une modification de la DLP",
    }
    assert arrangement.errors == {
        "statut_amenagement": "Statut de l'aménagement manquant pour un aménagement de peine"
    }
    assert release.ok


def test_a_wrong_value_is_reported_once_not_also_as_missing(tmp_path):
    rows = [movement("Arrivée", sexe="X", statut="Prévenu", categorie_infraction="Délit")]
    names = [*movement("x"), "sexe", "statut", "categorie_infraction", "date_ecrou_initial"]
    table = grid(rows, names)
    table[1][-1] = "01/12/2026"
    row = next(read(write_csv(tmp_path, table)).rows())

    assert list(row.errors) == ["sexe"]
    assert row.errors["sexe"].startswith("Valeur inconnue pour Sexe")


# --- Line numbers, blank rows, re-reading --------------------------------------------------


def test_line_numbers_are_those_a_spreadsheet_shows(tmp_path):
    header, first, second, third = grid([person(1), person(2, nom_usage="DE LA\nTOUR"), person(3)])
    content = csv_bytes([[], header, first, [], ["", "", ""], second, third])
    extraction = read(write(tmp_path, content))

    assert extraction.header_line == 2
    assert extraction.row_count == 3
    rows = list(extraction.rows())
    assert [row.line for row in rows] == [3, 6, 7]
    assert rows[1].values["nom_usage"] == "DE LA TOUR"


def test_an_uploaded_file_is_read_and_left_open():
    upload = SimpleUploadedFile("Extraction.CSV", csv_bytes(grid([person(1), person(2)])))
    extraction = open_extraction(upload, filename=upload.name)

    assert extraction.size == upload.size
    assert [row.values["identifiant_national"] for row in extraction.rows()] == [
        "GEN0000001",
        "GEN0000002",
    ]
    assert not upload.closed


def test_rows_can_be_read_twice_from_a_path_or_from_an_open_file(tmp_path):
    content = csv_bytes(grid([person(1), person(2), person(1)]))
    by_path = read(write(tmp_path, content))
    stream = io.BytesIO(content)
    by_file = open_extraction(stream, filename="envoi.csv")

    for extraction in (by_path, by_file):
        once = list(extraction.rows())
        twice = list(extraction.rows())
        assert once == twice
        assert [row.line for row in once] == [2, 3, 4]
        assert ROW in once[2].errors  # the duplicates are counted afresh at each reading
    assert not stream.closed


# --- Workbooks -----------------------------------------------------------------------------


def test_a_workbook_reads_date_cells_text_dates_and_numbers(tmp_path):
    names = list(person())
    table = grid([person(1), person(2)], names)
    table[1][names.index("numero_ecrou")] = 24871
    table[1][names.index("date_naissance")] = datetime.date(1991, 2, 14)
    table[1][names.index("date_extraction")] = datetime.datetime(2026, 12, 1, 6, 0)
    table[2][names.index("numero_ecrou")] = 25033.0
    table[2][names.index("date_naissance")] = "27/07/1979"
    table[2][names.index("date_extraction")] = "01/12/2026 06:00"
    extraction = read(write_xlsx(tmp_path, table))

    assert (extraction.kind, extraction.format) == (SNAPSHOT, "xlsx")
    assert extraction.encoding is None and extraction.delimiter is None
    assert extraction.extracted_at == datetime.datetime(2026, 12, 1, 6, 0, tzinfo=PARIS)
    first, second = extraction.rows()
    assert first.ok and second.ok
    assert first.values["numero_ecrou"] == "24871"
    assert second.values["numero_ecrou"] == "25033"
    assert first.raw["numero_ecrou"] == "24871"
    assert first.values["date_naissance"] == datetime.date(1991, 2, 14)
    assert first.raw["date_naissance"] == "14/02/1991"
    assert second.values["date_naissance"] == datetime.date(1979, 7, 27)


def test_a_workbook_counts_its_lines_across_empty_rows(tmp_path):
    header, first, second = grid([person(1), person(2, date_naissance="31/02/2026")])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.append(first)
    sheet["A5"] = "   "
    for column, cell in enumerate(second, start=1):
        sheet.cell(row=7, column=column, value=cell)
    workbook.save(tmp_path / "trous.xlsx")
    rows = list(read(tmp_path / "trous.xlsx").rows())

    assert [row.line for row in rows] == [2, 7]
    assert rows[1].errors == {"date_naissance": "Date invalide : 31/02/2026 (attendu jj/mm/aaaa)"}


def test_a_workbook_file_object_is_read_and_left_open(tmp_path):
    path = write_xlsx(tmp_path, grid([person(1), person(2)]))
    with path.open("rb") as stream:
        extraction = open_extraction(stream, filename="sans-extension")
        assert extraction.format == "xlsx"
        assert [row.line for row in extraction.rows()] == [2, 3]
        assert [row.line for row in extraction.rows()] == [2, 3]
        assert not stream.closed


def test_a_formula_in_a_workbook_refuses_the_file_naming_the_cell(tmp_path):
    table = grid([person(1), person(2)])
    path = write_xlsx(tmp_path, table)
    workbook = openpyxl.load_workbook(path)
    workbook.active["C3"] = '=CONCATENATE("MAR","TINEAU")'
    workbook.save(path)
    message = refusal(path)

    assert message.startswith("La cellule C3 contient une formule (« =CONCATENATE(")
    assert "valeurs" in message


def test_a_formula_in_a_csv_refuses_the_file_naming_the_cell(tmp_path):
    message = refusal(write_csv(tmp_path, grid([person(1), person(2, nom="=1+1")])))

    assert "La cellule C3 contient une formule (« =1+1 »)" in message


def test_a_text_file_renamed_xlsx_is_refused(tmp_path):
    path = write_csv(tmp_path, grid([person()]), name="extraction.xlsx")

    assert "porte l'extension .xlsx mais n'est pas un classeur Excel" in refusal(path)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"Identifiant national;Nom\r\nGEN1;A\r\n", "extraction.xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "extraction.xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "extraction.csv"),
    ],
)
def test_an_old_binary_excel_file_is_refused_asking_for_xlsx_or_csv(tmp_path, content, name):
    message = refusal(write(tmp_path, content, name))

    assert "ancien format (.xls)" in message
    assert ".xlsx" in message and "CSV" in message


def test_a_zip_bomb_is_refused_before_it_is_expanded(tmp_path):
    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(8):
                member.write(b" " * (1024 * 1024))
    assert path.stat().st_size < 100 * 1024

    assert "suspect" in refusal(path)


def test_a_workbook_expanding_past_the_limit_is_refused(tmp_path, settings):
    path = write_xlsx(tmp_path, grid([person()]))
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2000

    assert "suspect" in refusal(path)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "extraction.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", "<office:document-content/>")

    assert "pas un classeur Excel (.xlsx)" in refusal(path)


def test_a_damaged_workbook_is_refused(tmp_path):
    content = write_xlsx(tmp_path, grid([person()])).read_bytes()
    path = write(tmp_path, content[: len(content) // 2], "abime.xlsx")

    assert "abîmé" in refusal(path)


# --- Files refused as a whole --------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024
    path = write_csv(tmp_path, grid([person(number) for number in range(1, 20)]))

    message = refusal(path)
    assert message.startswith("Le fichier dépasse 1 Ko (il fait ")
    settings.IMPORT_MAX_BYTES = path.stat().st_size
    assert read(path).row_count == 19


def test_the_size_limit_is_stated_in_megabytes(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 3 * 1024 * 1024 // 2
    message = refusal(write(tmp_path, b"x" * (2 * 1024 * 1024)))

    assert message.startswith("Le fichier dépasse 1,5 Mo (il fait 2 Mo) : il n'a pas été lu.")


HEADER_LINE = csv_bytes(grid([person()])[:1])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "Le fichier est vide"),
        (b"\r\n\r\n;;;\r\n  \r\n", "Le fichier est vide"),
        (HEADER_LINE, "que la ligne d'en-tête"),
        (HEADER_LINE + b";;\r\n\r\n  \r\n", "que la ligne d'en-tête"),
    ],
)
def test_an_empty_or_header_only_file_is_refused(tmp_path, content, expected):
    assert expected in refusal(write(tmp_path, content))


def test_an_empty_workbook_is_refused(tmp_path):
    assert "Le fichier est vide" in refusal(write_xlsx(tmp_path, []))


@pytest.mark.parametrize(
    "content",
    [
        csv_bytes(grid([person()]), encoding="utf-16"),
        b"Identifiant national;Nom\x00\x01\x02",
        # Not UTF-8, and 0x81 is a byte Windows-1252 does not define.
        csv_bytes(grid([person()]), encoding="latin-1") + b"\x81",
    ],
)
def test_a_file_in_an_unknown_encoding_is_refused(tmp_path, content):
    message = refusal(write(tmp_path, content))

    assert "encodage du fichier n'est pas reconnu" in message
    assert "UTF-8 ou Windows-1252" in message


def test_rows_for_two_establishments_refuse_the_file_naming_the_line(tmp_path):
    rows = [person(1), person(2), person(3, code_etablissement="LYO")]
    message = refusal(write_csv(tmp_path, grid(rows)))

    assert message.startswith(
        "La ligne 4 porte le code établissement « LYO », différent de celui de la ligne 2 (« FRE »)"
    )


def test_rows_for_two_extraction_times_refuse_the_file(tmp_path):
    rows = [person(1), person(2, date_extraction="01/12/2026 07:00")]
    message = refusal(write_csv(tmp_path, grid(rows)))

    assert message.startswith("La ligne 3 porte la date d'extraction « 01/12/2026 07:00 »")


def test_a_first_row_without_an_extraction_time_refuses_the_file(tmp_path):
    message = refusal(write_csv(tmp_path, grid([person(1, date_extraction=""), person(2)])))

    assert message.startswith("Ligne 2 : Date d'extraction manquante.")


def test_an_unclosed_quote_refuses_the_file(tmp_path):
    header = csv_bytes(grid([person()])).split(b"\r\n")[0]
    content = header + b'\r\nGEN1;1;"MARTINEAU' + b"x" * 200_000 + b"\r\n"

    assert "guillemet" in refusal(write(tmp_path, content))


# --- The committed samples and FORMAT.md ---------------------------------------------------


def test_the_snapshot_sample_reads_without_any_row_error():
    path = IMPORTS / "samples" / "presents_exemple.csv"
    extraction = read(path)

    assert (extraction.kind, extraction.encoding, extraction.delimiter) == (
        SNAPSHOT,
        "utf-8-sig",
        ";",
    )
    assert extraction.establishment_code == "FRE"
    assert extraction.unknown_columns == []
    rows = list(extraction.rows())
    assert 8 <= len(rows) <= 15
    assert [row.errors for row in rows if not row.ok] == []
    assert any(row.values["dlp"] is None for row in rows)  # a pretrial person


def test_the_movements_sample_reads_without_any_row_error():
    path = IMPORTS / "samples" / "mouvements_exemple.csv"
    extraction = read(path)

    assert (extraction.kind, extraction.encoding, extraction.delimiter) == (
        MOVEMENTS,
        "cp1252",
        ";",
    )
    assert extraction.unknown_columns == []
    rows = list(extraction.rows())
    assert 8 <= len(rows) <= 15
    assert [row.errors for row in rows if not row.ok] == []
    assert {row.values["type_mouvement"] for row in rows} == set(MovementKind.values)
    names = " ".join(row.values["nom"] for row in rows)
    assert "’" in names and "Œ" in names
    transfers = {row.values.get("etablissement_provenance") for row in rows} | {
        row.values.get("etablissement_destination") for row in rows
    }
    assert "LYO" in transfers


def _format_tables() -> dict[str, list[list[str]]]:
    """The tables of FORMAT.md by the heading above them, as lists of cells."""
    tables: dict[str, list[list[str]]] = {}
    heading = ""
    for line in (IMPORTS / "FORMAT.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.strip("# ")
        elif line.startswith("|") and not line.startswith("|---"):
            tables.setdefault(heading, []).append([c.strip() for c in line.strip("|").split("|")])
    return tables


@pytest.mark.parametrize(
    ("kind", "sections"),
    [
        (SNAPSHOT, ["5. Colonnes communes aux deux types", "6.1 Présents à date"]),
        (MOVEMENTS, ["5. Colonnes communes aux deux types", "6.2 Mouvements"]),
    ],
)
def test_format_md_describes_every_column_of_the_contract(kind, sections):
    tables = _format_tables()
    documented = [row for section in sections for row in tables[section][1:]]
    columns = {column.name: column for column in contract.COLUMNS[kind]}

    assert [row[0].strip("`") for row in documented] == list(columns)
    for name, label, required, _content, aliases in documented:
        column = columns[name.strip("`")]
        assert label == column.label
        assert required.startswith("oui") == column.required
        for alias in filter(None, (a.strip() for a in aliases.split(","))):
            assert column_for(kind, alias) == column, alias


def test_format_md_states_the_values_each_movement_kind_needs():
    rules = _format_tables()["Valeurs à remplir selon le type de mouvement"][1:]
    labels = {column.name: column.label for column in MOVEMENT_COLUMNS}

    assert [kind for kind, _needed, _advised in rules] == list(MovementKind.labels)
    for (_kind, needed, _advised), value in zip(rules, MovementKind.values, strict=True):
        expected = ", ".join(labels[name] for name in contract.MOVEMENT_NEEDS[value]) or "—"
        assert needed == expected, value


def test_format_md_lists_every_accepted_value():
    tables = _format_tables()
    for column in (*SNAPSHOT_COLUMNS, *MOVEMENT_COLUMNS):
        if column.choices is None:
            continue
        section = next(title for title in tables if f"(`{column.name}`)" in title)
        documented = {code.strip("`"): label for code, label in tables[section][1:]}
        assert documented == dict(column.choices), column.name


def test_header_spellings_never_designate_two_columns():
    for kind, index in contract.HEADER_INDEX.items():
        for column in contract.COLUMNS[kind]:
            for spelling in (column.name, column.label, *column.aliases):
                assert index[normalize_header(spelling)] is column
    assert normalize_header("N° d’écrou") == "n_ecrou"
    assert re.fullmatch(r"[a-z0-9_]+", normalize_header("Date de l'Écrou initial ()"))
