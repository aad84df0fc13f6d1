"""The exports of the steering tables (issue 15): /pilotage/indicateurs/export/<slug>.csv|ods —
each table of the user's level's page as the page shows it, secrecy included — on a small
hand-made world over the last full month (M, the month before today's):

DISP de Paris  Fresnes  3 arrivals on M+0: 2 validated on M+5, one synthesis delivered on
                        time, one late; 1 still to do; 2 people released dry on M+3
               Melun    6 arrivals, all validated and delivered on time
DISP de Lyon   Lyon     8 arrivals, 7 validated (one synthesis late), 1 still to do; 6 people
                        released under LSC on M+3

Nationally Fresnes's 2 of 3 is secret (and Melun's line with it); its manager reads 2 of 3.
"""

import csv
import html
import io
import re
import zipfile

import pytest
from defusedxml.ElementTree import fromstring
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.core.spreadsheet import safe_cell
from insertion.dashboard.indicators.pages import page_for
from insertion.dashboard.indicators.period import PeriodForm
from insertion.statistics import snapshot
from tests import indicators_world
from tests.factories import (
    EstablishmentFactory,
    RegionFactory,
    UserFactory,
)
from tests.indicators_world import (
    SURNAME,
    TODAY,
    M,
    arrival,
)

# The world of the steering tests (tests/indicators_world.py), as fixtures of this module.
melun = indicators_world.melun
world = indicators_world.world

# --- Reading an export back --------------------------------------------------------------------

BOM = "\ufeff"
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
MONTHS_IN_FILE_NAMES = (
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
)
MONTH = {"periode": f"{M:%Y-%m}"}


def url(slug: str, file_format: str) -> str:
    return reverse("dashboard:indicators_export", args=[slug, file_format])


def export(client, user, slug, file_format, **params):
    client.force_login(user)
    response = client.get(url(slug, file_format), params)
    assert response.status_code == 200, (slug, file_format)
    return response


def split(lines: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The lines above the table (one cell each) and the table, apart at the first empty line."""
    blank = lines.index([])
    assert all(len(line) == 1 for line in lines[:blank])
    return [line[0] for line in lines[:blank]], lines[blank + 1 :]


def csv_lines(response) -> tuple[list[str], list[list[str]]]:
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return split(list(csv.reader(io.StringIO(text[1:]), delimiter=";")))


def ods_cells(response) -> list[list[tuple[str, str, str | None]]]:
    """Every line of the sheet: each cell's (text, value type, value)."""
    package = zipfile.ZipFile(io.BytesIO(response.content))
    first = package.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert package.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    assert "content.xml" in package.read("META-INF/manifest.xml").decode()
    root = fromstring(package.read("content.xml"))
    assert len(root.findall(".//table:table", NS)) == 1
    lines = []
    for row in root.iterfind(".//table:table-row", NS):
        cells = [
            (
                "\n".join(paragraph(p) for p in cell.iterfind("text:p", NS)),
                cell.get(f"{{{NS['office']}}}value-type"),
                cell.get(f"{{{NS['office']}}}value"),
            )
            for cell in row.iterfind("table:table-cell", NS)
        ]
        lines.append([] if cells == [("", None, None)] else cells)
    return lines


def paragraph(element) -> str:
    out = [element.text or ""]
    for child in element:
        if child.tag == f"{{{NS['text']}}}s":
            out.append(" " * int(child.get(f"{{{NS['text']}}}c", "1")))
        out.append(child.tail or "")
    return "".join(out)


def ods_lines(response) -> tuple[list[str], list[list[str]]]:
    return split([[text for text, _type, _value in line] for line in ods_cells(response)])


def exported_lines(client, user, slug, file_format, **params):
    response = export(client, user, slug, file_format, **params)
    return (csv_lines if file_format == "csv" else ods_lines)(response)


def the_page(user, **params):
    query = QueryDict(mutable=True)
    query.update(params)
    return page_for(user, PeriodForm(query, today=TODAY))


def row(table: list[list[str]], label: str) -> list[str]:
    found = [line for line in table if line and line[0] == label]
    assert len(found) == 1, label
    return found[0][1:]


# --- Access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, world):
    response = client.get(url("etablissements-entretiens", "csv"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["cpip", "interviewer", "prison_team"])
@pytest.mark.parametrize("file_format", ["csv", "ods"])
def test_every_other_role_is_forbidden(client, fresnes, world, role, file_format):
    client.force_login(UserFactory(**{role: True}, establishments=[fresnes]))
    assert client.get(url("etablissements-entretiens", file_format)).status_code == 403
    assert not AccessLog.objects.filter(action=Action.STATISTICS_EXPORT).exists()


def test_an_unknown_table_is_not_found(client, national_user, world):
    client.force_login(national_user)
    assert client.get(url("personnes", "csv")).status_code == 404
    assert client.get(url("personnes", "ods")).status_code == 404


@pytest.mark.parametrize("file_format", ["xlsx", "pdf", "CSV", "csv.exe"])
def test_an_unknown_format_is_not_found(client, national_user, world, file_format):
    client.force_login(national_user)
    assert client.get(url("etablissements-entretiens", file_format)).status_code == 404
    assert not AccessLog.objects.filter(action=Action.STATISTICS_EXPORT).exists()


def test_before_the_first_refresh_back_to_the_page_which_says_why(client, national_user, fresnes):
    client.force_login(national_user)
    response = client.get(url("etablissements-entretiens", "ods"), MONTH)
    assert response.status_code == 302
    assert response.url == f"{reverse('dashboard:indicators')}?periode={M:%Y-%m}"
    content = client.get(response.url).content.decode()
    assert "aucun tableau ne peut être téléchargé" in content
    assert not AccessLog.objects.filter(action=Action.STATISTICS_EXPORT).exists()


# --- The cells are the page's ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["national_user", "manager_fresnes"])
@pytest.mark.parametrize("file_format", ["csv", "ods"])
def test_every_table_exports_the_cells_of_the_page(client, request, world, who, file_format):
    user = request.getfixturevalue(who)
    page = the_page(user, **MONTH)
    tables = page.tables()
    # The world's page: the establishments' tables, the charts' data tables and the others.
    assert {"etablissements-entretiens", "etablissements-sorties", "entonnoir", "freins"} <= {
        table.slug for table in tables
    }
    for table in tables:
        lines, cells = exported_lines(client, user, table.slug, file_format, **MONTH)
        expected = table.export_rows()
        if file_format == "csv":
            expected = [[safe_cell(cell) for cell in line] for line in expected]
        assert cells == expected, table.slug
        assert lines[:3] == [
            table.caption,
            f"{page.scope} — période : {page.period_label}",
            f"Données au {timezone.localtime(page.computed_at):%d/%m/%Y}",
        ]


@pytest.mark.parametrize("file_format", ["csv", "ods"])
def test_the_national_export_hides_small_counts_the_manager_reads_them(
    client, national_user, manager_fresnes, world, file_format
):
    slug = "etablissements-entretiens"
    lines, table = exported_lines(client, national_user, slug, file_format, **MONTH)
    # Fresnes's 2 of 3 and 1 of 2, and Melun's line that would give them away.
    assert row(table, "Centre pénitentiaire de Fresnes") == ["secret"] * 6
    assert row(table, "Centre de détention de Melun") == ["secret"] * 6
    assert row(table, "Total DISP de Paris") == ["8", "9", "88,9\u00a0%", "7", "8", "87,5\u00a0%"]
    assert lines[3] == (
        "« secret » : effectif de 1 à 4, ou qui permettrait d'en retrouver un par addition ou "
        "soustraction (y compris entre deux périodes), masqué au titre du secret statistique ; "
        "un taux dont un effectif est masqué l'est aussi."
    )

    lines, table = exported_lines(client, manager_fresnes, slug, file_format, **MONTH)
    assert row(table, "Centre pénitentiaire de Fresnes") == [
        "2",
        "3",
        "66,7\u00a0%",
        "1",
        "2",
        "50,0\u00a0%",
    ]
    assert "secret" not in str(table)
    assert lines[3].startswith("Chiffres exacts de vos établissements, sans secret statistique")

    # The same in a chart's data table: 2 dry releases of 8.
    _lines, table = exported_lines(client, national_user, "sorties-types", file_format, **MONTH)
    assert row(table, "Sortie sèche (fin de peine sans aménagement)") == ["secret", "secret"]
    assert row(table, "Personnes libérées") == ["8", "100,0\u00a0%"]


def test_ods_numbers_are_numbers_showing_the_page_text(client, national_user, world):
    response = export(client, national_user, "etablissements-entretiens", "ods", **MONTH)
    lines = [line for line in ods_cells(response) if line]
    paris = next(line for line in lines if line[0][0] == "Total DISP de Paris")
    assert paris[1] == ("8", "float", "8.0")
    assert paris[2] == ("9", "float", "9.0")
    assert paris[4] == ("7", "float", "7.0")
    assert paris[6] == ("87,5\u00a0%", "percentage", "0.875")
    melun = next(line for line in lines if line[0][0].endswith("Melun"))
    assert melun[1] == ("secret", "string", None)
    # Headers and the lines above the table stay text.
    headers = next(line for line in lines if line[0][0] == "Établissement")
    assert lines[0] == [
        (
            "Couverture des entretiens et synthèses dans le délai, "
            + (the_page(national_user, **MONTH).period_label),
            "string",
            None,
        )
    ]
    assert {value_type for _text, value_type, _value in headers} == {"string"}


def test_no_person_is_named(client, national_user, manager_fresnes, world):
    for user in (national_user, manager_fresnes):
        for table in the_page(user, **MONTH).tables():
            for file_format in ("csv", "ods"):
                response = export(client, user, table.slug, file_format, **MONTH)
                if file_format == "ods":
                    content = zipfile.ZipFile(io.BytesIO(response.content)).read("content.xml")
                else:
                    content = response.content
                assert SURNAME not in content.decode(), table.slug
                assert "Jean" not in content.decode(), table.slug  # the factory's first name


def test_a_manager_never_gets_another_establishments_line(client, manager_fresnes, world):
    for table in the_page(manager_fresnes, **MONTH).tables():
        for file_format in ("csv", "ods"):
            lines, cells = exported_lines(client, manager_fresnes, table.slug, file_format, **MONTH)
            text = str(lines + cells)
            assert "Melun" not in text and "Lyon" not in text, table.slug
    _lines, cells = exported_lines(client, manager_fresnes, "etablissements-entretiens", "csv")
    assert [line[0] for line in cells[1:]] == [
        "Centre pénitentiaire de Fresnes",
        "Total de vos établissements",
        "Médiane nationale des établissements",
    ]


# --- The file ----------------------------------------------------------------------------------


def test_the_csv_opens_as_french_spreadsheets_want_it(client, national_user, world):
    response = export(client, national_user, "etablissements-entretiens", "csv", **MONTH)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    first = text.splitlines()[0]
    assert first == "Couverture des entretiens et synthèses dans le délai, " + (
        the_page(national_user, **MONTH).period_label
    )
    assert "Total DISP de Paris;8;9;88,9\u00a0%;7;8;87,5\u00a0%" in text.splitlines()
    assert "Total national;secret;17;secret;secret;15;secret" in text.splitlines()


def test_the_period_comes_from_the_query_string(client, national_user, world):
    slug = "etablissements-entretiens"
    month = f"{MONTHS_IN_FILE_NAMES[M.month - 1]}-{M.year}"
    response = export(client, national_user, slug, "ods", **MONTH)
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert response["Content-Disposition"] == (
        f'attachment; filename="indicateurs-{slug}-{month}.ods"'
    )
    lines, _table = ods_lines(response)
    assert lines[1] == f"France entière — période : {the_page(national_user, **MONTH).period_label}"

    response = export(client, national_user, slug, "csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="indicateurs-{slug}-12-derniers-mois.csv"'
    )
    lines, _table = csv_lines(response)
    assert lines[1] == "France entière — période : 12 derniers mois"


def test_each_export_is_access_logged(client, national_user, world):
    export(client, national_user, "etablissements-entretiens", "csv")
    export(client, national_user, "freins", "ods", **MONTH)
    logged = AccessLog.objects.filter(action=Action.STATISTICS_EXPORT)
    assert logged.count() == 2
    assert {(line.user, line.object_type, line.detainee_id) for line in logged} == {
        (national_user, "export", None)
    }


# --- Links -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["national_user", "manager_fresnes"])
def test_the_page_links_every_table_to_its_exports_for_its_period(client, request, world, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    content = html.unescape(client.get(reverse("dashboard:indicators"), MONTH).content.decode())
    tables = the_page(user, **MONTH).tables()
    links = re.findall(r'href="(/pilotage/indicateurs/export/[^"]+)"', content)
    assert sorted(links) == sorted(
        f"{url(table.slug, file_format)}?periode={M:%Y-%m}"
        for table in tables
        for file_format in ("csv", "ods")
    )
    # Each link says which table it downloads.
    for table in tables:
        assert content.count(f"Télécharger « {table.caption} » au format") == 2, table.slug


def test_without_show_exports_a_table_has_no_links(world, national_user):
    table = the_page(national_user).table("etablissements-entretiens")
    content = render_to_string("dashboard/indicators/_stat_table.html", {"table": table})
    assert 'id="tableau-etablissements-entretiens"' in content
    assert "export" not in content and "Télécharger" not in content


# --- Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize("file_format", ["csv", "ods"])
def test_the_query_count_does_not_grow_with_establishments(
    client, national_user, django_assert_num_queries, count, file_format
):
    regions = RegionFactory.create_batch(2)
    establishments = []
    for index in range(count):
        establishments.append(EstablishmentFactory(region=regions[index % 2]))
        for _ in range(index + 1):
            arrival(establishments[-1])
    snapshot.refresh([M], today=TODAY)
    manager = UserFactory(manager=True, establishments=establishments)
    for user, queries in ((national_user, NATIONAL_QUERIES), (manager, MANAGER_QUERIES)):
        client.force_login(user)
        client.get(url("etablissements-entretiens", file_format))  # stores the months' secrecy
        with django_assert_num_queries(queries):  # the same for 1 and for 3 establishments
            response = client.get(url("etablissements-entretiens", file_format))
        assert response.status_code == 200


# Session, user, OTP device; the last refresh; the establishments; what each month hides
# (pages.months_secrecy); the figures (all, by establishment, by month); the partners' section
# (5); the access log line.
NATIONAL_QUERIES = 15
# As national but the months' secrecy, and their establishments' ids (the scope), every
# establishment's id (the national median).
MANAGER_QUERIES = 16
