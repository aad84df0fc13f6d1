"""The CPIP caseload dashboard (/portefeuille/) and its CSV export. The rules are in
caseload.py; a view reads the filters, fetches, renders."""

import csv

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from insertion.accounts.models import Role
from insertion.accounts.policy import CASELOAD_READERS, role_required
from insertion.audit.log import Action, record
from insertion.dashboard.caseload import (
    ARRANGEMENT_FILTERS,
    HORIZONS,
    NOT_SEEN_MONTHS,
    PAGE_SIZE,
    SORTS,
    CaseloadFilters,
    caseload_counters,
    caseload_csv_rows,
    caseload_referents,
    caseload_rows,
)


def _filters(request):
    """The page's filters and, for a manager, the CPIP they may filter on."""
    user = request.user
    referents = list(caseload_referents(user)) if user.role == Role.MANAGER else []
    filters = CaseloadFilters.from_params(
        request.GET, user=user, referent_ids={str(r.pk) for r in referents}
    )
    return filters, referents


@require_GET
@role_required(CASELOAD_READERS)
def caseload_dashboard(request):
    user = request.user
    today = timezone.localdate()
    filters, referents = _filters(request)
    base_url = reverse("caseload:dashboard")
    page = Paginator(caseload_rows(user, filters, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "filters": filters,
        "referents": referents,
        "counters": caseload_counters(user, filters, today=today, base_url=base_url),
        "page_obj": page,
        "today": today,
        "horizons": HORIZONS,
        "not_seen_months": NOT_SEEN_MONTHS,
        "arrangements": {value: label for value, (label, _) in ARRANGEMENT_FILTERS.items()},
        "sorts": {value: label for value, (label, _) in SORTS.items()},
        "export_query": filters.query_string(),
    }
    template = "dashboard/caseload.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#caseload"
    return render(request, template, context)


@require_GET
@role_required(CASELOAD_READERS)
def caseload_export(request):
    """The filtered list, every page, as a CSV French spreadsheets open as they are (";",
    UTF-8 with its BOM). Access-logged: it carries personal data out of the application."""
    user = request.user
    today = timezone.localdate()
    filters, _ = _filters(request)
    people = caseload_rows(user, filters, today=today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="portefeuille-{today:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    csv.writer(response, delimiter=";").writerows(caseload_csv_rows(people, today=today))
    record(request=request, action=Action.CASELOAD_EXPORT, object_type="export")
    return response
