"""The national steering page in a real browser (issue 15): the demo's national account opens
« Indicateurs » from the menu, reads the headline figures, the table by DISP and the barriers
chart, chooses a month; a manager reads their establishments' exact figures against the national
median and downloads the report; no JavaScript error, and axe finds no serious or critical
accessibility violation. Screenshots go to test-output/e2e/."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OUTPUT, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

NATIONAL = "national@demo.insertion.fr"
MANAGER = "direction@demo.insertion.fr"


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_the_national_steering_reads_the_indicators(demo_server, browser):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        login(page, demo_server, NATIONAL)
        page.locator("#fr-navigation").get_by_role("link", name="Indicateurs").click()
        page.wait_for_load_state("networkidle")
        assert page.url == f"{demo_server}/pilotage/indicateurs/"
        assert page.locator("h1").inner_text() == "Indicateurs de pilotage"
        text = page.locator("main").inner_text()
        assert "Données au" in text
        assert re.search(r"\d+ sur \d+", text), "Aucun chiffre « N sur D »."
        assert page.locator("main table").count() >= 1
        assert page.locator("main svg[role=img]").count() >= 1
        assert "À propos des indicateurs" in text
        page.screenshot(path=OUTPUT / "indicators-national.png", full_page=True)
        assert _serious_violations(page) == []

        # Another period: the selector redraws the figures (htmx) and the address follows.
        select = page.locator("select[name=periode]")
        month = select.locator("option").nth(1).get_attribute("value")
        label = select.locator("option").nth(1).inner_text()
        select.select_option(month)
        page.get_by_role("button", name="Afficher").click()
        page.wait_for_url(re.compile(rf"periode={month}"))
        expect(page.locator("#indicateurs")).to_contain_text(f"période : {label}")
        assert page.locator("select[name=periode]").input_value() == month
        assert page.locator("h1").count() == 1
        page.screenshot(path=OUTPUT / "indicators-national-period.png", full_page=True)
    finally:
        context.close()
    assert errors == []


def test_a_manager_reads_their_establishments_against_the_national_median(demo_server, browser):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        login(page, demo_server, MANAGER)
        page.locator("#fr-navigation").get_by_role("link", name="Indicateurs").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text() == "Indicateurs de vos établissements"
        text = page.locator("main").inner_text()
        assert "Médiane nationale des établissements" in text
        # Exact figures for their own establishments: no cell says « secret ».
        assert page.locator("main td", has_text="secret").count() == 0
        assert re.search(r"\d+ sur \d+", text)
        # The report of the page, downloaded as a PDF.
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger le rapport (PDF)").click()
        path = download.value.path()
        with open(path, "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        page.screenshot(path=OUTPUT / "indicators-manager.png", full_page=True)
        assert _serious_violations(page) == []
    finally:
        context.close()
    assert errors == []
