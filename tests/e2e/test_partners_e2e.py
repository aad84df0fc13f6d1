"""The partnerships officer in a real browser (issue 16): the demo's account lands on its
companies, opens one, adds an offer at release through the form (a wrong département first,
answered in French, nothing typed lost), finds it among the offers and opens the people it
fits, named by first name and initial with the score's reasons. No JavaScript error; axe finds
no serious or critical violation on the list, the form and the people. Screenshots go to
test-output/e2e/."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OUTPUT, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

OFFICER = "partenariats@demo.insertion.fr"
COMPANY = "Les Cuisines de l'Orge (fictive)"
TITLE = "Aide-cuisinier en restauration collective (essai)"


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_the_partnerships_officer_adds_an_offer_and_reads_who_it_fits(demo_server, browser):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        login(page, demo_server, OFFICER)
        assert page.url == f"{demo_server}/partenaires/entreprises/"
        assert page.locator("h1").inner_text() == "Entreprises partenaires"
        page.screenshot(path=OUTPUT / "partners-companies.png", full_page=True)
        assert _serious_violations(page) == []

        page.get_by_role("link", name=COMPANY).click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_contain_text(COMPANY)
        page.get_by_role("link", name="Nouvelle offre").click()
        page.wait_for_load_state("networkidle")

        page.get_by_label("Type d'offre").select_option("emploi")
        page.get_by_label("Intitulé").fill(TITLE)
        page.get_by_label("Secteur").select_option("hotellerie")
        page.locator("label[for=id_setting_1]").click()  # DSFR draws the radio on its label
        page.get_by_label("Département (offre à la sortie)").fill("999")
        page.get_by_label("Nombre de places").fill("2")
        page.get_by_role("button", name="Créer l'offre").click()
        page.wait_for_load_state("networkidle")
        # A département that does not exist: said in French, the rest kept (opening: today).
        main = page.locator("main")
        expect(main).to_contain_text("département")
        assert page.get_by_label("Intitulé").input_value() == TITLE
        assert page.get_by_label("Nombre de places").input_value() == "2"
        page.screenshot(path=OUTPUT / "partners-offer-error.png", full_page=True)
        assert _serious_violations(page) == []

        page.get_by_label("Département (offre à la sortie)").fill("94")
        page.get_by_role("button", name="Créer l'offre").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator(".fr-alert--success")).to_contain_text(TITLE)

        page.locator("#fr-navigation").get_by_role("link", name="Offres partenaires").click()
        page.wait_for_load_state("networkidle")
        page.locator("#q").fill("Aide-cuisinier")
        people = page.get_by_role("link", name=re.compile(rf"Personnes pour {re.escape(TITLE)}"))
        expect(people).to_have_count(1)
        expect(page.locator("main table tbody tr")).to_have_count(1)  # the search filtered
        people.click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_contain_text(TITLE)
        rows = page.locator("main table tbody tr")
        assert rows.count() >= 1, "La démo doit compter au moins une personne pour cette offre."
        first = rows.first.locator("th").inner_text()
        assert re.fullmatch(r"\S.* [A-ZÉÈ]\.", first), first  # first name and initial only
        expect(rows.first).to_contain_text("sortie :")
        page.screenshot(path=OUTPUT / "partners-offer-people.png", full_page=True)
        assert _serious_violations(page) == []
    finally:
        context.close()
    assert errors == []
