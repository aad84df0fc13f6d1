"""The delivery measure of `manage.py bench`: a batch of syntheses sent through the production
path, by a real Celery worker process on a Redis database of the bench's own, to a real SMTP
server on loopback (aiosmtpd), STYLE.md §17.

A fictional establishment ("Établissement de mesure (bench)", three recipients on a reserved
domain) receives `size` people, each with an interview filled as an interviewer would and
validated by `interview_validate`: it creates the Synthesis and its delivery rows, and enqueues
the rendering after commit. Every validation of the batch runs in one transaction, so the whole
batch is enqueued at once when it commits, and the clock starts at that moment; the worker is
already up and idle, and no transaction is open while it works. The clock stops at the last
`sent_at` written by the worker (the database is polled until every row is sent). The SMTP server
must have received exactly one distinct Message-ID per delivery row.

Everything the batch created is removed at the end — rows and PDF files — and before it starts,
in case an earlier run was interrupted. The Redis database is flushed before and after, hence the
refusal to use the application's own REDIS_URL database.

It needs the development dependencies (aiosmtpd) and Redis: the bench imports it only when the
delivery is measured.
"""

import datetime
import email.parser
import email.policy
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    Confidence,
    Contract,
    DeliveryStatus,
    DiplomaLevel,
    EducationLevel,
    Horizon,
    InterviewStatus,
    Maturity,
    OrientationKind,
    Priority,
    ProjectKind,
    Sector,
    SoftSkill,
    SynthesisStatus,
    WorkHistory,
)
from entretiens.models import (
    BarrierAssessment,
    Diploma,
    Experience,
    Interview,
    KnowHow,
    Orientation,
    Project,
    SoftSkillRating,
    Synthesis,
    SynthesisDelivery,
    synthesis_storage,
)
from entretiens.services import interview_validate
from insertion.accounts.models import Role, User
from insertion.detainees.models import Detainee, LegalStatus, OffenceCategory, Sex
from insertion.detainees.services import detainee_admit
from insertion.establishments.models import (
    Establishment,
    EstablishmentKind,
    RecipientRole,
    Region,
    SynthesisRecipient,
)

ESTABLISHMENT_NAME = "Établissement de mesure (bench)"
REGION_CODE = "BENCH"
REGION_NAME = "Direction interrégionale de mesure (bench)"
# A reserved domain (RFC 2606): nothing sent there can reach anybody.
DOMAIN = "bench.insertion.invalid"
RECIPIENTS = [
    (RecipientRole.DIRECTION, "direction"),
    (RecipientRole.EDUCATION, "enseignement"),
    (RecipientRole.WORK, "travail"),
]
# Prefork, as in production, one process per core of the development machines (two): more
# would only wait for the CPU, which the bench, PostgreSQL and the SMTP server share too.
WORKER_CONCURRENCY = 2
POLL_SECONDS = 0.1


# --- SMTP server on loopback -----------------------------------------------------------


class Mailbox:
    """aiosmtpd handler: accepts everything and keeps the Message-ID of each message received,
    per envelope recipient. Only the headers are parsed: the PDF attached is not read."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
            envelope.content
        )
        message_id = str(headers.get("Message-ID", "")).strip()
        # Kept before the "250" reply: a row the worker marks sent is already counted here.
        with self.lock:
            self.received.extend((rcpt, message_id) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def message_ids(self) -> tuple[set[str], int]:
        """The distinct Message-IDs received, and the number of copies in all."""
        with self.lock:
            return {message_id for _, message_id in self.received}, len(self.received)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on 127.0.0.1, on a free port, in a thread of this process."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks its port by connecting to it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # aiosmtpd logs every connection at INFO: 600 of them would drown the bench's output.
    smtp_log = logging.getLogger("mail.log")
    level = smtp_log.level
    smtp_log.setLevel(logging.WARNING)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
        smtp_log.setLevel(level)


# --- Redis, the producer and the worker ------------------------------------------------


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


def _use_broker(app, url: str) -> None:
    """Point this process' producer at `url`: the pools keep the URL they were created with."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url


@contextmanager
def producer_on(url: str) -> Iterator[None]:
    """Tasks enqueued by this process go to `url` (not run in-process, as without REDIS_URL)."""
    from insertion.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    _use_broker(app, url)
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        _use_broker(app, saved[0])
        app.conf.task_always_eager = saved[1]


def database_url() -> str:
    """This process' own database, as a URL for the worker."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """The project's Celery worker (prefork, as in production) in a subprocess of its own
    session, so that a Ctrl-C of the bench reaches the bench only, which stops it."""

    def __init__(self, env: dict, log: Path):
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "insertion",
            "worker",
            "--pool=prefork",
            f"--concurrency={WORKER_CONCURRENCY}",
            "--loglevel=INFO",  # the " ready." line below is logged at INFO
            # Alone on its Redis database: nothing to synchronise with other workers.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=bench-{os.getpid()}@%h",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise CommandError(f"Le worker Celery n'a pas démarré :\n{self.tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL to its process group if it lingers."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


# --- The batch -------------------------------------------------------------------------


def batch_remove() -> None:
    """Delete whatever a run of the bench created: its establishment and everything in it, the
    PDF files, its accounts and its region."""
    establishment = Establishment.objects.filter(name=ESTABLISHMENT_NAME).first()
    if establishment is not None:
        syntheses = Synthesis.objects.filter(establishment=establishment)
        storage = synthesis_storage()
        for name in syntheses.exclude(pdf="").values_list("pdf", flat=True).order_by("pk"):
            storage.delete(name)
        syntheses.delete()
        Interview.objects.filter(establishment=establishment).delete()
        Detainee.objects.filter(establishment=establishment).delete()
        establishment.delete()  # its recipients and the accounts' links go with it
    User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    Region.objects.filter(code=REGION_CODE).delete()


def batch_create(*, size: int, log: Callable[[str], None]) -> tuple[Establishment, User]:
    """The fictional establishment, its three recipients, an interviewer, and `size` people
    admitted there, whose interviews are filled and ready to validate (not validated)."""
    today = timezone.localdate()
    region = Region.objects.create(code=REGION_CODE, name=REGION_NAME)
    establishment = Establishment.objects.create(
        name=ESTABLISHMENT_NAME,
        kind=EstablishmentKind.MAISON_ARRET,
        region=region,
        department="00",
        city="Mesure",
        capacity=max(size, 1),
        interview_rollout_date=today - datetime.timedelta(days=365),
    )
    SynthesisRecipient.objects.bulk_create(
        SynthesisRecipient(establishment=establishment, email=f"{local}@{DOMAIN}", role=role)
        for role, local in RECIPIENTS
    )
    interviewer = User.objects.create_user(
        f"intervenant@{DOMAIN}",
        first_name="Camille",
        last_name="Mesure",
        role=Role.INTERVIEWER,
    )  # no password: the account cannot log in
    interviewer.establishments.set([establishment])

    log(f"Envoi des synthèses : admission de {size} personnes fictives…")
    arrival = today - datetime.timedelta(days=10)
    for number in range(size):
        detainee_admit(
            establishment=establishment,
            ecrou_number=f"B{number + 1:05d}",
            last_name=f"Mesure{number + 1}",
            first_name="Dominique",
            birth_date=datetime.date(1990, 5, 17),
            sex=Sex.MALE if number % 2 else Sex.FEMALE,
            arrival_date=arrival,
            legal_status=LegalStatus.SENTENCED,
            offence_category=OffenceCategory.MISDEMEANOUR,
            expected_release_date=today + datetime.timedelta(days=300),
        )
    interviews = Interview.objects.filter(establishment=establishment)
    if interviews.count() != size:
        raise CommandError(
            f"{interviews.count()} entretiens ouverts pour {size} admissions dans "
            f"« {ESTABLISHMENT_NAME} »."
        )
    _fill(interviews, interviewer=interviewer, conducted_on=today - datetime.timedelta(days=1))
    return establishment, interviewer


def _fill(interviews, *, interviewer: User, conducted_on: datetime.date) -> None:
    """Answers of an ordinary interview: what validation requires (tests/factories.py,
    fill_interview) and a few rows of each kind, so that each PDF is a typical synthesis."""
    interviews.update(
        status=InterviewStatus.DRAFT,
        started_at=timezone.now(),
        interviewer=interviewer,
        conducted_on=conducted_on,
        duration_minutes=60,
        place="Bureau de l'Afpa",
        informed_of_sharing=True,
        education_level=EducationLevel.LEVEL_3,
        work_history=WorkHistory.YES,
        languages="Français",
        interests="Cuisine, football.",
        points_of_attention="Préfère les entretiens individuels.",
        conclusion="Personne motivée par une formation en cuisine, projet cohérent.",
    )
    ids = list(interviews.values_list("pk", flat=True).order_by("pk"))
    levels = {BarrierCategory.HOUSING: BarrierLevel.SIGNIFICANT}
    BarrierAssessment.objects.bulk_create(
        BarrierAssessment(
            interview_id=pk, category=category, level=levels.get(category, BarrierLevel.NONE)
        )
        for pk in ids
        for category in BarrierCategory.values
    )
    Orientation.objects.bulk_create(
        Orientation(interview_id=pk, kind=kind, priority=priority)
        for pk in ids
        for kind, priority in [
            (OrientationKind.VOCATIONAL_TRAINING, Priority.HIGH),
            (OrientationKind.RIGHTS, Priority.MEDIUM),
        ]
    )
    Diploma.objects.bulk_create(
        Diploma(interview_id=pk, title="CAP Cuisine", level=DiplomaLevel.LEVEL_3, year=2010)
        for pk in ids
    )
    Experience.objects.bulk_create(
        Experience(
            interview_id=pk,
            job_title=job_title,
            sector=sector,
            start_month=1,
            start_year=start,
            end_month=12,
            end_year=start + 3,
            contract=contract,
        )
        for pk in ids
        for job_title, sector, start, contract in [
            ("Commis de cuisine", Sector.HOSPITALITY, 2011, Contract.CDI),
            ("Préparateur de commandes", Sector.LOGISTICS, 2016, Contract.TEMPORARY),
        ]
    )
    KnowHow.objects.bulk_create(
        KnowHow(interview_id=pk, label="Règles d'hygiène en cuisine") for pk in ids
    )
    SoftSkillRating.objects.bulk_create(
        SoftSkillRating(interview_id=pk, skill=SoftSkill.TEAMWORK, confidence=Confidence.VERY)
        for pk in ids
    )
    Project.objects.bulk_create(
        Project(
            interview_id=pk,
            kind=ProjectKind.QUALIFYING_TRAINING,
            target="Cuisinier en restauration collective",
            horizon=Horizon.AT_RELEASE,
            maturity=Maturity.DEFINED,
        )
        for pk in ids
    )


def batch_validate(*, establishment: Establishment, by: User) -> float:
    """Validate every interview of the batch in one transaction; return the moment (epoch
    seconds) its commit released the renderings to the broker."""
    started: list[float] = []
    with transaction.atomic():
        # Registered first, so it runs first after the commit, before the 200 enqueueings.
        transaction.on_commit(lambda: started.append(time.time()))
        for interview in Interview.objects.filter(establishment=establishment).order_by("pk"):
            interview_validate(interview=interview, by=by, lock_version=None)
    return started[0]


def wait_until_sent(
    *, establishment: Establishment, expected: int, worker: Worker, timeout: float
) -> None:
    """Poll the database until every delivery row of the batch is sent; a failed rendering or
    email, a dead worker or the timeout stop the measure."""
    deliveries = SynthesisDelivery.objects.filter(synthesis__establishment=establishment)
    deadline = time.monotonic() + timeout
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
        if time.monotonic() > deadline:
            raise CommandError(
                f"Délai dépassé : {counts['sent']} courriels envoyés sur {expected} après "
                f"{timeout:.0f} s.\n{worker.tail()}"
            )
        time.sleep(POLL_SECONDS)


def measure_delivery(
    *, size: int, redis_url: str, timeout: float, log: Callable[[str], None]
) -> dict:
    """Send a batch of `size` syntheses to three recipients each; return the measure."""
    client = check_redis(redis_url)
    client.flushdb()
    expected = size * len(RECIPIENTS)
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as folder:
        worker = Worker(
            {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "insertion.settings",
                "DATABASE_URL": database_url(),
                "REDIS_URL": redis_url,
                # The worker writes the PDFs where this process deletes them.
                "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            },
            Path(folder) / "celery-worker.log",
        )
        try:
            batch_remove()  # what an interrupted run may have left
            establishment, interviewer = batch_create(size=size, log=log)
            with smtp_server() as (mailbox, port), producer_on(redis_url):
                worker.env["EMAIL_URL"] = f"smtp://127.0.0.1:{port}?timeout=30"
                log(
                    "Envoi des synthèses : démarrage du worker Celery "
                    f"({WORKER_CONCURRENCY} processus)…"
                )
                worker.start()
                log(
                    f"Envoi des synthèses : validation de {size} entretiens, "
                    f"puis {expected} courriels…"
                )
                started = batch_validate(establishment=establishment, by=interviewer)
                wait_until_sent(
                    establishment=establishment, expected=expected, worker=worker, timeout=timeout
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
            received, copies = mailbox.message_ids()
        finally:
            worker.stop()
            client.flushdb()
            client.close()
            batch_remove()
    if received != owed:
        raise CommandError(
            f"Le serveur SMTP a reçu {len(received)} Message-ID distincts ({copies} courriels) "
            f"pour {expected} envois : {len(owed - received)} manquants, "
            f"{len(received - owed)} inattendus."
        )
    seconds = ends["sent"].timestamp() - started
    render_seconds = ends["rendered"].timestamp() - started
    return {
        "per_second": round(expected / seconds, 1),
        "n": expected,
        "syntheses": size,
        "seconds": round(seconds, 2),
        "render_per_second": round(size / render_seconds, 2),
    }
