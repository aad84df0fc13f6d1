"""Celery tasks of offers and requests: thin adapters around the services."""

from celery import shared_task

from insertion.placements import reminders


@shared_task(acks_late=True, ignore_result=True)
def send_weekly_digests() -> int:
    """Every Monday morning (beat): make the week's digest of each establishment with something
    to say, and send the ones owed (once per establishment and week: the rows record it)."""
    owed = reminders.weekly_digests_prepare()
    # Plain `delay`: the rows are committed already (no transaction is open here).
    for digest_id in owed:
        send_weekly_digest.delay(digest_id)
    return len(owed)


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_weekly_digest(self, digest_id: int) -> None:
    """Email one establishment's weekly digest to the service (once: the row records it)."""
    try:
        reminders.weekly_digest_send(digest_id=digest_id)
    except OSError as error:  # SMTP down: try again later, the row stays owed
        if self.request.is_eager:
            return
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
