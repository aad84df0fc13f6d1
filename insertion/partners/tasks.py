"""Celery tasks of the profiles sent to partner companies: thin adapters that take a primary key
and call a service of insertion/partners/transmissions.py, which claims the row first (a message
delivered twice sends once). The services never enqueue; this module sends the messages.

The daily `purge_partners` applies the retention rule of retention.py (the same function as the
command `purge_partners --apply`).

Late acknowledgement, as for the syntheses (entretiens/tasks.py): a worker killed in the middle
leaves the message to Redis and, sooner, to the sweep, which finds the row still owed.
"""

import datetime
import logging

from celery import shared_task

from insertion.partners import retention, transmissions

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def send_profile(self, transmission_id: int) -> None:
    """Send one profile; transient SMTP errors come back with backoff."""
    outcome = transmissions.transmission_send(transmission_id=transmission_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        # The number of attempts is bounded by the row (attempts), not by Celery. In-process
        # (the demo), no broker holds a delayed message: the row stays owed, the sweep takes it.
        raise self.retry(countdown=outcome.retry_in)


def enqueue(transmission_id: int) -> None:
    """One message for a row, once the current transaction (if any) has committed."""
    send_profile.delay_on_commit(transmission_id)


def sweep(
    *,
    now: datetime.datetime | None = None,
    grace: int | None = None,
    sending_timeout: int | None = None,
) -> dict[str, int]:
    """Re-enqueue the profiles owed and not sent (`transmissions.sweep_owed`); returns its
    counts. Plain `delay`: the rows it names are committed already."""
    owed = transmissions.sweep_owed(now=now, grace=grace, sending_timeout=sending_timeout)
    for transmission_id in owed.transmissions:
        send_profile.delay(transmission_id)
    if any(owed.counts.values()):
        logger.info("Balayage des envois de profils : %s", owed.counts)
    return owed.counts


@shared_task(acks_late=True, ignore_result=True)
def sweep_transmissions() -> dict:
    """Every minute (beat): re-enqueue the profiles owed and not sent."""
    return sweep()


@shared_task(acks_late=True, ignore_result=True)
def purge_partners() -> dict:
    """Daily (beat): delete the partner companies' data past its retention (retention.py)."""
    return dict(retention.partners_purge(apply=True))
