"""The syntheses of the demo world and of the national data set, as the outbox left them.

Every validated interview version gets its synthesis and one delivery row per recipient of its
establishment, with the story of its sending: most went out within minutes of the validation
(sending is automatic), a few were refused by a mail server and sent days later once the address
was corrected (delivered late), a few are still refused (one recipient failed, the synthesis not
delivered: "en retard" once past its due date, which the deadline watch reports).

PDFs:
- `real`: each synthesis is rendered from its own frozen version, as the worker would render it
  (the demo of `make run`). WeasyPrint takes about 0.3 s a synthesis, so the renderings are shared
  between processes, one per core: the main process builds each document's HTML (it reads the
  database), the workers turn HTML into PDF (they read nothing but the allow-listed static files).
- `placeholder`: every synthesis points at one shared PDF that says it is a stand-in (the national
  data set, 36,000 syntheses, is for measuring pages, not documents; the tests of the seed too).
  Its SHA-256 is the stand-in's own: nothing pretends to be a rendering it is not.
"""

import concurrent.futures
import datetime
import hashlib
import multiprocessing
import os
import random
from collections import Counter, defaultdict

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models import InterviewVersion, Synthesis, SynthesisDelivery
from insertion.demo.generate import BATCH_SIZE, Weighted
from insertion.establishments.models import SynthesisRecipient

PDF_MODES = ("real", "placeholder")
PLACEHOLDER_NAME = "jeu-de-mesure/synthese-de-substitution.pdf"

# What became of the emails of a synthesis (see the module docstring).
OUTCOMES = Weighted({"on_time": 92, "late": 3, "refused": 5})
REFUSAL = "SMTPRecipientsRefused: 550 5.1.1 Adresse inconnue du serveur de destination"
# Versions read at a time: real renderings report their progress after each batch.
VERSIONS_BATCH = {"real": 40, "placeholder": 1000}


def seed_syntheses(
    rng: random.Random, *, pdfs: str, log=None, workers: int | None = None
) -> Counter:
    """Syntheses and deliveries for every validated version that has none yet."""
    if pdfs not in PDF_MODES:
        raise ValueError(f"pdfs must be one of {PDF_MODES}")
    rng = random.Random(rng.getrandbits(64))
    recipients = defaultdict(list)
    for recipient in SynthesisRecipient.objects.filter(active=True).order_by(
        "establishment_id", "email"
    ):
        recipients[recipient.establishment_id].append(recipient)
    placeholder = _placeholder() if pdfs == "placeholder" else None

    versions = (
        InterviewVersion.objects.filter(synthesis__isnull=True)
        .select_related("interview__incarceration", "interview__establishment")
        .order_by("pk")
    )
    if pdfs == "placeholder":
        versions = versions.defer("content")  # the stand-in needs no content
    ids = list(versions.values_list("pk", flat=True))
    counts = Counter()
    pool = None
    if pdfs == "real" and ids:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1,
            mp_context=multiprocessing.get_context("fork"),
        )
    try:
        size = VERSIONS_BATCH[pdfs]
        for start in range(0, len(ids), size):
            batch = list(versions.filter(pk__in=ids[start : start + size]))
            syntheses = [_synthesis(rng, version) for version in batch]
            if pool is not None:
                _render(pool, syntheses)
            else:
                for synthesis in syntheses:
                    synthesis.pdf.name, synthesis.sha256 = placeholder
            Synthesis.objects.bulk_create(syntheses, batch_size=BATCH_SIZE)
            deliveries = [
                delivery
                for synthesis in syntheses
                for delivery in _deliveries(rng, synthesis, recipients[synthesis.establishment_id])
            ]
            SynthesisDelivery.objects.bulk_create(deliveries, batch_size=BATCH_SIZE)
            _mark_undelivered(syntheses, deliveries)
            _timestamp(syntheses)
            counts.update(syntheses=len(syntheses), synthesis_deliveries=len(deliveries))
            if log and pool is not None:
                log(f"  PDF des synthèses : {counts['syntheses']} / {len(ids)}")
    finally:
        if pool is not None:
            pool.shutdown()
    counts.update(synthesis_reads=_reads(rng))
    return counts


READ_SHARE = 0.7


def _reads(rng: random.Random) -> int:
    """The referent CPIP has opened most of the syntheses of their people (a download in the
    access log); the rest are "synthèses reçues non lues" on their dashboard."""
    from insertion.audit.log import Action
    from insertion.audit.models import AccessLog

    rows = (
        Synthesis.objects.filter(
            interview__detainee__referent__isnull=False,
            status__in=[SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED],
        )
        .order_by("pk")
        .values_list(
            "pk", "interview__detainee_id", "establishment_id", "interview__detainee__referent_id"
        )
    )
    logs = [
        AccessLog(
            user_id=referent_id,
            action=Action.SYNTHESIS_DOWNLOAD,
            object_type="synthesis",
            object_id=pk,
            detainee_id=detainee_id,
            establishment_id=establishment_id,
        )
        for pk, detainee_id, establishment_id, referent_id in rows.iterator(chunk_size=BATCH_SIZE)
        if rng.random() < READ_SHARE
    ]
    return len(AccessLog.objects.bulk_create(logs, batch_size=BATCH_SIZE))


def _synthesis(rng: random.Random, version: InterviewVersion) -> Synthesis:
    interview = version.interview
    validated_at = version.validated_at
    due_date = timezone.localtime(validated_at).date() + datetime.timedelta(
        days=settings.SYNTHESIS_DUE_DAYS
    )
    now = timezone.now()
    outcome = OUTCOMES.pick(rng)
    rendered_at = validated_at + datetime.timedelta(seconds=rng.randint(20, 90))
    synthesis = Synthesis(
        interview=interview,
        version=version,
        establishment=interview.establishment,
        number=version.number,
        status=SynthesisStatus.DELIVERED,
        due_date=due_date,
        render_attempts=1,
        rendered_at=rendered_at,
    )
    if outcome == "late":
        delivered_at = validated_at + datetime.timedelta(
            days=rng.randint(settings.SYNTHESIS_DUE_DAYS + 1, settings.SYNTHESIS_DUE_DAYS + 7),
            hours=rng.randint(1, 6),
        )
        if delivered_at >= now:  # too recent to have been corrected yet: still refused
            outcome = "refused"
    else:
        delivered_at = rendered_at + datetime.timedelta(seconds=rng.randint(5, 300))
    synthesis.seed_outcome = outcome
    synthesis.delivered_at = None if outcome == "refused" else delivered_at
    synthesis.seed_created_at = validated_at
    return synthesis


def _deliveries(rng: random.Random, synthesis: Synthesis, recipients) -> list[SynthesisDelivery]:
    """One row per recipient; a refused or late synthesis has one address refused."""
    if not recipients:
        return []
    refused = rng.randrange(len(recipients)) if synthesis.seed_outcome != "on_time" else None
    rows = []
    for index, recipient in enumerate(recipients):
        row = SynthesisDelivery(
            synthesis=synthesis,
            email=recipient.email,
            label=recipient.get_role_display(),
            status=DeliveryStatus.SENT,
            attempts=1,
            sent_at=synthesis.rendered_at + datetime.timedelta(seconds=5 + index),
        )
        if index == refused:
            if synthesis.seed_outcome == "refused":
                row.status, row.sent_at, row.last_error = DeliveryStatus.FAILED, None, REFUSAL
            else:  # sent again once the address was corrected
                row.attempts, row.sent_at = 2, synthesis.delivered_at
        rows.append(row)
    return rows


def _mark_undelivered(syntheses: list[Synthesis], deliveries) -> None:
    """A synthesis whose recipient is still refused is rendered, not delivered; one without any
    recipient stays rendered too (nobody to send it to: the deadline watch says so)."""
    with_rows = {delivery.synthesis_id for delivery in deliveries}
    stuck = [s.pk for s in syntheses if s.seed_outcome == "refused" or s.pk not in with_rows]
    Synthesis.objects.filter(pk__in=stuck).update(
        status=SynthesisStatus.RENDERED, delivered_at=None
    )


def _timestamp(syntheses: list[Synthesis]) -> None:
    """created_at said "now": a synthesis and its rows are created with the version, at the
    validation (one UPDATE each for the batch)."""
    pks = [synthesis.pk for synthesis in syntheses]
    validated = InterviewVersion.objects.filter(pk=OuterRef("version_id")).values("validated_at")
    Synthesis.objects.filter(pk__in=pks).update(created_at=Subquery(validated))
    SynthesisDelivery.objects.filter(synthesis_id__in=pks).update(
        created_at=Subquery(
            Synthesis.objects.filter(pk=OuterRef("synthesis_id")).values("created_at")
        )
    )


# --- PDFs ------------------------------------------------------------------------------


def _render(pool, syntheses: list[Synthesis]) -> None:
    from entretiens.pdf import TEMPLATE, synthesis_context

    field = Synthesis._meta.get_field("pdf")
    storage = field.storage
    htmls = [render_to_string(TEMPLATE, synthesis_context(s)) for s in syntheses]
    for synthesis, data in zip(syntheses, pool.map(_html_to_pdf, htmls, chunksize=4), strict=True):
        name = field.generate_filename(synthesis, synthesis.filename)
        synthesis.pdf.name = storage.save(name, ContentFile(data))
        synthesis.sha256 = hashlib.sha256(data).hexdigest()


def _html_to_pdf(html: str) -> bytes:
    from entretiens.pdf import html_to_pdf

    return html_to_pdf(html)


PLACEHOLDER_HTML = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Synthèse de substitution</title></head>
<body><main>
<h1>Synthèse de substitution</h1>
<p>Ce document remplace les synthèses du jeu de données de mesure (données fictives) : il n'est
pas la synthèse d'un entretien.</p>
</main></body></html>"""


def _placeholder() -> tuple[str, str]:
    """The shared stand-in PDF, written once; its name and SHA-256."""
    from entretiens.pdf import html_to_pdf

    storage = Synthesis._meta.get_field("pdf").storage
    data = html_to_pdf(PLACEHOLDER_HTML)
    if storage.exists(PLACEHOLDER_NAME):
        storage.delete(PLACEHOLDER_NAME)
    name = storage.save(PLACEHOLDER_NAME, ContentFile(data))
    return name, hashlib.sha256(data).hexdigest()
