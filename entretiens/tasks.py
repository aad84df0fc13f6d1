"""Celery tasks of the syntheses: thin adapters that take a primary key and call a service of
entretiens.delivery, which claims the row (so a message delivered twice does nothing twice).
The services never enqueue; they say what is owed next, and this module sends the messages.

Late acknowledgement: a message is acknowledged once its task has returned, so a worker killed
in the middle leaves it to Redis (redelivered after the visibility timeout) and, sooner, to the
sweep, which finds the row still owed in the database.
"""

import datetime
import logging

from celery import shared_task

from entretiens import deadlines, delivery

logger = logging.getLogger(__name__)


def _retry_later(task, countdown: float) -> None:
    if task.request.is_eager:
        # In-process (no REDIS_URL, the demo): the caller is the validating request, and no
        # broker can hold a delayed message. The row stays owed (pending, next attempt dated)
        # and the sweep takes it up; a Retry raised here would fail the request.
        return
    raise task.retry(countdown=countdown)


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def render_synthesis(self, synthesis_id: int) -> None:
    """Render the PDF of a synthesis, then enqueue its deliveries."""
    outcome = delivery.synthesis_render(synthesis_id=synthesis_id)
    enqueue_deliveries(outcome.deliveries)
    if outcome.retry_in is not None:
        # The number of attempts is bounded by the row (render_attempts), not by Celery.
        _retry_later(self, outcome.retry_in)


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def deliver_synthesis(self, delivery_id: int) -> None:
    """Send the email of one delivery row; transient SMTP errors come back with backoff."""
    outcome = delivery.synthesis_deliver(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        # The number of attempts is bounded by the row (attempts), not by Celery.
        _retry_later(self, outcome.retry_in)


def enqueue_deliveries(delivery_ids) -> None:
    """One message per delivery row, once the current transaction (if any) has committed."""
    for delivery_id in delivery_ids:
        deliver_synthesis.delay_on_commit(delivery_id)


def sweep(
    *,
    now: datetime.datetime | None = None,
    grace: int | None = None,
    render_timeout: int | None = None,
    sending_timeout: int | None = None,
) -> dict[str, int]:
    """Re-enqueue the renderings and emails owed and not done (`delivery.sweep_owed`); returns
    its counts. Plain `delay`: the rows it names are committed already, whoever calls it."""
    owed = delivery.sweep_owed(
        now=now, grace=grace, render_timeout=render_timeout, sending_timeout=sending_timeout
    )
    for synthesis_id in owed.renderings:
        render_synthesis.delay(synthesis_id)
    for delivery_id in owed.deliveries:
        deliver_synthesis.delay(delivery_id)
    if any(owed.counts.values()):
        logger.info("Balayage des synthèses : %s", owed.counts)
    return owed.counts


@shared_task(acks_late=True, ignore_result=True)
def sweep_syntheses() -> dict:
    """Every minute (beat): re-enqueue the renderings and emails owed and not done."""
    return sweep()


@shared_task(acks_late=True, ignore_result=True)
def watch_deadlines() -> int:
    """Every hour (beat): warn about the syntheses due within 24 hours, overdue or failed."""
    return deadlines.watch_deadlines()
