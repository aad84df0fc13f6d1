"""The CPIP caseload dashboard (/portefeuille/) and its CSV export. The rules are in the caseload
package; a view reads the filters, fetches, renders."""

import csv

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from insertion.accounts.models import Role
from insertion.accounts.policy import CASELOAD_READERS, role_required
from insertion.audit.log import Action, record
from insertion.core.lists import page_of, page_or_fragment, wants_fragment
from insertion.dashboard.caseload.counters import TOTAL, caseload_counters, caseload_counts
from insertion.dashboard.caseload.export import caseload_csv_rows
from insertion.dashboard.caseload.filters import CaseloadFilterForm
from insertion.dashboard.caseload.selectors import (
    caseload,
    caseload_page_rows,
    caseload_referents,
    caseload_rows,
)


def _filters(request, today) -> tuple[CaseloadFilterForm, list]:
    """The page's filters and, for a manager, the CPIP they may filter on."""
    user = request.user
    referents = list(caseload_referents(user)) if user.role == Role.MANAGER else []
    filters = CaseloadFilterForm(request.GET, user=user, referents=referents, today=today)
    return filters, referents


@require_GET
@role_required(CASELOAD_READERS)
def caseload_dashboard(request):
    user = request.user
    today = timezone.localdate()
    filters, referents = _filters(request, today)
    base_url = reverse("caseload:dashboard")
    # The htmx fragment redraws the results only: it needs the total, not the counters.
    people = caseload(user, filters, today=today)
    shows_counters = not wants_fragment(request)
    counts = caseload_counts(people, filters, today=today, counters=shows_counters)
    rows = caseload_page_rows(people, filters, count=counts[TOTAL])
    context = {
        "filters": filters,
        "referents": referents,
        "counters": (
            caseload_counters(counts, filters, today=today, base_url=base_url)
            if shows_counters
            else []
        ),
        "page_obj": page_of(request, rows),
        "today": today,
        "export_query": filters.query_string(),
        "clear_url": f"{base_url}?{filters.scope_query}" if filters.scope_query else base_url,
    }
    return page_or_fragment(request, "dashboard/caseload.html", context, fragment="caseload")


@require_GET
@role_required(CASELOAD_READERS)
def caseload_export(request):
    """The filtered list, every page, as a CSV French spreadsheets open as they are (";",
    UTF-8 with its BOM). Access-logged: it carries personal data out of the application."""
    user = request.user
    today = timezone.localdate()
    filters, _ = _filters(request, today)
    people = caseload_rows(caseload(user, filters, today=today), filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="portefeuille-{today:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    csv.writer(response, delimiter=";").writerows(caseload_csv_rows(people, today=today))
    record(request=request, action=Action.CASELOAD_EXPORT, object_type="export")
    return response
