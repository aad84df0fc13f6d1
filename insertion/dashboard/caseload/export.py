"""The CSV export of the caseload: the filtered list, every page, as French spreadsheets open it."""

import datetime

from insertion.core.spreadsheet import safe_cell
from insertion.dashboard.caseload.labels import (
    arrangement_label,
    interview_label,
    requests_label,
    synthesis_label,
)

CSV_HEADER = (
    "Nom",
    "Prénom",
    "N° d'écrou",
    "CPIP référent",
    "Date de libération prévisible",
    "Jours avant la DLP",
    "Jalons essentiels faits",
    "Jalons essentiels",
    "Prochain jalon",
    "Date du prochain jalon",
    "Jalons en retard",
    "Dernier contact",
    "Entretien",
    "Synthèse",
    "Synthèse non lue",
    "Aménagement de peine",
    "Sortie sèche à risque",
    "DLP avancée",
    "Demandes en cours",
    "Demandes en attente depuis plus de 3 mois",
)


def _date(value) -> str:
    # dd/mm/yyyy: French Excel reads it as a date (and sorts it), unlike "12 mars 2026".
    return value.strftime("%d/%m/%Y") if value else ""


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def caseload_csv_rows(people, *, today: datetime.date):
    """The lines of the CSV export: the header, then one line per person of `caseload_rows`."""
    yield CSV_HEADER
    for person in people:
        days_left = (
            (person.expected_release_date - today).days if person.expected_release_date else ""
        )
        yield (
            safe_cell(person.last_name.upper()),
            safe_cell(person.first_name),
            safe_cell(person.ecrou_number),
            safe_cell(person.referent.get_full_name()) if person.referent else "",
            _date(person.expected_release_date),
            days_left,
            person.essential_done if person.essential_total else "",
            person.essential_total or "",
            safe_cell(person.next_due_label or ""),
            _date(person.next_due_date),
            person.late_count,
            _date(person.last_contact_on) or "Jamais",
            interview_label(person.interview_status, person.interview_version),
            synthesis_label(person.synthesis_status),
            _yes(person.synthesis_unread),
            arrangement_label(person.arrangement_kind, person.arrangement_status),
            _yes(person.dry_risk),
            _yes(person.has_unread_alert),
            requests_label(
                person.requests_to_review, person.requests_waiting, person.requests_allocated
            ),
            person.requests_long_waiting,
        )
