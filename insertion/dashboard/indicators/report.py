"""The steering report (issue 15): a level's page over a period as an A4 PDF, downloadable from
the page, and the national report of each month emailed on the first of the next month to the
national steering users who subscribed.

The PDF (`render_report_pdf`) has the same headline figures, the same sections with the same
charts (their SVG inline, their data table shown) and the same tables, the definitions,
« Données au … », the scope and the period, page numbers in the footer. It draws the Page
(tables.py) that the page and the exports draw, cell for cell, so that it cannot show what they
hide: no figure is computed here. Rendered by insertion/core/pdf.py with the print stylesheet
static/css/indicators-print.css and the Marianne fonts, nothing else.

The monthly email is an outbox (statistics.models.MonthlyReportDelivery), as the weekly digest of
the requests (placements/reminders.py):
- on the first of the month (beat, dashboard/tasks.py), `monthly_reports_prepare` makes one row
  per subscriber still active with the national role, for the month just ended (once: a second
  run makes nothing, the unique constraint says so);
- `monthly_report` renders the month's national report once for all (statistics.MonthlyReport),
  from figures computed after the month ended; before them (no refresh yet, or none since the
  month ended) there is no report, nothing is sent and the rows wait for the hourly sweep;
- `monthly_report_send` claims a row by a conditional UPDATE of `email_claimed_at` (counting an
  attempt), sends outside any transaction, then dates `sent_at`. A failure gives the claim back
  with its error and propagates (the task retries the SMTP ones with backoff; the sweep takes the
  row again later, up to MAX_ATTEMPTS). A subscriber who unsubscribed, left the national role or
  was deactivated before the email went gets nothing.
A report not sent by the end of its month is dropped: the next one replaces it. As everywhere
across SMTP, a worker killed between the SMTP reply and the last UPDATE means a second copy
(same Message-ID): at least once, never silently lost.
"""

import datetime
import logging

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from insertion.core.emails import email_message
from insertion.core.pdf import PrintStyles, render_pdf, trim_block_ends
from insertion.establishments.models import Establishment
from insertion.statistics import figures
from insertion.statistics.models import MonthlyReport, MonthlyReportDelivery, ReportSubscription
from insertion.statistics.snapshot import shift_months

from .pages import national_page, with_partners
from .period import month_label
from .tables import Page, smallest_shown

logger = logging.getLogger(__name__)

TEMPLATE = "dashboard/indicators/report.html"
EMAIL = "dashboard/indicators/emails/monthly_report"
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 10  # claims of one row, retries and sweeps together
_print_styles = PrintStyles("css/indicators-print.css")
# A table of more lines than this runs over pages (its header repeated); a shorter one is kept
# whole, on the next page if need be (a page holds about 50 lines).
LONG_TABLE_LINES = 35


# --- The PDF -----------------------------------------------------------------------------------


def report_context(page: Page) -> dict:
    computed_at = timezone.localtime(page.computed_at) if page.computed_at else None
    as_of = date_format(computed_at, "j F Y") if computed_at else ""
    return {
        "page": page,
        "threshold": smallest_shown(),
        "long_tables": {
            table.slug
            for table in page.tables()
            if sum(len(group.rows) + bool(group.title) for group in table.groups) > LONG_TABLE_LINES
        },
        "computed_at": computed_at,
        "title": f"{page.title} — {page.period_label}",
        "subject": (
            f"Rapport de pilotage : {page.scope}, période « {page.period_label} », "
            f"données au {as_of}"
        ),
        "created_iso": computed_at.date().isoformat() if computed_at else "",
    }


def render_report_pdf(page: Page) -> bytes:
    """The report of the page, as PDF bytes. Reads nothing from the database."""
    html = trim_block_ends(render_to_string(TEMPLATE, report_context(page)))
    return render_pdf(html, styles=_print_styles)


def report_filename(months: list[datetime.date]) -> str:
    """The file's name after the months the figures cover, whatever the selector said:
    « rapport-indicateurs-2026-11.pdf », « rapport-indicateurs-2025-12-a-2026-11.pdf »."""
    first, last = min(months), max(months)
    period = f"{first:%Y-%m}" if first == last else f"{first:%Y-%m}-a-{last:%Y-%m}"
    return f"rapport-indicateurs-{period}.pdf"


# --- Subscription ------------------------------------------------------------------------------


def is_subscribed(user) -> bool:
    return ReportSubscription.objects.filter(user=user).exists()


def report_subscribe(*, user) -> bool:
    """Subscribe a national steering user (the view checks the role); False if already."""
    _subscription, created = ReportSubscription.objects.get_or_create(user=user)
    return created


def report_unsubscribe(*, user) -> bool:
    """False if the user was not subscribed. The rows of this month not sent yet are not sent:
    `owed` reads the subscription."""
    deleted, _ = ReportSubscription.objects.filter(user=user).delete()
    return bool(deleted)


# --- The monthly email -------------------------------------------------------------------------


def report_month(today: datetime.date) -> datetime.date:
    """The month just ended: the report sent on the first of December is November's."""
    return shift_months(today.replace(day=1), -1)


def monthly_page(month: datetime.date) -> Page | None:
    """The national page of the month, over every establishment; None while the figures do not
    cover the whole month yet (before the first refresh, or none since the month ended)."""
    computed_at = figures.freshness()
    if computed_at is None or timezone.localdate(computed_at) < shift_months(month, 1):
        return None
    establishments = list(
        Establishment.objects.select_related("region").order_by("region__name", "name")
    )
    # The « today » indicators as the page shows them over the same month (period.today_month).
    today = timezone.localdate()
    page = national_page(establishments, [month], month_label(month), computed_at, today=today)
    return with_partners(page, establishments, by="region", today=today)


def monthly_report(month: datetime.date) -> MonthlyReport | None:
    """The month's national report, rendered once for all its recipients: the one kept, or
    rendered and kept now; None while its figures are not there (`monthly_page`)."""
    report = MonthlyReport.objects.filter(month=month).first()
    if report is not None:
        return report
    page = monthly_page(month)
    if page is None:
        return None
    pdf = render_report_pdf(page)
    try:
        report, _created = MonthlyReport.objects.get_or_create(
            month=month, defaults={"pdf": pdf, "computed_at": page.computed_at}
        )
    except IntegrityError:  # another worker kept its own meanwhile: theirs is as good
        report = MonthlyReport.objects.get(month=month)
    return report


def monthly_reports_prepare(*, today: datetime.date | None = None) -> list[int]:
    """Make the row of every subscriber who still receives the report, for the month just
    ended (once per month and subscriber); returns the rows of that month still owed."""
    today = today or timezone.localdate()
    month = report_month(today)
    subscribers = ReportSubscription.objects.eligible().order_by("pk").values_list("user_id")
    MonthlyReportDelivery.objects.bulk_create(
        [MonthlyReportDelivery(month=month, user_id=user_id) for (user_id,) in subscribers],
        ignore_conflicts=True,  # the rows made by an earlier run stay as they are
    )
    return monthly_reports_owed(today=today)


def monthly_reports_owed(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> list[int]:
    """The rows of the month just ended to send now: not sent, not another worker's, attempts
    left (the sweep's list)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return list(
        _free(MonthlyReportDelivery.objects.owed(), now)
        .filter(month=report_month(today), attempts__lt=MAX_ATTEMPTS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _free(queryset, now: datetime.datetime):
    return queryset.filter(
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - CLAIM_TIMEOUT)
    )


def monthly_report_claim(
    *, delivery_id: int, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> bool:
    """Take the email of a row of the month just ended (counting an attempt); False when it is
    sent, of an older month, out of attempts, no longer owed to its user, or another worker's
    (one UPDATE: two workers cannot both get it)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return bool(
        _free(MonthlyReportDelivery.objects.owed(), now)
        .filter(pk=delivery_id, month=report_month(today), attempts__lt=MAX_ATTEMPTS)
        .update(email_claimed_at=now, attempts=F("attempts") + 1)
    )


def monthly_report_email(
    delivery: MonthlyReportDelivery, report: MonthlyReport
) -> EmailMultiAlternatives:
    month = month_label(delivery.month).lower()
    context = {
        "user": delivery.user,
        "month": month,
        "computed_at": timezone.localtime(report.computed_at),
        "threshold": smallest_shown(),
    }
    message = email_message(
        EMAIL, context, to=[delivery.user.email], headers={"Message-ID": delivery.message_id}
    )
    message.attach(report_filename([delivery.month]), bytes(report.pdf), "application/pdf")
    return message


def monthly_report_send(*, delivery_id: int, today: datetime.date | None = None) -> bool:
    """Email the month's report to the row's user, once; True when this call sent it. Before
    the month's figures, the row gives its claim (and the attempt) back and waits. A failure
    gives the claim back, keeps the error and propagates (the task retries the SMTP ones)."""
    claimed_at = timezone.now()
    if not monthly_report_claim(delivery_id=delivery_id, today=today, now=claimed_at):
        return False
    mine = MonthlyReportDelivery.objects.filter(
        pk=delivery_id, sent_at__isnull=True, email_claimed_at=claimed_at
    )
    delivery = MonthlyReportDelivery.objects.select_related("user").get(pk=delivery_id)
    try:
        report = monthly_report(delivery.month)
        if report is None:
            logger.info(
                "Rapport mensuel de %s : les chiffres du mois ne sont pas encore calculés, "
                "l'envoi %s attend.",
                f"{delivery.month:%m/%Y}",
                delivery.pk,
            )
            mine.update(email_claimed_at=None, attempts=F("attempts") - 1)
            return False
        monthly_report_email(delivery, report).send()
    except Exception as error:
        mine.update(email_claimed_at=None, last_error=f"{type(error).__name__}: {error}"[:1000])
        raise
    # Dated even if our claim went stale meanwhile: the email has gone, it is not owed any more.
    MonthlyReportDelivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(
        sent_at=timezone.now(), last_error=""
    )
    return True
