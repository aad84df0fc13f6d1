"""The exports of the steering tables (issue 15): one table of the user's level's page over the
period, as a CSV or an ODS file, access-logged.

An export writes the page's cells as they are (« 1 234 », « 12,5 % », « secret »): it never
computes a figure, so it cannot show what the page hides. Above the table, the lines a reader of
the file needs without the page: what it is, where and when, how fresh, and what « secret » means.
"""

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from insertion.accounts.policy import INDICATOR_READERS, role_required
from insertion.audit.log import Action, record
from insertion.core.spreadsheet import ODS_CONTENT_TYPE, ods_bytes, safe_cell

from .pages import page_for
from .period import PeriodForm
from .tables import SECRET, Page, StatTable, smallest_shown

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "ods": ODS_CONTENT_TYPE}
NOT_YET = (
    "Les chiffres ne sont pas encore disponibles, aucun tableau ne peut être téléchargé : "
    "ils sont calculés chaque nuit, vers 2 h 30. Revenez demain matin."
)


@require_GET
@role_required(INDICATOR_READERS)
def export_table(request, slug, file_format):
    """The table `slug` of the user's page over the period of the query string. Before the
    first nightly refresh, back to the page, which says when the figures will come."""
    if file_format not in CONTENT_TYPES:
        raise Http404("Format de fichier inconnu.")
    period = PeriodForm(request.GET, today=timezone.localdate())
    page = page_for(request.user, period)
    if page is None:
        messages.info(request, NOT_YET)
        query = f"?{period.query}" if period.query else ""
        return redirect(f"{reverse('dashboard:indicators')}{query}")
    table = page.table(slug)
    if table is None:
        raise Http404("Tableau inconnu.")
    lines, rows = preamble(page, table), table.export_rows()
    if file_format == "csv":
        response = HttpResponse(content_type=CONTENT_TYPES["csv"])
        response.write("\ufeff")  # the BOM: French spreadsheets then read UTF-8
        writer = csv.writer(response, delimiter=";")
        writer.writerows([[safe_cell(line)] for line in lines] + [[]])
        writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    else:
        content = ods_bytes(rows, sheet_name=table.slug, preamble=lines)
        response = HttpResponse(content, content_type=CONTENT_TYPES["ods"])
    name = f"indicateurs-{table.slug}-{slugify(page.period_label)}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    record(request=request, action=Action.STATISTICS_EXPORT, object_type="export")
    return response


def preamble(page: Page, table: StatTable) -> list[str]:
    """The lines above the table: its caption, the scope and period, the date of the figures,
    and the secrecy (or, for a manager's own establishments, that there is none)."""
    if page.secrecy:
        secrecy = (
            f"« {SECRET} » : effectif de 1 à {smallest_shown() - 1}, ou qui permettrait d'en "
            "retrouver un par addition ou soustraction (y compris entre deux périodes), masqué au "
            "titre du secret statistique ; "
            "un taux dont un effectif est masqué l'est aussi."
        )
    else:
        secrecy = (
            "Chiffres exacts de vos établissements, sans secret statistique : un effectif de "
            f"1 à {smallest_shown() - 1} y figure tel quel."
        )
    return [
        table.caption,
        f"{page.scope} — période : {page.period_label}",
        f"Données au {timezone.localtime(page.computed_at):%d/%m/%Y}",
        secrecy,
    ]
