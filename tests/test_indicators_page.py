"""The steering page (issue 15, first slice): /pilotage/indicateurs/, national role only, read
from the nightly snapshot, with statistical secrecy — on a small hand-made world over the last
full month (M, the month before today's), refreshed as of today:

DISP de Paris  Fresnes  3 arrivals on M+0: 2 validated on M+5 (interviewed M+4), one synthesis
                        delivered on time, one late; 1 still to do; 2 people released dry on M+3
               Melun    6 arrivals, all validated and delivered on time
DISP de Lyon   Lyon     8 arrivals: 7 validated (logement bloquant; 2 also papiers important),
                        1 still to do; 6 syntheses on time, 1 delivered late; 6 people released
                        under LSC on M+3

Coverage 15 of 17 (88,2 %), on time 15 of 17; delay 15 of 15 within the due days, median and
9th decile 4 days; syntheses on time 13 of 15 (86,7 %); dry releases 2 of 8 (the 2 hidden, so
the rate too); no plan closed at release (« 0 sur 0 »); barriers: logement 7 of 15, papiers 2
(hidden).
"""

import datetime
import html
import re

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse

from insertion.core.charts import format_number, month_label
from insertion.dashboard import tasks
from insertion.statistics import snapshot
from insertion.statistics.definitions import MONTHS
from insertion.statistics.models import MonthSecrecy
from tests import indicators_world
from tests.factories import (
    DetaineeFactory,
    EstablishmentFactory,
    RegionFactory,
    UserFactory,
)
from tests.indicators_world import (
    SURNAME,
    TODAY,
    M,
    arrival,
    month_before,
)

# The world of the steering tests (tests/indicators_world.py), as fixtures of this module.
melun = indicators_world.melun
world = indicators_world.world

URL = reverse("dashboard:indicators")
SECRET = "secret"


def page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def card(content: str, code: str) -> str:
    """The text of one headline figure, spaces collapsed."""
    found = re.search(rf'id="chiffre-{code}">(.*?)Définition', content, re.S)
    assert found, code
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def row(content: str, name: str, table: str = "etablissements-entretiens") -> list[str]:
    """The cells of the line headed `name` in the table `table` (its slug)."""
    if table:
        start = content.index(f'id="tableau-{table}"')
        content = content[start : content.index("</table>", start)]
    table = content
    found = re.search(
        rf"<th scope=\"row\"[^>]*>\s*{re.escape(name)}\s*</th>(.*?)</tr>", table, re.S
    )
    assert found, name
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def n(value: float, unit: str = "") -> str:
    """A number as the page writes it, spaces collapsed like `card` and `row` do."""
    text = format_number(value) if not unit else f"{format_number(value, 1)} %"
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


# --- Access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["cpip", "interviewer", "prison_team"])
def test_every_other_role_is_forbidden(client, fresnes, role):
    client.force_login(UserFactory(**{role: True}, establishments=[fresnes]))
    assert client.get(URL).status_code == 403


def test_the_national_role_reads_the_page(client, national_user):
    client.force_login(national_user)
    assert client.get(URL).status_code == 200


# --- Before the first refresh ------------------------------------------------------------------


def test_before_the_first_refresh_a_sentence_says_when_figures_come(client, national_user, fresnes):
    content = page(client, national_user)
    assert "calculés chaque nuit, vers 2 h 30" in content
    assert 'id="tableau-etablissements-entretiens"' not in content


# --- The figures -------------------------------------------------------------------------------


def test_headline_figures_of_the_world(client, national_user, world):
    content = page(client, national_user)
    as_of = f"Données au {TODAY:%d/%m/%Y}"

    # 15 of 17 validated, all on time: the reasons' table hides the 2 still to do and the 15
    # beside them (17 − 15 would give the 2); the figure shows the same 15, so hides it too.
    coverage = card(content, "interview_coverage")
    assert "secret sur 17" in coverage and "88,2" not in coverage
    assert "Dans le délai : secret" in coverage
    assert as_of in coverage

    delay = card(content, "interview_delay")
    assert n(100.0, "%") in delay and "15 sur 15" in delay
    assert "Médiane : 4 jours" in delay and "9ᵉ décile : 4 jours" in delay

    # 13 of 15 on time, 2 late: the causes' table hides both, so the figure hides the 13.
    synthesis = card(content, "synthesis_on_time")
    assert "secret sur 15" in synthesis and "86,7" not in synthesis and as_of in synthesis

    dry = card(content, "dry_releases")  # 2 dry of 8: the 2 is hidden, and its rate
    assert "secret sur 8" in dry and dry.split()[-1] != "%" and "25,0" not in dry

    readiness = card(content, "readiness_at_release")
    assert "0 sur 0" in readiness and "non calculable" in readiness

    # Every figure links to its definition, every definition is in « À propos ».
    for code in (
        "interview_coverage",
        "interview_delay",
        "synthesis_on_time",
        "dry_releases",
        "readiness_at_release",
        "barrier_prevalence",
    ):
        assert f'href="#definition-{code}"' in content
        assert f'id="definition-{code}"' in content
    assert "un effectif de 1 à 4 n'est jamais affiché" in content


def test_the_threshold_is_a_setting(client, national_user, world, settings):
    settings.STATISTICS_SMALLEST_SHOWN = 10
    content = page(client, national_user)
    assert "un effectif de 1 à 9 n'est jamais affiché" in content
    # Paris's 8 of 9 and 7 of 8, shown at the default threshold of 5, are under 10 now.
    assert row(content, "Total DISP de Paris") == [SECRET] * 6


def test_table_by_disp_then_establishment_with_secrecy(client, national_user, world):
    content = page(client, national_user)
    # Validated, due, rate; on time, due, rate.
    # The national 15 validated and 13 on time are hidden by the reasons' and the causes'
    # tables (above): beside Paris's 8 and 7, Lyon's 7 and 6 would give them back.
    assert row(content, "Maison d'arrêt de Lyon-Corbas") == [
        SECRET,
        "8",
        SECRET,
        SECRET,
        "7",
        SECRET,
    ]
    assert row(content, "Total DISP de Lyon") == row(content, "Maison d'arrêt de Lyon-Corbas")
    # Fresnes's 2 of 3 and 1 of 2 are secret, and their rates.
    assert row(content, "Centre pénitentiaire de Fresnes") == [SECRET] * 6
    # Melun's 6 beside a shown Paris total would give Fresnes's counts away: hidden too.
    assert row(content, "Centre de détention de Melun") == [SECRET] * 6
    assert row(content, "Total DISP de Paris") == ["8", "9", n(88.9, "%"), "7", "8", n(87.5, "%")]
    assert row(content, "Total national") == [SECRET, "17", SECRET, SECRET, "15", SECRET]
    # Under every shown total, no count is the only one hidden (it would be the difference).
    paris = [
        row(content, name)
        for name in ("Centre pénitentiaire de Fresnes", "Centre de détention de Melun")
    ]
    total = row(content, "Total DISP de Paris")
    for column in (0, 1, 3, 4):
        hidden = [cells[column] for cells in paris if cells[column] == SECRET]
        assert total[column] == SECRET or len(hidden) != 1
    # The DISP are in order, each followed by its total.
    assert content.index("DISP de Lyon") < content.index("DISP de Paris")


def test_a_hidden_count_hides_its_rate(client, national_user, fresnes, lyon):
    # Lyon: 6 due, 3 validated: the 3 is hidden, so is its rate (50 % of 6 would give it).
    for index in range(6):
        arrival(lyon, validated=index < 3)
    arrival(fresnes)  # Fresnes 1 of 1: hidden, rates too
    snapshot.refresh([M], today=TODAY)
    content = page(client, national_user)
    lyon_row = row(content, "Maison d'arrêt de Lyon-Corbas")
    assert lyon_row[0] == SECRET and lyon_row[2] == SECRET
    assert n(50.0, "%") not in lyon_row
    assert row(content, "Centre pénitentiaire de Fresnes")[:3] == [SECRET] * 3
    # Nationally 4 of 7: the 4 is hidden, its rate and its share on time too.
    coverage = card(content, "interview_coverage")
    assert "secret sur 7" in coverage and "Dans le délai : secret" in coverage


def chart_row(content: str, chart: str, name: str) -> list[str]:
    """The cells of the line headed `name` in the data table of the chart `chart` (its id)."""
    start = content.index(f'id="{chart}-figure"')
    return row(content[start : content.index("</figure>", start)], name, table="")


def test_barrier_chart_hides_small_counts(client, national_user, world):
    content = page(client, national_user)
    # Léger, important, bloquant: 7 of the 15 interviews counted found housing blocking; 2
    # found papers important (hidden, and its share).
    assert chart_row(content, "freins", "Logement") == [
        f"{n(0.0, '%')} (0)",
        f"{n(0.0, '%')} (0)",
        f"{n(46.7, '%')} (7)",
    ]
    assert chart_row(content, "freins", "Pièces d'identité et documents")[1] == SECRET
    start = content.index('id="freins-figure"')
    chart = content[start : content.index("</figure>", start)]
    # A hidden count is never drawn: its value appears nowhere in the chart.
    assert n(13.3, "%") not in " ".join(chart.replace("\u00a0", " ").split())


def test_no_person_is_named(client, national_user, world):
    content = page(client, national_user)
    assert SURNAME not in content
    assert "Jean" not in content  # the factory's first name


# --- The period selector ---------------------------------------------------------------------


def test_a_bad_period_falls_back_to_the_last_twelve_months(client, national_user, world):
    default = page(client, national_user)
    for value in ("n'importe quoi", "1999-01", f"{TODAY:%Y-%m}", "2025-T9"):
        content = page(client, national_user, periode=value)
        assert '<option value="12m" selected>12 derniers mois</option>' in content
        assert card(content, "interview_coverage") == card(default, "interview_coverage")


def test_a_month_and_a_quarter_can_be_chosen(client, national_user, world):
    content = page(client, national_user, periode=f"{M:%Y-%m}")
    assert f'<option value="{M:%Y-%m}" selected>' in content
    assert "secret sur 17" in card(content, "interview_coverage")
    before = month_before(M)
    snapshot.refresh([before], today=TODAY)  # the nightly refresh computes 18 months
    content = page(client, national_user, periode=f"{before:%Y-%m}")
    assert "0 sur 0" in card(content, "interview_coverage")
    assert "non calculable" in card(content, "interview_coverage")
    quarters = re.findall(r'<option value="(\d{4}-T\d)"', content)
    assert quarters  # 18 months hold at least 5 full quarters
    assert len(quarters) >= 5


# --- Queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_the_query_count_does_not_grow_with_establishments(
    client, national_user, django_assert_num_queries, count
):
    regions = RegionFactory.create_batch(2)
    for index in range(count):
        establishment = EstablishmentFactory(region=regions[index % 2])
        for _ in range(index + 1):
            arrival(establishment)
    snapshot.refresh([M], today=TODAY)
    client.force_login(national_user)
    client.get(URL)  # the first page after a refresh stores what each month hides
    assert MonthSecrecy.objects.count() == 13  # the 12 months and the trend's 13th
    with django_assert_num_queries(QUERIES):  # the same for 1 and for 3 establishments
        response = client.get(URL)
    assert response.status_code == 200


# Session, user, OTP device; the last refresh; the establishments; what each month hides; the
# national figures; the figures by establishment; the 13 months of the trends; the partners'
# section (agreements, profiles sent, referral steps, companies, offers); national steering's
# subscription to the monthly report.
QUERIES = 15


def test_the_period_selector_redraws_the_figures_only_with_htmx(client, national_user, world):
    client.force_login(national_user)
    whole = client.get(URL).content.decode()
    fragment = client.get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert whole.count('id="periode"') == 1
    # The fragment is the whole of #indicateurs, which it replaces (not fills: twice the id).
    assert fragment.lstrip().startswith('<div id="indicateurs">')
    assert 'hx-target="#indicateurs"' in whole and 'hx-swap="outerHTML"' in whole
    assert 'id="periode"' not in fragment  # the selector is not drawn again inside the page
    assert "<h1" not in fragment


# --- The other sections (national, with secrecy) ----------------------------------------------


def test_interviews_and_syntheses_by_reason_and_cause(client, national_user, world):
    content = page(client, national_user)
    # 17 expected: 15 validated on time, 2 still to do — the 2 is hidden, so is the 15 (it
    # would give the 2 back as 17 − 15); the zeros are shown.
    assert row(content, "Validés dans le délai", "entretiens-motifs") == [SECRET, SECRET]
    assert row(content, "Toujours à réaliser (en retard)", "entretiens-motifs") == [SECRET] * 2
    assert row(content, "Validés après l'échéance", "entretiens-motifs") == ["0", n(0.0, "%")]
    assert row(content, "Arrivants attendus", "entretiens-motifs") == ["17", n(100.0, "%")]
    assert row(content, "Exemptés : Transfert", "entretiens-motifs") == ["0", ""]
    # 15 due: 13 on time, 2 sent late — both hidden.
    assert row(content, "Transmises dans le délai", "syntheses-causes") == [SECRET, SECRET]
    assert row(content, "Envoyées après l'échéance", "syntheses-causes") == [SECRET, SECRET]
    assert row(content, "Synthèses dues", "syntheses-causes") == ["15", n(100.0, "%")]


def test_releases_by_kind_hide_the_small_dry_count_and_its_complement(client, national_user, world):
    content = page(client, national_user)
    # 8 released: 2 dry (hidden), 6 under LSC (hidden too: 8 − 6 would give the 2).
    assert row(content, "Sortie sèche (fin de peine sans aménagement)", "sorties-types") == [
        SECRET,
        SECRET,
    ]
    assert row(content, "Sortie en LSC", "sorties-types") == [SECRET, SECRET]
    assert row(content, "Personnes libérées", "sorties-types") == ["8", n(100.0, "%")]
    # Paris's 2 of 2 are hidden, so Lyon's 6 released is too (8 − 6 would give them); its
    # « 0 » dry is shown.
    assert row(content, "Total DISP de Lyon", "etablissements-sorties")[:3] == [
        "0",
        SECRET,
        SECRET,
    ]


def test_funnel_and_trends(client, national_user, world):
    content = page(client, national_user)
    assert chart_row(content, "entonnoir", "Arrivants attendus") == ["17"]
    # The 15 and the 13 are hidden in the tables of the page: in the funnel too.
    assert chart_row(content, "entonnoir", "Entretiens réalisés dans le délai") == [SECRET]
    assert chart_row(content, "entonnoir", "Synthèses transmises dans le délai") == [SECRET]
    assert chart_row(content, "entonnoir", "Libérés avec une préparation achevée") == ["0"]
    # 13 months up to M.
    month = month_label(M)
    # M is the period's last month, its counts those of the tables: hidden as they are.
    assert chart_row(content, "tendances", month) == [SECRET, SECRET, SECRET]
    start = content.index('id="tendances-figure"')
    trend = content[start : content.index("</figure>", start)]
    assert trend.count('<th scope="row">') == 13


# --- The manager's page: their establishments, exact, against the national median --------------


@pytest.fixture
def paris_manager(fresnes, melun):
    return UserFactory(manager=True, establishments=[fresnes, melun])


def test_the_manager_reads_exact_figures_of_their_establishments(client, paris_manager, world):
    content = page(client, paris_manager)
    assert "Indicateurs de vos établissements" in content
    assert row(content, "Centre pénitentiaire de Fresnes") == [
        "2",
        "3",
        n(66.7, "%"),
        "1",
        "2",
        n(50.0, "%"),
    ]
    assert row(content, "Total de vos établissements") == [
        "8",
        "9",
        n(88.9, "%"),
        "7",
        "8",
        n(87.5, "%"),
    ]
    # Rates of Fresnes, Melun and Lyon: coverage 66,7 / 100 / 87,5 %, syntheses 50 / 100 /
    # 85,7 %: the medians.
    assert row(content, "Médiane nationale des établissements") == [
        "",
        "",
        n(87.5, "%"),
        "",
        "",
        n(85.7, "%"),
    ]
    assert "8 sur 9" in card(content, "interview_coverage")
    # Fresnes's 2 dry releases, exact.
    assert row(content, "Centre pénitentiaire de Fresnes", "etablissements-sorties")[:3] == [
        "2",
        "2",
        n(100.0, "%"),
    ]
    assert SECRET not in row(
        content, "Sortie sèche (fin de peine sans aménagement)", "sorties-types"
    )


def test_the_manager_never_reads_another_establishment(client, paris_manager, world):
    content = page(client, paris_manager)
    assert "Lyon-Corbas" not in content
    assert "DISP de Lyon" not in content
    assert SURNAME not in content


@pytest.mark.parametrize("count", [1, 3])
def test_the_manager_page_query_count_does_not_grow(
    client, fresnes, django_assert_num_queries, count
):
    establishments = [fresnes] + [
        EstablishmentFactory(region=fresnes.region) for _ in range(count - 1)
    ]
    for establishment in establishments:
        arrival(establishment)
    snapshot.refresh([M], today=TODAY)
    client.force_login(UserFactory(manager=True, establishments=establishments))
    # As the national page without the subscription nor the months' secrecy, with the
    # manager's establishments' ids (visible_to) and every establishment's ids (the median).
    with django_assert_num_queries(QUERIES - 2 + 2):
        response = client.get(URL)
    assert response.status_code == 200


def test_a_custom_period_runs_from_one_month_to_another(client, national_user, world):
    before = month_before(M)
    content = page(
        client, national_user, periode="perso", debut=f"{M:%Y-%m}", fin=f"{before:%Y-%m}"
    )
    assert (
        f"De {MONTHS[before.month - 1]} {before.year} à {MONTHS[M.month - 1]} {M.year}" in content
    )
    assert "secret sur 17" in card(content, "interview_coverage")


def test_every_id_of_the_page_is_unique(client, national_user, world):
    """A section's anchor and its chart's id are both ids: a link or a label aimed at one
    must not find the other."""
    content = page(client, national_user)
    ids = re.findall(r'\sid="([^"]+)"', content)
    assert len(ids) > 20
    assert [i for i in set(ids) if ids.count(i) > 1] == []


# --- Secrecy across periods ---------------------------------------------------------------------


def test_no_hidden_count_comes_back_by_subtracting_one_period_from_another(
    client, national_user, fresnes, lyon
):
    """Fresnes: 3 dry releases of 13 in the month before M, 6 of 16 in M. Over the two months,
    9 of 29: shown, it would give the 3 away (9 − 6). A period's cell that one of its months
    hides is hidden: whatever two periods one compares, a hidden count stays hidden."""
    before = month_before(M)

    def gone(establishment, month, kind):
        return DetaineeFactory(
            establishment=establishment,
            arrival_date=month - datetime.timedelta(days=400),
            release_date=month + datetime.timedelta(days=3),
            release_kind=kind,
        )

    for month, dry in ((before, 3), (M, 6)):
        for kind, count in (("sortie_seche", dry), ("lsc", 10)):
            for _ in range(count):
                gone(fresnes, month, kind)
        for kind in ("sortie_seche", "lsc"):
            for _ in range(8):
                gone(lyon, month, kind)
    snapshot.refresh([before, M], today=TODAY)
    periods = {
        "before": {"periode": f"{before:%Y-%m}"},
        "M": {"periode": f"{M:%Y-%m}"},
        "both": {"periode": "perso", "debut": f"{before:%Y-%m}", "fin": f"{M:%Y-%m}"},
    }
    cells = {
        name: row(page(client, national_user, **params), fresnes.name, "etablissements-sorties")
        for name, params in periods.items()
    }
    assert cells["before"][:2] == [SECRET, "13"]  # 3 dry releases: hidden
    assert cells["M"][:2] == ["6", "16"]
    assert cells["both"][0] == SECRET  # 9 would be 3 + 6
    # Generally: a count shown over both months and over M is shown over the month before.
    for index, (both, month) in enumerate(zip(cells["both"], cells["M"], strict=True)):
        if SECRET not in (both, month) and index % 3 != 2:  # counts, not rates
            assert cells["before"][index] != SECRET, index
    # And the stored secrecy of each month is the one its own page draws.
    assert set(MonthSecrecy.objects.values_list("month", flat=True)) >= {before, M}


def test_the_nightly_beat_stores_what_every_month_offered_hides(world):
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-months-secrecy"]
    assert entry["task"] == "insertion.dashboard.tasks.prepare_months_secrecy"
    assert entry["schedule"] == crontab(minute=30, hour=3)  # after the refresh at 2:30
    # 18 months offered, and the 12 before the oldest for its trend.
    assert tasks.prepare_months_secrecy() == 30
    assert MonthSecrecy.objects.count() == 30
    assert tasks.prepare_months_secrecy() == 0  # known: nothing drawn again
