"""`manage.py bench` keeps working: it measures every page, the synthesis PDF and the delivery
of a batch of syntheses on a small data set.

It is not a speed test (times are printed, never asserted): it proves the benchmark finds its
users, pages and synthesis, reports the query count of each page, and that the delivery measure
runs the real worker and SMTP server and leaves nothing behind.
"""

import io
import json
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command

from entretiens.models import Interview, Synthesis
from insertion.accounts.models import User
from insertion.bench import batch as bench_batch
from insertion.establishments.models import Establishment, Region

PAGES = [
    "worklist",
    "worklist_all_by_name",
    "worklist_search_htmx",
    "interview_form",
    "interview_verify",
    "interview_read",
    "dashboard_cpip",
    "dashboard_manager",
    "dashboard_manager_largest",
    "person_page",
    "team_queue",
    "waiting_list",
    "stats_national",
    "stats_national_month",
    "stats_establishment",
    "partner_matching",
]

# With the delivery tests, on one xdist worker (`make test`); without xdist the marker is unknown.
try:
    celery_group = pytest.mark.xdist_group("celery")
except pytest.fail.Exception:

    def celery_group(test):
        return test


def _bench_redis_url() -> str:
    """A Redis database for this process alone, flushed by the bench: never the suite's own
    REDIS_URL database, nor those of tests/test_synthesis_delivery.py (14 to 11)."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13")
    suite_db = int(parts.path.strip("/") or 0)
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    candidates = [db for db in (9, 7, 6, 5, 4) if db != suite_db]
    return urlunsplit(parts._replace(path=f"/{candidates[int(xdist_worker[2:])]}"))


@pytest.fixture
def private_storage(settings, tmp_path):
    """The synthesis PDFs in a folder of the test's own, for the bench and for its worker."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "syntheses": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_MEDIA_ROOT / "syntheses"},
        },
    }
    return settings.PRIVATE_MEDIA_ROOT / "syntheses"


@pytest.mark.django_db
def test_the_benchmark_measures_every_page_and_the_synthesis_of_the_demo(
    settings, tmp_path, private_storage
):
    settings.DEBUG = True
    # The bench renders the richest synthesis itself: the seed's PDFs may be stand-ins.
    call_command("seed_demo", pdfs="placeholder", stdout=io.StringIO())
    settings.DEBUG = False
    out = io.StringIO()
    results = tmp_path / "bench-results.jsonl"
    call_command(
        "bench",
        requests=2,
        warmup=0,
        renders=2,
        render_warmup=0,
        skip_delivery=True,
        output=str(results),
        stdout=out,
    )
    printed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [record["name"] for record in printed] == [*PAGES, "synthesis_render"]
    for record in printed:
        if record["name"] in PAGES:
            assert 0 < record["p50_ms"] <= record["p95_ms"] <= record["max_ms"]
            assert record["queries"] > 0
            assert record["n"] == 2
    render = printed[-1]
    assert 0 < render["p50_ms"] <= render["p95_ms"] <= render["max_ms"]
    assert render["n"] == 2
    assert render["pages"] >= 1
    assert render["target_p95_ms"] == 1000
    assert render["target_p50_ms"] == 300
    assert isinstance(render["met"], bool)
    # The same lines are appended to the results file, each with the run's timestamp.
    written = [json.loads(line) for line in results.read_text().splitlines()]
    assert written == printed
    assert len({record["run"] for record in written}) == 1


@pytest.mark.django_db
def test_the_benchmark_says_what_to_load_on_an_empty_database():
    with pytest.raises(CommandError, match="seed_demo --scale national"):
        call_command("bench", requests=1, warmup=0, stdout=io.StringIO())


@celery_group
@pytest.mark.django_db(transaction=True)  # the worker process reads what the bench commits
def test_the_delivery_measure_sends_a_batch_through_a_real_worker_and_removes_it(
    private_storage,
):
    out = io.StringIO()
    call_command(
        "bench",
        "--worker-concurrency=1,2",
        delivery_only=True,
        delivery_batch=3,
        delivery_timeout=120,  # fails in two minutes rather than hanging for fifteen
        redis_url=_bench_redis_url(),
        output="",
        stdout=out,
        stderr=io.StringIO(),
    )
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    # One batch per worker size, side by side.
    assert [record["worker_processes"] for record in records] == [1, 2]
    for record in records:
        assert record["name"] == "synthesis_delivery"
        assert (record["n"], record["syntheses"]) == (9, 3)
        assert record["per_second"] > 0 and record["render_per_second"] > 0
        assert record["seconds"] > 0
    # The worker wrote the PDFs where the bench removed them; nothing of the batch is left.
    assert private_storage.is_dir()
    assert not [path for path in private_storage.rglob("*") if path.is_file()]
    assert not Establishment.objects.filter(name=bench_batch.ESTABLISHMENT_NAME).exists()
    assert not Region.objects.filter(code=bench_batch.REGION_CODE).exists()
    assert not User.objects.filter(email__endswith=f"@{bench_batch.DOMAIN}").exists()
    assert not Interview.objects.exists() and not Synthesis.objects.exists()


@pytest.mark.django_db
def test_the_delivery_measure_refuses_to_flush_the_applications_redis_database(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/3"
    with pytest.raises(CommandError, match="ne peut pas être celle de l'application"):
        call_command(
            "bench",
            delivery_only=True,
            redis_url="redis://127.0.0.1:6379/3",
            output="",
            stdout=io.StringIO(),
        )


@pytest.mark.django_db
def test_the_worker_concurrency_is_a_list_of_process_counts():
    with pytest.raises(CommandError, match="séparés par des virgules"):
        call_command("bench", "--worker-concurrency=0,2", output="", stdout=io.StringIO())
