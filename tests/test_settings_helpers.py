import os
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from insertion.env import (
    database_config,
    email_config,
    env_bool,
    env_float,
    env_int,
    env_list,
)


def test_no_database_url_means_sqlite_in_the_project_folder():
    config = database_config(None, sqlite_path=Path("/projet/db.sqlite3"))
    assert config == {"ENGINE": "django.db.backends.sqlite3", "NAME": "/projet/db.sqlite3"}


def test_postgres_url_uses_the_postgresql_backend():
    config = database_config("postgres://app:pw@db:5432/insertion", sqlite_path=Path("x"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"], config["USER"]) == ("db", "insertion", "app")


def test_postgres_connections_run_without_jit_and_keep_the_url_options():
    config = database_config("postgres://app:pw@db:5432/insertion", sqlite_path=Path("x"))
    assert config["OPTIONS"]["options"] == "-c jit=off"
    config = database_config(
        "postgres://db/x?sslmode=require&options=-c%20statement_timeout%3D5000",
        sqlite_path=Path("x"),
    )
    assert config["OPTIONS"] == {
        "sslmode": "require",
        "options": "-c statement_timeout=5000 -c jit=off",
    }
    assert "OPTIONS" not in database_config(None, sqlite_path=Path("x"))


@pytest.mark.django_db
def test_the_application_database_session_has_jit_off():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_unsupported_database_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match="mysql"):
        database_config("mysql://db/x", sqlite_path=Path("x"))


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("oui", True), ("0", False), ("false", False)]
)
def test_env_bool_reads_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_BOOL", raw)
    assert env_bool("X_BOOL", default=not expected) is expected


def test_env_bool_and_int_fail_loudly_on_garbage(monkeypatch):
    monkeypatch.setenv("X_BOOL", "peut-être")
    monkeypatch.setenv("X_INT", "douze")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_BOOL", default=False)
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 3)
    monkeypatch.setenv("X_INT", "-1")
    with pytest.raises(ImproperlyConfigured, match="minimale"):
        env_int("X_INT", 3, minimum=0)


def test_env_float_reads_decimals_and_fails_loudly_on_garbage(monkeypatch):
    monkeypatch.setenv("X_FLOAT", "0.5")
    assert env_float("X_FLOAT", 30.0) == 0.5
    assert env_float("X_ABSENT", 30.0) == 30.0
    monkeypatch.setenv("X_FLOAT", "trente")
    with pytest.raises(ImproperlyConfigured, match="nombre attendu"):
        env_float("X_FLOAT", 30.0)
    monkeypatch.setenv("X_FLOAT", "0")
    with pytest.raises(ImproperlyConfigured, match="minimale"):
        env_float("X_FLOAT", 30.0, minimum=0.1)


def test_the_delivery_tuning_comes_from_the_environment():
    """A deployment sets the tries and delays without touching the code (subprocess: the
    settings module is read once per process)."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SYNTHESIS_DELIVERY_MAX_ATTEMPTS, s.SYNTHESIS_RETRY_BASE_SECONDS)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "insertion.settings",
        "SYNTHESIS_DELIVERY_MAX_ATTEMPTS": "9",
        "SYNTHESIS_RETRY_BASE_SECONDS": "2.5",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["9", "2.5"]


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.fr, b.fr,,")
    assert env_list("X_LIST", []) == ["a.fr", "b.fr"]
    assert env_list("X_ABSENT", ["d"]) == ["d"]


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "insertion.settings"},
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY est obligatoire" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-long-random-production-like-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "insertion.example.org",
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "STATIC_MANIFEST": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_no_email_url_keeps_the_console_backend():
    assert email_config(None) == {}
    assert email_config("") == {}


def test_console_email_url_prints_the_emails():
    assert email_config("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_the_settings_default_to_the_console_and_refuse_the_retired_email_backend():
    """One email switch: without EMAIL_URL the emails go to the console; the former
    EMAIL_BACKEND variable stops the start-up instead of being silently ignored."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "EMAIL_BACKEND"}}
    env |= {"DJANGO_SETTINGS_MODULE": "insertion.settings", "DJANGO_DEBUG": "1"}
    run = {"env": env, "capture_output": True, "text": True, "cwd": Path(__file__).parents[1]}
    result = subprocess.run([sys.executable, "-c", code], check=True, **run)
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"

    env["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    result = subprocess.run([sys.executable, "-c", code], **run)
    assert result.returncode != 0
    assert "La variable EMAIL_BACKEND n'est plus lue : utilisez EMAIL_URL" in result.stderr


def test_every_periodic_job_names_a_task_that_exists(settings):
    import importlib

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        module, name = entry["task"].rsplit(".", 1)
        assert getattr(importlib.import_module(module), name).name == entry["task"]


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp://relais.justice.fr", 25, False, False),
        ("smtp+tls://relais.justice.fr", 587, True, False),
        ("smtps://relais.justice.fr:2465", 2465, False, True),
    ],
)
def test_email_url_schemes_choose_port_and_encryption(url, port, tls, ssl):
    config = email_config(url)
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == ("relais.justice.fr", port)
    assert (config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (tls, ssl)


def test_email_url_decodes_user_password_and_timeout():
    config = email_config("smtp+tls://app%40insertion:p%40ss%2Fw@mx:2525?timeout=5")
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("app@insertion", "p@ss/w")
    assert (config["EMAIL_PORT"], config["EMAIL_TIMEOUT"]) == (2525, 5)


@pytest.mark.parametrize("url", ["http://mx", "smtp://", "smtp://mx:port", "smtp://mx?timeout=x"])
def test_bad_email_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_config(url)
