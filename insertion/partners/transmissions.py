"""Sending a profile to a partner company (« envoi du profil »): the outbox of the emails and the
log of what left (STYLE.md §6–9, as the synthesis deliveries of entretiens/delivery.py).

A `ProfileTransmission` row in status « à envoyer » owes one email to one company contact, with
the profile PDF (profile.py) attached. Celery messages only say "look at row n°…":
- `transmission_create` makes the row, in the request's transaction, for an agreement that is
  active and covers the offer, and a contact of the offer's company; the view enqueues it after
  commit (tasks.py) and writes the access-log line (`Action.PROFILE_SEND`). The row is the log:
  who asked (`sent_by`), to whom (name and address copied), for which offer, what was shared
  (`shared_items`), when (`created_at`, `sent_at`), the SHA-256 of the PDF and the Message-ID;
- `transmission_claim` takes a row by one conditional UPDATE (« à envoyer », due, agreement not
  withdrawn → « envoi en cours », one attempt counted): a message delivered twice, or re-enqueued
  by the sweep, finds nothing to take the second time. A row whose agreement was withdrawn is
  cancelled instead, and nothing is sent;
- `transmission_send` renders the PDF from the data of now (a section withheld since the row was
  made is not read), checks the agreement once more, sends outside any transaction (no lock held
  across SMTP), then marks the row sent. SMTP 4xx replies and network errors are retried with
  backoff (`entretiens.delivery.retry_delay`) up to SYNTHESIS_DELIVERY_MAX_ATTEMPTS attempts;
  other errors fail the row at once;
- `sweep_owed` (beat, every minute) puts back the rows left « envoi en cours » by a dead worker
  after SYNTHESIS_SENDING_TIMEOUT_SECONDS, and names the rows owed (never claimed after
  SYNTHESIS_SWEEP_GRACE_SECONDS, or whose retry is due) for the task to enqueue again.

At-least-once, as for the syntheses: a worker killed between the SMTP reply and the last UPDATE
means a second copy, with the same Message-ID. An email handed to the server before the
agreement was withdrawn cannot be called back.

This module never enqueues (tasks.py does), so it runs and is tested without a broker.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from entretiens.delivery import is_transient, max_delivery_attempts, retry_delay
from insertion.core.emails import email_message
from insertion.partners.choices import TransmissionStatus
from insertion.partners.models import (
    Agreement,
    CompanyContact,
    Offer,
    ProfileTransmission,
)
from insertion.partners.profile import (
    EmployerProfile,
    employer_profile,
    profile_filename,
    render_profile_pdf,
)

logger = logging.getLogger(__name__)

EMAIL = "partners/emails/profile_transmission"
SWEEP_BATCH = 1000
# A row whose retry is due within this margin may be taken a little early (timers differ).
EARLY_MARGIN = datetime.timedelta(seconds=2)
# The rows that will go or went: a second identical request is refused while one of them exists.
LIVE_STATUSES = (TransmissionStatus.PENDING, TransmissionStatus.SENDING, TransmissionStatus.SENT)


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


@dataclass
class Outcome:
    """What the task does next: nothing, or try again in `retry_in` seconds."""

    done: bool
    retry_in: float | None = None


# --- The request -------------------------------------------------------------------------------


def covering_agreement(*, detainee_id: int, offer: Offer) -> Agreement | None:
    """The person's active agreement that covers `offer`: the one for that offer first, then
    the one for any offer of its company; None without one."""
    return (
        Agreement.objects.active()
        .covering(offer)
        .filter(detainee_id=detainee_id)
        .order_by(F("offer_id").asc(nulls_last=True), "-recorded_at", "-pk")
        .first()
    )


@transaction.atomic
def transmission_create(
    *, agreement: Agreement, offer: Offer, contact: CompanyContact, by
) -> ProfileTransmission:
    """A profile to send (module docstring); ValidationError in French when it may not go."""
    agreement = (
        Agreement.objects.select_for_update().select_related("detainee").get(pk=agreement.pk)
    )
    if not agreement.is_active:
        raise ValidationError(
            "L'accord de la personne a été retiré : son profil ne peut plus être envoyé.",
            code="agreement",
        )
    if agreement.company_id != offer.company_id or (
        agreement.offer_id is not None and agreement.offer_id != offer.pk
    ):
        raise ValidationError(
            "L'accord de la personne ne couvre pas cette offre.", code="agreement"
        )
    if agreement.detainee.is_released:
        raise ValidationError("La personne est libérée.", code="agreement")
    offer = Offer.objects.select_related("company").get(pk=offer.pk)
    if not (offer.active and offer.company.active):
        raise ValidationError(
            "Cette offre n'est plus active : le profil ne peut pas être envoyé.", code="offer"
        )
    if contact.company_id != offer.company_id:
        raise ValidationError("Ce contact n'est pas un contact de l'entreprise.", code="contact")
    earlier = (
        ProfileTransmission.objects.filter(
            agreement=agreement, offer=offer, email__iexact=contact.email, status__in=LIVE_STATUSES
        )
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        state = "envoyé" if earlier.status == TransmissionStatus.SENT else "en cours d’envoi"
        raise ValidationError(
            f"Ce profil est déjà {state} à {contact.name} pour cette offre.", code="contact"
        )
    return ProfileTransmission.objects.create(
        agreement=agreement,
        offer=offer,
        contact=contact,
        contact_name=contact.name,
        email=contact.email,
        sent_by=by,
        shared_items=list(agreement.shares),
    )


# --- Claim and send ----------------------------------------------------------------------------


def _owed(now: datetime.datetime):
    return ProfileTransmission.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY_MARGIN),
        status=TransmissionStatus.PENDING,
    )


def _cancel_withdrawn(queryset, now: datetime.datetime) -> int:
    return queryset.filter(
        status=TransmissionStatus.PENDING, agreement__withdrawn_at__isnull=False
    ).update(status=TransmissionStatus.CANCELLED, cancelled_at=now, next_attempt_at=None)


def transmission_claim(
    *, transmission_id: int, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Take a row owed (« à envoyer », due, agreement active) by one conditional UPDATE; returns
    the claim's time, or None when the row is not ours: sent, failed, cancelled, another
    worker's, waiting for its next attempt — or its agreement withdrawn (then it is cancelled)."""
    now = now or timezone.now()
    claimed = (
        _owed(now)
        .filter(pk=transmission_id, agreement__withdrawn_at__isnull=True)
        # Counted at the claim: a message that kills its worker every time still ends failed.
        .update(status=TransmissionStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed:
        return now
    _cancel_withdrawn(ProfileTransmission.objects.filter(pk=transmission_id), now)
    return None


def transmission_profile(transmission: ProfileTransmission) -> EmployerProfile:
    """The profile of a transmission, from the data of now, filtered by its agreement."""
    return employer_profile(
        agreement=transmission.agreement, offer=transmission.offer, sender=transmission.sent_by
    )


def transmission_email(
    transmission: ProfileTransmission, profile: EmployerProfile, pdf: bytes
) -> EmailMultiAlternatives:
    """The email of one transmission: French text free of anything the profile does not hold,
    the PDF attached, a stable Message-ID, replies to the officer who sent it."""
    filename = profile_filename(profile)
    headers = {"Message-ID": transmission.message_id}
    if transmission.sent_by is not None and transmission.sent_by.email:
        headers["Reply-To"] = transmission.sent_by.email
    message = email_message(
        EMAIL,
        {"profile": profile, "contact_name": transmission.contact_name, "filename": filename},
        to=[transmission.email],
        headers=headers,
    )
    message.attach(filename, pdf, "application/pdf")
    return message


def transmission_send(*, transmission_id: int) -> Outcome:
    """Send the email owed by one row and record the result (module docstring)."""
    claimed_at = transmission_claim(transmission_id=transmission_id)
    if claimed_at is None:
        return Outcome(done=False)
    transmission = ProfileTransmission.objects.select_related(
        "agreement__detainee__establishment", "offer__company", "sent_by"
    ).get(pk=transmission_id)
    try:
        profile = transmission_profile(transmission)
        pdf = render_profile_pdf(profile)
        message = transmission_email(transmission, profile, pdf)
    except Exception as error:  # a profile that cannot be made is recorded on the row
        logger.exception("Envoi de profil %s : échec de la préparation", transmission_id)
        return _failed(transmission, error)
    # Withdrawn while the PDF was made: nothing goes.
    if Agreement.objects.filter(pk=transmission.agreement_id, withdrawn_at__isnull=False).exists():
        ProfileTransmission.objects.filter(
            pk=transmission_id, status=TransmissionStatus.SENDING
        ).update(status=TransmissionStatus.CANCELLED, cancelled_at=timezone.now())
        return Outcome(done=False)
    try:
        with get_connection() as connection:
            connection.send_messages([message])
    except Exception as error:  # classified below; every failure is recorded on the row
        return _failed(transmission, error)
    # Mark sent at once: this statement closes the at-least-once window (module docstring).
    # A row the sweep put back to « à envoyer » meanwhile is marked sent too: not sent again.
    ProfileTransmission.objects.filter(
        pk=transmission_id,
        status__in=[TransmissionStatus.SENDING, TransmissionStatus.PENDING],
    ).update(
        status=TransmissionStatus.SENT,
        sent_at=timezone.now(),
        sha256=hashlib.sha256(pdf).hexdigest(),
        last_error="",
        next_attempt_at=None,
    )
    return Outcome(done=True)


def _failed(transmission: ProfileTransmission, error: BaseException) -> Outcome:
    transient = is_transient(error)
    attempts = ProfileTransmission.objects.values_list("attempts", flat=True).get(
        pk=transmission.pk
    )
    logger.warning(
        "Envoi de profil %s : échec %s n° %s : %s",
        transmission.pk,
        "temporaire" if transient else "définitif",
        attempts,
        error,
    )
    mine = ProfileTransmission.objects.filter(pk=transmission.pk, status=TransmissionStatus.SENDING)
    if not transient or attempts >= max_delivery_attempts():
        mine.update(
            status=TransmissionStatus.FAILED, last_error=_short(error), next_attempt_at=None
        )
        return Outcome(done=False)
    delay = retry_delay(attempts)
    mine.update(
        status=TransmissionStatus.PENDING,
        last_error=_short(error),
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
    )
    return Outcome(done=False, retry_in=delay)


# --- Sweep -------------------------------------------------------------------------------------


@dataclass
class Owed:
    transmissions: list[int]
    counts: dict[str, int]


def sweep_owed(
    *,
    now: datetime.datetime | None = None,
    grace: int | None = None,
    sending_timeout: int | None = None,
) -> Owed:
    """The rows owed and not done after a lost message, a Redis restart or a killed worker
    (module docstring). Enqueueing them twice is harmless: every task claims its row first."""
    now = now or timezone.now()
    grace = settings.SYNTHESIS_SWEEP_GRACE_SECONDS if grace is None else grace
    if sending_timeout is None:
        sending_timeout = settings.SYNTHESIS_SENDING_TIMEOUT_SECONDS
    before_grace = now - datetime.timedelta(seconds=grace)
    counts = {"cancelled": _cancel_withdrawn(ProfileTransmission.objects.all(), now)}
    stuck = ProfileTransmission.objects.filter(
        status=TransmissionStatus.SENDING,
        claimed_at__lt=now - datetime.timedelta(seconds=sending_timeout),
    )
    counts["failed_stuck"] = stuck.filter(attempts__gte=max_delivery_attempts()).update(
        status=TransmissionStatus.FAILED,
        last_error="Envoi interrompu (processus arrêté) trop de fois.",
    )
    counts["unstuck"] = stuck.update(status=TransmissionStatus.PENDING, next_attempt_at=None)
    owed = list(
        ProfileTransmission.objects.filter(status=TransmissionStatus.PENDING)
        .filter(
            Q(next_attempt_at__isnull=True, created_at__lte=before_grace)
            | Q(next_attempt_at__isnull=True, claimed_at__isnull=False)
            | Q(next_attempt_at__lte=before_grace)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    counts["transmissions"] = len(owed)
    return Owed(transmissions=owed, counts=counts)
