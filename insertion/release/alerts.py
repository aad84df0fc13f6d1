"""The email of a release alert (a release date brought forward): an outbox of one row each.

Like the synthesis outbox (entretiens/delivery.py): the alert is claimed by a conditional UPDATE
of `email_claimed_at`, its email is sent outside any transaction (no lock held across SMTP,
STYLE.md §28), then the row is dated `emailed_at`. A message delivered twice sends once; a claim
older than CLAIM_TIMEOUT is a dead worker's, and the message that Redis delivers again (late
acknowledgement) takes it over. As with the syntheses, a worker killed between the SMTP reply
and the last UPDATE means a second copy: at least once, never silently lost.
"""

import datetime

from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.utils import timezone

from insertion.core.emails import email_message
from insertion.release.models import ReleaseAlert

CLAIM_TIMEOUT = datetime.timedelta(minutes=10)


def release_alert_claim(*, alert_id: int, now: datetime.datetime | None = None) -> bool:
    """Take the email of an alert; False when it is sent, has no referent to write to, or is
    another worker's (one UPDATE: two workers cannot both get it)."""
    now = now or timezone.now()
    return bool(
        ReleaseAlert.objects.filter(
            Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - CLAIM_TIMEOUT),
            pk=alert_id,
            emailed_at__isnull=True,
            referent__isnull=False,
        ).update(email_claimed_at=now)
    )


def release_alert_email(alert: ReleaseAlert) -> EmailMultiAlternatives:
    context = {"alert": alert, "detainee": alert.detainee, "change": alert.change}
    return email_message("release/emails/release_date_earlier", context, to=[alert.referent.email])


def release_alert_send(*, alert_id: int) -> bool:
    """Email the referent of an alert, once; True when this call sent it. A failure to send
    gives the claim back and propagates (the task retries the SMTP ones)."""
    claimed_at = timezone.now()
    if not release_alert_claim(alert_id=alert_id, now=claimed_at):
        return False
    alert = ReleaseAlert.objects.select_related(
        "detainee__establishment", "referent", "change"
    ).get(pk=alert_id)
    mine = ReleaseAlert.objects.filter(pk=alert_id, emailed_at__isnull=True)
    try:
        release_alert_email(alert).send()
    except Exception:
        mine.filter(email_claimed_at=claimed_at).update(email_claimed_at=None)
        raise
    # Dated even if our claim went stale meanwhile: the email has gone, it is not owed any more.
    mine.update(emailed_at=timezone.now())
    return True
