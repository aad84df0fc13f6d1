"""The steering report from the page (issue 15): the PDF of the user's level's page over the
period of the query string, and the subscription of national steering to the monthly report by
email (report.py)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from insertion.accounts.policy import (
    INDICATOR_READERS,
    NATIONAL_STATISTICS_READERS,
    role_required,
)
from insertion.audit.log import Action, record

from .pages import page_for
from .period import PeriodForm
from .report import (
    render_report_pdf,
    report_filename,
    report_subscribe,
    report_unsubscribe,
)

NOT_YET = (
    "Les chiffres ne sont pas encore disponibles, le rapport ne peut pas être téléchargé : "
    "ils sont calculés chaque nuit, vers 2 h 30. Revenez demain matin."
)
SUBSCRIBED = (
    "Vous recevrez par courriel le rapport mensuel de pilotage, le 1er de chaque mois, "
    "à partir du mois prochain."
)
UNSUBSCRIBED = "Vous ne recevrez plus le rapport mensuel de pilotage par courriel."


def _page_url(period: PeriodForm) -> str:
    query = f"?{period.query}" if period.query else ""
    return f"{reverse('dashboard:indicators')}{query}"


@require_GET
@role_required(INDICATOR_READERS)
def report_pdf(request):
    """The report of the user's page over the period, as a PDF attachment. Before the first
    nightly refresh, back to the page with a message saying when the figures will come."""
    period = PeriodForm(request.GET, today=timezone.localdate())
    page = page_for(request.user, period)
    if page is None:
        messages.info(request, NOT_YET)
        return redirect(_page_url(period))
    data = render_report_pdf(page)
    record(request=request, action=Action.STATISTICS_REPORT, object_type="rapport")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(page.months)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(NATIONAL_STATISTICS_READERS)
@require_POST
def subscription(request):
    """Subscribe (`abonnement=1`) or unsubscribe (anything else) the national steering user to
    the monthly report, then back to the page over the same period (the action's query)."""
    period = PeriodForm(request.GET, today=timezone.localdate())
    if request.POST.get("abonnement") == "1":
        report_subscribe(user=request.user)
        messages.success(request, SUBSCRIBED)
    else:
        report_unsubscribe(user=request.user)
        messages.success(request, UNSUBSCRIBED)
    record(request=request, action=Action.STATISTICS_SUBSCRIPTION, object_type="abonnement")
    return redirect(_page_url(period))
