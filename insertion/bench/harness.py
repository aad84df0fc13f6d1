"""Real services for the delivery path, shared by `manage.py bench` and the tests (STYLE.md §17):
an SMTP server on loopback (aiosmtpd, in a thread of this process) that keeps what it receives,
and the project's Celery worker in a process of its own, on a Redis database of the caller's.

The worker reads the database this process uses (`database_url()`): what it must see has to be
committed. Tasks enqueued by this process reach it once `producer_on(url)` points the producer
at its Redis database (without REDIS_URL they would run in-process).

Only the bench and the tests import this module (aiosmtpd is a development dependency); the
application never does.
"""

import asyncio
import email
import email.parser
import email.policy
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from kombu import pools

from insertion.bench.worker import WORKER_SETTINGS_VARIABLE
from insertion.celery import app


class HarnessError(Exception):
    """A service of the harness did not start or stopped; the message says why."""


# --- SMTP server on loopback -----------------------------------------------------------


class Received(NamedTuple):
    recipient: str
    message_id: str
    content: bytes | None  # None when the mailbox keeps headers only


class Mailbox:
    """aiosmtpd handler: accepts every message and keeps it per envelope recipient.

    With `keep_content=False` (the bench: hundreds of PDFs) only the Message-ID is kept, read
    from the headers alone. The tests can refuse recipients (a 4xx or 5xx reply, a number of
    times or for ever), slow every reply (`delay`), or hold the n-th message (counted from 1)
    `hold` seconds before answering 250 while `holding` is set, so as to kill the worker at that
    moment: with `hold_committed` the message is kept before the hold (a server that queued it
    and has not replied yet), else only after it (a client that vanishes cancels it).
    """

    def __init__(self, *, keep_content: bool = True):
        self.keep_content = keep_content
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.refusals: dict[str, list] = {}  # address -> [reply, remaining or None for ever]
        self.refused = Counter()
        self.delay = 0.0
        self.data_count = 0
        self.hold_at: int | None = None
        self.hold = 0.0
        self.hold_committed = False
        self.holding = threading.Event()

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.refusals.clear()
            self.refused.clear()
            self.delay = 0.0
            self.data_count = 0
            self.hold_at = None
            self.hold_committed = False
            self.holding.clear()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            rule = self.refusals.get(address)
            if rule is not None and (rule[1] is None or rule[1] > 0):
                if rule[1] is not None:
                    rule[1] -= 1
                self.refused[address] += 1
                return rule[0]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
            envelope.content
        )
        message_id = str(headers.get("Message-ID", "")).strip()
        content = envelope.content if self.keep_content else None
        copies = [Received(rcpt, message_id, content) for rcpt in envelope.rcpt_tos]
        with self.lock:
            self.data_count += 1
            held = self.data_count == self.hold_at
            committed = held and self.hold_committed
            if committed:
                self.received.extend(copies)
        if held:
            self.holding.set()
            await asyncio.sleep(self.hold)
        elif self.delay:
            await asyncio.sleep(self.delay)
        if not committed:
            # Kept before the "250" reply: a row the worker marks sent is already counted here.
            with self.lock:
                self.received.extend(copies)
        return "250 Message accepted for delivery"

    def count(self, to: str | None = None) -> int:
        with self.lock:
            return sum(1 for copy in self.received if to is None or copy.recipient == to)

    def messages(self, to: str | None = None) -> list[email.message.EmailMessage]:
        """The messages received (for `to` only if given), parsed whole."""
        with self.lock:
            contents = [c.content for c in self.received if to is None or c.recipient == to]
        if not self.keep_content:
            raise HarnessError("Cette boîte ne garde que les Message-ID (keep_content=False).")
        return [email.message_from_bytes(c, policy=email.policy.default) for c in contents]

    def message_ids_by_recipient(self) -> tuple[dict[str, Counter], int]:
        """Per recipient, how many copies of each Message-ID arrived; and the raw total."""
        with self.lock:
            counts: dict[str, Counter] = {}
            for copy in self.received:
                counts.setdefault(copy.recipient, Counter())[copy.message_id] += 1
            return counts, len(self.received)


class SMTPServer(NamedTuple):
    mailbox: Mailbox
    port: int
    host: str = "127.0.0.1"

    def email_url(self, *, timeout: float) -> str:
        """The EMAIL_URL that sends to this server."""
        return f"smtp://{self.host}:{self.port}?timeout={timeout:g}"


@contextmanager
def smtp_server(mailbox: Mailbox | None = None) -> Iterator[SMTPServer]:
    """An SMTP server on 127.0.0.1, on a free port, in a thread of this process."""
    mailbox = mailbox or Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks its port by connecting to it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # aiosmtpd logs every connection at INFO: hundreds of them would drown the output.
    smtp_log = logging.getLogger("mail.log")
    level = smtp_log.level
    smtp_log.setLevel(logging.WARNING)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SMTPServer(mailbox, port)
    finally:
        controller.stop()
        smtp_log.setLevel(level)


# --- The producer and the worker -------------------------------------------------------


def _use_broker(url: str) -> None:
    """Point this process' producer at `url`. The pools keep the URL they were created with,
    and kombu keeps them, closed, in registries keyed by URL: emptied too, so that a URL used
    again (a second batch of the bench) gets open pools."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url


@contextmanager
def producer_on(url: str) -> Iterator[None]:
    """Tasks enqueued by this process go to `url` (not run in-process, as without REDIS_URL)."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    _use_broker(url)
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        _use_broker(saved[0])
        app.conf.task_always_eager = saved[1]


def database_url() -> str:
    """This process' own database, as a URL for the worker."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """The project's Celery worker (`python -m insertion.bench.worker`) in a subprocess of its
    own session, so that a Ctrl-C reaches this process only, which stops the worker.

    `pool="prefork"` with `concurrency` processes is production's; the tests use `"solo"`,
    one process that `kill()` stops dead in the middle of a task. `settings` are Django
    settings the worker overrides (the tests' short timeouts). The log is appended to across
    restarts.
    """

    def __init__(
        self,
        *,
        log: Path,
        database_url: str,
        redis_url: str,
        email_url: str,
        private_media_root: Path,
        pool: str = "prefork",
        concurrency: int = 1,
        settings_override: dict | None = None,
        name: str = "harness",
    ):
        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "insertion.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "EMAIL_URL": email_url,
            # The worker writes the PDFs where this process reads or deletes them.
            "PRIVATE_MEDIA_ROOT": str(private_media_root),
            WORKER_SETTINGS_VARIABLE: json.dumps(settings_override or {}),
        }
        self.command = [
            sys.executable,
            "-m",
            "insertion.bench.worker",
            f"--pool={pool}",
            *([f"--concurrency={concurrency}"] if pool == "prefork" else []),
            "--loglevel=INFO",  # the " ready." line awaited below is logged at INFO
            # Alone on its Redis database: nothing to synchronise with other workers.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={name}-{os.getpid()}@%h",
        ]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        if self.alive():
            raise HarnessError("Le worker Celery tourne déjà.")
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self.command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.log.open("rb") as log:
                log.seek(offset)
                if b" ready." in log.read():
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise HarnessError(f"Le worker Celery n'a pas démarré :\n{self.tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_running(self) -> None:
        if not self.alive():
            self.start()

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: no warm shutdown, the message in hand stays
        unacknowledged."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 30) -> None:
        """Warm shutdown (SIGTERM: the tasks in hand end), SIGKILL if it lingers."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
