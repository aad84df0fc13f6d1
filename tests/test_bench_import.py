"""`manage.py bench_import` keeps working (insertion/bench/imports.py): its generated snapshot is
a valid extraction, a tiny run prints the two measures of issue 13 with their keys and counts,
and it refuses a database that is not its own. And the apply costs the same queries for each
row whatever the size of the file (the bench reports that figure; this locks it).

It is not a speed test: times are printed by the bench, never asserted (STYLE.md §18).
"""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insertion.bench.imports import Snapshot, even_split
from insertion.detainees.models import Detainee
from insertion.imports.applying import TRANSACTION_ROWS, apply_run
from insertion.imports.contract import SNAPSHOT
from insertion.imports.models import ImportRun, RowStatus, RunSource, RunStatus
from insertion.imports.reading import open_extraction
from insertion.imports.runs import receive_file
from tests.factories import EstablishmentFactory
from tests.test_import_apply import SNAPSHOT_HEADER, person

pytestmark = pytest.mark.django_db

SNAPSHOT_KEYS = {"preview_s", "apply_s", "peak_mb", "rows"}
NO_CHANGE_KEYS = {"apply_s"}


def test_the_generated_snapshot_is_one_valid_file_per_establishment(tmp_path):
    snapshot = Snapshot(codes=["MES001", "MES002", "MES003"], total=41)
    first_at = timezone.make_aware(datetime.datetime(2026, 12, 1, 6, 0))
    paths = snapshot.write(tmp_path / "first", first_at)
    again = snapshot.write(tmp_path / "again", first_at + datetime.timedelta(days=1))

    national_ids = []
    for path, code, size, path_again in zip(
        paths, snapshot.codes, even_split(41, 3), again, strict=True
    ):
        extraction = open_extraction(path, filename=path.name)
        assert extraction.kind == SNAPSHOT
        assert extraction.establishment_code == code
        assert extraction.extracted_at == first_at
        assert extraction.unknown_columns == []
        rows = list(extraction.rows())
        assert len(rows) == size
        assert [row.errors for row in rows] == [{}] * size
        national_ids += [row.values["identifiant_national"] for row in rows]
        # The same people a day later: only the extraction time differs.
        later = open_extraction(path_again, filename=path_again.name)
        assert later.extracted_at == first_at + datetime.timedelta(days=1)
        assert [{**row.values, "date_extraction": None} for row in later.rows()] == [
            {**row.values, "date_extraction": None} for row in rows
        ]
        assert path_again.read_bytes() != path.read_bytes()
    assert len(national_ids) == len(set(national_ids)) == 41


def test_a_tiny_run_prints_both_measures_with_their_rows(tmp_path):
    out = io.StringIO()
    results = tmp_path / "bench-results.jsonl"
    call_command(
        "bench_import",
        establishments=2,
        rows=40,
        sample_sizes=(2, 4),
        output=str(results),
        stdout=out,
        stderr=io.StringIO(),
    )
    printed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [record["name"] for record in printed] == ["import_snapshot_85k", "import_no_change"]
    first, again = printed
    assert set(first) >= SNAPSHOT_KEYS
    assert set(again) >= NO_CHANGE_KEYS
    assert first["rows"] == again["rows"] == 40
    assert first["files"] == 2
    assert (first["applied"], first["rejected"]) == (40, 0)
    assert again["unchanged"] == 40
    assert first["peak_mb"] > 0
    assert first["queries_per_row"]["preview_per_row"] == 0  # one query per chunk, not per row
    # New people are admitted together, a batch at a time: 2 or 4 arrivals, the same queries.
    assert first["queries_per_row"]["apply_per_row"] == 0
    # The 40 people of the snapshot and the 2 + 4 of the query samples, each once.
    assert Detainee.objects.count() == 46
    assert Detainee.objects.values("national_id").distinct().count() == 46
    written = [json.loads(line) for line in results.read_text().splitlines()]
    assert written == printed
    assert len({record["run"] for record in written}) == 1


def test_the_bench_refuses_a_database_that_is_not_its_own(fresnes):
    with pytest.raises(CommandError, match="base à part"):
        call_command("bench_import", establishments=1, rows=2, stdout=io.StringIO())
    assert Detainee.objects.count() == 0


def _apply_queries(folder, code: str, first: int, count: int) -> int:
    EstablishmentFactory(code=code)  # rollout in 2025: every arrival of 2026 owes an interview
    path = folder / f"presents-{code}.csv"
    lines = (person(n, code=code) for n in range(first, first + count))
    path.write_text("\n".join([SNAPSHOT_HEADER, *lines]) + "\n", encoding="utf-8")
    run = receive_file(path=path, filename=path.name, source=RunSource.COMMAND)
    assert run.status == RunStatus.PREVIEWED and run.rows_total == count
    with CaptureQueriesContext(connection) as queries:
        run = apply_run(run=run)
    assert run.rows.filter(status=RowStatus.APPLIED).count() == count
    return len(queries)


def test_the_apply_costs_the_same_queries_for_every_row_whatever_the_file_size(tmp_path):
    # Three establishments and three sets of people: every row an arrival.
    small, medium, large = 10, 10 + TRANSACTION_ROWS, 10 + 2 * TRANSACTION_ROWS
    counts = [
        _apply_queries(tmp_path, code, first, size)
        for code, first, size in (("QA", 1, small), ("QB", 1_000, medium), ("QC", 2_000, large))
    ]
    # Each further batch of rows costs the same: the queries grow by the row, not faster.
    assert counts[2] - counts[1] == counts[1] - counts[0]
    per_row = (counts[2] - counts[1]) / TRANSACTION_ROWS
    # New people are admitted together, a batch at a time (`detainees_admit_many`): the batch
    # costs a handful of queries (its rows locked, the écrous taken, one insert per table, the
    # results, the count), whatever its size. One query more for every row fails here.
    assert per_row < 1


@pytest.mark.django_db(transaction=True)
def test_with_two_processes_each_file_is_imported_once_by_one_of_them(tmp_path):
    out = io.StringIO()
    call_command(
        "bench_import",
        establishments=3,
        rows=30,
        processes=2,
        sample_sizes=(2, 4),
        output="",
        stdout=out,
        stderr=io.StringIO(),
    )
    first, again = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (first["processes"], first["applied"]) == (2, 30)
    assert again["processes"] == 2 and again["unchanged"] == 30
    assert again["total_s"] > 0 and again["preview_s"] is None
    # Each extraction is one run per establishment: 3 files twice, none imported twice (the
    # query samples have establishments of their own, after these).
    runs = ImportRun.objects.filter(establishment__code__in=["MES001", "MES002", "MES003"])
    assert runs.count() == 6 and not runs.exclude(status=RunStatus.APPLIED).exists()
    assert Detainee.objects.filter(national_id__startswith="BEN").count() == 30
