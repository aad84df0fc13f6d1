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
CPIP = "cpip@demo.insertion.fr"
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


LOGISTICS = "Logistique Val-de-Seine (fictive)"
LOGISTICS_OFFER = "Préparateur ou préparatrice de commandes"


def test_the_cpip_records_an_agreement_and_the_officer_sends_the_profile(demo_server, browser):
    """A person of the CPIP's caseload agrees to share their profile with a company: the CPIP
    records it on the person page; the partnerships officer sends the profile to the company's
    contact (tasks run in-process in the demo) and reads it « Envoyé » among the offer's
    profiles. The send page says what goes, and nothing of what never goes. The officer then
    records the referral (« Proposé ») and the company's promise (« Retenu »); the CPIP reads it
    on the person page, where the plan's « Promesse d'embauche ou projet d'emploi » is done."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    errors = []
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        login(page, demo_server, CPIP)
        page.goto(f"{demo_server}/portefeuille/")
        person = page.locator("main table tbody a[href^='/personnes/']").first
        person_url = person.get_attribute("href")
        person.click()
        page.wait_for_load_state("networkidle")
        lead = page.locator("main .fr-text--lead").first.inner_text()
        ecrou = re.search(r"Écrou n° (\S+)", lead).group(1)
        surname = page.locator("h1").inner_text().split()[0]  # « DUPONT Jean »
        section = page.locator("section:has(#entreprises-title)")
        section.get_by_role("link", name="Enregistrer l'accord", exact=True).click()
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text() == "Enregistrer l'accord de la personne"
        page.get_by_label("Entreprise et offre").select_option(label=f"Toute offre de {LOGISTICS}")
        # Without ticking « informée »: said in French, the choices kept.
        page.get_by_role("button", name="Enregistrer l'accord").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("main")).to_contain_text("la personne doit avoir été informée")
        assert _serious_violations(page) == []
        page.locator("label[for=id_informed]").click()
        page.get_by_role("button", name="Enregistrer l'accord").click()
        page.wait_for_load_state("networkidle")
        assert page.url.startswith(f"{demo_server}{person_url}")
        expect(page.locator("section:has(#entreprises-title)")).to_contain_text(LOGISTICS)
        page.screenshot(path=OUTPUT / "partners-person-agreement.png", full_page=True)
        context.clear_cookies()

        login(page, demo_server, OFFICER)
        page.locator("#fr-navigation").get_by_role("link", name="Offres partenaires").click()
        page.wait_for_load_state("networkidle")
        people = page.get_by_role("link", name=f"Personnes pour {LOGISTICS_OFFER}")
        offer_id = re.search(r"/offres/(\d+)/", people.get_attribute("href")).group(1)
        person_id = re.search(r"/personnes/(\d+)/", person_url).group(1)
        page.goto(f"{demo_server}/partenaires/offres/{offer_id}/personnes/{person_id}/envoi/")
        page.wait_for_load_state("networkidle")
        main = page.locator("main")
        expect(page.locator("h1")).to_contain_text("Envoyer le profil de")
        # What goes is said; the écrou never appears, nor the person's establishment (not
        # shared by default).
        text = main.inner_text()
        assert ecrou not in text
        assert surname not in text.upper()
        assert "Centre pénitentiaire de Fresnes" not in text
        assert _serious_violations(page) == []
        page.get_by_label("Destinataire").select_option(index=1)
        page.get_by_role("button", name="Confirmer l'envoi").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator(".fr-alert--success, .fr-alert--info").first).to_be_visible()
        page.goto(f"{demo_server}/partenaires/offres/{offer_id}/envois/")
        page.wait_for_load_state("networkidle")
        expect(page.locator("main table")).to_contain_text("Envoyé")
        page.screenshot(path=OUTPUT / "partners-transmissions.png", full_page=True)

        # The referral, then the promise, as the company tells the officer.
        page.get_by_role("link", name="Enregistrer l'orientation").first.click()
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_contain_text("Enregistrer l'orientation de")
        assert _serious_violations(page) == []
        page.get_by_role("button", name="Enregistrer l'étape").click()
        page.wait_for_load_state("networkidle")
        referrals = page.locator("main li[id^='orientation-']")
        expect(referrals).to_have_count(1)
        expect(referrals.first.locator(".fr-badge").first).to_have_text("Proposé")
        referrals.first.get_by_role("link", name="Enregistrer une étape").click()
        page.wait_for_load_state("networkidle")
        page.get_by_label("Nouvelle étape").select_option(label="Retenu")
        page.get_by_role("button", name="Enregistrer l'étape").click()
        page.wait_for_load_state("networkidle")
        expect(referrals.first.locator(".fr-badge").first).to_have_text("Retenu")
        page.screenshot(path=OUTPUT / "partners-referral.png", full_page=True)
        context.clear_cookies()

        login(page, demo_server, CPIP)
        page.goto(f"{demo_server}{person_url}")
        page.wait_for_load_state("networkidle")
        section = page.locator("section:has(#entreprises-title)")
        expect(section).to_contain_text(LOGISTICS_OFFER)
        expect(section.locator("li[id^='orientation-'] .fr-badge").first).to_have_text("Retenu")
        promise = page.locator(
            ".insertion-milestone:has(h3:text-is(\"Promesse d'embauche ou projet d'emploi\"))"
        )
        expect(promise.locator(".fr-badge").first).to_have_text("Fait")
        page.screenshot(path=OUTPUT / "partners-person-referral.png", full_page=True)
    finally:
        context.close()
    assert errors == []
