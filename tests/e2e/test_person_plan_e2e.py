"""The release plan in a real browser: the demo CPIP opens their caseload dashboard, clicks a
person, marks an essential milestone "Fait" in one click (htmx swaps the row and the progress, the
page does not reload); sends "sans objet" without a reason, adds a note, records a contact with an
error then without, each answered in place; and axe finds no serious or critical accessibility
violation on the person page.

It reads the demo as seeded: the dashboard lists the CPIP's people with links to their page, and
their plans have essential milestones still open. Screenshots go to test-output/e2e/.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import OUTPUT, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CPIP = "cpip@demo.insertion.fr"
OPEN_ESSENTIAL = (
    "#plan-milestones > li.insertion-milestone:not(.insertion-milestone--fait)"
    ":not(.insertion-milestone--sans_objet):has(.fr-badge--blue-ecume)"
)


@pytest.fixture
def page(browser, demo_server):
    """A French desktop tab logged in as the demo CPIP; a JavaScript error, a console error (a
    CSP report among them) or a failed request fails the test."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda msg: (
            msg.type == "error" and page.errors.append(f"{page.url}: {msg.text} ({msg.location})")
        ),
    )
    login(page, demo_server, CPIP)
    yield page
    context.close()


def _shot(page, name):
    # caret="initial": hiding the caret writes `style` on inputs, which the CSP then reports.
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True, caret="initial")


def _wait_for_htmx(page):
    # A locator, not wait_for_function: its polling evaluates a string, which the CSP refuses.
    from playwright.sync_api import expect

    expect(page.locator(".htmx-request")).to_have_count(0)
    page.wait_for_load_state("networkidle")


def _today() -> datetime.date:
    return datetime.datetime.now(ZoneInfo("Europe/Paris")).date()


def _open_a_person_with_an_open_essential_milestone(page, base) -> str:
    """From the dashboard, follow the first person whose plan has an essential milestone still
    open; the URL of their page."""
    page.goto(f"{base}/portefeuille/")
    page.wait_for_load_state("networkidle")
    assert page.title() == "Mon portefeuille — Insertion"
    links = page.locator("main table tbody a[href^='/personnes/']")
    assert links.count() > 0, "Le portefeuille ne liste aucune personne."
    hrefs = [links.nth(i).get_attribute("href") for i in range(min(links.count(), 15))]
    for number, href in enumerate(hrefs):
        if number == 0:
            links.first.click()  # the way a CPIP does it, for the first one
        else:
            page.goto(f"{base}{href}")
        page.wait_for_load_state("networkidle")
        assert re.fullmatch(rf"{re.escape(base)}/personnes/\d+/", page.url)
        if page.locator(OPEN_ESSENTIAL).count():
            return page.url
    pytest.fail("Aucune personne du portefeuille n'a de jalon essentiel ouvert.")


def _readiness(page) -> tuple[int, int]:
    text = page.locator("#plan-progress .insertion-readiness__text").inner_text()
    done, total = re.match(r"(\d+)/(\d+)", text).groups()
    return int(done), int(total)


def test_the_cpip_marks_a_milestone_done_in_one_click(page, demo_server):
    url = _open_a_person_with_an_open_essential_milestone(page, demo_server)
    _shot(page, "person-plan")
    done, total = _readiness(page)
    row = page.locator(OPEN_ESSENTIAL).first
    row_id = row.get_attribute("id")
    label = row.locator("h3").inner_text()

    # A marker on the window survives an htmx swap, not a reload.
    page.evaluate("window.__notReloaded = true")
    row.get_by_role("button", name="Fait", exact=True).click()
    page.wait_for_selector(f"#{row_id}.insertion-milestone--fait")
    _wait_for_htmx(page)

    assert page.evaluate("window.__notReloaded === true"), "La page a été rechargée."
    assert page.url == url
    row = page.locator(f"#{row_id}")
    assert row.locator(".fr-badge--success").inner_text().strip().lower() == "fait"
    assert row.get_by_role("button", name="Fait", exact=True).get_attribute("aria-pressed") == (
        "true"
    )
    assert "Fait le" in row.inner_text()
    # The focus stays on the button clicked (htmx restores it by its id).
    assert page.evaluate("document.activeElement.id") == f"{row_id}-etat-fait"
    assert _readiness(page) == (done + 1, total)
    assert label in page.locator("#plan-announce").inner_text()
    _shot(page, "person-plan-milestone-done")

    # The history of the milestone says who did it.
    row.locator(".fr-accordion__btn").click()
    row.locator(".fr-collapse--expanded").wait_for()
    assert row.locator("table tbody tr").last.inner_text().endswith("Fait")

    # Reloaded, the page shows the same state.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert "insertion-milestone--fait" in page.locator(f"#{row_id}").get_attribute("class")
    assert _readiness(page) == (done + 1, total)
    assert page.errors == [], page.errors


def test_sans_objet_and_the_contact_form_keep_what_was_typed(page, demo_server):
    _open_a_person_with_an_open_essential_milestone(page, demo_server)
    row = page.locator(OPEN_ESSENTIAL).first
    row_id = row.get_attribute("id")

    # "Sans objet" without a reason: the error in place, the small form still open.
    row.locator("summary", has_text="Sans objet").click()
    row.get_by_role("button", name="Marquer sans objet").click()
    _wait_for_htmx(page)
    row = page.locator(f"#{row_id}")
    assert "Indiquez pourquoi ce jalon est sans objet" in row.inner_text()
    assert row.locator("details[open] textarea").is_visible()
    _shot(page, "person-plan-sans-objet-error")

    # A note, from the open accordion: the row comes back with its notes open (and no style
    # attribute copied by htmx onto the new collapse, which the CSP would report).
    row.locator(".fr-accordion__btn").click()
    row.locator(".fr-collapse--expanded").wait_for()
    row.locator("textarea[name=text]").fill("Rendez-vous pris avec le SIAO.")
    row.get_by_role("button", name="Ajouter la note").click()
    _wait_for_htmx(page)
    row = page.locator(f"#{row_id}")
    row.locator(".fr-collapse--expanded").wait_for()
    assert "Rendez-vous pris avec le SIAO." in row.locator(".insertion-notes").inner_text()

    # A contact in the future: the error next to the date, the object kept.
    page.fill("#contact-on_date", (_today() + datetime.timedelta(days=3)).isoformat())
    page.select_option("#contact-kind", "telephone")
    page.fill("#contact-subject", "Appel du SIAO pour l'hébergement")
    page.click("#contact-envoyer")
    _wait_for_htmx(page)
    block = page.locator("#contacts-bloc")
    assert "ne peut pas être dans le futur" in block.inner_text()
    assert page.input_value("#contact-subject") == "Appel du SIAO pour l'hébergement"
    page.fill("#contact-on_date", _today().isoformat())
    page.click("#contact-envoyer")
    _wait_for_htmx(page)
    assert page.locator("#contacts-bloc table tbody tr").first.inner_text().count("SIAO") == 1
    assert page.input_value("#contact-subject") == ""
    _shot(page, "person-plan-contact-recorded")
    assert page.errors == [], page.errors


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_the_person_page_has_no_serious_accessibility_violation(page, demo_server):
    _open_a_person_with_an_open_essential_milestone(page, demo_server)
    found = {"page": _serious_violations(page)}
    # With the notes, a "sans objet" form and the frise's text alternative open.
    row = page.locator(OPEN_ESSENTIAL).first
    row.locator(".fr-accordion__btn").click()
    row.locator(".fr-collapse--expanded").wait_for()
    row.locator("summary", has_text="Sans objet").click()
    page.locator("summary", has_text="Version texte de la frise").click()
    found["ouverte"] = _serious_violations(page)
    _shot(page, "person-plan-axe")
    assert found == {"page": [], "ouverte": []}
    assert page.errors == [], page.errors
