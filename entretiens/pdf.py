"""The synthesis PDF: a Django template rendered by WeasyPrint (the only module that imports it).

``render_synthesis_pdf(synthesis)`` renders the frozen content of a validated interview version,
as the prison teams may read it (``shared_content``: the sections the person asked to keep
private are left out, and the PDF says so), on A4 with the Marianne fonts and the DSFR colours
shipped locally, a header and a footer on every page, and the document metadata (title, language,
author, subject) of a tagged PDF/UA-1 document.

WeasyPrint reads nothing but a short allow-list of the project's static files, named with the
``static:`` scheme (``static:css/synthesis-print.css``); any other URL — ``http(s)://``,
``file://``, ``data:``, a static file not on the list — makes the rendering fail with
``PdfResourceRefused``. Every text typed by a user goes through Django's autoescape (and the
frise's SVG escapes its own texts).
"""

from __future__ import annotations

import functools
import io
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from fontTools.ttLib import woff2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from entretiens.choices import BarrierLevel, OrientationKind, Priority, Section
from entretiens.models import InterviewVersion, Synthesis
from entretiens.orientations import orientation_service
from entretiens.sharing import TIMELINE_SECTIONS, shared_content
from entretiens.timeline import events_from_data, timeline_svg, timeline_text
from insertion.core.collector import cyclic_gc_paused

__all__ = ["PdfRenderingError", "PdfResourceRefused", "render_synthesis_pdf"]

TEMPLATE = "entretiens/pdf/synthesis.html"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF (structure tree, /MarkInfo), PDF 1.7
STATIC_SCHEME = "static:"
STYLESHEET = "static:css/synthesis-print.css"

# The only files WeasyPrint may read, as static names (resolved by the staticfiles finders).
ALLOWED_STATIC_FILES = frozenset(
    {
        "css/synthesis-print.css",
        "dsfr/dist/fonts/Marianne-Regular.woff2",
        "dsfr/dist/fonts/Marianne-Medium.woff2",
        "dsfr/dist/fonts/Marianne-Bold.woff2",
    }
)

# What the fetcher serves (a .woff2 font is served decoded, see _static_bytes).
CONTENT_TYPES = {".css": "text/css", ".woff2": "font/ttf"}


class PdfRenderingError(RuntimeError):
    """The PDF could not be rendered."""


class PdfResourceRefused(PdfRenderingError):
    """The document asked for a resource outside the allow-list."""


class StaticFilesFetcher(URLFetcher):
    """Serves the allow-listed static files, refuses everything else (never the network, never
    the file system outside the static folders). A refusal stops the rendering."""

    def __init__(self):
        super().__init__(allowed_protocols=("static",), allow_redirects=False, fail_on_errors=True)

    def fetch(self, url, headers=None):
        if not url.startswith(STATIC_SCHEME):
            raise PdfResourceRefused(f"Ressource refusée dans le PDF : {url[:200]}")
        name = unquote(url.removeprefix(STATIC_SCHEME).split("?", 1)[0].split("#", 1)[0])
        if name not in ALLOWED_STATIC_FILES:
            raise PdfResourceRefused(f"Fichier statique non autorisé dans le PDF : {name[:200]}")
        path = finders.find(name)
        if not path:
            raise PdfResourceRefused(f"Fichier statique introuvable : {name}")
        path = Path(path)
        body = _static_bytes(path, path.stat().st_mtime_ns)
        content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type or ""})


@functools.lru_cache(maxsize=len(ALLOWED_STATIC_FILES))
def _static_bytes(path: Path, mtime_ns: int) -> bytes:
    """The file's bytes, read once per process (and again if it changes). A .woff2 font is
    decoded here to plain TrueType: WeasyPrint would otherwise decode it with fontTools at every
    rendering, which costs about 40 ms per font."""
    del mtime_ns  # part of the cache key only
    data = path.read_bytes()
    if path.suffix == ".woff2":
        out = io.BytesIO()
        woff2.decompress(io.BytesIO(data), out)
        data = out.getvalue()
    return data


class _PrintStyles(threading.local):
    """The print stylesheet, parsed once per thread with the FontConfiguration its @font-face
    rules register in, and parsed again if the file changes.

    Parsing it cost about 20 ms per PDF, and a FontConfiguration reused keeps what Pango
    measured for the previous documents; WeasyPrint objects are not shared between threads.
    """

    version: int | None = None
    fonts: FontConfiguration | None = None
    stylesheet: CSS | None = None

    def get(self, fetcher: URLFetcher) -> tuple[FontConfiguration, CSS]:
        path = finders.find(STYLESHEET.removeprefix(STATIC_SCHEME))
        version = Path(path).stat().st_mtime_ns if path else None
        if self.stylesheet is None or version != self.version:
            fonts = FontConfiguration()  # the stylesheet's @font-face rules register here
            stylesheet = CSS(url=STYLESHEET, url_fetcher=fetcher, font_config=fonts)
            self.version, self.fonts, self.stylesheet = version, fonts, stylesheet
        return self.fonts, self.stylesheet


_print_styles = _PrintStyles()


def html_to_pdf(html: str) -> bytes:
    """Any HTML string to a tagged PDF with the print stylesheet, through the allow-list
    fetcher (also used by the tests).

    Raises ``PdfResourceRefused`` when the document refers to anything outside the allow-list.
    """
    fetcher = StaticFilesFetcher()
    try:
        fonts, stylesheet = _print_styles.get(fetcher)
        document = HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=fetcher)
        # The layout's boxes are thousands of objects alive until the end: the cyclic collector
        # would scan them again and again (a third of the rendering time).
        with cyclic_gc_paused():
            return document.write_pdf(
                stylesheets=[stylesheet], font_config=fonts, pdf_variant=PDF_VARIANT
            )
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal fetching error is a BaseException: the task that calls us catches
        # Exception, so it becomes an ordinary error here, with our fetcher's message.
        raise PdfResourceRefused(str(error.__cause__ or error)) from None


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
