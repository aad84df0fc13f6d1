"""The socio-professional interview in a real browser: the Afpa interviewer takes an arrival from
the worklist, fills the whole form (htmx rows, DSFR radios and checkboxes), saves a draft, comes
back, lets the autosave work, verifies and validates; and axe finds no serious or critical
accessibility violation on the form, its error state and the verify page.

Each test admits its own fictional arrival at Fresnes, so it does not depend on the random mix
of the demo's interviews. Screenshots go to test-output/e2e/.
"""

import datetime
import itertools
import json
import unicodedata
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import OUTPUT, login, manage

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

INTERVIEWER = "afpa@demo.insertion.fr"
FRESNES = "Centre pénitentiaire de Fresnes"
BARRIERS = [
    "logement",
    "papiers",
    "droits",
    "sante_physique",
    "sante_mentale",
    "addictions",
    "francais",
    "lecture_ecriture",
    "numerique",
    "mobilite",
    "dettes",
    "famille",
    "titre_sejour",
    "mesures_judiciaires",
    "confiance",
    "autre",
]
# Radio n°0 is "Aucun", n°1 "Léger" (BarrierLevel's order).
LIGHT_BARRIERS = {"logement", "numerique", "dettes"}
ADMIT = """
import datetime, json
from django.utils import timezone
from entretiens.models import Interview
from insertion.person.services import detainee_admit
from insertion.establishments.models import Establishment

args = json.loads({args!r})
person = detainee_admit(
    establishment=Establishment.objects.get(name=args["establishment"]),
    ecrou_number=args["ecrou"],
    last_name=args["last_name"],
    first_name=args["first_name"],
    birth_date=datetime.date(1991, 3, 14),
    sex="M",
    arrival_date=timezone.localdate() - datetime.timedelta(days=2),
    legal_status="prevenu",
    offence_category="delit",
)
print("interview=%d" % Interview.objects.get(detainee=person).pk)
"""
# Fictional surnames, none a prefix of another: a search finds exactly one person.
_arrivals = itertools.count()
SURNAMES = ("Sévérac", "Aubrac", "Cézallier", "Dévoluy", "Estérel", "Fontfroide")


def _today() -> datetime.date:
    """Today for the app (Europe/Paris), whatever the machine's time zone."""
    return datetime.datetime.now(ZoneInfo("Europe/Paris")).date()


@pytest.fixture
def arrival(demo_env, demo_server):
    """A fictional person who arrived at Fresnes two days ago: admitting them opens the
    interview they are owed. Their name and the interview's id."""
    number = next(_arrivals)
    surname = SURNAMES[number % len(SURNAMES)]
    person = {
        "establishment": FRESNES,
        "ecrou": f"E2E-{number:04d}",
        "last_name": f"{surname}-Essai{number // len(SURNAMES) or ''}",
        "first_name": "Théo",
    }
    output = manage(demo_env, "shell", "-c", ADMIT.format(args=json.dumps(person)))
    interview_id = int(output.rsplit("interview=", 1)[1].split()[0])
    return {**person, "full_name": f"{person['last_name'].upper()} Théo", "id": interview_id}


@pytest.fixture
def page(browser, demo_server):
    """A French desktop browser tab, logged in as the demo interviewer; any JavaScript error
    or failed request on the pages fails the test."""
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
    login(page, demo_server, INTERVIEWER)
    yield page
    context.close()


def _shot(page, name):
    # caret="initial": hiding the caret makes Playwright write `style` on every input, which
    # htmx then copies on its next swap, and the CSP (no inline style) reports it.
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True, caret="initial")


def _check(page, input_id):
    """DSFR hides the radio or checkbox itself: click its label, as a person does."""
    page.click(f"label[for={input_id}]")
    assert page.is_checked(f"#{input_id}")


def _wait_for_htmx(page):
    page.wait_for_function("!document.querySelector('.htmx-request')")
    page.wait_for_load_state("networkidle")


def _add_row(page, kind, field):
    """Click "Ajouter …" of a block of rows and wait for htmx to swap in the new row; the id
    prefix of its inputs (`id_<prefix>-<pk>-`).

    Clicked once no request is in flight: a click queued behind an autosave is dropped when
    another autosave is queued after it (hx-sync "queue last"), see the report of issue 3.
    """
    _wait_for_htmx(page)
    block = page.locator(f"#rows-{kind}")
    inputs = block.locator(f"[name$='-{field}']")
    before = inputs.count()
    block.locator(f"button[value='add:{kind}']").click()
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length > n",
        arg=[f"#rows-{kind} [name$='-{field}']", before],
    )
    return inputs.last.get_attribute("id").removesuffix(field)


def _open_from_worklist(page, base, person, *, status, action):
    """Search the person on the worklist (typed without accents), check the state of their
    interview, follow its link."""
    page.goto(f"{base}/entretiens/")
    typed = unicodedata.normalize("NFKD", person["last_name"].lower())
    page.fill("#q", "".join(c for c in typed if not unicodedata.combining(c)))
    page.wait_for_function(
        "name => { const rows = document.querySelectorAll('#results table tbody tr');"
        " return rows.length === 1 && rows[0].innerText.includes(name); }",
        arg=person["full_name"],
    )
    row = page.locator("#results table tbody tr")
    assert row.locator(".fr-badge").first.inner_text().lower() == status.lower()
    row.get_by_role("link", name=f"{action} l'entretien de {person['full_name']}").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{base}/entretiens/{person['id']}/"
    assert page.locator("#interview-form").is_visible()


def test_the_interviewer_runs_a_whole_interview_and_validates_it(page, demo_server, arrival):
    yesterday = (_today() - datetime.timedelta(days=1)).isoformat()

    # The arrival is on the worklist, "À réaliser"; "Commencer" opens the empty form.
    _open_from_worklist(page, demo_server, arrival, status="À réaliser", action="Commencer")
    assert page.locator("h1").inner_text() == (
        f"Entretien socio-professionnel de {arrival['full_name']}"
    )
    _shot(page, "interview-form-empty")

    # 1. Déroulement.
    page.fill("#id_conducted_on", yesterday)
    page.fill("#id_duration_minutes", "60")
    page.fill("#id_place", "Bureau du quartier arrivants")
    _check(page, "id_tools_0")  # photolangage
    _check(page, "id_tools_1")  # frise chronologique
    _check(page, "id_informed_of_sharing")

    # 2. Parcours scolaire: level, French, one diploma (an htmx row).
    page.select_option("#id_education_level", "niveau_3")
    page.fill("#id_schooling_end_age", "17")
    _check(page, "id_french_reading_0")
    _check(page, "id_french_writing_1")
    _check(page, "id_french_speaking_0")
    diploma = _add_row(page, "diplomes", "title")
    page.fill(f"#{diploma}title", "CAP Cuisine")
    page.select_option(f"#{diploma}level", "niveau_3")
    page.fill(f"#{diploma}year", "2008")

    # 3. Parcours professionnel: has worked, one experience.
    _check(page, "id_work_history_0")
    experience = _add_row(page, "experiences", "job_title")
    page.fill(f"#{experience}job_title", "Commis de cuisine")
    page.select_option(f"#{experience}sector", "hotellerie")
    page.select_option(f"#{experience}contract", "cdd")
    page.select_option(f"#{experience}start_month", "3")
    page.fill(f"#{experience}start_year", "2015")
    page.select_option(f"#{experience}end_month", "9")
    page.fill(f"#{experience}end_year", "2019")
    page.fill("#id_last_activity", "Plongeur en restauration collective, en intérim.")

    # 4. Compétences: a know-how, two soft skills.
    know_how = _add_row(page, "savoir_faire", "label")
    page.fill(f"#{know_how}label", "Pâtisserie")
    page.select_option("#id_savoir_etre_communication", "plutot_confiant")
    page.select_option("#id_savoir_etre_fiabilite", "tres_confiant")

    # 5. Projets: one.
    project = _add_row(page, "projets", "target")
    page.select_option(f"#{project}kind", "formation")
    page.fill(f"#{project}target", "Titre professionnel cuisinier")
    page.select_option(f"#{project}horizon", "detention")
    page.select_option(f"#{project}maturity", "a_construire")

    # 6. Freins: every category assessed.
    for code in BARRIERS:
        _check(page, f"id_frein_{code}_{1 if code in LIGHT_BARRIERS else 0}")
    page.fill("#id_frein_precisions_logement", "Hébergé chez sa sœur avant l'incarcération.")

    # 7. Préconisations.
    page.select_option("#id_orientation_formation_pro", "prioritaire")
    page.fill("#id_orientation_precisions_formation_pro", "Cuisine, session de janvier")
    page.fill("#id_points_of_attention", "Souhaite garder le lien avec sa fille.")
    page.fill("#id_conclusion", "Projet cuisine solide, à construire avec l'unité de formation.")
    _wait_for_htmx(page)
    _shot(page, "interview-form-filled")

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".fr-alert--success").get_by_text("Brouillon enregistré à").is_visible()
    assert page.locator(".fr-alert--error").count() == 0

    # Leave for the worklist, come back: everything typed is there.
    _open_from_worklist(
        page, demo_server, arrival, status="Brouillon", action="Reprendre la saisie"
    )
    assert page.input_value("#id_conducted_on") == yesterday
    assert page.input_value("#id_place") == "Bureau du quartier arrivants"
    assert page.is_checked("#id_tools_0") and page.is_checked("#id_tools_1")
    assert page.input_value("#id_education_level") == "niveau_3"
    assert page.is_checked("#id_french_writing_1")
    assert page.input_value("#rows-diplomes [name$='-title']") == "CAP Cuisine"
    assert page.input_value("#rows-experiences [name$='-job_title']") == "Commis de cuisine"
    assert page.input_value("#rows-experiences [name$='-end_year']") == "2019"
    assert page.input_value("#rows-savoir_faire [name$='-label']") == "Pâtisserie"
    assert page.input_value("#rows-projets [name$='-target']") == "Titre professionnel cuisinier"
    assert page.input_value("#id_savoir_etre_fiabilite") == "tres_confiant"
    assert page.is_checked("#id_frein_logement_1") and page.is_checked("#id_frein_autre_0")
    assert page.input_value("#id_orientation_formation_pro") == "prioritaire"

    # The autosave keeps what is typed without any click on "Enregistrer".
    page.locator("#id_languages").press_sequentially("Français, arabe")
    page.locator("#id_languages").press("Tab")
    status = page.locator("#save-status")
    status.get_by_text("Brouillon enregistré à").wait_for(timeout=15_000)
    page.reload()
    assert page.input_value("#id_languages") == "Français, arabe"

    # Vérifier et valider.
    page.get_by_role("button", name="Vérifier et valider").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{demo_server}/entretiens/{arrival['id']}/verifier/"
    assert page.get_by_text("L'entretien est complet").is_visible()
    verify_text = page.locator("main").inner_text()
    for answer in ("Bureau du quartier arrivants", "CAP Cuisine", "Commis de cuisine"):
        assert answer in verify_text
    _shot(page, "interview-verify")

    page.get_by_role("button", name="Valider l'entretien").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{demo_server}/entretiens/{arrival['id']}/"
    assert page.get_by_text("Version 1 validée").is_visible()
    assert page.locator(".fr-alert--success").get_by_text("Entretien validé (version 1)").count()
    assert page.locator("#interview-form").count() == 0
    assert page.locator("main input:not([type=hidden]):not([name=reason])").count() == 0
    _shot(page, "interview-read-only")
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


def test_the_interview_form_has_no_serious_accessibility_violation(page, demo_server, arrival):
    page.goto(f"{demo_server}/entretiens/{arrival['id']}/")
    found = {"formulaire": _serious_violations(page)}

    # The error state: a duration out of range and a date in the future.
    tomorrow = (_today() + datetime.timedelta(days=1)).isoformat()
    page.fill("#id_conducted_on", tomorrow)
    page.fill("#id_duration_minutes", "300")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_load_state("networkidle")
    alert = page.locator(".fr-alert--error")
    assert "2 champs à corriger" in alert.inner_text()
    assert page.get_by_text("La date de l'entretien ne peut pas être dans le futur.").count()
    for field in ("#id_conducted_on", "#id_duration_minutes"):
        assert page.get_attribute(field, "aria-invalid") == "true"
    _shot(page, "interview-form-errors")
    found["formulaire en erreur"] = _serious_violations(page)

    page.goto(f"{demo_server}/entretiens/{arrival['id']}/verifier/")
    assert page.get_by_text("pour valider").first.is_visible()
    found["vérification"] = _serious_violations(page)

    assert found == {k: [] for k in found}, json.dumps(found, indent=2, ensure_ascii=False)
    assert page.errors == [], page.errors
