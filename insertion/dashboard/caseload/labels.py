"""What a cell of the caseload says, in French: the page and the CSV export share it."""

import datetime

from entretiens.choices import InterviewStatus, SynthesisStatus
from insertion.detainees.models import ArrangementKind, ArrangementStatus

# Short names of the arrangements for a table cell (the full label is the abbr's title).
ARRANGEMENT_ABBREVIATIONS = {
    ArrangementKind.LSC: ("LSC", "Libération sous contrainte"),
    ArrangementKind.DDSE: ("DDSE", "Détention à domicile sous surveillance électronique"),
    ArrangementKind.SEMI_LIBERTE: ("SL", "Semi-liberté"),
    ArrangementKind.PLACEMENT_EXTERIEUR: ("PE", "Placement à l'extérieur"),
    ArrangementKind.LIBERATION_CONDITIONNELLE: ("LC", "Libération conditionnelle"),
}
_INTERVIEW_LABELS = {
    InterviewStatus.TO_DO: "Entretien à réaliser",
    InterviewStatus.DRAFT: "Entretien en cours de saisie",
    InterviewStatus.VALIDATED: "Entretien validé",
    InterviewStatus.NOT_DONE: "Entretien non réalisé",
}
_SYNTHESIS_LABELS = {
    SynthesisStatus.PENDING: "Synthèse en préparation",
    SynthesisStatus.RENDERED: "Synthèse en cours d'envoi",
    SynthesisStatus.DELIVERED: "Synthèse envoyée",
    SynthesisStatus.FAILED: "Synthèse en échec",
}


def days_left_label(expected_release_date, today: datetime.date) -> str:
    if expected_release_date is None:
        return ""
    days = (expected_release_date - today).days
    if days < 0:
        return "dépassée"
    if days == 0:
        return "aujourd'hui"
    if days == 1:
        return "demain"
    return f"dans {days} jours"


def interview_label(status: str | None, version: int | None) -> str:
    if not status:
        return "Aucun entretien"
    if status == InterviewStatus.DRAFT and version:
        return "Entretien validé, rectification en cours"
    return _INTERVIEW_LABELS.get(status, "")


def synthesis_label(status: str | None) -> str:
    return _SYNTHESIS_LABELS.get(status, "") if status else ""


def arrangement_abbreviation(kind: str | None) -> tuple[str, str]:
    """("LSC", "Libération sous contrainte"), or ("", "") without an arrangement."""
    return ARRANGEMENT_ABBREVIATIONS.get(kind, ("", "")) if kind else ("", "")


def arrangement_status_label(status: str | None) -> str:
    return ArrangementStatus(status).label if status else ""


def arrangement_label(kind: str | None, status: str | None) -> str:
    if not kind:
        return "Aucun"
    return f"{arrangement_abbreviation(kind)[0]} ({arrangement_status_label(status).lower()})"


def requests_label(to_review: int, waiting: int, allocated: int) -> str:
    """The person's open requests by state, in short: « 1 à examiner · 2 en attente · 1
    affectée »; "" without one."""
    parts = []
    if to_review:
        parts.append(f"{to_review} à examiner")
    if waiting:
        parts.append(f"{waiting} en attente")
    if allocated:
        parts.append(f"{allocated} affectée{'s' if allocated > 1 else ''}")
    return " · ".join(parts)
