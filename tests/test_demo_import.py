"""Issue 13, the demo's past import (insertion/demo/imports.py): `seed_demo` leaves exactly one
applied « Mouvements » run of Melun in the history of the demo manager, with a report (rows
applied, one rejected, one held in « À examiner »), its effects done by the import's own code,
dated a few days back; and the committed samples can still be tried as new files."""

import csv
import datetime
import hashlib
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import InterviewStatus
from entretiens.models import Interview
from insertion.accounts.models import User
from insertion.demo.accounts import MELUN
from insertion.demo.imports import LINK_REDUCTION_DAYS, REDUCTION_DAYS
from insertion.detainees.models import (
    ArrangementKind,
    ArrangementStatus,
    Detainee,
    ReleaseDateChange,
    ReleaseDateChangeReason,
    SentenceArrangement,
)
from insertion.imports.models import (
    ImportRow,
    ImportRun,
    RowEvent,
    RowStatus,
    RunSource,
    RunStatus,
)
from insertion.imports.runs import receive_file
from insertion.release.models import ReleasePlan
from tests.test_seed_demo import wipe

pytestmark = pytest.mark.django_db

MANAGER = "direction@demo.insertion.fr"
SAMPLES = Path(__file__).resolve().parents[1] / "insertion" / "imports" / "samples"


@pytest.fixture(autouse=True)
def storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


@pytest.fixture
def temporary_folder(tmp_path, monkeypatch):
    """Where `tempfile` writes during the seed, to check that nothing is left there."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", pdfs="placeholder", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(settings, temporary_folder):
    settings.DEBUG = True
    return seed()


@pytest.fixture
def manager(demo):
    return User.objects.get(email=MANAGER)


def person(national_id: str) -> Detainee:
    return Detainee.objects.get(national_id=national_id)


def test_the_demo_has_one_applied_movements_run_of_melun_sent_by_its_manager(demo, manager):
    run = ImportRun.objects.get()

    assert (run.establishment.name, run.kind, run.status, run.source) == (
        MELUN,
        "mouvements",
        RunStatus.APPLIED,
        RunSource.UPLOAD,
    )
    assert run.establishment_id in manager.establishment_ids
    assert run.created_by == run.applied_by == manager
    assert run.counts == {
        RowEvent.ARRIVAL: 2,
        RowEvent.RELEASE_DATE: 1,
        RowEvent.ARRANGEMENT: 1,
        RowEvent.LINK: 1,
        RowEvent.ERROR: 1,
    }
    assert (run.rows_total, run.rows_done, run.refusal, run.unknown_columns) == (4, 4, "", [])
    statuses = list(run.rows.order_by("line").values_list("line", "event", "status"))
    assert statuses == [
        (2, RowEvent.ARRIVAL, RowStatus.APPLIED),
        (3, RowEvent.ARRIVAL, RowStatus.APPLIED),
        (4, RowEvent.RELEASE_DATE, RowStatus.APPLIED),
        (5, RowEvent.ARRANGEMENT, RowStatus.APPLIED),
        (6, RowEvent.LINK, RowStatus.HELD),
        (7, RowEvent.ERROR, RowStatus.REJECTED),
    ]
    rejected = run.rows.get(status=RowStatus.REJECTED)
    assert re.fullmatch(r"Date invalide : 31/02/\d{4} \(attendu jj/mm/aaaa\)", rejected.message)
    assert "1 import d'extraction appliqué (historique des imports)" in demo


def test_the_counts_printed_include_what_the_import_added(demo):
    def printed(label: str) -> int:
        match = re.search(rf"^\s*(\S+) {re.escape(label)}$", demo, re.MULTILINE)
        return int(match.group(1).replace("\u202f", ""))

    assert printed("personnes détenues ou libérées") == Detainee.objects.count()
    assert printed("valeurs de DLP (date initiale et changements)") == (
        ReleaseDateChange.objects.count()
    )
    assert printed("aménagements de peine") == SentenceArrangement.objects.count()
    assert printed("interviews") == Interview.objects.count()


def test_the_run_is_dated_a_few_days_back_and_its_file_is_kept_only_in_storage(
    demo, temporary_folder
):
    run = ImportRun.objects.get()
    today = timezone.localdate()

    assert timezone.localdate(run.extracted_at) == today - datetime.timedelta(days=3)
    assert run.extracted_at < run.created_at < run.apply_started_at < run.finished_at
    assert timezone.localdate(run.finished_at) == today - datetime.timedelta(days=3)
    applied_at = set(run.rows.exclude(applied_at=None).values_list("applied_at", flat=True))
    assert all(run.apply_started_at <= moment <= run.finished_at for moment in applied_at)
    assert run.rows.filter(status=RowStatus.APPLIED, applied_at=None).count() == 0

    with run.file.open("rb") as stored:
        content = stored.read()
    assert hashlib.sha256(content).hexdigest() == run.sha256
    assert content.startswith("\ufeffIdentifiant national;".encode())
    assert run.filename == f"mouvements_MEL_{today - datetime.timedelta(days=3):%Y%m%d}.csv"
    # The file was written in a temporary folder of its own, removed (other libraries may
    # leave their own caches in the temporary folder: WeasyPrint does).
    assert list(temporary_folder.glob("demo-import-*")) == []


def test_the_run_did_its_effects_through_the_services(demo):
    today = timezone.localdate()
    moved_on = today - datetime.timedelta(days=4)
    melun = ImportRun.objects.get().establishment

    # Two people came in: created with their identifier, each owed an interview.
    for national_id in ("GEN7700003", "GEN7700004"):
        newcomer = person(national_id)
        assert (newcomer.establishment, newcomer.arrival_date, newcomer.release_date) == (
            melun,
            moved_on,
            None,
        )
        assert newcomer.last_name.isupper()
        assert re.fullmatch(r"\d{2}[A-Z]\d{4}", newcomer.ecrou_number)
        interview = Interview.objects.get(detainee=newcomer)
        assert interview.status == InterviewStatus.TO_DO
    assert person("GEN7700004").custody_start < moved_on  # came from Fleury-Mérogis

    # A release date moved (a reduction of sentence, or its withdrawal when the DLP is near):
    # its history says when and why, not by whom (the extraction). The person has no referent,
    # hence no plan whose milestones would move.
    reduced = person("GEN7700001")
    change = reduced.release_date_changes.order_by("-pk").first()
    assert (change.changed_on, change.changed_by) == (moved_on, None)
    if change.reason == ReleaseDateChangeReason.REDUCTION:
        assert (change.previous_date - change.new_date).days == REDUCTION_DAYS
        assert change.new_date > today + datetime.timedelta(days=30)
    else:
        assert change.reason == ReleaseDateChangeReason.WITHDRAWAL
        assert (change.new_date - change.previous_date).days == REDUCTION_DAYS
    assert reduced.expected_release_date == change.new_date
    assert reduced.source_values["dlp"] == change.new_date.isoformat()
    assert reduced.referent is None
    assert not ReleasePlan.objects.filter(detainee=reduced).exists()

    # A request of LSC recorded.
    requesting = person("GEN7700002")
    assert list(requesting.arrangements.values_list("kind", "status", "requested_on")) == [
        (ArrangementKind.LSC, ArrangementStatus.REQUESTED, moved_on)
    ]

    # The person typed by hand is left alone until the link is confirmed.
    held = ImportRow.objects.get(status=RowStatus.HELD)
    typed_by_hand = held.detainee
    assert typed_by_hand.national_id is None
    assert typed_by_hand.establishment == melun
    assert not Detainee.objects.filter(national_id__in=["GEN7700005", "GEN7700006"]).exists()
    proposed = datetime.date.fromisoformat(held.values["dlp"])
    assert (typed_by_hand.expected_release_date - proposed).days == LINK_REDUCTION_DAYS


def test_the_demo_manager_finds_the_run_its_report_and_the_review_queue(client, manager):
    run = ImportRun.objects.get()
    client.force_login(manager)

    history = client.get(reverse("imports:list")).content.decode()
    assert run.filename in history
    assert "Appliqué" in history
    assert (
        "2 arrivées, 1 DLP modifiée, 1 aménagement de peine, 1 rapprochement à confirmer et "
        "1 ligne en erreur"
    ) in history
    assert "Sophie Girard" in history
    assert "À examiner (1)" in history

    report = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "Import terminé" in report
    assert "Télécharger les 1 ligne rejetée (CSV)" in " ".join(report.split())

    rejected = client.get(reverse("imports:rejected", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(rejected.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "ligne" and rows[0][-1] == "motif"
    assert rows[1][0] == "7" and rows[1][-1].startswith("Date invalide : 31/02/")

    queue = client.get(reverse("imports:review")).content.decode()
    assert "Rapprochements à confirmer" in queue
    assert run.rows.get(status=RowStatus.HELD).values["nom"] in queue


def test_the_other_demo_roles_do_not_reach_the_imports(client, demo):
    client.force_login(User.objects.get(email="cpip@demo.insertion.fr"))

    assert client.get(reverse("imports:list")).status_code == 403


def test_the_committed_samples_are_still_new_files_after_the_seed(demo, manager, tmp_path):
    """The browser test sends presents_exemple.csv: it must get a preview of its own, neither
    the report of an earlier run nor a refusal for an older extraction."""
    for name in ("presents_exemple.csv", "mouvements_exemple.csv"):
        run = receive_file(
            path=SAMPLES / name,
            filename=name,
            source=RunSource.UPLOAD,
            by=manager,
            allowed=manager.establishment_ids,
        )
        assert run.status == RunStatus.PREVIEWED, run.refusal
        assert run.establishment.code == "FRE"
    presents = ImportRun.objects.get(filename="presents_exemple.csv")
    assert presents.counts[RowEvent.ARRIVAL] == 12
    assert RowEvent.DEPARTURE not in presents.counts
    assert ImportRun.objects.count() == 3


def test_a_seed_gives_the_same_past_import(settings, temporary_folder):
    settings.DEBUG = True

    def fingerprint():
        run = ImportRun.objects.get()
        rows = run.rows.order_by("line").values_list(
            "line", "event", "status", "national_id", "message"
        )
        return run.sha256, run.counts, list(rows)

    seed(seed=7)
    first = fingerprint()
    wipe()
    seed(seed=7)

    assert fingerprint() == first
