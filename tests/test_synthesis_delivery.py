"""Delivery of the syntheses against real services: a Celery worker process on the local Redis,
the PostgreSQL test database, and an SMTP server (aiosmtpd) on loopback (STYLE.md §17).

The worker is started once for the module (tests/celery_worker.py) on a Redis database of its
own (one per xdist worker), so that flushing it cannot touch anything else; it reads the
pytest-django test database, hence the tests that need it commit their data
(`transaction=True`).
"""

import asyncio
import datetime
import email
import email.policy
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pypdf
import pytest
import redis
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection
from django.utils import timezone

from entretiens import delivery, tasks
from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models import Synthesis, SynthesisDelivery, SynthesisWarning
from entretiens.services import interview_rectify, interview_validate
from insertion.establishments.models import RecipientRole, SynthesisRecipient
from tests.factories import DetaineeFactory, UserFactory, validated_interview

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"

# Meant to run on one xdist worker (`make test`), but nothing depends on it: each process has its
# own worker, SMTP server and Redis database. Without xdist, the marker is unknown.
try:
    pytestmark = [pytest.mark.xdist_group("celery")]
except pytest.fail.Exception:
    pytestmark = []

# Short timeouts and backoff, for the worker and for the sweep run by the tests.
FAST = {
    "SYNTHESIS_RETRY_BASE_SECONDS": 0.3,
    "SYNTHESIS_DELIVERY_MAX_ATTEMPTS": 3,
    "SYNTHESIS_RENDER_MAX_ATTEMPTS": 3,
    "SYNTHESIS_RENDER_TIMEOUT_SECONDS": 5,
    "SYNTHESIS_SENDING_TIMEOUT_SECONDS": 5,
}
# Run only when the worker is idle: then a row still "sending" is a dead worker's.
SHORT_SWEEP = {"grace": 0, "render_timeout": 0, "sending_timeout": 0}


# --- SMTP server on loopback -----------------------------------------------------------


class Mailbox:
    """aiosmtpd handler: keeps every message received, per envelope recipient, and refuses the
    recipients it is told to refuse (a 4xx or 5xx reply, a number of times or forever)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[str, email.message.EmailMessage]] = []
        self.refusals: dict[str, list] = {}  # address -> [reply, remaining or None for ever]
        self.refused = Counter()
        self.delay = 0.0
        # The n-th message (counted from 1) is held `hold` seconds before the server answers 250,
        # and `holding` is set meanwhile: a test kills the worker at that moment. With
        # `hold_committed`, the message is kept before the hold (a server that has queued it and
        # has not replied yet), else only after (a client that vanishes cancels it).
        self.data_count = 0
        self.hold_at: int | None = None
        self.hold = 0.0
        self.hold_committed = False
        self.holding = threading.Event()

    def reset(self):
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
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.data_count += 1
            held = self.data_count == self.hold_at
            committed = held and self.hold_committed
            if committed:
                self.received.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
        if held:
            self.holding.set()
            await asyncio.sleep(self.hold)
        elif self.delay:
            await asyncio.sleep(self.delay)
        if not committed:
            with self.lock:
                self.received.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def count(self, to: str | None = None) -> int:
        with self.lock:
            return sum(1 for rcpt, _ in self.received if to is None or rcpt == to)

    def messages(self, to: str | None = None) -> list:
        with self.lock:
            return [m for rcpt, m in self.received if to is None or rcpt == to]

    def message_ids_by_recipient(self) -> tuple[dict[str, Counter], int]:
        """Per recipient, how many copies of each Message-ID arrived; and the raw total."""
        with self.lock:
            counts: dict[str, Counter] = {}
            for rcpt, message in self.received:
                counts.setdefault(rcpt, Counter())[message["Message-ID"]] += 1
            return counts, len(self.received)


@pytest.fixture(scope="module")
def smtp_server():
    handler = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks its port by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.handler.reset()
    yield smtp_server.handler
    smtp_server.handler.reset()


# --- Redis and the worker --------------------------------------------------------------


def _dedicated_redis_url() -> str:
    """A Redis database for this process' worker alone (14, then 13 for a second xdist worker),
    never the suite's own REDIS_URL database: these tests flush it."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13")
    suite_db = int(parts.path.strip("/") or 0)
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    candidates = [db for db in (14, 13, 12, 11) if db != suite_db]
    return urlunsplit(parts._replace(path=f"/{candidates[int(xdist_worker[2:])]}"))


def _use_broker(app, url: str) -> None:
    """Point this process' producer at `url`: the pools keep the URL they were created with."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url


@pytest.fixture(scope="module")
def broker():
    from insertion.celery import app

    url = _dedicated_redis_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    _use_broker(app, url)
    app.conf.task_always_eager = False
    yield client
    _use_broker(app, saved["broker_url"])
    app.conf.task_always_eager = saved["task_always_eager"]
    client.flushdb()
    client.close()


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """`celery worker --pool=solo` of the project, in a subprocess, started and killed at will."""

    def __init__(self, env: dict, log: Path):
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        assert self.process is None or self.process.poll() is not None
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.celery_worker"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
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
        raise AssertionError(f"Le worker n'a pas démarré :\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, the message in hand stays unacknowledged."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def ensure_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture(scope="module")
def pdf_root(tmp_path_factory):
    return tmp_path_factory.mktemp("syntheses")


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, broker, smtp_server, pdf_root):
    with django_db_blocker.unblock():
        database_url = _database_url()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": _dedicated_redis_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}?timeout=5",
        "PRIVATE_MEDIA_ROOT": str(pdf_root),
        "DELIVERY_TEST_SETTINGS": json.dumps(FAST),
    }
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / "celery-worker.log"
    log.unlink(missing_ok=True)
    worker = Worker(env, log)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker(celery_worker):
    celery_worker.ensure_running()
    return celery_worker


@pytest.fixture(autouse=True)
def _fast_settings_and_private_storage(settings, pdf_root):
    for name, value in FAST.items():
        setattr(settings, name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "syntheses": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": pdf_root / "syntheses"},
        },
    }


# --- Helpers ---------------------------------------------------------------------------


def wait_for(condition, *, timeout: float = 30, what: str = "", worker: Worker | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    log = f"\n--- worker ---\n{worker.tail()}" if worker else ""
    raise AssertionError(f"Délai dépassé : {what}{log}")


def wait_until_idle(broker, mailbox, *, quiet: float = 0.3, timeout: float = 30):
    """The queue is empty and nothing arrived on the SMTP server for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = mailbox.count(), time.monotonic()
    while time.monotonic() < deadline:
        count = mailbox.count()
        if count != last or broker.llen("celery"):
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.02)
    raise AssertionError("La file ne se vide pas.")


def add_recipients(establishment, emails) -> list[str]:
    roles = list(RecipientRole)
    for index, address in enumerate(emails):
        SynthesisRecipient.objects.create(
            establishment=establishment, email=address, role=roles[index % len(roles)]
        )
    return sorted(emails)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def all_sent(count: int) -> bool:
    return SynthesisDelivery.objects.filter(status=DeliveryStatus.SENT).count() == count


def record_counts(name: str, data: dict) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with (OUTPUT / "synthesis-delivery-counts.jsonl").open("a") as out:
        out.write(json.dumps({"test": name, **data}) + "\n")
    print(name, data)  # shown with -s or on failure


# --- End to end ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_validating_an_interview_emails_each_recipient_once_with_the_pdf(
    worker, broker, mailbox, fresnes, detainee_fresnes, interviewer_fresnes
):
    recipients = add_recipients(
        fresnes, ["direction@fresnes.test", "spip@fresnes.test", "travail@fresnes.test"]
    )
    interview = validated_interview(
        by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
    )
    synthesis = Synthesis.objects.get(interview=interview)

    wait_for(
        lambda: Synthesis.objects.filter(
            pk=synthesis.pk, status=SynthesisStatus.DELIVERED
        ).exists(),
        what="synthèse envoyée",
        worker=worker,
    )
    wait_until_idle(broker, mailbox)
    synthesis.refresh_from_db()
    assert synthesis.sha256 and synthesis.rendered_at and synthesis.delivered_at
    deliveries = {d.email: d for d in synthesis.deliveries.all()}
    assert sorted(deliveries) == recipients
    for address in recipients:
        (message,) = mailbox.messages(to=address)
        assert message["Message-ID"] == deliveries[address].message_id
        assert message["Subject"].strip() == (
            "Synthèse de l'entretien socio-professionnel — écrou 24001, "
            "Centre pénitentiaire de Fresnes"
        )
        assert "Document confidentiel" in message.get_body(("plain",)).get_content()
        (attachment,) = message.iter_attachments()
        assert attachment.get_filename() == "synthese-24001-v1.pdf"
        data = attachment.get_content()
        assert data.startswith(b"%PDF")
        text = pdf_text(data)
        assert "LEFÈVRE" in text.upper() and "HÉLÈNE" in text.upper(), text
        assert deliveries[address].status == DeliveryStatus.SENT
        assert deliveries[address].attempts == 1


# --- Fault tolerance -------------------------------------------------------------------


def _batch(establishment, interviewer, *, syntheses: int) -> list[int]:
    ids = []
    for _ in range(syntheses):
        interview = validated_interview(
            by=interviewer,
            detainee=DetaineeFactory(establishment=establishment),
            interviewer=interviewer,
        )
        ids.append(interview.syntheses.get().pk)
    return ids


def _assert_exactly_one_email_per_delivery(mailbox, name: str, extra: dict) -> int:
    """Count on the SMTP server: per recipient, one Message-ID per synthesis version.

    The assertion is on distinct Message-IDs: a worker killed after the server accepted a message
    and before the row was marked sent sends it again with the same Message-ID (the documented
    at-least-once window, entretiens/delivery.py); the raw count is recorded and bounded.
    """
    expected = Counter()
    expected_ids: dict[str, set] = {}
    for row in SynthesisDelivery.objects.all():
        expected[row.email] += 1
        expected_ids.setdefault(row.email, set()).add(row.message_id)
    by_recipient, raw_total = mailbox.message_ids_by_recipient()
    duplicates = sum(n - 1 for ids in by_recipient.values() for n in ids.values())
    record_counts(
        name,
        {
            **extra,
            "deliveries": sum(expected.values()),
            "raw_emails": raw_total,
            "distinct_message_ids": sum(len(ids) for ids in by_recipient.values()),
            "duplicates": duplicates,
        },
    )
    assert {rcpt: set(ids) for rcpt, ids in by_recipient.items()} == expected_ids
    assert duplicates <= extra.get("kills", 0)
    return duplicates


def _kill_while_held(worker, mailbox, *, at: int, committed: bool) -> Counter:
    mailbox.holding.clear()
    mailbox.hold_at, mailbox.hold, mailbox.hold_committed = at, 0.3, committed
    assert mailbox.holding.wait(30), worker.tail()
    worker.kill()
    states = Counter(SynthesisDelivery.objects.values_list("status", flat=True))
    time.sleep(mailbox.hold)
    worker.start()
    return states


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_then_sweep_every_recipient_gets_each_version_once(
    worker, broker, mailbox, fresnes, interviewer_fresnes
):
    add_recipients(fresnes, [f"equipe{n}@fresnes.test" for n in range(25)])
    _batch(fresnes, interviewer_fresnes, syntheses=2)
    assert SynthesisDelivery.objects.count() == 50

    # 1. Killed in the middle of an SMTP transaction: the server drops the unfinished message.
    first = _kill_while_held(worker, mailbox, at=12, committed=False)
    assert first[DeliveryStatus.SENDING] == 1
    emails_after_first_kill = mailbox.count()
    # 2. Killed after the server kept the message and before its "250" reached the worker:
    # the at-least-once window (entretiens/delivery.py): the row is still "sending".
    second = _kill_while_held(worker, mailbox, at=30, committed=True)
    assert second[DeliveryStatus.SENDING] == 2  # the first one waits for the sweep
    emails_after_second_kill = mailbox.count()

    wait_until_idle(broker, mailbox)
    swept = delivery.sweep(**SHORT_SWEEP)
    assert swept["unstuck"] == 2
    wait_for(lambda: all_sent(50), what="50 envois", worker=worker)
    wait_for(
        lambda: Synthesis.objects.filter(status=SynthesisStatus.DELIVERED).count() == 2,
        what="2 synthèses envoyées",
    )
    wait_until_idle(broker, mailbox)
    duplicates = _assert_exactly_one_email_per_delivery(
        mailbox,
        "worker_killed",
        {
            "kills": 2,
            "emails_at_kill_1": emails_after_first_kill,
            "rows_at_kill_1": dict(first),
            "emails_at_kill_2": emails_after_second_kill,
            "rows_at_kill_2": dict(second),
            **swept,
        },
    )
    # Only the message kept by the server at the second kill arrives twice, with the same
    # Message-ID (hence one distinct Message-ID per row above): the receiver can drop it.
    assert duplicates == 1


@pytest.mark.django_db(transaction=True)
def test_redis_flushed_then_sweep_every_recipient_gets_each_version_once(
    worker, broker, mailbox, fresnes, interviewer_fresnes
):
    add_recipients(fresnes, [f"equipe{n}@fresnes.test" for n in range(25)])
    # 1. Messages lost before any worker saw them: the renderings are owed in the database only.
    worker.stop()
    _batch(fresnes, interviewer_fresnes, syntheses=2)
    assert broker.llen("celery") == 2
    broker.flushdb()
    worker.start()
    time.sleep(0.3)
    assert mailbox.count() == 0
    first_sweep = delivery.sweep(**SHORT_SWEEP)
    assert first_sweep["renderings"] == 2

    # 2. Then again in the middle of the emails.
    mailbox.delay = 0.02
    wait_for(lambda: mailbox.count() >= 12, what="début des envois", worker=worker)
    broker.flushdb()
    at_flush = mailbox.count()
    wait_until_idle(broker, mailbox)
    assert mailbox.count() < 50, "tout était parti avant le FLUSHDB"
    second_sweep = delivery.sweep(**SHORT_SWEEP)
    wait_for(lambda: all_sent(50), what="50 envois", worker=worker)
    wait_until_idle(broker, mailbox)
    assert Synthesis.objects.filter(status=SynthesisStatus.DELIVERED).count() == 2
    _assert_exactly_one_email_per_delivery(
        mailbox,
        "redis_flushed",
        {"emails_at_flush": at_flush, "sweep_1": first_sweep, "sweep_2": second_sweep},
    )


@pytest.mark.django_db(transaction=True)
def test_temporary_refusals_are_retried_with_backoff_until_sent(
    worker, broker, mailbox, fresnes, interviewer_fresnes, detainee_fresnes
):
    add_recipients(fresnes, ["direction@fresnes.test", "spip@fresnes.test"])
    mailbox.refusals["spip@fresnes.test"] = ["451 4.3.0 Mailbox busy, try again later", 2]
    validated_interview(
        by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
    )

    wait_for(
        lambda: Synthesis.objects.filter(status=SynthesisStatus.DELIVERED).exists(),
        what="synthèse envoyée après deux refus",
        worker=worker,
    )
    row = SynthesisDelivery.objects.get(email="spip@fresnes.test")
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 3, "")
    assert mailbox.refused["spip@fresnes.test"] == 2
    assert mailbox.count("spip@fresnes.test") == 1
    assert mailbox.count("direction@fresnes.test") == 1


@pytest.mark.django_db(transaction=True)
def test_permanent_refusals_end_failed_and_the_deadline_watch_reports_them(
    worker, broker, mailbox, fresnes, interviewer_fresnes, manager_fresnes, detainee_fresnes
):
    add_recipients(
        fresnes, ["direction@fresnes.test", "inconnu@fresnes.test", "plein@fresnes.test"]
    )
    mailbox.refusals["inconnu@fresnes.test"] = ["550 5.1.1 No such user", None]
    mailbox.refusals["plein@fresnes.test"] = ["452 4.2.2 Mailbox full", None]
    validated_interview(
        by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
    )

    def settled():
        return not SynthesisDelivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
        ).exists()

    wait_for(settled, what="envois terminés ou en échec", worker=worker)
    rows = {row.email: row for row in SynthesisDelivery.objects.all()}
    assert rows["direction@fresnes.test"].status == DeliveryStatus.SENT
    # 5xx: failed at the first attempt; 4xx for ever: failed after the maximum (3 here).
    assert (rows["inconnu@fresnes.test"].status, rows["inconnu@fresnes.test"].attempts) == (
        DeliveryStatus.FAILED,
        1,
    )
    assert "550" in rows["inconnu@fresnes.test"].last_error
    assert (rows["plein@fresnes.test"].status, rows["plein@fresnes.test"].attempts) == (
        DeliveryStatus.FAILED,
        3,
    )
    assert mailbox.refused["plein@fresnes.test"] == 3
    synthesis = Synthesis.objects.get()
    assert synthesis.status == SynthesisStatus.RENDERED  # not delivered to every team

    tasks.watch_deadlines.delay()
    wait_for(
        lambda: mailbox.count(interviewer_fresnes.email) and mailbox.count(manager_fresnes.email),
        what="alertes de l'intervieweur et de l'encadrement",
        worker=worker,
    )
    for address in (interviewer_fresnes.email, manager_fresnes.email):
        (warning,) = mailbox.messages(to=address)
        body = warning.get_body(("plain",)).get_content()
        assert "LEFÈVRE Hélène" in body
        assert "inconnu@fresnes.test" in body and "plein@fresnes.test" in body
        assert "direction@fresnes.test" not in body
    assert SynthesisWarning.objects.filter(synthesis=synthesis).count() == 1
    # Once a day per synthesis: the next hourly run says nothing more.
    assert delivery.watch_deadlines() == 0


# --- Idempotence -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_messages_delivered_twice_and_the_sweep_send_nothing_more(
    worker, broker, mailbox, fresnes, interviewer_fresnes, detainee_fresnes
):
    recipients = add_recipients(fresnes, ["direction@fresnes.test", "spip@fresnes.test"])
    validated_interview(
        by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
    )
    wait_for(
        lambda: Synthesis.objects.filter(status=SynthesisStatus.DELIVERED).exists(),
        what="synthèse envoyée",
        worker=worker,
    )
    synthesis = Synthesis.objects.get()
    for row in synthesis.deliveries.all():
        tasks.deliver_synthesis.delay(row.pk)
        tasks.deliver_synthesis.delay(row.pk)
    tasks.render_synthesis.delay(synthesis.pk)
    assert delivery.sweep(grace=0, render_timeout=0, sending_timeout=0) == {
        "renderings": 0,
        "failed_stuck": 0,
        "unstuck": 0,
        "deliveries": 0,
        "completed": 0,
    }
    wait_until_idle(broker, mailbox)
    assert [mailbox.count(address) for address in recipients] == [1, 1]
    sha256 = synthesis.sha256
    synthesis.refresh_from_db()
    assert synthesis.sha256 == sha256


@pytest.mark.django_db
def test_calling_deliver_twice_for_the_same_row_sends_once(
    settings, mailbox, smtp_server, fresnes, interviewer_fresnes, detainee_fresnes
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    add_recipients(fresnes, ["direction@fresnes.test"])
    interview = validated_interview(
        by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
    )
    synthesis = interview.syntheses.get()  # nothing enqueued: the test's transaction is not over
    assert delivery.synthesis_render(synthesis_id=synthesis.pk).done
    assert not delivery.synthesis_render(synthesis_id=synthesis.pk).done
    row = synthesis.deliveries.get()

    assert delivery.synthesis_deliver(delivery_id=row.pk).done
    assert not delivery.synthesis_deliver(delivery_id=row.pk).done
    assert delivery.delivery_claim(delivery_id=row.pk) is None
    assert mailbox.count("direction@fresnes.test") == 1
    row.refresh_from_db()
    synthesis.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)
    assert synthesis.status == SynthesisStatus.DELIVERED


# --- Without Redis (the demo), and the emails' words -----------------------------------


@pytest.fixture
def eager():
    """The demo's configuration: no REDIS_URL, tasks run in-process."""
    from insertion.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.mark.django_db
def test_in_process_tasks_render_and_send_and_a_rectification_replaces_version_1(
    eager, django_capture_on_commit_callbacks, fresnes, interviewer_fresnes, detainee_fresnes
):
    add_recipients(fresnes, ["direction@fresnes.test", "spip@fresnes.test"])
    with django_capture_on_commit_callbacks(execute=True):
        interview = validated_interview(
            by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
        )
    assert [m.to for m in mail.outbox] == [["direction@fresnes.test"], ["spip@fresnes.test"]]
    first = interview.syntheses.get()
    assert first.status == SynthesisStatus.DELIVERED
    assert "remplace" not in mail.outbox[0].subject

    mail.outbox.clear()
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Erreur de diplôme")
    with django_capture_on_commit_callbacks(execute=True):
        interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    second = interview.syntheses.get(number=2)
    assert second.replaces == first
    assert second.status == SynthesisStatus.DELIVERED
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject.endswith("— version 2, remplace la version 1")
    assert "remplace la version 1" in message.body
    assert message.attachments[0][0] == "synthese-24001-v2.pdf"
    assert (
        message.extra_headers["Message-ID"]
        == second.deliveries.get(email="direction@fresnes.test").message_id
    )


@pytest.mark.django_db
def test_in_process_a_temporary_refusal_leaves_the_row_owed_without_failing_the_request(
    eager,
    settings,
    mailbox,
    smtp_server,
    django_capture_on_commit_callbacks,
    fresnes,
    interviewer_fresnes,
    detainee_fresnes,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    add_recipients(fresnes, ["direction@fresnes.test", "spip@fresnes.test"])
    mailbox.refusals["spip@fresnes.test"] = ["451 4.3.0 Try again later", 1]
    with django_capture_on_commit_callbacks(execute=True):
        validated_interview(
            by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
        )
    row = SynthesisDelivery.objects.get(email="spip@fresnes.test")
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert row.next_attempt_at > timezone.now()
    assert mailbox.count("direction@fresnes.test") == 1

    # The sweep takes it up once its next attempt is due.
    delivery.sweep(now=row.next_attempt_at + datetime.timedelta(seconds=1), grace=0)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert row.synthesis.status == SynthesisStatus.DELIVERED


@pytest.mark.django_db
def test_deadline_watch_warns_interviewer_and_managers_once_a_day(
    fresnes, interviewer_fresnes, manager_fresnes, detainee_fresnes, cpip_fresnes
):
    UserFactory(manager=True, email="ancien.directeur@test.insertion.fr", is_active=False)
    interview = validated_interview(
        by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
    )
    synthesis = interview.syntheses.get()
    today = synthesis.due_date  # due today: within 24 hours
    assert delivery.watch_deadlines(today=today - datetime.timedelta(days=2)) == 0

    assert delivery.watch_deadlines(today=today) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [interviewer_fresnes.email, manager_fresnes.email]
    )
    assert "LEFÈVRE Hélène" in mail.outbox[0].body
    assert SynthesisWarning.objects.get().kind == "bientot"
    assert delivery.watch_deadlines(today=today) == 0  # once a day per synthesis

    mail.outbox.clear()
    assert delivery.watch_deadlines(today=today + datetime.timedelta(days=1)) == 2
    assert "EN RETARD" in mail.outbox[0].body

    Synthesis.objects.filter(pk=synthesis.pk).update(
        status=SynthesisStatus.DELIVERED, delivered_at=timezone.now(), sha256="0" * 64
    )
    assert delivery.watch_deadlines(today=today + datetime.timedelta(days=2)) == 0


@pytest.mark.django_db
def test_sweep_completes_a_synthesis_whose_emails_were_all_sent(
    fresnes, interviewer_fresnes, detainee_fresnes
):
    add_recipients(fresnes, ["direction@fresnes.test"])
    synthesis = validated_interview(
        by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
    ).syntheses.get()
    # A worker died between the last "sent" and the synthesis' own update.
    Synthesis.objects.filter(pk=synthesis.pk).update(
        status=SynthesisStatus.RENDERED, sha256="0" * 64, rendered_at=timezone.now()
    )
    synthesis.deliveries.update(status=DeliveryStatus.SENT, sent_at=timezone.now())
    assert delivery.sweep(grace=0)["completed"] == 1
    synthesis.refresh_from_db()
    assert synthesis.status == SynthesisStatus.DELIVERED and synthesis.delivered_at
    assert delivery.sweep(grace=0)["completed"] == 0
