"""The rendering measure of `manage.py bench`: the PDF of the richest synthesis of the data set,
rendered by `render_synthesis_pdf` from objects already in memory (the rendering itself reads
nothing from the database).

Targets: p50 ≤ 300 ms (issue 12) and p95 ≤ 1 s for a 3-page synthesis (DESIGN.md §6); the
richest one runs to 5 pages since « L'essentiel » opens it (issue 14). pypdf, a development
dependency, counts the pages: only the bench imports this module.
"""

import io
import time

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from pypdf import PdfReader

from entretiens.models import (
    Diploma,
    Experience,
    Interview,
    KnowHow,
    Orientation,
    Project,
    SoftSkillRating,
    Synthesis,
)
from entretiens.pdf import render_synthesis_pdf
from entretiens.synthesis import synthesis_due_date
from insertion.bench.timings import summary

# The rows of an interview that make its synthesis long (tables of the PDF).
ROW_MODELS = [Experience, Diploma, Project, KnowHow, SoftSkillRating, Orientation]
TARGET_P50_MS = 300  # issue 12
TARGET_P95_MS = 1000  # DESIGN.md §6


def _rows(model) -> Coalesce:
    counted = (
        model.objects.filter(interview=OuterRef("pk"))
        .order_by()
        .values("interview")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def richest_synthesis() -> Synthesis | None:
    """The synthesis of the last version of the validated interview with the most rows
    (experiences, diplomas, projects…): the longest PDF of the data set. When the data set
    holds versions without their syntheses, an unsaved one is built as `synthesis_create`
    would (no previous version to replace)."""
    rows = sum((_rows(model) for model in ROW_MODELS), Value(0))
    interview = (
        Interview.objects.filter(version__gte=1)
        .annotate(rows=rows)
        .select_related("establishment")
        .order_by("-rows", "pk")
        .first()
    )
    if interview is None:
        return None
    version = interview.versions.order_by("-number").first()
    synthesis = (
        Synthesis.objects.select_related("version", "establishment", "replaces")
        .filter(version=version)
        .first()
    )
    return synthesis or Synthesis(
        interview=interview,
        version=version,
        establishment=interview.establishment,
        number=version.number,
        due_date=synthesis_due_date(timezone.localtime(version.validated_at).date()),
    )


def measure_render(synthesis: Synthesis, *, renders: int, warmup: int) -> dict:
    """Render `warmup` times unmeasured, then `renders` times; return the measure."""
    for _ in range(warmup):
        render_synthesis_pdf(synthesis)
    timings = []
    for _ in range(renders):
        start = time.perf_counter()
        pdf = render_synthesis_pdf(synthesis)
        timings.append((time.perf_counter() - start) * 1000)
    figures = summary(timings)
    return {
        "name": "synthesis_render",
        **figures,
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "target_p50_ms": TARGET_P50_MS,
        "target_p95_ms": TARGET_P95_MS,
        "met": figures["p50_ms"] <= TARGET_P50_MS and figures["p95_ms"] <= TARGET_P95_MS,
    }
