"""The preview of a run: every line of the file becomes a planned row with the event it carries,
before anything is written to the people's records.

Matching (issue 13): a person is found by the national identifier only; the n° d'écrou never
merges two people. When the identifier matches but the identity (names and birth date, compared
without case, accents or spaces) differs, the row is a conflict, held for a person to decide.
A row whose identity matches a person typed by hand without identifier is a proposed link, held
too. Nothing is merged silently.

A snapshot ("présents à date") also implies departures: the people this establishment holds
with an identifier that the snapshot no longer lists. Their share of the stays is kept on the
run, so a truncated extraction cannot close half of the establishment unnoticed.

The file is read in chunks of `CHUNK` rows, with one query per chunk for the people it names and
one to store its planned rows (COPY on PostgreSQL): the queries do not grow with the rows and
the memory stays bounded. A row with nothing to do does not keep the cells as written (`raw`,
only ever read for the rows rejected): an extraction sent again every day mostly says nothing
new, and what it says is kept once, in `values`.
"""

import dataclasses
import datetime
import functools
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from insertion.core.text import normalize_search
from insertion.detainees.models import ArrangementStatus, Detainee, SentenceArrangement
from insertion.imports.contract import SNAPSHOT, MovementKind
from insertion.imports.models import ImportRow, ImportRun, RowEvent, RowStatus, RunStatus

CHUNK = 1000

# The fields the import owns and compares, by the file's column names.
OWNED_FIELDS = {
    "numero_ecrou": "ecrou_number",
    "nom_usage": "usage_name",
    "statut": "legal_status",
    "categorie_infraction": "offence_category",
    "dlp": "expected_release_date",
}
HELD = {RowEvent.CONFLICT, RowEvent.LINK}
NOTHING_TO_DO = {RowEvent.UNCHANGED}


@dataclasses.dataclass(frozen=True)
class Known:
    """What the application holds of a person, as the planning compares it."""

    pk: int
    national_id: str | None
    identity: tuple
    establishment_id: int
    released: bool
    owned: dict

    @classmethod
    def of(cls, record: dict) -> "Known":
        """From a person's `KNOWN_FIELDS` as `.values()` gives them (no model instance: a
        chunk names a thousand people)."""
        return cls(
            pk=record["pk"],
            national_id=record["national_id"],
            identity=identity_key(record["last_name"], record["first_name"], record["birth_date"]),
            establishment_id=record["establishment_id"],
            released=record["release_date"] is not None,
            owned={column: record[name] for column, name in OWNED_FIELDS.items()},
        )


KNOWN_FIELDS = (
    "pk",
    "national_id",
    "last_name",
    "first_name",
    "birth_date",
    "establishment_id",
    "release_date",
    *OWNED_FIELDS.values(),
)


# Names come back on many rows (and on every extraction): each is folded once per process.
_folded_name = functools.lru_cache(maxsize=50_000)(normalize_search)


def identity_key(last_name: str, first_name: str, birth_date) -> tuple:
    return (_folded_name(last_name or ""), _folded_name(first_name or ""), birth_date)


def chunked(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def json_values(values: dict) -> dict:
    """The parsed values as JSON (dates in ISO), as the row keeps them for the apply."""
    return {
        key: value.isoformat() if isinstance(value, datetime.date) else value
        for key, value in values.items()
    }


@dataclasses.dataclass
class Planned:
    event: str
    detainee_id: int | None = None
    message: str = ""


def changed_fields(known: Known, values: dict) -> list[str]:
    """The owned columns whose value in the file differs from the record (empty cells of optional
    columns say nothing, except the DLP of a snapshot, which a pretrial person may lose)."""
    changed = []
    for column in OWNED_FIELDS:
        if column not in values:
            continue
        value = values[column]
        if value in ("", None) and column != "dlp":
            continue
        if (value or None) != (known.owned[column] or None):
            changed.append(column)
    return changed


def plan_snapshot_row(values: dict, known: Known | None, establishment_id: int) -> Planned:
    if known is None:
        return Planned(RowEvent.ARRIVAL)
    if known.released:
        return Planned(RowEvent.ARRIVAL, known.pk, "Nouvelle incarcération d'une personne libérée.")
    if known.establishment_id != establishment_id:
        return Planned(RowEvent.TRANSFER_IN, known.pk)
    changed = changed_fields(known, values)
    if "dlp" in changed:
        return Planned(RowEvent.RELEASE_DATE, known.pk)
    if changed:
        return Planned(RowEvent.IDENTITY, known.pk)
    return Planned(RowEvent.UNCHANGED, known.pk)


def plan_movement_row(values: dict, known: Known | None, establishment_id: int) -> Planned:
    kind = values["type_mouvement"]
    here = known is not None and not known.released and known.establishment_id == establishment_id
    if kind in (MovementKind.ARRIVAL, MovementKind.TRANSFER_IN):
        if known is None:
            return Planned(RowEvent.ARRIVAL)
        if here:
            return Planned(RowEvent.UNCHANGED, known.pk, "Déjà présente dans l'établissement.")
        if known.released:
            return Planned(RowEvent.ARRIVAL, known.pk, "Nouvelle incarcération.")
        return Planned(RowEvent.TRANSFER_IN, known.pk)
    if known is None:
        return Planned(
            RowEvent.ERROR,
            message="Personne inconnue : aucune personne de cet "
            "identifiant national n'a été importée.",
        )
    if kind == MovementKind.TRANSFER_OUT:
        if here:
            return Planned(RowEvent.TRANSFER_OUT, known.pk)
        return Planned(RowEvent.UNCHANGED, known.pk, "Déjà sortie de l'établissement.")
    if kind == MovementKind.RELEASE:
        if known.released:
            return Planned(RowEvent.UNCHANGED, known.pk, "Libération déjà enregistrée.")
        if not here:
            return Planned(
                RowEvent.ERROR, known.pk, "La personne n'est pas dans cet établissement."
            )
        return Planned(RowEvent.RELEASE, known.pk)
    if not here:
        return Planned(RowEvent.ERROR, known.pk, "La personne n'est pas dans cet établissement.")
    if kind == MovementKind.RELEASE_DATE_CHANGE:
        if values.get("dlp") == known.owned["dlp"]:
            return Planned(RowEvent.UNCHANGED, known.pk, "DLP déjà à jour.")
        return Planned(RowEvent.RELEASE_DATE, known.pk)
    return Planned(RowEvent.ARRANGEMENT, known.pk)


def plan_row(kind: str, values: dict, known: Known | None, establishment_id: int) -> Planned:
    if kind == SNAPSHOT:
        return plan_snapshot_row(values, known, establishment_id)
    return plan_movement_row(values, known, establishment_id)


def _match(chunk: list) -> tuple[dict[str, Known], dict[tuple, list[Known]]]:
    """The people the chunk names: by identifier, and the hand-typed ones by identity."""
    ids = {row.values["identifiant_national"] for row in chunk if not row.errors}
    by_id = {
        record["national_id"]: Known.of(record)
        for record in Detainee.objects.filter(national_id__in=ids).order_by().values(*KNOWN_FIELDS)
    }
    birth_dates = {
        row.values["date_naissance"]
        for row in chunk
        if not row.errors and row.values["identifiant_national"] not in by_id
    }
    by_identity: dict[tuple, list[Known]] = {}
    if birth_dates:
        for record in Detainee.objects.filter(
            national_id__isnull=True, birth_date__in=birth_dates, anonymised_on__isnull=True
        ).values(*KNOWN_FIELDS):
            known = Known.of(record)
            by_identity.setdefault(known.identity, []).append(known)
    return by_id, by_identity


@dataclasses.dataclass(slots=True)
class PlannedRow:
    """A row of the preview as `store_rows` writes it: the fields of `ImportRow` it fills,
    without a model instance per line (a snapshot has thousands)."""

    run_id: int
    line: int | None
    event: str
    status: str
    national_id: str
    detainee_id: int | None
    values: dict
    raw: dict
    message: str

    def as_model(self) -> ImportRow:
        return ImportRow(**{name: getattr(self, name) for name in self.__slots__})


def _planned_row(run: ImportRun, row, by_id, by_identity) -> PlannedRow:
    values = row.values
    national_id = str(values.get("identifiant_national") or "")
    if row.errors:
        planned = Planned(RowEvent.ERROR, message=" ; ".join(row.errors.values()))
    else:
        known = by_id.get(national_id)
        identity = identity_key(values["nom"], values["prenom"], values["date_naissance"])
        if known is not None and known.identity != identity:
            planned = Planned(
                RowEvent.CONFLICT,
                known.pk,
                "L'identifiant national est celui d'une personne dont le nom, le prénom ou la "
                "date de naissance diffèrent : vérifiez avant toute mise à jour.",
            )
        elif known is None and by_identity.get(identity):
            candidates = by_identity[identity]
            planned = Planned(
                RowEvent.LINK,
                candidates[0].pk,
                "Une personne saisie à la main porte la même identité : confirmez qu'il s'agit "
                "de la même personne avant de la rattacher à l'extraction."
                if len(candidates) == 1
                else f"{len(candidates)} personnes saisies à la main portent la même identité.",
            )
        else:
            planned = plan_row(run.kind, values, known, run.establishment_id)
    if planned.event == RowEvent.ERROR:
        status = RowStatus.REJECTED
    elif planned.event in HELD:
        status = RowStatus.HELD
    elif planned.event in NOTHING_TO_DO:
        status = RowStatus.APPLIED
    else:
        status = RowStatus.PENDING
    return PlannedRow(
        run_id=run.pk,
        line=row.line,
        event=planned.event,
        status=status,
        national_id=national_id[:30],
        detainee_id=planned.detainee_id,
        values=json_values(values),
        raw={} if status == RowStatus.APPLIED else row.raw,
        message=planned.message,
    )


def _departure(run, pk, national_id, release_due, arrangement_granted, extracted_on) -> PlannedRow:
    """A person held here that the snapshot no longer lists. A release is inferred only when
    the DLP is reached or an arrangement was granted; otherwise the departure may be a transfer
    or an error of the extraction, and a person confirms it (a movements file says which)."""
    inferred = arrangement_granted or (release_due is not None and release_due <= extracted_on)
    return PlannedRow(
        run_id=run.pk,
        line=None,
        event=RowEvent.DEPARTURE,
        status=RowStatus.PENDING if inferred else RowStatus.HELD,
        national_id=national_id,
        detainee_id=pk,
        values={},
        raw={},
        message="Absente de l'extraction : libération à la DLP ou en aménagement de peine."
        if inferred
        else "Absente de l'extraction avant sa DLP : transfert ou libération, à confirmer.",
    )


# The columns of a planned row as `store_rows` writes them.
STORED_COLUMNS = ("run_id", "line", "event", "status", "national_id", "detainee_id")
STORED_JSON = ("values", "raw")


def store_rows(rows: list[PlannedRow]) -> None:
    """Insert planned rows: one COPY on PostgreSQL (bulk_create spends more time turning rows
    into SQL than the database takes to store them), `bulk_create` elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ImportRow.objects.bulk_create([row.as_model() for row in rows], batch_size=CHUNK)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in (*STORED_COLUMNS, *STORED_JSON, "message"))
    statement = f"COPY {quote(ImportRow._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                (
                    *(getattr(row, name) for name in STORED_COLUMNS),
                    *(json.dumps(getattr(row, name), ensure_ascii=False) for name in STORED_JSON),
                    row.message,
                )
            )


@transaction.atomic
def plan_run(*, run: ImportRun, extraction) -> ImportRun:
    """Plan every row of the extraction on the run and count the events (the preview)."""
    run.rows.all().delete()
    counts: Counter = Counter()
    seen_ids: set[str] = set()
    for chunk in chunked(extraction.rows(), CHUNK):
        by_id, by_identity = _match(chunk)
        planned = [_planned_row(run, row, by_id, by_identity) for row in chunk]
        store_rows(planned)
        for row in planned:
            counts[row.event] += 1
            if row.national_id:
                seen_ids.add(row.national_id)
    held_here = 0
    departures = []
    if run.kind == SNAPSHOT:
        extracted_on = timezone.localdate(run.extracted_at)
        for pk, national_id, release_due, arrangement_granted in (
            Detainee.objects.filter(
                establishment_id=run.establishment_id, release_date__isnull=True
            )
            .annotate(
                granted=Exists(
                    SentenceArrangement.objects.filter(
                        detainee=OuterRef("pk"), status=ArrangementStatus.GRANTED
                    )
                )
            )
            .values_list("pk", "national_id", "expected_release_date", "granted")
            .iterator(chunk_size=5000)
        ):
            held_here += 1
            if national_id and national_id not in seen_ids:
                departures.append(
                    _departure(run, pk, national_id, release_due, arrangement_granted, extracted_on)
                )
        store_rows(departures)
        counts[RowEvent.DEPARTURE] = len(departures)
    run.closes_share = len(departures) / held_here if held_here else 0.0
    run.counts = {event: count for event, count in counts.items() if count}
    run.rows_total = run.rows.filter(status=RowStatus.PENDING).count()
    run.rows_done = 0
    run.status = RunStatus.PREVIEWED
    run.save()
    return run
