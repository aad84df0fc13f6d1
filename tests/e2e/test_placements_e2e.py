"""From the waiting list to a place, in a real browser (issue 14): the demo team member lands on
their work queue, opens the « Formation professionnelle » waiting list, places a person followed
by the demo CPIP into a training session with a free place; the person leaves the list; the CPIP
then finds the allocation on the person's page, in the requests and in the release plan, whose
« Formation professionnelle en détention » milestone is now « En cours ». axe finds no serious or
critical accessibility violation on the queue and the waiting list. Screenshots go to
test-output/e2e/.

Which person to place is read from the demo's database (the team sees no referent); everything
else is done through the pages.
"""

import datetime
import re
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import OUTPUT, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

TEAM = "equipe@demo.insertion.fr"
CPIP = "cpip@demo.insertion.fr"


def _shot(page, name):
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True, caret="initial")


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def _tab(browser, errors):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and errors.append(f"{page.url}: {msg.text}"),
    )
    return context, page


def _a_person_of_the_cpip_waiting_for_a_training(demo_env) -> tuple[int, int, str]:
    """(request id, person id, last name) of the demo CPIP's person waiting the longest on the
    Fresnes training list."""
    database = Path(demo_env["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            """
            SELECT r.id, d.id, d.last_name
            FROM placements_placementrequest r
            JOIN detainees_detainee d ON d.id = r.detainee_id
            JOIN accounts_user u ON u.id = d.referent_id
            WHERE u.email = ? AND r.status = 'liste_attente' AND r.offer_kind = 'formation_pro'
              AND d.release_date IS NULL
            ORDER BY r.waiting_since, r.id
            LIMIT 1
            """,
            (CPIP,),
        ).fetchone()
    assert row is not None, "La démo n'a personne du CPIP en attente d'une formation."
    return row


def test_the_team_places_a_person_from_the_waiting_list_and_the_cpip_sees_it(
    demo_server, demo_env, browser
):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    request_id, person_id, last_name = _a_person_of_the_cpip_waiting_for_a_training(demo_env)
    errors = []

    # The team member lands on their work queue.
    context, page = _tab(browser, errors)
    try:
        login(page, demo_server, TEAM)
        assert page.url == f"{demo_server}/activites/"
        headings = [h.split("(")[0].strip() for h in page.locator("main h2").all_inner_texts()]
        assert headings.index("Demandes à examiner") < headings.index("Listes d'attente")
        assert headings.index("Listes d'attente") < headings.index("Synthèses reçues")
        assert re.search(r"\d+ en attente pour \d+ places?", page.locator("main").inner_text())
        _shot(page, "placements-queue")
        assert _serious_violations(page) == []

        # The training waiting list, in its documented order.
        page.locator("main a[href^='/activites/listes/formation_pro/']").first.click()
        page.wait_for_load_state("networkidle")
        assert "/activites/listes/formation_pro/" in page.url
        assert "Formation professionnelle" in page.locator("h1").inner_text()
        row = page.locator(f"#demande-{request_id}")
        assert last_name.upper() in row.inner_text().upper()
        waiting_before = page.locator("main table tbody tr").count()
        _shot(page, "placements-waiting-list")
        assert _serious_violations(page) == []

        # « Affecter »: a session with a free place, from today.
        row.locator("summary", has_text="Affecter").click()
        select = row.locator("select[name=offer]")
        free = [
            option.get_attribute("value")
            for option in select.locator("option").all()
            if "libre" in option.inner_text()
        ]
        assert free, "Aucune session de formation n'a de place libre."
        select.select_option(free[0])
        # « <title> — 2 places libres sur 10 » (a title may hold a dash of its own).
        option = " ".join(select.locator(f"option[value='{free[0]}']").inner_text().split())
        offer_title = option.rsplit(" — ", 1)[0]
        row.locator("button[type=submit]", has_text="Affecter").click()
        page.wait_for_load_state("networkidle")
        today = datetime.datetime.now(ZoneInfo("Europe/Paris")).date()
        notice = page.locator(".fr-alert--success").inner_text()
        assert f"« {offer_title} »" in notice
        assert "affecté·e" in notice
        assert page.locator(f"#demande-{request_id}").count() == 0
        assert page.locator("main table tbody tr").count() == waiting_before - 1
        _shot(page, "placements-allocated")
    finally:
        context.close()

    # The CPIP finds it on the person's page: the request and the plan's milestone.
    context, page = _tab(browser, errors)
    try:
        login(page, demo_server, CPIP)
        page.goto(f"{demo_server}/personnes/{person_id}/")
        page.wait_for_load_state("networkidle")
        text = page.locator("#demandes").inner_text()
        assert "affecté" in text.lower()  # a DSFR badge, in capitals
        assert offer_title in text
        milestone = page.locator(
            "#plan-milestones > li", has_text="Formation professionnelle en détention"
        )
        assert milestone.count() == 1
        assert "en cours" in milestone.inner_text().lower()
        # The note the allocation left, under « Notes (1) et historique… ».
        milestone.locator("button.fr-accordion__btn", has_text="Notes (1)").click()
        page.wait_for_timeout(400)  # the DSFR collapse opens with a transition
        milestone_text = milestone.inner_text()
        assert f"Affectation : « {offer_title} » à partir du {today:%d/%m/%Y}" in milestone_text
        page.locator("#demandes").scroll_into_view_if_needed()
        _shot(page, "placements-cpip-person-page")
    finally:
        context.close()
    assert errors == []
