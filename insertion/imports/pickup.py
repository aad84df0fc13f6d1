"""Files taken from a folder: the `import_extraction` command and the drop folder's beat job
(`IMPORT_DROP_DIR`). Each file is received like an upload (stored with its run, refused with
a message, or previewed); a wet run then applies it, unless its closures need a person's
confirmation on the run's page."""

import shutil
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
