"""What every browser test shares: the demo served once, a headless Chromium, the login.

The demo runs the embedded default (SQLite, tasks in-process) in a subprocess, the way
`make run` does; it is migrated and seeded once for the whole session. Playwright drives
Debian's Chromium (its own browser download cannot work here).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def pytest_configure(config):
    # Known even when pytest-xdist is not loaded (`-p no:xdist`), under --strict-markers.
    config.addinivalue_line("markers", "xdist_group(name): run these tests in one xdist worker")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_env(database: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{database}", STATIC_MANIFEST="0")
    return env


def manage(env, *args) -> str:
    """Run a management command in the demo's environment; its output, or a readable failure."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        pytest.fail(f"manage.py {args[0]} a échoué :\n{result.stdout}\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory) -> dict:
    """The environment of the demo: a fresh SQLite database, migrated and seeded once."""
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    env = _demo_env(database)
    manage(env, "migrate", "--noinput")
    # The browser tests open no seeded synthesis PDF: each points at one stand-in PDF, which
    # spares rendering two hundred of them (two minutes) before the first test.
    manage(env, "seed_demo", "--pdfs", "placeholder")
    # As `make run` does: the steering indicators of the demo, computed once.
    manage(env, "refresh_statistics")
    return env


@pytest.fixture(scope="session")
def demo_server(demo_env):
    """The base URL of the demo, served by `runserver` on a free port."""
    database = Path(demo_env["DATABASE_URL"].removeprefix("sqlite:///"))
    port = _free_port()
    log = open(database.with_suffix(".log"), "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=demo_env,
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
    """Chromium, per module: while Playwright's sync API runs, its event loop is the thread's
    running loop (asgiref's async_to_sync refuses to run then); held for the whole session, it
    would leak into the tests that run after these in the same worker."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium est absent : `make test` l'installe (paquet Debian chromium).")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def login(page, base, email):
    page.goto(f"{base}/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
