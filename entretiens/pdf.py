"""The synthesis PDF: a Django template rendered to PDF by insertion/core/pdf.py.

``render_synthesis_pdf(synthesis)`` renders the frozen content of a validated interview version,
as the prison teams may read it (``shared_content``: the sections the person asked to keep
private are left out, and the PDF says so), on A4 with the Marianne fonts and the DSFR colours
shipped locally, a header and a footer on every page, and the document metadata (title, language,
author, subject) of a tagged PDF/UA-1 document.

WeasyPrint reads nothing but the synthesis' print stylesheet and the Marianne fonts, named with
the ``static:`` scheme (``static:css/synthesis-print.css``); any other URL — ``http(s)://``,
``file://``, ``data:``, a static file not on the list — makes the rendering fail with
``PdfResourceRefused`` (the fetcher, the fonts and the rendering are insertion/core/pdf.py's).
Every text typed by a user goes through Django's autoescape (and the frise's SVG escapes its own
texts).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from entretiens.choices import BarrierLevel, OrientationKind, Priority, Section
from entretiens.models import InterviewVersion, Synthesis
from entretiens.orientations import orientation_service
from entretiens.sharing import TIMELINE_SECTIONS, shared_content
from entretiens.timeline import events_from_data, timeline_svg, timeline_text
from insertion.core.pdf import (
    STATIC_SCHEME,
    PdfRenderingError,
    PdfResourceRefused,
    PrintStyles,
    render_pdf,
)

__all__ = ["PdfRenderingError", "PdfResourceRefused", "render_synthesis_pdf"]

TEMPLATE = "entretiens/pdf/synthesis.html"
STYLESHEET = f"{STATIC_SCHEME}css/synthesis-print.css"


class _PrintStyles(PrintStyles):
    """The synthesis' print stylesheet and its fonts, parsed once per thread (PrintStyles)."""

    def __init__(self):
        super().__init__(STYLESHEET.removeprefix(STATIC_SCHEME))


_print_styles = _PrintStyles()

# The only files WeasyPrint may read for a synthesis, as static names.
ALLOWED_STATIC_FILES = _print_styles.allowed


def html_to_pdf(html: str) -> bytes:
    """Any HTML string to a tagged PDF with the synthesis' print stylesheet, through the
    allow-list fetcher (also used by the subject access archive and the tests).

    Raises ``PdfResourceRefused`` when the document refers to anything outside the allow-list.
    """
    return render_pdf(html, styles=_print_styles)


def _conducted_on(content: dict) -> str:
    for section in content["sections"]:
        if section["code"] == Section.CONDUCT:
            for item in section["items"]:
                if item["label"] == "Date de l'entretien":
                    return item["value"]
    return ""


# Barrier levels and priorities are shown as badges (DSFR system colours), in these columns.
LEVEL_BADGES = {
    BarrierLevel.NONE.label: "none",
    BarrierLevel.LIGHT.label: "light",
    BarrierLevel.SIGNIFICANT.label: "significant",
    BarrierLevel.BLOCKING.label: "blocking",
}
PRIORITY_BADGES = {
    Priority.HIGH.label: "high",
    Priority.MEDIUM.label: "medium",
    Priority.LOW.label: "low",
}
BADGE_COLUMNS = {"Niveau": LEVEL_BADGES, "Priorité": PRIORITY_BADGES}
POINTS_OF_ATTENTION = "Points de vigilance pour les équipes"
# The field's word for who conducts the interview (VOCABULARY.md: "l'intervenant·e Afpa").
INTERVIEWER_ROLE = "Intervenant·e Afpa"
# Labels of the frozen content shown under another name: versions frozen with the old wording
# read as the new ones.
RENAMED_LABELS = {"Conclusion de l'intervieweur": "Conclusion de l'intervenant·e Afpa"}
# Long free texts are shown as paragraphs under a heading rather than in the label/value table.
LONG_TEXT_LABELS = {POINTS_OF_ATTENTION, "Conclusion de l'intervenant·e Afpa"}
# The content says "Aucun" for an empty multiple choice; these fields are feminine nouns.
FEMININE_ITEMS = {"Habilitations"}
EMPTY = "Non renseigné"
# Each table of the summary, by its caption, gets a class (its column widths in the stylesheet).
TABLE_KINDS = {
    "Diplômes et certifications": "diplomas",
    "Expériences professionnelles": "experiences",
    "Savoir-faire": "know-how",
    "Savoir-être et confiance de la personne": "soft-skills",
    "Projets envisageables": "projects",
    "Freins": "barriers",
    "Orientations préconisées": "orientations",
}


def _table(table: dict) -> dict:
    """A table of the summary, its cells ready for the template (text, and a badge or not)."""
    badges = [BADGE_COLUMNS.get(header, {}) for header in table["headers"]]
    return {
        **table,
        "kind": TABLE_KINDS.get(table["caption"], "generic"),
        "rows": [
            [
                {"text": cell, "badge": column.get(cell, "")}
                for cell, column in zip(row, badges, strict=False)
            ]
            for row in table["rows"]
        ],
    }


SEVERITY = [BarrierLevel.BLOCKING.label, BarrierLevel.SIGNIFICANT.label, BarrierLevel.LIGHT.label]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def _barriers(table: dict) -> tuple[dict, str, list[str]]:
    """The barrier table keeps the barriers found, the most serious first; a summary line
    counts them, and notes name the categories without barrier or not assessed."""
    rows = table["rows"]
    found = sorted(
        (row for row in rows if row[1] in SEVERITY), key=lambda row: SEVERITY.index(row[1])
    )
    counts = [(level, sum(row[1] == level for row in found)) for level in SEVERITY]
    if found:
        summary = f"{_plural(len(found), 'frein')} relevé{'s' if len(found) > 1 else ''} : "
        summary += ", ".join(_plural(n, level.lower()) for level, n in counts if n) + "."
    else:
        summary = ""
    notes = []
    none = [row[0] for row in rows if row[1] == BarrierLevel.NONE.label]
    if none:
        notes.append("Aucun frein relevé pour : " + ", ".join(none) + ".")
    unknown = [row[0] for row in rows if row[1] not in SEVERITY and row[0] not in none]
    if unknown:
        notes.append("Non renseigné : " + ", ".join(unknown) + ".")
    return {**table, "rows": found, "empty": "Aucun frein relevé."}, summary, notes


def _item(item: dict) -> dict:
    """An item of the frozen content as the PDF words it (labels renamed, "Aucune" agreed)."""
    label = RENAMED_LABELS.get(item["label"], item["label"])
    value = item["value"]
    if value == "Aucun" and label in FEMININE_ITEMS:
        value = "Aucune"
    return {**item, "label": label, "value": value}


def _sections(content: dict) -> list[dict]:
    sections = []
    for number, section in enumerate(content["sections"], start=1):
        all_items = [_item(i) for i in section["items"]]
        items = [i for i in all_items if i["label"] not in LONG_TEXT_LABELS]
        texts = [i for i in all_items if i["label"] in LONG_TEXT_LABELS]
        tables, summary, notes = section["tables"], "", []
        if section["code"] == Section.BARRIERS and tables:
            barriers, summary, notes = _barriers(tables[0])
            tables = [barriers, *tables[1:]]
        sections.append(
            {
                **section,
                "number": number,
                "items": items,
                "texts": texts,
                "tables": [_table(t) for t in tables],
                "summary": summary,
                "notes": notes,
            }
        )
    return sections


ORIENTATION_KINDS = {label: value for value, label in OrientationKind.choices}
PRIORITY_ORDER = [Priority.HIGH.label, Priority.MEDIUM.label, Priority.LOW.label]
# The barriers the first page names: the ones the teams must act on.
ESSENTIAL_LEVELS = [BarrierLevel.BLOCKING.label, BarrierLevel.SIGNIFICANT.label]


def _rows(section: dict | None, caption: str) -> list[list[str]]:
    for table in section["tables"] if section else ():
        if table["caption"] == caption:
            return table["rows"]
    return []


def _essentials(content: dict) -> dict:
    """The first page, "L'essentiel": projects and their maturity, blocking and important
    barriers, orientations by priority with the service each goes to, points of attention.

    Read from the shared content only: a withheld section gives nothing here but its mention,
    as in the details."""
    sections = {s["code"]: s for s in content["sections"]}

    def part(code: str) -> tuple[dict | None, bool]:
        section = sections.get(code)
        return section, bool(section and section["withheld"])

    projects_section, projects_withheld = part(Section.PROJECTS)
    barriers_section, barriers_withheld = part(Section.BARRIERS)
    advice_section, advice_withheld = part(Section.RECOMMENDATIONS)

    projects = [
        {"kind": row[0], "target": row[1], "horizon": row[2], "maturity": row[3]}
        for row in _rows(projects_section, "Projets envisageables")
    ]
    barriers = sorted(
        (
            {
                "label": row[0],
                "level": row[1],
                "badge": LEVEL_BADGES[row[1]],
                "details": row[2] if len(row) > 2 else "",
            }
            for row in _rows(barriers_section, "Freins")
            if row[1] in ESSENTIAL_LEVELS
        ),
        key=lambda barrier: ESSENTIAL_LEVELS.index(barrier["level"]),
    )
    orientations = sorted(
        (
            {
                "label": row[0],
                "priority": row[1],
                "badge": PRIORITY_BADGES.get(row[1], ""),
                "service": orientation_service(ORIENTATION_KINDS.get(row[0], "")),
                "details": row[2] if len(row) > 2 else "",
            }
            for row in _rows(advice_section, "Orientations préconisées")
        ),
        key=lambda o: PRIORITY_ORDER.index(o["priority"]) if o["priority"] in PRIORITY_ORDER else 9,
    )
    attention = next(
        (
            item["value"]
            for item in (advice_section or {}).get("items", ())
            if item["label"] == POINTS_OF_ATTENTION and item["value"] != EMPTY
        ),
        "",
    )
    return {
        "projects": projects,
        "projects_withheld": projects_withheld,
        "barriers": barriers,
        "barriers_withheld": barriers_withheld,
        "orientations": orientations,
        "attention": attention,
        "advice_withheld": advice_withheld,
    }


def _quoted_list(titles: list[str]) -> str:
    """« A », « B » et « C »."""
    quoted = [f"« {title} »" for title in titles]
    return " et ".join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else "".join(quoted)


def _version(synthesis: Synthesis) -> InterviewVersion:
    """The frozen version and who validated it, in one query (none when it is already loaded)."""
    if Synthesis.version.is_cached(synthesis):
        return synthesis.version
    return InterviewVersion.objects.select_related("validated_by").get(pk=synthesis.version_id)


def _interviewer(content: dict, version: InterviewVersion) -> str:
    """The intervenant·e Afpa named in the frozen content, or else the one who validated the
    version (the content names the interview's interviewer as it was before the validation)."""
    name = content.get("interviewer") or ""
    if name or version.validated_by_id is None:
        return name
    return version.validated_by.get_full_name()


def synthesis_context(synthesis: Synthesis) -> dict:
    """What the template shows: the essentials first, then the shared content, the frise, the
    version and what it replaces."""
    version = _version(synthesis)
    content = shared_content(version.content)
    validated_on = timezone.localtime(version.validated_at).date()
    events = events_from_data(content.get("timeline", []))
    withheld = [s for s in content["sections"] if s["withheld"]]
    person = content["person"]
    interviewer = _interviewer(content, version)
    establishment = person.get("establishment") or synthesis.establishment.name
    frise_withheld = [s["title"] for s in withheld if s["code"] in TIMELINE_SECTIONS.values()]
    validated_text = date_format(validated_on, "j F Y")
    return {
        "number": synthesis.number,
        "replaces": synthesis.replaces.number if synthesis.replaces_id else None,
        "rectification_reason": version.rectification_reason,
        "person": person,
        "interviewer": interviewer,
        "interviewer_role": INTERVIEWER_ROLE,
        "interviewer_role_in_text": INTERVIEWER_ROLE[0].lower() + INTERVIEWER_ROLE[1:],
        "establishment": establishment,
        "conducted_on": _conducted_on(content),
        "validated_on": validated_text,
        "validated_on_iso": validated_on.isoformat(),
        "essentials": _essentials(content),
        "sections": _sections(content),
        "withheld": withheld,
        "withheld_titles": _quoted_list([s["title"] for s in withheld]),
        "frise": {
            "svg": timeline_svg(events, today=validated_on, svg_id=f"frise-{synthesis.pk}"),
            "text": timeline_text(events, today=validated_on),
            "withheld": frise_withheld,
            "withheld_titles": _quoted_list(frise_withheld),
        },
        "title": f"Synthèse — {person['name']} — version {synthesis.number}",
        "author": interviewer or "Insertion",
        "subject": (
            f"Synthèse de l'entretien socio-professionnel de {person['name']}, {establishment}, "
            f"version {synthesis.number} validée le {validated_text}"
        ),
    }


def render_synthesis_pdf(synthesis: Synthesis) -> bytes:
    """The PDF of one synthesis version, as bytes."""
    return html_to_pdf(render_to_string(TEMPLATE, synthesis_context(synthesis)))
