"""`manage.py bench` keeps working: it measures every page on a small data set.

It is not a speed test (times are printed, never asserted): it proves the benchmark finds its
users and pages, and reports the query count of each page.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

PAGES = [
    "worklist",
    "worklist_all_by_name",
    "worklist_search_htmx",
    "interview_form",
    "interview_verify",
    "interview_read",
]


def test_the_benchmark_measures_every_page_of_the_demo(settings, tmp_path):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    out = io.StringIO()
    results = tmp_path / "bench-results.jsonl"
    call_command("bench", requests=2, warmup=0, output=str(results), stdout=out)
    printed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [record["name"] for record in printed if record["name"] in PAGES] == PAGES
    for record in printed:
        if record["name"] in PAGES:
            assert 0 < record["p50_ms"] <= record["p95_ms"] <= record["max_ms"]
            assert record["queries"] > 0
            assert record["n"] == 2
    # The same lines are appended to the results file, each with the run's timestamp.
    written = [json.loads(line) for line in results.read_text().splitlines()]
    assert written == printed
    assert len({record["run"] for record in written}) == 1


def test_the_benchmark_says_what_to_load_on_an_empty_database():
    with pytest.raises(CommandError, match="seed_demo --scale national"):
        call_command("bench", requests=1, warmup=0, stdout=io.StringIO())
