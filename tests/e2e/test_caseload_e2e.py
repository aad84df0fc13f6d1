"""The caseload dashboard in a real browser: the demo CPIP logs in and lands on it, reads the
counters, filters the table (htmx, the address follows), follows a counter, exports the list;
the manager opens the team view; and axe finds no serious or critical accessibility violation
on either page. Screenshots go to test-output/e2e/.

It reads the demo as seeded (people followed by the demo CPIP, with their release plans): it
asserts what holds for any such demo (rows, counters consistent with the lists they link to),
not the random figures of one seed.
"""

import re

import pytest

from tests.e2e.conftest import OUTPUT, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CPIP = "cpip@demo.insertion.fr"
MANAGER = "direction@demo.insertion.fr"
COUNTER_LABELS = [
    "Libérations dans 30 jours",
    "Libérations dans 90 jours",
    "Sorties sèches à risque",
    "Jalons en retard",
    "Non vus depuis 6 mois",
    "Synthèses reçues non lues",
    "Dates de libération avancées",
    "En attente d'une activité depuis plus de 3 mois",
]


@pytest.fixture
def browser_page(browser):
    """A French desktop tab; any JavaScript error (a CSP refusal included) fails the test."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and page.errors.append(f"{page.url}: {msg.text}"),
    )
    yield page
    context.close()


def _shot(page, name):
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True, caret="initial")


def _wait_for_htmx(page):
    page.wait_for_function("!document.querySelector('.htmx-request')")
    page.wait_for_load_state("networkidle")


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def _counters(page) -> dict[str, tuple[int, str]]:
    """{label: (count, link)} of the tiles at the top of the dashboard."""
    counters = {}
    for link in page.locator("[aria-label='Compteurs du portefeuille'] a").all():
        count = int(link.locator(".insertion-tile-count").inner_text())
        label = link.inner_text().split("\n", 1)[-1].strip()
        counters[label] = (count, link.get_attribute("href"))
    return counters


def _total(page) -> int:
    return int(page.locator("#caseload .insertion-caseload__summary strong").inner_text())


def test_the_demo_cpip_reads_and_filters_their_caseload(demo_server, browser_page):
    page = browser_page
    login(page, demo_server, CPIP)
    assert page.url == f"{demo_server}/portefeuille/"
    assert page.locator("h1").inner_text() == "Mon portefeuille"

    counters = _counters(page)
    assert list(counters) == COUNTER_LABELS
    rows = page.locator("#caseload table tbody tr")
    assert rows.count() > 0
    assert _total(page) >= rows.count()
    _shot(page, "caseload-cpip")
    assert _serious_violations(page) == []

    # A filter narrows the table through htmx; the address follows, the counters stay.
    page.select_option("#horizon", "90")
    page.wait_for_url(re.compile(r"horizon=90"))
    _wait_for_htmx(page)
    assert _total(page) == counters["Libérations dans 90 jours"][0]
    # A screen reader hears the new count (a status region outside the swapped results).
    status = page.locator("#caseload-status").text_content().strip()
    assert status.startswith(f"{_total(page)} personne")
    for text in page.locator("#caseload table tbody tr td:nth-child(3)").all_inner_texts():
        days = re.search(r"dans (\d+) jours", text)
        assert days is None or int(days.group(1)) <= 90, text
    assert list(_counters(page)) == COUNTER_LABELS

    # DSFR draws the checkbox on its label: click it as a person does.
    page.click("label[for=risque]")
    page.wait_for_url(re.compile(r"risque=1"))
    _wait_for_htmx(page)
    assert page.locator("#risque").is_checked()
    badges = page.locator("#caseload table tbody tr").filter(has_text="Sortie sèche à risque")
    assert badges.count() == page.locator("#caseload table tbody tr").count()
    _shot(page, "caseload-cpip-filtered")
    assert _serious_violations(page) == []

    # Each counter links to the list it counts (a full page: works without JavaScript).
    count, link = counters["Jalons en retard"]
    page.goto(f"{demo_server}{link}")
    assert page.locator("#retard").is_checked()
    if count:
        assert _total(page) == count
    else:
        assert page.locator("#caseload .insertion-empty").is_visible()

    # The export gives the same list as a spreadsheet.
    page.goto(f"{demo_server}/portefeuille/?horizon=90")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter la liste (CSV)").click()
    download = download_info.value
    assert re.fullmatch(r"portefeuille-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as exported:
        content = exported.read()
    assert content.startswith("\ufeffNom;Prénom;N° d'écrou")
    assert len(content.strip().splitlines()) == counters["Libérations dans 90 jours"][0] + 1
    assert page.errors == [], page.errors


def test_the_demo_cpip_sees_their_establishment_and_a_manager_their_team(demo_server, browser_page):
    page = browser_page
    login(page, demo_server, CPIP)
    page.get_by_role("link", name="Toutes les personnes de mes établissements").click()
    page.wait_for_load_state("networkidle")
    assert "perimetre=etablissement" in page.url
    assert page.locator("#caseload table thead").inner_text().count("CPIP référent") == 1
    page.context.clear_cookies()

    login(page, demo_server, MANAGER)
    page.goto(f"{demo_server}/equipe/")
    assert page.locator("h1").inner_text() == "Équipe"
    team_rows = page.locator("section[aria-labelledby=portefeuilles-titre] tbody tr")
    assert team_rows.count() >= 2  # the CPIP of Fresnes and Melun, and "Sans référent"
    _shot(page, "team")
    assert _serious_violations(page) == []

    page.goto(f"{demo_server}/portefeuille/")
    assert page.locator("h1").inner_text() == "Portefeuilles de mes établissements"
    assert page.locator("#caseload table tbody tr").count() > 0
    _shot(page, "caseload-manager")
    assert _serious_violations(page) == []
    assert page.errors == [], page.errors
