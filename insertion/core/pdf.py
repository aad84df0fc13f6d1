"""PDF rendering: an HTML string to a tagged PDF with WeasyPrint, the only module that imports it
(STYLE.md §10). The synthesis (entretiens/pdf.py) and the monthly steering report
(insertion/dashboard/indicators/report.py) each give their template's HTML and their print
stylesheet; everything else is shared here:

- the fetcher: WeasyPrint reads nothing but the document's stylesheet and the Marianne fonts
  that django-dsfr ships, named with the ``static:`` scheme (``static:css/synthesis-print.css``).
  Any other URL — ``http(s)://``, ``file://``, ``data:``, a static file not on the document's
  list — makes the rendering fail with ``PdfResourceRefused``;
- the stylesheet and its fonts, parsed once per thread (``PrintStyles``);
- the rendering itself, with the cyclic garbage collector paused, as PDF/UA-1 (tagged: a
  structure tree, /MarkInfo). The document's metadata come from its ``<head>``: ``<html lang>``,
  ``<title>``, and the ``author``, ``description``, ``keywords``, ``generator`` and
  ``dcterms.created`` meta tags, which WeasyPrint writes into the PDF.

Every text typed by a user goes through Django's autoescape in the templates (and the SVG of the
frise and of the charts escapes its own texts).
"""

from __future__ import annotations

import functools
import io
import mimetypes
import re
import threading
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from fontTools.ttLib import woff2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from insertion.core.collector import cyclic_gc_paused

__all__ = [
    "FONT_FILES",
    "PdfRenderingError",
    "PdfResourceRefused",
    "PrintStyles",
    "StaticFilesFetcher",
    "render_pdf",
    "trim_block_ends",
]

PDF_VARIANT = "pdf/ua-1"  # tagged PDF (structure tree, /MarkInfo), PDF 1.7
STATIC_SCHEME = "static:"

# The Marianne fonts (DSFR), as static names (resolved by the staticfiles finders). Every print
# stylesheet declares them with @font-face and ``static:`` URLs.
FONT_FILES = frozenset(
    {
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

    def __init__(self, allowed: frozenset[str]):
        super().__init__(allowed_protocols=("static",), allow_redirects=False, fail_on_errors=True)
        self.allowed = allowed

    def fetch(self, url, headers=None):
        if not url.startswith(STATIC_SCHEME):
            raise PdfResourceRefused(f"Ressource refusée dans le PDF : {url[:200]}")
        name = unquote(url.removeprefix(STATIC_SCHEME).split("?", 1)[0].split("#", 1)[0])
        if name not in self.allowed:
            raise PdfResourceRefused(f"Fichier statique non autorisé dans le PDF : {name[:200]}")
        path = finders.find(name)
        if not path:
            raise PdfResourceRefused(f"Fichier statique introuvable : {name}")
        path = Path(path)
        body = _static_bytes(path, path.stat().st_mtime_ns)
        content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type or ""})


@functools.lru_cache(maxsize=32)
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


# The fonts and body text every document's stylesheet imports (@import "static:…").
BASE_STYLESHEET = "css/print-base.css"


class PrintStyles(threading.local):
    """A document's print stylesheet (a static name: ``css/synthesis-print.css``), parsed once
    per thread with the FontConfiguration its @font-face rules register in, and parsed again if
    the file changes. `allowed`: what the document may read, the stylesheet and the fonts.

    Parsing it cost about 20 ms per PDF, and a FontConfiguration reused keeps what Pango
    measured for the previous documents; WeasyPrint objects are not shared between threads
    (threading.local calls __init__ again, with the same arguments, in each thread).
    """

    def __init__(self, stylesheet: str):
        self.name = stylesheet
        self.allowed = FONT_FILES | {BASE_STYLESHEET, stylesheet}
        self.version: tuple | None = None
        self.fonts: FontConfiguration | None = None
        self.stylesheet: CSS | None = None

    def get(self, fetcher: URLFetcher) -> tuple[FontConfiguration, CSS]:
        paths = [finders.find(name) for name in (self.name, BASE_STYLESHEET)]
        version = tuple(Path(path).stat().st_mtime_ns if path else None for path in paths)
        if self.stylesheet is None or version != self.version:
            fonts = FontConfiguration()  # the stylesheet's @font-face rules register here
            stylesheet = CSS(url=STATIC_SCHEME + self.name, url_fetcher=fetcher, font_config=fonts)
            self.version, self.fonts, self.stylesheet = version, fonts, stylesheet
        return self.fonts, self.stylesheet


_SPACE_BEFORE_BLOCK_END = re.compile(r"\s+(</(?:p|dd|dt|li|td|th|caption|h[1-6])>)")


def trim_block_ends(html: str) -> str:
    """The HTML without the white space before the end tag of a block (a paragraph, a cell…),
    which a browser drops anyway. WeasyPrint 70 counts it in the width of the block's last line:
    a text that fits the line exactly but for that space is broken after its first word
    (« Entretiens » alone, the rest on the next line)."""
    return _SPACE_BEFORE_BLOCK_END.sub(r"\1", html)


def render_pdf(html: str, *, styles: PrintStyles) -> bytes:
    """An HTML string to a tagged PDF with the print stylesheet of `styles`, through the
    allow-list fetcher.

    Raises ``PdfResourceRefused`` when the document refers to anything outside the allow-list.
    """
    fetcher = StaticFilesFetcher(styles.allowed)
    try:
        fonts, stylesheet = styles.get(fetcher)
        document = HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=fetcher)
        # The layout's boxes are thousands of objects alive until the end: the cyclic collector
        # would scan them again and again (a third of the rendering time).
        with cyclic_gc_paused():
            return document.write_pdf(
                stylesheets=[stylesheet], font_config=fonts, pdf_variant=PDF_VARIANT
            )
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal fetching error is a BaseException: the tasks that call us catch
        # Exception, so it becomes an ordinary error here, with our fetcher's message.
        raise PdfResourceRefused(str(error.__cause__ or error)) from None
