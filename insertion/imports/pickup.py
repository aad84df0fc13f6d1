"""Files taken from a folder: the `import_extraction` command and the drop folder's beat job
(`IMPORT_DROP_DIR`). Each file is received like an upload (stored with its run, refused with
a message, or previewed); a wet run then applies it, unless its closures need a person's
confirmation on the run's page.

The drop folder: the beat job claims each file by moving it into `en-cours/` (a rename, which
only one job can win) and hands it to a task of its own, so that the files of a national
extraction (one per establishment) are shared by the workers and a file that fails holds
back no other. A claimed file whose task was lost (worker killed, message lost) is handed out
again after IMPORT_STALLED_MINUTES: the same file is the same run (its SHA-256), nothing is
done twice."""

import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from insertion.imports.applying import apply_run, closing_needs_confirmation
from insertion.imports.models import ImportRun, RunStatus
from insertion.imports.runs import receive_file

EXTENSIONS = {".csv", ".xlsx", ".xls", ".txt"}


@dataclass
class Picked:
    path: Path
    run: ImportRun
    outcome: str


def pick_up(paths: Iterable[Path], *, source: str, wet_run: bool) -> list[Picked]:
    picked = []
    for path in paths:
        run = receive_file(path=path, filename=path.name, source=source)
        if run.status == RunStatus.REFUSED:
            outcome = f"refusé : {run.refusal}"
        elif run.status != RunStatus.PREVIEWED:
            outcome = f"déjà importé ({run.get_status_display().lower()}, import n° {run.pk})"
        elif not wet_run:
            outcome = "aperçu enregistré, rien n'est appliqué (simulation)"
        elif closing_needs_confirmation(run):
            outcome = (
                f"en attente : il fermerait {run.closes_share:.0%} des séjours, à confirmer "
                "sur la page de l'import"
            )
        else:
            run = apply_run(run=run)
            outcome = "appliqué"
        picked.append(Picked(path, run, outcome))
    return picked


def drop_folder_files(folder: Path) -> list[Path]:
    """The files waiting in the folder, oldest first (sub-folders are where they go after)."""
    files = [
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() in EXTENSIONS and not path.name.startswith(".")
    ]
    return sorted(files, key=lambda path: (path.stat().st_mtime, path.name))


CLAIMED = "en-cours"


def claim(path: Path, folder: Path) -> Path | None:
    """Move a dropped file into `en-cours/`, stamped now; None if another job took it first."""
    claimed_dir = folder / CLAIMED
    claimed_dir.mkdir(exist_ok=True)
    target = claimed_dir / path.name
    if target.exists():
        return None  # the same name is being imported: its turn comes after
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    os.utime(target)
    return target


def stalled_claims(folder: Path, minutes: int) -> list[Path]:
    """The claimed files still waiting `minutes` after their claim: their task was lost."""
    claimed_dir = folder / CLAIMED
    if not claimed_dir.is_dir():
        return []
    limit = time.time() - minutes * 60
    return sorted(
        path for path in claimed_dir.iterdir() if path.is_file() and path.stat().st_mtime < limit
    )


def file_away(picked: Picked, folder: Path) -> Path:
    """Move a handled file out of the way: `traites/` or `refuses/`, dated, never overwritten."""
    target_dir = folder / ("refuses" if picked.run.status == RunStatus.REFUSED else "traites")
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{timezone.now():%Y%m%d-%H%M%S}-{picked.path.name}"
    number = 1
    while target.exists():
        target = target.with_name(f"{target.stem}-{number}{target.suffix}")
        number += 1
    shutil.move(picked.path, target)
    return target
