"""Celery tasks of release preparation: thin adapters around the services."""

from celery import shared_task

from insertion.release.alerts import release_alert_send


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_release_alert(self, alert_id: int) -> None:
    """Email the referent that a release date came earlier (once: the row records it)."""
    try:
        release_alert_send(alert_id=alert_id)
    except OSError as error:  # SMTP down: try again later, the row stays owed
        if self.request.is_eager:
            return
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
