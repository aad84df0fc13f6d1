"""Time of the preview and of the apply of a national-scale snapshot of the extraction, its peak
memory and its SQL queries per row; then the same snapshot extracted again (nothing to do).

Run by `make bench` (target `bench-import`) in a database of its own, migrated and flushed
before: it creates its establishments and its 85,000 people, which must never mix with the
national data set the page measures use. It refuses a database that holds anything already.
What it measures is explained in insertion/bench/imports.py. Each measure is printed as one JSON
object per line and appended to `bench-results.jsonl`; progress goes to stderr. It measures, it
does not assert (STYLE.md §18).

- `import_snapshot_85k`: `preview_s` and `apply_s`, the totals over the files (one per
  establishment), the 85,000 rows applied in this process by `apply_run` (or in `--processes`
  forked ones, each taking whole runs as the Celery workers do); `peak_mb`, the process's peak
  resident memory (`ru_maxrss`) at the end, and `peak_growth_mb`, how much the preview and the
  apply raised it (with `--processes`, `children_peak_mb`: the largest applying process);
  `queries_per_row`, the SQL queries that each extra row of a file costs at the preview and at
  the apply (files of two sizes, counted with CaptureQueriesContext); `rejected`, the rows the
  services refused (none expected).
- `import_no_change`: the same rows in new files extracted a day later: `preview_s`, `apply_s`
  and their total, against the target of 10 seconds; with `--processes`, each file is read,
  previewed and applied by one of the forked processes, as the drop folder's tasks share the
  files among the worker's processes (`total_s` only).
"""

import argparse
import datetime
import json
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from insertion.bench.imports import (
    BenchImportError,
    Snapshot,
    apply_all,
    create_establishments,
    database_is_empty,
    import_in_processes,
    max_rss_mb,
    preview,
    queries_per_row,
    row_outcomes,
)
from insertion.imports.models import RowEvent, RowStatus

TARGET_APPLY_S = 60
TARGET_NO_CHANGE_S = 10


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"« {value} » : un nombre entier positif est attendu.")
    return number


def two_sizes(value: str) -> tuple[int, int]:
    """`20,200` → (20, 200): the file sizes whose queries are compared."""
    try:
        sizes = tuple(int(part) for part in value.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) != 2 or not 0 < sizes[0] < sizes[1]:
        raise argparse.ArgumentTypeError(
            f"« {value} » : deux nombres de lignes croissants séparés par une virgule, "
            "comme 20,200."
        )
    return sizes


class Command(BaseCommand):
    help = (
        "Mesure l'aperçu et l'application d'une extraction « présents à date » nationale "
        "(fictive), puis de la même extraction sans changement, dans une base réservée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--establishments", type=positive, default=190)
        parser.add_argument("--rows", type=positive, default=85_000, help="lignes en tout")
        parser.add_argument(
            "--processes",
            type=positive,
            default=1,
            help="processus qui appliquent les imports (1 : dans ce processus)",
        )
        parser.add_argument(
            "--sample-sizes",
            type=two_sizes,
            default=(20, 200),
            help="tailles des deux fichiers où les requêtes SQL sont comptées (défaut : 20,200)",
        )
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument(
            "--output",
            default="bench-results.jsonl",
            help="fichier où ajouter les résultats (vide : aucun)",
        )

    def emit(self, record: dict) -> None:
        line = json.dumps({**record, "run": self.run}, ensure_ascii=False)
        self.stdout.write(line)
        if self.output:
            with self.output.open("a", encoding="utf-8") as results:
                results.write(line + "\n")

    def progress(self, message: str) -> None:
        self.stderr.write(f"[{time.monotonic() - self.started:5.0f} s] {message}")

    def handle(self, *args, establishments, rows, processes, sample_sizes, seed, output, **options):
        if rows < establishments:
            raise CommandError("Il faut au moins une ligne par établissement.")
        if not database_is_empty():
            raise CommandError(
                "Cette base contient déjà des établissements ou des personnes : la mesure des "
                "imports crée les siens et doit tourner dans une base à part, migrée et vidée "
                "(`make bench-import` utilise insertion_bench_import et la vide par `flush`)."
            )
        self.run = timezone.now().isoformat(timespec="seconds")
        self.started = time.monotonic()
        self.output = Path(output) if output else None
        today = timezone.localdate()
        rollout = today - datetime.timedelta(days=365)
        try:
            with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
                self.measure(
                    Path(folder),
                    establishments=establishments,
                    rows=rows,
                    processes=processes,
                    sample_sizes=sample_sizes,
                    seed=seed,
                    today=today,
                    rollout=rollout,
                )
        except BenchImportError as error:
            raise CommandError(str(error)) from error
        self.progress("Mesures des imports terminées.")

    def measure(
        self, folder: Path, *, establishments, rows, processes, sample_sizes, seed, today, rollout
    ) -> None:
        self.progress(
            f"Requêtes SQL par ligne : fichiers de {sample_sizes[0]} et {sample_sizes[1]} lignes…"
        )
        queries = queries_per_row(
            folder, rollout=rollout, first=establishments + 1, sizes=sample_sizes
        )
        codes = [e.code for e in create_establishments(establishments, rollout=rollout)]
        snapshot = Snapshot(codes=codes, total=rows, seed=seed, today=today)
        first_at = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(6))
        )
        self.progress(f"Écriture de {establishments} fichiers, {rows} lignes en tout…")
        generating = time.perf_counter()
        paths = snapshot.write(folder / "first", first_at)
        generate_s = time.perf_counter() - generating
        rss_before = max_rss_mb()
        self.progress("Aperçu de chaque fichier (réception comme par import_extraction)…")
        runs, preview_s = preview(paths, self.progress)
        self.progress(f"Application ({processes} processus)…")
        apply_s = apply_all(runs, self.progress, processes=processes)
        peak = max_rss_mb()
        outcomes = row_outcomes(runs)
        self.emit(
            {
                "name": "import_snapshot_85k",
                "preview_s": round(preview_s, 1),
                "apply_s": round(apply_s, 1),
                "peak_mb": round(peak, 1),
                "peak_growth_mb": round(peak - rss_before, 1),
                "rows": rows,
                "files": len(paths),
                "applied": outcomes[RowStatus.APPLIED],
                "rejected": outcomes[RowStatus.REJECTED],
                "processes": processes,
                **(
                    {"children_peak_mb": round(max_rss_mb(resource.RUSAGE_CHILDREN), 1)}
                    if processes > 1
                    else {}
                ),
                "queries_per_row": queries,
                "generate_s": round(generate_s, 1),
                "target_apply_s": TARGET_APPLY_S,
                "met": apply_s <= TARGET_APPLY_S,
            }
        )
        for path in paths:
            path.unlink()
        self.progress("Même extraction un jour plus tard : aperçu et application…")
        paths = snapshot.write(folder / "again", first_at + datetime.timedelta(days=1))
        if processes == 1:
            runs, preview_s = preview(paths, self.progress)
            apply_s = apply_all(runs, self.progress, processes=processes)
            total_s = preview_s + apply_s
            timings = {"preview_s": round(preview_s, 1), "apply_s": round(apply_s, 1)}
        else:
            # As the drop folder's tasks: each file read, previewed and applied by one process.
            runs, total_s = import_in_processes(paths, processes)
            timings = {"preview_s": None, "apply_s": None}
        outcomes = row_outcomes(runs)
        self.emit(
            {
                "name": "import_no_change",
                **timings,
                "processes": processes,
                "total_s": round(total_s, 1),
                "rows": rows,
                "unchanged": sum(run.counts.get(RowEvent.UNCHANGED, 0) for run in runs),
                "applied": outcomes[RowStatus.APPLIED],
                "target_s": TARGET_NO_CHANGE_S,
                "met": total_s <= TARGET_NO_CHANGE_S,
            }
        )
