"""Celery tasks of the steering pages: the monthly report by email and what each month's
national page hides, thin adapters around dashboard/indicators/report.py and pages.py."""

import logging

from celery import shared_task
from django.utils import timezone

from insertion.dashboard.indicators import pages, report

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def send_monthly_reports() -> int:
    """On the first of the month (beat): make the row of each subscriber for the month just
    ended, render its report once, and send the rows owed (once per month and subscriber)."""
    owed = report.monthly_reports_prepare()
    if owed:
        _render_once()
    # Plain `delay`: the rows are committed already (no transaction is open here).
    for delivery_id in owed:
        send_monthly_report.delay(delivery_id)
    return len(owed)


@shared_task(acks_late=True, ignore_result=True)
def sweep_monthly_reports() -> int:
    """Hourly (beat): send again the rows of the month just ended still owed — waiting for the
    month's figures, lost by Redis, left by a dead worker, or failed with attempts left."""
    owed = report.monthly_reports_owed()
    if owed:
        _render_once()
    for delivery_id in owed:
        send_monthly_report.delay(delivery_id)
    return len(owed)


def _render_once() -> None:
    """The month's report, rendered here before the emails' tasks so that they all attach the
    same one instead of rendering it side by side. A failure is the rows' to record: each
    task tries again and keeps its error."""
    try:
        report.monthly_report(report.report_month(timezone.localdate()))
    except Exception:
        logger.exception("Rapport mensuel : le rendu a échoué, chaque envoi le retentera.")


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_monthly_report(self, delivery_id: int) -> None:
    """Email one subscriber the month's report (once: the row records it)."""
    try:
        report.monthly_report_send(delivery_id=delivery_id)
    except OSError as error:  # SMTP down: try again later, the row stays owed
        if self.request.is_eager:
            return
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error


@shared_task(acks_late=True, ignore_result=True)
def prepare_months_secrecy() -> int:
    """Nightly (beat), after the statistics' refresh: what the national page of every month
    offered hides, so that the first reader of the day does not wait for it."""
    return pages.prepare_months_secrecy()
