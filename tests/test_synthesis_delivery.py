"""Delivery of the syntheses against real services: a Celery worker process on the local Redis,
the PostgreSQL test database, and an SMTP server (aiosmtpd) on loopback (STYLE.md §17).

The worker is started once for the module by the harness `make bench` uses too
(insertion/bench/harness.py; the SMTP server fixture is in conftest.py) on a Redis database of
its own (one per xdist worker), so that flushing it cannot touch anything else; it reads the
pytest-django test database, hence the tests that need it commit their data
(`transaction=True`).
"""

import datetime
import io
import json
import os
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pypdf
import pytest
import redis
from django.core import mail
from django.utils import timezone

from entretiens import deadlines, delivery, tasks
from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models import Synthesis, SynthesisDelivery, SynthesisWarning
from entretiens.services import interview_rectify, interview_validate
from insertion.bench import harness
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


# --- Redis and the worker (insertion/bench/harness.py; the SMTP server is in conftest.py) ---


def _dedicated_redis_url() -> str:
    """A Redis database for this process' worker alone (14, then 13 for a second xdist worker),
    never the suite's own REDIS_URL database: these tests flush it."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13")
    suite_db = int(parts.path.strip("/") or 0)
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    candidates = [db for db in (14, 13, 12, 11) if db != suite_db]
    return urlunsplit(parts._replace(path=f"/{candidates[int(xdist_worker[2:])]}"))


@pytest.fixture(scope="module")
def broker():
    url = _dedicated_redis_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    with harness.producer_on(url):
        yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def pdf_root(tmp_path_factory):
    return tmp_path_factory.mktemp("syntheses")


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, broker, smtp_server, pdf_root):
    """`celery worker --pool=solo` of the project, in a subprocess, started and killed at will."""
    with django_db_blocker.unblock():
        database_url = harness.database_url()
    OUTPUT.mkdir(exist_ok=True)
    # One log per xdist process: each has its own worker, whose " ready." line `start` awaits
    # (a shared log mixed two workers' lines, and a failure showed the other one's).
    log = OUTPUT / f"celery-worker-{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}.log"
    log.unlink(missing_ok=True)
    worker = harness.Worker(
        log=log,
        database_url=database_url,
        redis_url=_dedicated_redis_url(),
        email_url=smtp_server.email_url(timeout=5),
        private_media_root=pdf_root,
        pool="solo",
        settings_override=FAST,
        name="delivery-test",
    )
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


def wait_for(
    condition, *, timeout: float = 30, what: str = "", worker: harness.Worker | None = None
):
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
    swept = tasks.sweep(**SHORT_SWEEP)
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
    first_sweep = tasks.sweep(**SHORT_SWEEP)
    assert first_sweep["renderings"] == 2

    # 2. Then again in the middle of the emails.
    mailbox.delay = 0.02
    wait_for(lambda: mailbox.count() >= 12, what="début des envois", worker=worker)
    broker.flushdb()
    at_flush = mailbox.count()
    wait_until_idle(broker, mailbox)
    assert mailbox.count() < 50, "tout était parti avant le FLUSHDB"
    second_sweep = tasks.sweep(**SHORT_SWEEP)
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
    assert deadlines.watch_deadlines() == 0


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
    assert tasks.sweep(grace=0, render_timeout=0, sending_timeout=0) == {
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
    tasks.sweep(now=row.next_attempt_at + datetime.timedelta(seconds=1), grace=0)
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
    assert deadlines.watch_deadlines(today=today - datetime.timedelta(days=2)) == 0

    assert deadlines.watch_deadlines(today=today) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [interviewer_fresnes.email, manager_fresnes.email]
    )
    assert "LEFÈVRE Hélène" in mail.outbox[0].body
    assert SynthesisWarning.objects.get().kind == "bientot"
    assert deadlines.watch_deadlines(today=today) == 0  # once a day per synthesis

    mail.outbox.clear()
    assert deadlines.watch_deadlines(today=today + datetime.timedelta(days=1)) == 2
    assert "EN RETARD" in mail.outbox[0].body

    Synthesis.objects.filter(pk=synthesis.pk).update(
        status=SynthesisStatus.DELIVERED, delivered_at=timezone.now(), sha256="0" * 64
    )
    assert deadlines.watch_deadlines(today=today + datetime.timedelta(days=2)) == 0


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
    assert tasks.sweep(grace=0)["completed"] == 1
    synthesis.refresh_from_db()
    assert synthesis.status == SynthesisStatus.DELIVERED and synthesis.delivered_at
    assert tasks.sweep(grace=0)["completed"] == 0
