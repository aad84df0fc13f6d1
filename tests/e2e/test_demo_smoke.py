"""The demo as a person meets it: a fresh SQLite database, seed_demo, the app served, a browser.

The fixtures (the demo served in a subprocess, Debian's Chromium) are in conftest.py.
"""

import pytest

from tests.e2e.conftest import OUTPUT, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DEMO_ACCOUNTS = {
    "cpip@demo.insertion.fr": "/portefeuille/",
    "afpa@demo.insertion.fr": "/entretiens/",
    "equipe@demo.insertion.fr": "/activites/",
    "direction@demo.insertion.fr": "/pilotage/etablissements/",
    "national@demo.insertion.fr": "/pilotage/national/",
    "admin@demo.insertion.fr": "/admin/",
}


@pytest.mark.parametrize("email", sorted(DEMO_ACCOUNTS))
def test_every_demo_account_logs_in_and_reaches_its_landing_page(demo_server, browser, email):
    page = browser.new_page()
    try:
        login(page, demo_server, email)
        assert page.url == f"{demo_server}{DEMO_ACCOUNTS[email]}"
        response = page.goto(page.url)
        assert response.status == 200
    finally:
        page.close()


def test_demo_cpip_reaches_the_person_list_of_their_establishment(demo_server, browser):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        page.goto(f"{demo_server}/connexion/")
        assert page.locator("h1").inner_text() == "Connexion à Insertion"
        page.screenshot(path=OUTPUT / "login.png", full_page=True)
        login(page, demo_server, "cpip@demo.insertion.fr")
        # The CPIP lands on their caseload; the person list is one click away in the menu.
        assert page.title() == "Mon portefeuille — Insertion"
        page.locator("#fr-navigation").get_by_role("link", name="Personnes détenues").click()
        page.wait_for_load_state("networkidle")
        assert page.url == f"{demo_server}/personnes/"
        assert page.title() == "Personnes détenues — Insertion"
        rows = page.locator("table tbody tr")
        assert rows.count() > 0
        # The demo CPIP works at Fresnes: every person listed is held there.
        establishments = set(page.locator("table tbody tr td:nth-child(3)").all_inner_texts())
        assert establishments == {"Centre pénitentiaire de Fresnes"}
        page.screenshot(path=OUTPUT / "cpip-person-list.png", full_page=True)

        # htmx search narrows the list without a page load; the page works without it too.
        first_name = rows.first.locator("td").first.inner_text().split()[0]
        page.fill("#q", first_name.lower())
        page.wait_for_function(
            "n => document.querySelectorAll('table tbody tr').length <= n", arg=rows.count()
        )
        page.wait_for_load_state("networkidle")
        assert first_name in page.locator("#results").inner_text()

        rows.first.locator("a").first.click()
        page.wait_for_load_state("networkidle")
        assert page.locator("h2#custody-title").inner_text() == "Incarcération"
        page.screenshot(path=OUTPUT / "cpip-person-page.png", full_page=True)
        assert errors == [], errors
    finally:
        page.close()
