"""The demo as a person meets it: a fresh SQLite database, seed_demo, the app served, a browser.

Runs the embedded default (SQLite, tasks in-process) in a subprocess, the way `make run` does,
and drives Debian's Chromium through Playwright (its own browser download cannot work here).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "insertion-demo-2026"
DEMO_ACCOUNTS = {
    "cpip@demo.insertion.fr": "/personnes/",
    "afpa@demo.insertion.fr": "/entretiens/",
    "equipe@demo.insertion.fr": "/syntheses/",
    "direction@demo.insertion.fr": "/pilotage/etablissements/",
    "national@demo.insertion.fr": "/pilotage/national/",
    "admin@demo.insertion.fr": "/admin/",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_env(database: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{database}", STATIC_MANIFEST="0")
    return env


def _manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    env = _demo_env(database)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    port = _free_port()
    log = open(database.with_suffix(".log"), "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/connexion/", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("Le serveur de démonstration n'a pas démarré.")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium est absent : `make test` l'installe (paquet Debian chromium).")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _login(page, base, email):
    page.goto(f"{base}/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("email", sorted(DEMO_ACCOUNTS))
def test_every_demo_account_logs_in_and_reaches_its_landing_page(demo_server, browser, email):
    page = browser.new_page()
    try:
        _login(page, demo_server, email)
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
        _login(page, demo_server, "cpip@demo.insertion.fr")
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
