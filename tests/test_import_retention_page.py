"""Issue 13, the run page of an import whose file and cells the retention job erased
(insertion/imports/retention.py, `ImportRun.purged_at`): it says so, with the date and the
retention, and offers no CSV of the rejected rows, which would come out empty; the CSV address
answers with the same sentence instead of an empty file. A run not purged is unchanged."""

import csv
import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.imports.applying import apply_run
from insertion.imports.models import ImportRow, ImportRun, RowStatus, RunSource, RunStatus
from insertion.imports.retention import purge_import_files
from insertion.imports.runs import receive_file
from tests.factories import UserFactory
from tests.test_import_apply import SNAPSHOT_HEADER, person
from tests.test_import_views import RUN_PAGE_QUERIES

pytestmark = pytest.mark.django_db

PURGED_AT = timezone.make_aware(datetime.datetime(2027, 3, 7, 3, 0))
SENTENCE = (
    "Le fichier et les cellules lues ont été effacés le 7 mars 2027 (conservation de 90 jours "
    "après la fin de l'import) : les décomptes et les résultats restent."
)


@pytest.fixture(autouse=True)
def storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.IMPORT_FILE_RETENTION_DAYS = 90


@pytest.fixture
def applied_run(tmp_path, fresnes):
    """Two arrivals and a rejected line (an impossible birth date), applied."""
    path = tmp_path / "presents.csv"
    lines = [SNAPSHOT_HEADER, person(1), person(2), person(3, birth="31/02/1990")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = receive_file(path=path, filename=path.name, source=RunSource.COMMAND)
    return apply_run(run=run)


def purge(run: ImportRun) -> ImportRun:
    """What the retention job does to the run once its retention is over: the file deleted, the
    rows' cells emptied, and the run marked purged (dated PURGED_AT here)."""
    after_retention = timezone.localdate() + datetime.timedelta(days=91)
    assert purge_import_files(today=after_retention)["files"] == 1
    ImportRun.objects.filter(pk=run.pk).update(purged_at=PURGED_AT)
    run.refresh_from_db()
    return run


def run_page(client, run: ImportRun) -> str:
    response = client.get(reverse("imports:run", kwargs={"pk": run.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_a_purged_run_says_when_and_why_its_file_and_cells_were_erased(
    client, manager_fresnes, applied_run, tmp_path
):
    stored = tmp_path / "private" / applied_run.file.name
    assert stored.exists()
    run = purge(applied_run)
    assert not stored.exists() and run.file.name == ""
    client.force_login(manager_fresnes)
    page = run_page(client, run)
    assert escape(SENTENCE) in page
    assert reverse("imports:rejected", kwargs={"pk": run.pk}) not in page
    assert "Télécharger" not in page
    assert "1 ligne rejetée : leurs cellules ont été effacées" in page
    # The counts and the results stay.
    assert "2 arrivées et 1 ligne en erreur" in page
    assert "Ligne en erreur" in page and "Rejetée" in page


def test_the_csv_of_a_purged_run_is_no_empty_file(client, manager_fresnes, applied_run):
    run = purge(applied_run)
    assert ImportRow.objects.get(run=run, status=RowStatus.REJECTED).raw == {}
    client.force_login(manager_fresnes)
    url = reverse("imports:rejected", kwargs={"pk": run.pk})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:run", kwargs={"pk": run.pk})
    assert "text/csv" not in response["Content-Type"] and not response.content
    content = client.get(response["Location"]).content.decode()
    assert "Le fichier des lignes rejetées n" in content and "plus disponible" in content
    assert escape(SENTENCE) in content  # the run page says when and why
    # Nothing was downloaded: no line in the access log says so.
    assert not AccessLog.objects.filter(action=Action.IMPORT_REPORT, object_id=run.pk).exists()


@pytest.fixture
def manager_lyon(lyon):
    return UserFactory(manager=True, establishments=[lyon])


def test_a_purged_run_of_another_prison_still_answers_404(client, manager_lyon, applied_run):
    run = purge(applied_run)
    client.force_login(manager_lyon)
    assert client.get(reverse("imports:rejected", kwargs={"pk": run.pk})).status_code == 404
    assert client.get(reverse("imports:run", kwargs={"pk": run.pk})).status_code == 404


def test_a_run_not_purged_keeps_its_csv_and_says_nothing_of_erasing(
    client, manager_fresnes, applied_run
):
    client.force_login(manager_fresnes)
    page = run_page(client, applied_run)
    assert "ont été effacés" not in page and "ont été effacées" not in page
    url = reverse("imports:rejected", kwargs={"pk": applied_run.pk})
    assert url in page
    assert "Télécharger les 1 ligne rejetée (CSV)" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 2 and lines[1][0] == "4"
    assert lines[1][lines[0].index("date_naissance")] == "31/02/1990"


def test_the_run_page_costs_no_more_queries_once_purged(
    client, manager_fresnes, applied_run, django_assert_max_num_queries
):
    client.force_login(manager_fresnes)
    url = reverse("imports:run", kwargs={"pk": applied_run.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    purge(applied_run)
    client.get(url)
    with (
        django_assert_max_num_queries(RUN_PAGE_QUERIES),
        CaptureQueriesContext(connection) as after,
    ):
        client.get(url)
    assert len(after) == len(before)


def test_the_migration_marks_the_runs_the_retention_job_already_emptied(applied_run, fresnes):
    """Runs purged before `purged_at` existed: closed, past the retention, their file gone."""
    migration = importlib.import_module("insertion.imports.migrations.0003_importrun_purged_at")
    finished = timezone.now() - datetime.timedelta(days=120)
    ImportRun.objects.filter(pk=applied_run.pk).update(file="", finished_at=finished)
    recent = ImportRun.objects.create(
        establishment=fresnes,
        source=RunSource.COMMAND,
        status=RunStatus.APPLIED,
        filename="recent.csv",
        sha256="0" * 64,
        finished_at=timezone.now() - datetime.timedelta(days=10),
    )
    migration.mark_runs_already_purged(apps, None)
    applied_run.refresh_from_db()
    recent.refresh_from_db()
    assert applied_run.purged_at == finished + datetime.timedelta(days=90)
    assert recent.purged_at is None  # within the retention: not purged yet


def test_the_retention_job_marks_the_runs_it_purged_with_the_date(applied_run):
    later = timezone.localdate() + datetime.timedelta(days=91)
    assert applied_run.purged_at is None
    purge_import_files(today=later)
    applied_run.refresh_from_db()
    assert applied_run.purged_at is not None
    assert not applied_run.file
    first = applied_run.purged_at
    purge_import_files(today=later)  # a later pass keeps the first date
    applied_run.refresh_from_db()
    assert applied_run.purged_at == first
