"""Receive an extraction file: store it with its run, refuse it with a clear message, or plan
it (the preview). The same file twice is the same run: the earlier report is shown again and
nothing changes. Used by the upload page, the `import_extraction` command and the drop folder.
"""

import hashlib
from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, transaction

from insertion.establishments.models import Establishment
from insertion.imports.contract import SNAPSHOT
from insertion.imports.models import ImportRun, RunStatus
from insertion.imports.planning import plan_run
from insertion.imports.reading import FileRefused, open_extraction


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _refuse(run: ImportRun, message: str) -> ImportRun:
    run.status = RunStatus.REFUSED
    run.refusal = message
    run.save()
    return run


def receive_file(*, path: Path, filename: str, source: str, by=None, allowed=None) -> ImportRun:
    """The run of this file: an earlier one for the same content, or a new one, refused or
    previewed. `allowed`: the establishments the sender may import into (None: all, for the
    command and the drop folder run by the operators)."""
    sha256 = file_sha256(path)
    earlier = ImportRun.objects.exclude(status=RunStatus.REFUSED).filter(sha256=sha256).first()
    if earlier is not None:
        return earlier
    run = ImportRun(
        source=source,
        filename=Path(filename).name[:255],
        size=path.stat().st_size,
        sha256=sha256,
        created_by=by,
    )
    try:
        extraction = open_extraction(path, filename=filename)
    except FileRefused as refusal:
        return _refuse(run, refusal.message)
    run.kind = extraction.kind
    run.extracted_at = extraction.extracted_at
    run.unknown_columns = list(extraction.unknown_columns)
    establishment = Establishment.objects.filter(code=extraction.establishment_code).first()
    if establishment is None:
        return _refuse(
            run,
            f"Le code établissement « {extraction.establishment_code} » ne correspond à aucun "
            "établissement de l'application.",
        )
    if allowed is not None and establishment.pk not in set(allowed):
        return _refuse(
            run,
            f"Ce fichier concerne {establishment}, qui ne fait pas partie de vos "
            "établissements : il n'a pas été importé.",
        )
    run.establishment = establishment
    if run.kind == SNAPSHOT:
        newer = (
            ImportRun.objects.filter(
                establishment=establishment,
                kind=SNAPSHOT,
                status__in=[RunStatus.APPLYING, RunStatus.APPLIED],
                extracted_at__gte=run.extracted_at,
            )
            .order_by("-extracted_at")
            .first()
        )
        if newer is not None:
            return _refuse(
                run,
                "Une extraction plus récente de cet établissement a déjà été appliquée "
                f"(import du {newer.extracted_at:%d/%m/%Y %H:%M}) : ce fichier est plus ancien.",
            )
    try:
        with transaction.atomic():
            with open(path, "rb") as stream:
                run.file.save(run.filename, File(stream), save=False)
            run.status = RunStatus.PREVIEWED
            run.save()
            return plan_run(run=run, extraction=extraction)
    except IntegrityError:
        # The same file received at the same moment by another sender: theirs is the run.
        run.file.delete(save=False)
        return ImportRun.objects.exclude(status=RunStatus.REFUSED).get(sha256=sha256)
