"""Strong login as a person meets it, in headless Chromium on the served demo: a real account
(not one of the demo's, which the demo exempts) enrols its TOTP device by the key shown under
the QR code, keeps its backup codes, accepts the charter, and logs in again with a code; five
wrong passwords lock an address, with the French lockout page."""

import base64
import binascii

import pytest

from tests.e2e.conftest import OUTPUT, manage

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EMAIL = "agent.reel@fresnes.justice.test"
LOCKED = "agent.bloque@fresnes.justice.test"
PASSWORD = "Mot-de-passe-e2e-2026"


@pytest.fixture(scope="module")
def real_account(demo_env):
    """A CPIP of Fresnes created as an administrator would: no device, charter not accepted."""
    for email in (EMAIL, LOCKED):
        manage(
            demo_env,
            "shell",
            "-c",
            "from insertion.accounts.models import User; "
            "from insertion.establishments.models import Establishment; "
            f"u = User.objects.create_user({email!r}, {PASSWORD!r}, first_name='Agent', "
            "last_name='Réel', role='cpip'); "
            "u.establishments.set(Establishment.objects.filter(name__contains='Fresnes'))",
        )
    return EMAIL


def code_from_key(key: str) -> str:
    """What the person's authenticator application computes from the key it was given."""
    from django_otp.oath import totp

    secret = base64.b32decode(key.replace(" ", ""))
    return f"{totp(secret):06d}"


def log_in(page, base, email, password):
    page.goto(f"{base}/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_real_account_enrols_its_second_factor_and_uses_it(browser, demo_server, real_account):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, demo_server, real_account, PASSWORD)
    assert "/connexion/double-authentification/" in page.url
    assert page.locator("h1").inner_text() == "Activer la double authentification"
    assert page.locator("img.insertion-qr-code").is_visible()
    key = page.locator("#otp-key").inner_text()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=OUTPUT / "securite-enrolement.png", full_page=True)
    try:
        base64.b32decode(key.replace(" ", ""))
    except binascii.Error:
        pytest.fail(f"Clé illisible : {key!r}")

    page.fill("#id_token", code_from_key(key))
    page.click("button:has-text('Activer')")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Vos codes de secours"
    assert page.locator(".insertion-backup-codes li").count() == 10
    page.click("text=J'ai noté mes codes, continuer")
    page.wait_for_load_state("networkidle")
    # First login: the charter, then the CPIP's page.
    assert page.locator("h1").inner_text() == "Charte d'utilisation"
    page.click("label[for=id_accepted]")  # the DSFR checkbox is drawn by its label
    page.click("button:has-text('Accepter et continuer')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/portefeuille/")
    context.close()

    # A new session asks for the code (and no more for the charter).
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    log_in(page, demo_server, real_account, PASSWORD)
    assert "/connexion/code/" in page.url
    page.fill("#id_token", code_from_key(key))
    page.click("button:has-text('Valider')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/portefeuille/")
    page.screenshot(path=OUTPUT / "securite-apres-code.png")
    context.close()
    assert errors == []


def test_five_wrong_passwords_lock_the_address(browser, demo_server, real_account):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    for _ in range(4):
        log_in(page, demo_server, LOCKED, "pas-le-bon-mot-de-passe")
        assert "Adresse électronique ou mot de passe incorrect" in page.content()
    log_in(page, demo_server, LOCKED, "pas-le-bon-mot-de-passe")
    assert page.locator("h1").inner_text() == "Connexion à ce compte bloquée"
    assert "15" in page.locator(".fr-alert").inner_text()
    page.screenshot(path=OUTPUT / "securite-blocage.png")
    # The right password is refused too while the address is locked.
    log_in(page, demo_server, LOCKED, PASSWORD)
    assert page.locator("h1").inner_text() == "Connexion à ce compte bloquée"
    context.close()
