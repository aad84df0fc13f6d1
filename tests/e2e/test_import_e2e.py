"""Issue 13 in a real browser: the demo manager sends the fictional « présents à date » sample,
reads the preview, applies it and follows the progress to the report; axe finds no serious or
critical violation on the pages. Screenshots go to test-output/e2e/.

The demo runs tasks in-process (no REDIS_URL): the apply is done when the request that asked
for it commits, so the run page the browser lands on already shows the finished run; the htmx
polling of a run in progress is tested in tests/test_import_views.py.
"""

import pytest

from tests.e2e.conftest import OUTPUT, ROOT, login
from tests.e2e.test_caseload_e2e import _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

MANAGER = "direction@demo.insertion.fr"
SAMPLE = ROOT / "insertion" / "imports" / "samples" / "presents_exemple.csv"


@pytest.fixture
def page(browser, demo_server):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and page.errors.append(f"{page.url}: {msg.text}"),
    )
    login(page, demo_server, MANAGER)
    yield page
    context.close()


def _shot(page, name):
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True, caret="initial")


def test_a_manager_uploads_previews_applies_and_reads_the_report(page, demo_server):
    page.goto(f"{demo_server}/imports/")
    assert page.locator("h1").inner_text() == "Imports des extractions"
    assert _serious_violations(page) == []
    _shot(page, "imports-list")

    page.set_input_files("input[type=file]", str(SAMPLE))
    page.get_by_role("button", name="Lire le fichier").click()
    page.wait_for_load_state("networkidle")
    assert "presents_exemple.csv" in page.locator("h1").inner_text()
    preview = page.locator("#apercu-titre").locator("xpath=..").inner_text()
    assert "arrivées" in preview
    assert _serious_violations(page) == []
    _shot(page, "imports-preview")

    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_load_state("networkidle")
    page.get_by_text("Appliqué").first.wait_for()
    assert page.locator("table tbody tr").count() >= 10  # the report: one row per line
    assert "Appliquée" in page.locator("table tbody").inner_text()
    assert _serious_violations(page) == []
    _shot(page, "imports-report")
    assert page.errors == []
