"""The delivery measure of `manage.py bench`: a batch of syntheses sent through the production
path, by a real Celery worker process on a Redis database of the bench's own, to a real SMTP
server on loopback (insertion/bench/harness.py, the same harness as the tests'), STYLE.md §17.

The batch (insertion/bench/batch.py) is `size` people of a fictional establishment with three
recipients, whose interviews are validated by `interview_validate`: it creates the Synthesis
and its delivery rows, and enqueues the rendering after commit. Every validation of the batch
runs in one transaction, so the whole batch is enqueued at once when it commits, and the clock
starts at that moment; the worker is already up and idle, and no transaction is open while it
works. The clock stops at the last `sent_at` written by the worker (the database is polled until
every row is sent). The SMTP server must have received exactly one distinct Message-ID per
delivery row.

Everything the batch created is removed at the end — rows and PDF files — and before it starts,
in case an earlier run was interrupted. The Redis database is flushed before and after, hence the
refusal to use the application's own REDIS_URL database.
"""

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.management.base import CommandError
from django.db.models import Count, Max, Q

from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models import Synthesis, SynthesisDelivery
from insertion.bench.batch import RECIPIENTS, batch_create, batch_remove, batch_validate
from insertion.bench.harness import (
    HarnessError,
    Mailbox,
    Worker,
    database_url,
    producer_on,
    smtp_server,
)
from insertion.establishments.models import Establishment

POLL_SECONDS = 0.1
# While the batch is being sent, a progress line at most this often.
PROGRESS_SECONDS = 15


def _redis_target(url: str) -> tuple[str, int, int]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port or 6379, int(parts.path.strip("/") or 0))


def check_redis(url: str) -> redis.Redis:
    """A client of the bench's Redis database, which answers and is not the application's."""
    if settings.REDIS_URL and _redis_target(url) == _redis_target(settings.REDIS_URL):
        raise CommandError(
            f"La mesure de l'envoi vide la base Redis {url} : elle ne peut pas être celle de "
            "l'application (REDIS_URL). Choisissez-en une autre avec --redis-url."
        )
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as error:
        raise CommandError(
            f"Redis ne répond pas sur {url} ({error}) : lancez `make services`, ou passez "
            "--skip-delivery."
        ) from None
    return client


def wait_until_sent(
    *,
    establishment: Establishment,
    expected: int,
    worker: Worker,
    timeout: float,
    log: Callable[[str], None],
) -> None:
    """Poll the database until every delivery row of the batch is sent; a failed rendering or
    email, a dead worker or the timeout stop the measure."""
    deliveries = SynthesisDelivery.objects.filter(synthesis__establishment=establishment)
    started = time.monotonic()
    deadline = started + timeout
    next_progress = started + PROGRESS_SECONDS
    while True:
        counts = deliveries.aggregate(
            sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
            failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        )
        if counts["sent"] == expected:
            return
        failed_renders = Synthesis.objects.filter(
            establishment=establishment, status=SynthesisStatus.FAILED
        ).count()
        if counts["failed"] or failed_renders:
            failed = deliveries.filter(status=DeliveryStatus.FAILED)
            if not counts["failed"]:
                failed = Synthesis.objects.filter(
                    establishment=establishment, status=SynthesisStatus.FAILED
                )
            error = failed.order_by("pk").values_list("last_error", flat=True).first()
            raise CommandError(
                f"Envoi des synthèses en échec ({failed_renders} PDF, {counts['failed']} "
                f"courriels) : {error}"
            )
        if not worker.alive():
            raise CommandError(f"Le worker Celery s'est arrêté :\n{worker.tail()}")
        now = time.monotonic()
        if now > deadline:
            raise CommandError(
                f"Délai dépassé : {counts['sent']} courriels envoyés sur {expected} après "
                f"{timeout:.0f} s.\n{worker.tail()}"
            )
        if now >= next_progress:
            log(f"Envoi des synthèses : {counts['sent']} / {expected} courriels envoyés…")
            next_progress = now + PROGRESS_SECONDS
        time.sleep(POLL_SECONDS)


def measure_delivery(
    *,
    size: int,
    concurrency: int,
    redis_url: str,
    timeout: float,
    log: Callable[[str], None],
) -> dict:
    """Send a batch of `size` syntheses to three recipients each with a worker of
    `concurrency` processes (prefork, as in production); return the measure."""
    client = check_redis(redis_url)
    client.flushdb()
    expected = size * len(RECIPIENTS)
    worker = None
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as folder:
        try:
            batch_remove()  # what an interrupted run may have left
            log(f"Envoi des synthèses : admission de {size} personnes fictives…")
            establishment, interviewer = batch_create(size=size)
            # Only the Message-IDs are kept: the PDFs of the batch are not read.
            with smtp_server(Mailbox(keep_content=False)) as smtp, producer_on(redis_url):
                worker = Worker(
                    log=Path(folder) / "celery-worker.log",
                    database_url=database_url(),
                    redis_url=redis_url,
                    email_url=smtp.email_url(timeout=30),
                    private_media_root=settings.PRIVATE_MEDIA_ROOT,
                    pool="prefork",
                    concurrency=concurrency,
                    name="bench",
                )
                log(f"Envoi des synthèses : démarrage du worker Celery ({concurrency} processus)…")
                try:
                    worker.start()
                except HarnessError as error:
                    raise CommandError(str(error)) from None
                log(
                    f"Envoi des synthèses : validation de {size} entretiens, "
                    f"puis {expected} courriels…"
                )
                started = batch_validate(establishment=establishment, by=interviewer)
                wait_until_sent(
                    establishment=establishment,
                    expected=expected,
                    worker=worker,
                    timeout=timeout,
                    log=log,
                )
                worker.stop()
            ends = Synthesis.objects.filter(establishment=establishment).aggregate(
                rendered=Max("rendered_at"), sent=Max("deliveries__sent_at")
            )
            owed = {
                row.message_id
                for row in SynthesisDelivery.objects.filter(
                    synthesis__establishment=establishment
                ).only("synthesis")
            }
            by_recipient, copies = smtp.mailbox.message_ids_by_recipient()
        finally:
            if worker is not None:
                worker.stop()
            client.flushdb()
            client.close()
            batch_remove()
    received = {message_id for ids in by_recipient.values() for message_id in ids}
    if received != owed:
        raise CommandError(
            f"Le serveur SMTP a reçu {len(received)} Message-ID distincts ({copies} courriels) "
            f"pour {expected} envois : {len(owed - received)} manquants, "
            f"{len(received - owed)} inattendus."
        )
    seconds = ends["sent"].timestamp() - started
    render_seconds = ends["rendered"].timestamp() - started
    return {
        "worker_processes": concurrency,
        "per_second": round(expected / seconds, 1),
        "n": expected,
        "syntheses": size,
        "seconds": round(seconds, 2),
        "render_per_second": round(size / render_seconds, 2),
    }
