"""Small typed readers of environment variables.

Each reader fails loudly (ImproperlyConfigured) on a value it cannot understand, so a
typo in a deployment stops the process at start-up instead of running with a default.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"La variable d'environnement {name} est obligatoire.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} : valeur booléenne attendue (1/0, true/false).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} : nombre entier attendu.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} : la valeur minimale est {minimum}.")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} : nombre attendu.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} : la valeur minimale est {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_config(url: str | None, *, sqlite_path: Path) -> dict:
    """The DATABASES['default'] entry: SQLite file when no URL is given, else the URL's engine.

    Only PostgreSQL and SQLite are accepted: the ORM code is kept portable between the two.
    """
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL : schéma {scheme!r} non pris en charge (postgres:// ou sqlite://)."
        )
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        # JIT compilation costs more than it saves on this application's queries (164 ms of one
        # 266 ms dashboard query was compiling): off for its own connections, whatever the
        # server's default. Options given in the URL (`?options=-c …`) are kept.
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


_SMTP_SCHEMES = {
    "smtp": (25, False, False),
    "smtp+tls": (587, True, False),
    "smtps": (465, False, True),
}
_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def email_config(url: str | None) -> dict:
    """The EMAIL_* settings read from EMAIL_URL, the one switch of the emails; empty without a URL.

    console:// prints the emails in the process' log (the demo's default); smtp://user:password@
    host:port sends them in plain SMTP, smtp+tls:// with STARTTLS (port 587 by default), smtps://
    with TLS from the start (port 465 by default); user and password are URL-encoded;
    `?timeout=N` sets EMAIL_TIMEOUT (default 30 seconds, so a stuck server cannot hold a worker).
    """
    if not url:
        return {}
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": _CONSOLE_BACKEND}
    if parts.scheme not in _SMTP_SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL : schéma {parts.scheme!r} non pris en charge "
            "(console://, smtp://, smtp+tls://, smtps://)."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL : le nom du serveur SMTP manque.")
    default_port, use_tls, use_ssl = _SMTP_SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
        timeout = int(parse_qs(parts.query).get("timeout", ["30"])[0])
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL : port ou délai (timeout) invalide.") from None
    return {
        "EMAIL_BACKEND": _SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": timeout,
    }


def env_retired(name: str, *, instead: str) -> None:
    """A variable that is not read any more stops the start-up, rather than being ignored."""
    if os.environ.get(name) is not None:
        raise ImproperlyConfigured(f"La variable {name} n'est plus lue : utilisez {instead}.")
