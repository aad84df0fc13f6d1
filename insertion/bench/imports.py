"""The import measures of `make bench` (issue 13, « Figures »), run by `manage.py bench_import`.

A national-scale snapshot: 190 establishments created here (codes `MES001`…), 85,000 fictional
people spread over them, written as one « présents à date » CSV per establishment (a file is
for one establishment), as the national system would send them. Each file goes the way of the
`import_extraction` command: `receive_file` (read, stored, previewed), then `apply_run`.

- `import_snapshot_85k`: the first snapshot of an empty application: every row an arrival, each
  through `detainee_admit` (the person, the stay, the initial DLP, the interview owed).
- `import_no_change`: the same content extracted a day later (new files, another SHA-256):
  every row planned unchanged, nothing to apply.

The files are generated again from the same seed for the second extraction (nothing is kept in
memory), in a temporary folder removed at the end. Names are made of syllables: nobody real.
"""

import csv
import dataclasses
import datetime
import multiprocessing
import random
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from django.db import connection, connections
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from insertion.detainees.models import Detainee
from insertion.establishments.models import Establishment, EstablishmentKind, Region
from insertion.imports.applying import apply_run
from insertion.imports.models import ImportRow, ImportRun, RowStatus, RunSource, RunStatus
from insertion.imports.runs import receive_file

REGION_CODE = "MESIMP"
REGION_NAME = "Direction interrégionale de mesure des imports (bench)"
CODE_PREFIX = "MES"
HEADER = [
    "Identifiant national",
    "Numéro d'écrou",
    "Nom",
    "Prénom",
    "Nom d'usage",
    "Date de naissance",
    "Sexe",
    "Statut",
    "Catégorie d'infraction",
    "Date de l'écrou initial",
    "Date d'arrivée",
    "DLP",
    "Code établissement",
    "Date d'extraction",
]
# fmt: off
SYLLABLES = (
    "BAR", "BEL", "BER", "BRI", "CAL", "CHA", "COR", "DAM", "DEL", "DOR", "FAB", "FER", "GAR",
    "GOU", "JAN", "LAB", "LAN", "LEM", "LOR", "MAR", "MER", "MON", "NAU", "PER", "POI", "RAM",
    "RIV", "ROU", "SAL", "TAR", "VAL", "VER", "ÉTI", "ŒIL",
)
ENDINGS = ("AND", "ARD", "AUD", "EAU", "ET", "IER", "IN", "OT", "OUX", "Y", "ÈRE", "ÇON")
FEMALE_FIRST_NAMES = (
    "Agnès", "Anaïs", "Chloé", "Clémence", "Élodie", "Hélène", "Inès", "Maëlys", "Noémie",
    "Océane", "Sarah", "Zoé",
)
MALE_FIRST_NAMES = (
    "André", "Bastien", "Cédric", "François", "Jérôme", "Loïc", "Mathéo", "Noé", "Raphaël",
    "Stéphane", "Théo", "Yanis",
)
# fmt: on
STATUSES = (("Condamné", 70), ("Prévenu", 25), ("Condamné prévenu", 5))


class BenchImportError(Exception):
    """A file of the bench was refused or a run did not end applied: the message says which."""


def fictional_last_name(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2))) + rng.choice(ENDINGS)
    return f"{name}-{rng.choice(SYLLABLES)}{rng.choice(ENDINGS)}" if rng.random() < 0.05 else name


def even_split(total: int, count: int) -> list[int]:
    base, extra = divmod(total, count)
    return [base + (1 if index < extra else 0) for index in range(count)]


def create_establishments(
    count: int, *, rollout: datetime.date, first: int = 1
) -> list[Establishment]:
    """The bench's own establishments, coded `MES001`…, running the interviews since `rollout`."""
    region, _ = Region.objects.get_or_create(code=REGION_CODE, defaults={"name": REGION_NAME})
    return Establishment.objects.bulk_create(
        [
            Establishment(
                name=f"Établissement de mesure des imports n° {number:03d} (bench)",
                code=f"{CODE_PREFIX}{number:03d}",
                kind=EstablishmentKind.MAISON_ARRET,
                region=region,
                department="75",
                city="Mesure",
                capacity=600,
                interview_rollout_date=rollout,
            )
            for number in range(first, first + count)
        ]
    )


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The people held in `codes` establishments (`total` in all), as fictional as reproducible:
    the same seed writes the same rows, whatever the extraction time stamped on them."""

    codes: Sequence[str]
    total: int
    seed: int = 13
    id_prefix: str = "BEN"
    today: datetime.date = dataclasses.field(default_factory=timezone.localdate)

    def rows(self, index: int) -> Iterator[list[str]]:
        """The rows of the `index`-th establishment, without the extraction columns."""
        sizes = even_split(self.total, len(self.codes))
        first_person = sum(sizes[:index])
        rng = random.Random(f"{self.seed}-{self.codes[index]}")  # noqa: S311 (fictional data)
        for number in range(sizes[index]):
            female = rng.random() < 0.04
            status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
            birth = self.today - datetime.timedelta(days=rng.randint(18 * 365, 75 * 365))
            custody = self.today - datetime.timedelta(days=rng.randint(1, 6 * 365))
            arrival = custody + datetime.timedelta(days=rng.randint(0, (self.today - custody).days))
            release = "" if status == "Prévenu" else _date(self.today + _days(rng, 1, 8 * 365))
            yield [
                f"{self.id_prefix}{first_person + number + 1:07d}",
                str(10_000 + number),
                fictional_last_name(rng),
                rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES),
                fictional_last_name(rng) if female and rng.random() < 0.3 else "",
                _date(birth),
                "F" if female else "M",
                status,
                "Crime" if rng.random() < 0.15 else "Délit",
                _date(custody),
                _date(arrival),
                release,
            ]

    def write(self, folder: Path, extracted_at: datetime.datetime) -> list[Path]:
        """One « présents à date » CSV per establishment (UTF-8 with BOM, `;`), streamed."""
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime(extracted_at).strftime("%d/%m/%Y %H:%M")
        paths = []
        for index, code in enumerate(self.codes):
            path = folder / f"presents_{code}_{extracted_at:%Y%m%d%H%M}.csv"
            with path.open("w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
                writer.writerow(HEADER)
                for row in self.rows(index):
                    writer.writerow([*row, code, stamp])
            paths.append(path)
        return paths


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def _date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def max_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """The peak resident memory so far of this process (or of the largest of its children
    ended, with RUSAGE_CHILDREN); Linux counts ru_maxrss in KiB."""
    return resource.getrusage(who).ru_maxrss / 1024


def preview(paths: Sequence[Path], log: Callable[[str], None]) -> tuple[list[ImportRun], float]:
    """Receive every file as the command does; the runs and the seconds it took."""
    runs = []
    started = time.perf_counter()
    for number, path in enumerate(paths, start=1):
        run = receive_file(path=path, filename=path.name, source=RunSource.COMMAND)
        if run.status != RunStatus.PREVIEWED:
            raise BenchImportError(f"{path.name} : {run.get_status_display()} {run.refusal}")
        runs.append(run)
        if number % 50 == 0:
            log(f"  aperçu : {number}/{len(paths)} fichiers")
    return runs, time.perf_counter() - started


def apply_all(runs: Sequence[ImportRun], log: Callable[[str], None], *, processes: int) -> float:
    """Apply every run (one process, or `processes` forked ones sharing the runs, as workers of
    the Celery queue would, one run each at a time); the seconds it took."""
    started = time.perf_counter()
    if processes == 1:
        for number, run in enumerate(runs, start=1):
            apply_run(run=run)
            if number % 50 == 0:
                log(f"  application : {number}/{len(runs)} fichiers")
    else:
        _apply_in_processes([run.pk for run in runs], processes)
    elapsed = time.perf_counter() - started
    not_applied = ImportRun.objects.filter(pk__in=[run.pk for run in runs]).exclude(
        status=RunStatus.APPLIED
    )
    if not_applied.exists():
        raise BenchImportError(f"{not_applied.count()} import(s) non terminé(s).")
    return elapsed


def import_in_processes(paths: Sequence[Path], processes: int) -> tuple[list[ImportRun], float]:
    """Each file received then applied by one of `processes` forked processes, as the drop
    folder's tasks do (`tasks.import_dropped_file`, one file each) on a worker of that
    concurrency; the runs and the seconds it took."""
    started = time.perf_counter()
    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        run_pks = pool.map(_import_one, [str(path) for path in paths], chunksize=1)
    elapsed = time.perf_counter() - started
    runs = list(ImportRun.objects.filter(pk__in=run_pks))
    not_applied = [run for run in runs if run.status != RunStatus.APPLIED]
    if not_applied or len(runs) != len(paths):
        raise BenchImportError(f"{len(not_applied)} import(s) non terminé(s).")
    return runs, elapsed


def _import_one(path: str) -> int:
    file = Path(path)
    run = receive_file(path=file, filename=file.name, source=RunSource.COMMAND)
    if run.status == RunStatus.PREVIEWED:
        run = apply_run(run=run)
    return run.pk


def _apply_in_processes(run_pks: list[int], processes: int) -> None:
    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        pool.map(_apply_one, run_pks, chunksize=1)


def _apply_one(run_pk: int) -> None:
    apply_run(run=ImportRun.objects.get(pk=run_pk))


def row_outcomes(runs: Sequence[ImportRun]) -> dict[str, int]:
    """How many rows of the runs ended in each status (the check of the measure)."""
    by_status = Counter(
        dict(
            ImportRow.objects.filter(run__in=runs)
            .values_list("status")
            .annotate(count=Count("pk"))
            .values_list("status", "count")
        )
    )
    return {status: by_status.get(status, 0) for status in RowStatus.values}


def queries_per_row(folder: Path, *, rollout: datetime.date, first: int, sizes=(20, 200)) -> dict:
    """The SQL queries of the preview and of the apply of one file, for two file sizes, in new
    establishments: the count per row, and whether it stays the same with a bigger file (the
    extra rows cost the same as the first ones)."""
    counts = {}
    for number, size in enumerate(sizes, start=first):
        (establishment,) = create_establishments(1, rollout=rollout, first=number)
        snapshot = Snapshot(codes=[establishment.code], total=size, id_prefix=f"SPL{size}-")
        (path,) = snapshot.write(folder / f"sample-{size}", timezone.now())
        with CaptureQueriesContext(connection) as previewing:
            run = receive_file(path=path, filename=path.name, source=RunSource.COMMAND)
        with CaptureQueriesContext(connection) as applying:
            apply_run(run=run)
        counts[size] = (len(previewing), len(applying))
    small, big = sizes
    added = big - small
    preview_marginal = (counts[big][0] - counts[small][0]) / added
    apply_marginal = (counts[big][1] - counts[small][1]) / added
    return {
        "sizes": list(sizes),
        "preview_queries": [counts[size][0] for size in sizes],
        "apply_queries": [counts[size][1] for size in sizes],
        "preview_per_row": round(preview_marginal, 2),
        "apply_per_row": round(apply_marginal, 2),
    }


def database_is_empty() -> bool:
    return not (Establishment.objects.exists() or Detainee.objects.exists())
