"""Celery task of the imports: a thin adapter that applies a run by its primary key.

Late acknowledgement: a worker killed in the middle leaves the message to the broker, which
delivers it again; `apply_run` then applies only the rows still pending (each row is marked
done in its own transaction), so nothing is done twice. When the broker does not deliver it
again (a message lost with Redis), the beat job `resume_stalled_imports` re-enqueues the runs
« en cours » that have applied no row for IMPORT_STALLED_MINUTES.
"""

import datetime
import logging
import os
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from insertion.imports.applying import ClosingNotConfirmed, apply_run, closing_needs_confirmation
from insertion.imports.models import ImportRun, RunSource, RunStatus
from insertion.imports.pickup import (
    claim,
    drop_folder_files,
    file_away,
    pick_up,
    stalled_claims,
)
from insertion.imports.retention import purge_import_files

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def apply_import_run(self, run_id: int, user_id: int | None = None) -> None:
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or run.status not in (RunStatus.PREVIEWED, RunStatus.APPLYING):
        return  # applied already, or abandoned: a message delivered twice does nothing
    try:
        apply_run(run=run, by_id=user_id)
    except ClosingNotConfirmed:
        logger.warning("Import %s : fermetures non confirmées, rien n'est appliqué.", run_id)


def enqueue_apply(*, run: ImportRun, by=None) -> None:
    """Ask for the apply of a previewed run (after the request's commit). The run shows « en
    cours » at once, so its page polls the progress even before a worker takes it."""
    if run.status != RunStatus.PREVIEWED:
        raise ValidationError(
            "Cet import n'est pas à appliquer : il a déjà été lancé ou abandonné."
        )
    if closing_needs_confirmation(run):
        raise ClosingNotConfirmed()
    ImportRun.objects.filter(pk=run.pk, status=RunStatus.PREVIEWED).update(
        status=RunStatus.APPLYING, apply_started_at=timezone.now(), applied_by=by
    )
    apply_import_run.delay_on_commit(run.pk, by.pk if by else None)


@shared_task(ignore_result=True)
def import_drop_folder() -> int:
    """Beat, every few minutes: claim the files dropped in IMPORT_DROP_DIR and hand each to a
    task of its own (`import_dropped_file`), with the claimed files whose task was lost.
    Nothing to do without the setting. Returns the number of files handed out."""
    if not settings.IMPORT_DROP_DIR:
        return 0
    folder = Path(settings.IMPORT_DROP_DIR)
    handed = []
    for path in stalled_claims(folder, settings.IMPORT_STALLED_MINUTES):
        logger.warning("Import du dossier de dépôt : %s relancé.", path.name)
        os.utime(path)
        handed.append(path)
    for path in drop_folder_files(folder):
        if (claimed := claim(path, folder)) is not None:
            handed.append(claimed)
    for path in handed:
        import_dropped_file.delay(str(path))
    return len(handed)


@shared_task(acks_late=True, ignore_result=True)
def import_dropped_file(path: str) -> None:
    """One claimed file of the drop folder: preview, apply, then file it away in `traites/`
    or `refuses/`. A message delivered twice finds the file gone and does nothing."""
    claimed = Path(path)
    if not claimed.is_file():
        return
    folder = claimed.parent.parent
    for picked in pick_up([claimed], source=RunSource.FOLDER, wet_run=True):
        file_away(picked, folder)
        logger.info("Import du dossier de dépôt : %s : %s", claimed.name, picked.outcome)


def stalled_runs():
    """The runs « en cours » with no row applied for IMPORT_STALLED_MINUTES (nor started since):
    their worker died, or their message was lost."""
    limit = timezone.now() - datetime.timedelta(minutes=settings.IMPORT_STALLED_MINUTES)
    return (
        ImportRun.objects.filter(status=RunStatus.APPLYING)
        .annotate(
            last_activity=Greatest(
                Coalesce(Max("rows__applied_at"), "apply_started_at"), "apply_started_at"
            )
        )
        .filter(last_activity__lt=limit)
    )


@shared_task(ignore_result=True)
def resume_stalled_imports() -> int:
    """Beat: ask again for the apply of the stalled runs. Harmless when the first worker is
    only slow: the rows are claimed one by one (skip locked), none is applied twice."""
    resumed = 0
    for run_id, user_id in stalled_runs().values_list("pk", "applied_by_id"):
        logger.warning("Import %s : application interrompue, relancée.", run_id)
        apply_import_run.delay(run_id, user_id)
        resumed += 1
    return resumed


@shared_task(ignore_result=True)
def purge_import_retention() -> dict:
    """Beat, daily: the files and cells of the runs closed for IMPORT_FILE_RETENTION_DAYS."""
    purged = purge_import_files()
    logger.info("Imports : %s fichiers et %s lignes effacés.", purged["files"], purged["rows"])
    return purged
