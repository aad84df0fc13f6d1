"""The national steering page in a real browser (issue 15): the demo's national account opens
« Indicateurs » from the menu, reads the headline figures, the table by DISP and the barriers
chart, chooses a month; no JavaScript error, and axe finds no serious or critical accessibility
violation. No person's name is on the page. Screenshots go to test-output/e2e/."""

import re

import pytest

from tests.e2e.conftest import OUTPUT, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

NATIONAL = "national@demo.insertion.fr"


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

        # Another period: the selector reloads the page with the month chosen.
        select = page.locator("select[name=periode]")
        month = select.locator("option").nth(1).get_attribute("value")
        select.select_option(month)
        page.get_by_role("button", name="Afficher").click()
        page.wait_for_load_state("networkidle")
        assert f"periode={month}" in page.url
        assert page.locator("select[name=periode]").input_value() == month
    finally:
        context.close()
    assert errors == []
