"""Issue 13: `manage.py import_extraction` (dry run unless --wet-run) and the drop folder's beat
job (insertion/imports/pickup.py, tasks.import_drop_folder)."""

import io
import os
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from insertion.detainees.models import Detainee
from insertion.imports.models import ImportRun, RunSource, RunStatus
from insertion.imports.tasks import import_drop_folder, import_dropped_file

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "insertion" / "imports" / "samples"


@pytest.fixture(autouse=True)
def private_storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("import_extraction", *args, stdout=out)
    return out.getvalue()


def test_without_wet_run_the_command_previews_and_changes_no_person(fresnes, lyon):
    output = run_command(str(SAMPLES / "presents_exemple.csv"))
    assert "Simulation" in output and "Arrivée" in output
    run = ImportRun.objects.get()
    assert (run.status, run.source) == (RunStatus.PREVIEWED, RunSource.COMMAND)
    assert not Detainee.objects.exists()


def test_the_wet_run_applies_the_sample_files(fresnes, lyon):
    output = run_command(
        str(SAMPLES / "presents_exemple.csv"), str(SAMPLES / "mouvements_exemple.csv"), "--wet-run"
    )
    assert output.count("appliqué") == 2, output
    assert Detainee.objects.filter(national_id__isnull=False, establishment=fresnes).exists()
    assert all(run.status == RunStatus.APPLIED for run in ImportRun.objects.all())
    # Again: the same files are the same runs, nothing is done twice.
    people = Detainee.objects.count()
    again = run_command(str(SAMPLES / "presents_exemple.csv"), "--wet-run")
    assert "déjà importé" in again
    assert Detainee.objects.count() == people


def test_a_missing_file_is_a_clear_error(fresnes):
    with pytest.raises(CommandError, match="introuvable"):
        run_command("/nonexistent/presents.csv")


def test_a_refused_file_says_why(fresnes, tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    output = run_command(str(empty), "--wet-run")
    assert "refusé" in output and "vide" in output


def test_the_drop_folder_takes_applies_and_files_away(
    fresnes, lyon, tmp_path, settings, celery_eager
):
    folder = tmp_path / "depot"
    folder.mkdir()
    settings.IMPORT_DROP_DIR = str(folder)
    shutil.copy(SAMPLES / "presents_exemple.csv", folder)
    (folder / "vide.csv").write_bytes(b"")
    assert import_drop_folder() == 2  # each file handed to a task of its own
    assert ImportRun.objects.get(source=RunSource.FOLDER, status=RunStatus.APPLIED)
    assert ImportRun.objects.get(status=RunStatus.REFUSED)
    assert not list(folder.glob("*.csv"))
    assert [p.name.endswith("presents_exemple.csv") for p in (folder / "traites").iterdir()] == [
        True
    ]
    assert len(list((folder / "refuses").iterdir())) == 1
    assert Detainee.objects.exists()


def test_each_dropped_file_is_claimed_once_and_handed_to_its_own_task(
    fresnes, tmp_path, settings, monkeypatch
):
    folder = tmp_path / "depot"
    folder.mkdir()
    settings.IMPORT_DROP_DIR = str(folder)
    shutil.copy(SAMPLES / "presents_exemple.csv", folder)
    shutil.copy(SAMPLES / "mouvements_exemple.csv", folder)
    handed = []
    monkeypatch.setattr(import_dropped_file, "delay", handed.append)
    assert import_drop_folder() == 2
    claimed = folder / "en-cours"
    assert sorted(Path(path).name for path in handed) == [
        "mouvements_exemple.csv",
        "presents_exemple.csv",
    ]
    assert all(Path(path).parent == claimed for path in handed)
    assert not list(folder.glob("*.csv"))
    # A second pass while the tasks run hands out nothing again.
    assert import_drop_folder() == 0
    assert not ImportRun.objects.exists()


def test_a_claimed_file_whose_task_was_lost_is_handed_out_again(
    fresnes, tmp_path, settings, monkeypatch
):
    folder = tmp_path / "depot"
    claimed = folder / "en-cours"
    claimed.mkdir(parents=True)
    settings.IMPORT_DROP_DIR = str(folder)
    settings.IMPORT_STALLED_MINUTES = 10
    lost = claimed / "presents_exemple.csv"
    shutil.copy(SAMPLES / "presents_exemple.csv", lost)
    recent = claimed / "mouvements_exemple.csv"
    shutil.copy(SAMPLES / "mouvements_exemple.csv", recent)
    eleven_minutes_ago = time.time() - 11 * 60
    os.utime(lost, (eleven_minutes_ago, eleven_minutes_ago))
    handed = []
    monkeypatch.setattr(import_dropped_file, "delay", handed.append)
    assert import_drop_folder() == 1
    assert handed == [str(lost)]
    # Its task now runs: the file is imported and filed away, and a message delivered twice
    # finds nothing to do.
    import_dropped_file(str(lost))
    import_dropped_file(str(lost))
    assert ImportRun.objects.filter(source=RunSource.FOLDER).count() == 1
    assert [p.name.endswith("presents_exemple.csv") for p in (folder / "traites").iterdir()] == [
        True
    ]


def test_without_a_drop_folder_the_job_does_nothing(settings):
    settings.IMPORT_DROP_DIR = ""
    import_drop_folder()
    assert not ImportRun.objects.exists()
