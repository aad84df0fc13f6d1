"""Issue 13: a run applied by a real Celery worker survives a SIGKILL in the middle: run again,
it completes and nothing is done twice (insertion/imports/applying.py, tasks.py).

The worker (insertion/bench/harness.py, `--pool=solo`) reads the pytest-django test database,
so this test commits its data (`transaction=True`); it has a Redis database of its own.
"""

import os
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from entretiens.models import Interview
from insertion.bench import harness
from insertion.detainees.models import Detainee, ReleaseDateChange
from insertion.imports.models import ImportRun, RowStatus, RunSource, RunStatus
from insertion.imports.runs import receive_file
from insertion.imports.tasks import apply_import_run
from tests.test_import_apply import SNAPSHOT_HEADER, person

try:
    pytestmark = [pytest.mark.xdist_group("celery")]
except pytest.fail.Exception:
    pytestmark = []

ROWS = 400


def _redis_url() -> str:
    """Redis databases 1 and 2 (one per xdist worker), flushed here: used by no other test
    (the suite's is 15, tests/test_synthesis_delivery.py's 14 to 11, tests/test_bench.py's 9
    and 7 to 4). Two workers on one database would take each other's messages."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15")
    xdist_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
    return urlunsplit(parts._replace(path=f"/{1 + xdist_worker % 2}"))


def wait_for(condition, *, worker, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"Délai dépassé : {what}\n--- worker ---\n{worker.tail()}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_a_run_that_completes_without_doubles(
    fresnes, tmp_path, settings
):
    private = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": private / "imports"},
        },
    }
    path = tmp_path / "presents.csv"
    path.write_text(
        "\n".join([SNAPSHOT_HEADER, *(person(n) for n in range(1, ROWS + 1))]) + "\n",
        encoding="utf-8",
    )
    run = receive_file(path=path, filename=path.name, source=RunSource.COMMAND)
    assert run.status == RunStatus.PREVIEWED and run.rows_total == ROWS

    url = _redis_url()
    broker = redis.Redis.from_url(url)
    broker.flushdb()
    worker = harness.Worker(
        log=tmp_path / "worker.log",
        database_url=harness.database_url(),
        redis_url=url,
        email_url="console://",
        private_media_root=private,
        pool="solo",
        name="import-kill-test",
    )
    try:
        with harness.producer_on(url):
            worker.start()

            def done() -> int:
                return ImportRun.objects.get(pk=run.pk).rows_done

            apply_import_run.delay(run.pk)
            wait_for(lambda: done() >= 30, worker=worker, what="30 lignes appliquées")
            worker.kill()
            killed_at = done()
            run.refresh_from_db()
            assert run.status == RunStatus.APPLYING
            assert killed_at < ROWS, "le worker a fini avant d'être tué : le test ne prouve rien"

            # What the broker does with an unacknowledged message (acks_late): deliver it again.
            worker.start()
            apply_import_run.delay(run.pk)
            wait_for(
                lambda: ImportRun.objects.get(pk=run.pk).status == RunStatus.APPLIED,
                worker=worker,
                what="l'import repris jusqu'au bout",
            )
    finally:
        worker.kill()
        broker.flushdb()
        broker.close()

    run.refresh_from_db()
    assert run.rows_done == ROWS
    assert run.rows.filter(status=RowStatus.APPLIED).count() == ROWS
    assert Detainee.objects.count() == ROWS
    assert Detainee.objects.values("national_id").distinct().count() == ROWS
    assert Interview.objects.count() == ROWS
    assert ReleaseDateChange.objects.count() == ROWS  # one initial DLP each, none twice
