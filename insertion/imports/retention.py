"""How long the runs keep what the files said (DESIGN.md: data kept no longer than needed).

An extraction file holds the identity of every person of an establishment. Once a run is
closed (applied, abandoned or refused) for IMPORT_FILE_RETENTION_DAYS, its stored file is
deleted and its rows lose the cells and values read: the run keeps its counts, its events and
its results, so the history still says what was done, and the people's records keep what was
applied to them."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from insertion.imports.models import ImportRow, ImportRun, RunStatus

CLOSED = (RunStatus.APPLIED, RunStatus.CANCELLED, RunStatus.REFUSED)


def expired_runs(*, today: datetime.date | None = None):
    today = today or timezone.localdate()
    limit = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS), datetime.time()
        )
    )
    return ImportRun.objects.filter(status__in=CLOSED).filter(
        Q(finished_at__lt=limit) | Q(finished_at__isnull=True, created_at__lt=limit)
    )


def purge_import_files(*, today: datetime.date | None = None) -> dict:
    """Delete the expired runs' files and empty their rows: what was purged, by kind."""
    expired = expired_runs(today=today)
    now = timezone.now()
    files = 0
    for run in expired.exclude(file="").only("pk", "file").iterator():
        run.file.delete(save=False)
        ImportRun.objects.filter(pk=run.pk).update(file="", purged_at=now)
        files += 1
    rows = (
        ImportRow.objects.filter(run__in=expired)
        .exclude(values={}, raw={}, national_id="")
        .update(values={}, raw={}, national_id="")
    )
    # The run page says when what the file said was erased (runs without a file too).
    expired.filter(purged_at__isnull=True).update(purged_at=now)
    return {"files": files, "rows": rows}
