"""`manage.py bench` keeps working: it measures every page on a small data set.

It is not a speed test (times are printed, never asserted): it proves the benchmark finds its
users and pages, and reports the query count of each page.
"""

import io
import re

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

PAGES = [
    "Entretiens à traiter (liste de travail)",
    "Liste de travail : tous, triés par nom",
    "Liste de travail : recherche (htmx)",
    "Formulaire d'entretien (brouillon)",
    "Vérifier et valider",
    "Entretien validé (lecture)",
]


def test_the_benchmark_measures_every_page_of_the_demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    out = io.StringIO()
    call_command("bench", requests=2, warmup=0, stdout=out)
    lines = out.getvalue().splitlines()
    for label in PAGES:
        line = next(line for line in lines if line.startswith(label))
        p50, p95, worst, queries = re.findall(r"\d+(?:\.\d+)?", line[len(label) :])[:4]
        assert 0 < float(p50) <= float(p95) <= float(worst)
        assert int(queries) > 0


def test_the_benchmark_says_what_to_load_on_an_empty_database():
    with pytest.raises(CommandError, match="seed_demo --scale national"):
        call_command("bench", requests=1, warmup=0, stdout=io.StringIO())
