"""Rendering and delivery of the syntheses: the outbox's services (STYLE.md §6–9).

The database is the source of truth for the work owed: a Synthesis in status "pending" owes its
PDF, a SynthesisDelivery in status "pending" owes one email. Celery messages only say "look at
row n°…": every service below claims its row first (a conditional UPDATE, or SELECT … FOR UPDATE
SKIP LOCKED), so a message delivered twice, or re-enqueued by the sweep, does nothing the second
time. A message that Redis lost is found again by the sweep (`sweep_owed`), which runs every
minute.

This module never enqueues: it says what is owed next (`Outcome.deliveries`, `Owed`), and the
tasks of entretiens/tasks.py, which import it, send the messages. So the services run and are
tested without a broker, and the two modules do not import each other.

At-least-once window (documented on purpose): a worker killed after the SMTP server accepted a
message but before the row was marked "sent" leaves the row in "sending"; the sweep puts it back to
"pending" after SENDING_TIMEOUT and the email goes out a second time. That window is kept as small
as the code allows (the row is marked sent by the statement that follows the SMTP transaction),
and the second copy carries the same Message-ID (`SynthesisDelivery.message_id`), which lets the
receiving server or the mail client recognise it. Exactly-once is not possible across SMTP.

Tunable settings (insertion/settings.py, from the environment; read at call time, so tests may
override them): SYNTHESIS_DELIVERY_MAX_ATTEMPTS, SYNTHESIS_RENDER_MAX_ATTEMPTS,
SYNTHESIS_RETRY_BASE_SECONDS (doubled at each attempt, at most one hour),
SYNTHESIS_RENDER_TIMEOUT_SECONDS, SYNTHESIS_SENDING_TIMEOUT_SECONDS, SYNTHESIS_SWEEP_GRACE_SECONDS.
"""

import datetime
import hashlib
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models import Synthesis, SynthesisDelivery
from entretiens.pdf import render_synthesis_pdf
from insertion.core.emails import email_message

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY = 3600
SWEEP_BATCH = 1000


def max_delivery_attempts() -> int:
    return settings.SYNTHESIS_DELIVERY_MAX_ATTEMPTS


def max_render_attempts() -> int:
    return settings.SYNTHESIS_RENDER_MAX_ATTEMPTS


def retry_delay(attempts: int) -> float:
    """Exponential backoff: base, 2×base, 4×base… seconds after the 1st, 2nd, 3rd attempt."""
    base = float(settings.SYNTHESIS_RETRY_BASE_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


@dataclass
class Outcome:
    """What a task does next: nothing, or try again in `retry_in` seconds; and the delivery
    rows to enqueue once a rendering is stored."""

    done: bool
    retry_in: float | None = None
    deliveries: list[int] = field(default_factory=list)


# --- Rendering -------------------------------------------------------------------------


def synthesis_claim_render(*, synthesis_id: int, now: datetime.datetime | None = None) -> bool:
    """Take the rendering of a pending synthesis; False when it is done or another worker has
    it (a claim older than the render timeout is a crashed worker's, and may be taken over)."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.SYNTHESIS_RENDER_TIMEOUT_SECONDS)
    claimed = Synthesis.objects.filter(
        Q(render_claimed_at__isnull=True) | Q(render_claimed_at__lt=stale),
        pk=synthesis_id,
        status=SynthesisStatus.PENDING,
        # Counted at the claim: a synthesis that kills its worker every time still ends failed.
    ).update(render_claimed_at=now, render_attempts=F("render_attempts") + 1)
    return bool(claimed)


def synthesis_render(*, synthesis_id: int) -> Outcome:
    """Render and store the PDF of a pending synthesis; the outcome names its deliveries owed.

    Idempotent: a synthesis already rendered, or being rendered by another worker, is left alone.
    """
    claimed_at = timezone.now()
    if not synthesis_claim_render(synthesis_id=synthesis_id, now=claimed_at):
        return Outcome(done=False)
    synthesis = Synthesis.objects.select_related(
        "interview__detainee", "interview__incarceration", "establishment"
    ).get(pk=synthesis_id)
    try:
        data = render_synthesis_pdf(synthesis)
    except Exception as error:  # any failure of the renderer is recorded on the row
        logger.exception("Synthèse %s : échec de la génération du PDF", synthesis_id)
        return _render_failed(synthesis, error)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        locked = (
            Synthesis.objects.select_for_update()
            .filter(pk=synthesis_id, status=SynthesisStatus.PENDING, render_claimed_at=claimed_at)
            .first()
        )
        if locked is None:  # our claim went stale and another worker took over: let it finish
            return Outcome(done=False)
        # The file name is fixed per version; a retried rendering overwrites its own leftovers.
        if locked.pdf:
            locked.pdf.delete(save=False)
        locked.pdf.save(synthesis.filename, ContentFile(data), save=False)
        locked.sha256 = digest
        locked.status = SynthesisStatus.RENDERED
        locked.rendered_at = timezone.now()
        locked.last_error = ""
        locked.save(update_fields=["pdf", "sha256", "status", "rendered_at", "last_error"])
        pending = list(
            locked.deliveries.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True)
        )
    return Outcome(done=True, deliveries=pending)


def _render_failed(synthesis: Synthesis, error: BaseException) -> Outcome:
    attempts = Synthesis.objects.values_list("render_attempts", flat=True).get(pk=synthesis.pk)
    if attempts >= max_render_attempts():
        Synthesis.objects.filter(pk=synthesis.pk, status=SynthesisStatus.PENDING).update(
            status=SynthesisStatus.FAILED, last_error=_short(error), render_claimed_at=None
        )
        return Outcome(done=False)
    Synthesis.objects.filter(pk=synthesis.pk, status=SynthesisStatus.PENDING).update(
        last_error=_short(error), render_claimed_at=None
    )
    return Outcome(done=False, retry_in=retry_delay(attempts))


# --- Delivery --------------------------------------------------------------------------

# A row whose retry is due within this margin may be taken a little early (timers differ).
EARLY_MARGIN = datetime.timedelta(seconds=2)


def delivery_claim(*, delivery_id: int) -> SynthesisDelivery | None:
    """Move a pending delivery to "sending" in a short transaction; None when it is not ours
    (already sent or failed, locked by another worker, or waiting for its next attempt)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            SynthesisDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY_MARGIN),
                pk=delivery_id,
                status=DeliveryStatus.PENDING,
                synthesis__status__in=[SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED],
            )
            .first()
        )
        if delivery is None:
            return None
        delivery.status = DeliveryStatus.SENDING
        delivery.claimed_at = now
        # Counted at the claim: a message that crashes its worker every time still ends failed.
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts"])
    return delivery


def synthesis_email_context(synthesis: Synthesis) -> dict:
    interview = synthesis.interview
    detainee = interview.detainee
    return {
        "synthesis": synthesis,
        "last_name": detainee.last_name.upper(),
        "first_name": detainee.first_name,
        "ecrou": interview.incarceration.ecrou_number,
        "establishment": synthesis.establishment.name,
        "validated_on": timezone.localtime(synthesis.version.validated_at).date(),
        "replaced_number": synthesis.replaces.number if synthesis.replaces_id else None,
        "filename": synthesis.filename,
    }


def synthesis_email(delivery: SynthesisDelivery) -> EmailMultiAlternatives:
    """The email of one delivery: French subject and body, the PDF attached, stable Message-ID."""
    synthesis = delivery.synthesis
    message = email_message(
        "entretiens/emails/synthesis_delivery",
        {**synthesis_email_context(synthesis), "delivery": delivery},
        to=[delivery.email],
        headers={"Message-ID": delivery.message_id},
    )
    with synthesis.pdf.open("rb") as pdf:
        message.attach(synthesis.filename, pdf.read(), "application/pdf")
    return message


def is_transient(error: BaseException) -> bool:
    """SMTP 4xx replies and network failures are worth retrying; 5xx replies are final."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


def synthesis_deliver(*, delivery_id: int) -> Outcome:
    """Send the email owed by one delivery row and record the result."""
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return Outcome(done=False)
    delivery = SynthesisDelivery.objects.select_related(
        "synthesis__interview__detainee",
        "synthesis__interview__incarceration",
        "synthesis__establishment",
        "synthesis__version",
        "synthesis__replaces",
    ).get(pk=delivery.pk)
    try:
        message = synthesis_email(delivery)
        with get_connection() as connection:
            connection.send_messages([message])
    except Exception as error:  # classified below; every failure is recorded on the row
        return _delivery_failed(delivery, error)
    # Mark sent at once: this statement closes the at-least-once window (module docstring).
    # A row the sweep put back to "pending" meanwhile is marked sent too, so it is not resent.
    SynthesisDelivery.objects.filter(
        pk=delivery.pk, status__in=[DeliveryStatus.SENDING, DeliveryStatus.PENDING]
    ).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    synthesis_mark_delivered(synthesis_id=delivery.synthesis_id)
    return Outcome(done=True)


def _delivery_failed(delivery: SynthesisDelivery, error: BaseException) -> Outcome:
    transient = is_transient(error)
    logger.warning(
        "Envoi %s (%s) : échec %s n° %s : %s",
        delivery.pk,
        delivery.email,
        "temporaire" if transient else "définitif",
        delivery.attempts,
        error,
    )
    mine = SynthesisDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING)
    if not transient or delivery.attempts >= max_delivery_attempts():
        mine.update(status=DeliveryStatus.FAILED, last_error=_short(error), next_attempt_at=None)
        return Outcome(done=False)
    delay = retry_delay(delivery.attempts)
    mine.update(
        status=DeliveryStatus.PENDING,
        last_error=_short(error),
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
    )
    return Outcome(done=False, retry_in=delay)


def _complete(syntheses):
    """Rendered syntheses with at least one delivery row and every row sent."""
    deliveries = SynthesisDelivery.objects.filter(synthesis=OuterRef("pk"))
    return (
        syntheses.filter(status=SynthesisStatus.RENDERED)
        .filter(Exists(deliveries))
        .exclude(Exists(deliveries.exclude(status=DeliveryStatus.SENT)))
    )


def synthesis_mark_delivered(*, synthesis_id: int) -> bool:
    """A rendered synthesis whose every email is sent is delivered (one conditional UPDATE, so
    two workers finishing the last two emails at once cannot miss it nor do it twice)."""
    return bool(
        _complete(Synthesis.objects.filter(pk=synthesis_id)).update(
            status=SynthesisStatus.DELIVERED, delivered_at=timezone.now()
        )
    )


# --- Sweep -----------------------------------------------------------------------------


@dataclass
class Owed:
    """What the sweep found owed and not done: the rows to enqueue again, and its counts."""

    renderings: list[int]
    deliveries: list[int]
    counts: dict[str, int]


def sweep_owed(
    *,
    now: datetime.datetime | None = None,
    grace: int | None = None,
    render_timeout: int | None = None,
    sending_timeout: int | None = None,
) -> Owed:
    """The work owed and not done after a lost message, a Redis restart or a killed worker;
    rows left in "sending" by a dead worker are put back, syntheses whose every email went out
    are completed. Enqueueing them twice is harmless (every task claims its row first); `grace`
    leaves the messages just enqueued the time to be consumed before sending duplicates."""
    now = now or timezone.now()
    grace = settings.SYNTHESIS_SWEEP_GRACE_SECONDS if grace is None else grace
    if render_timeout is None:
        render_timeout = settings.SYNTHESIS_RENDER_TIMEOUT_SECONDS
    if sending_timeout is None:
        sending_timeout = settings.SYNTHESIS_SENDING_TIMEOUT_SECONDS
    before_grace = now - datetime.timedelta(seconds=grace)
    counts = {}

    to_render = list(
        Synthesis.objects.filter(status=SynthesisStatus.PENDING)
        .filter(
            Q(render_claimed_at__isnull=True, created_at__lte=before_grace)
            | Q(render_claimed_at__lt=now - datetime.timedelta(seconds=render_timeout))
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    counts["renderings"] = len(to_render)

    # Rows left in "sending" by a worker that died: owed again, or failed when out of attempts.
    stuck = SynthesisDelivery.objects.filter(
        status=DeliveryStatus.SENDING,
        claimed_at__lt=now - datetime.timedelta(seconds=sending_timeout),
    )
    counts["failed_stuck"] = stuck.filter(attempts__gte=max_delivery_attempts()).update(
        status=DeliveryStatus.FAILED,
        last_error="Envoi interrompu (processus arrêté) trop de fois.",
    )
    counts["unstuck"] = stuck.update(status=DeliveryStatus.PENDING, next_attempt_at=None)

    to_deliver = list(
        SynthesisDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            synthesis__status__in=[SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED],
        )
        .filter(
            Q(next_attempt_at__isnull=True, synthesis__rendered_at__lte=before_grace)
            | Q(next_attempt_at__isnull=True, claimed_at__isnull=False)
            | Q(next_attempt_at__lte=before_grace)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    counts["deliveries"] = len(to_deliver)

    # A worker that died between the last "sent" and the synthesis' own update.
    complete = _complete(Synthesis.objects.all()).order_by("pk").values_list("pk", flat=True)
    counts["completed"] = sum(
        synthesis_mark_delivered(synthesis_id=pk) for pk in complete[:SWEEP_BATCH]
    )
    return Owed(renderings=to_render, deliveries=to_deliver, counts=counts)
