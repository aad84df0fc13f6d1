"""The apply of a previewed run: each pending row, in line order, through the same services as a
person's own actions, so the rules hold (an arrival owes an interview, a transfer restarts its
clock, a release closes the plan and the open interview, a DLP change moves the milestones and
alerts the referent).

Each row is applied atomically, its effects and its result together: rows are taken
`TRANSACTION_ROWS` at a time in one transaction that applies each row in a savepoint of its
own, marks them done and counts them on the run. A run stopped mid-way (the worker killed) loses
at most the rows of its open transaction, effects and marks alike, and is resumed by applying
the rows still pending: nothing is done twice. A row the services refuse is rolled back to its
savepoint and rejected with their message; the others go on. One transaction per batch rather
than per row spares a commit and the bookkeeping queries of every row (the rows are locked,
marked and counted once per batch); the progress on the run page moves by batches.

The arrivals of people the application does not know yet (the whole of a first snapshot) are
admitted together, a batch at a time, by `detainees_admit_many` (the same rules, one insert per
table): a batch costs the same queries whatever its number of arrivals. When the database
refuses one of them, the batch's arrivals go one by one, so that only that row is rejected.

Ownership: the import owns identity, stays, release dates and arrangements, nothing else
(interviews, syntheses, plans, contacts are never written here). A value corrected by hand
since the last import (it differs from `Detainee.source_values`) is not overwritten: a
divergence is opened for a manager or an administrator to decide.
"""

import datetime
from collections import Counter

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from insertion.detainees.models import (
    ArrangementKind,
    ArrangementStatus,
    Detainee,
    Incarceration,
    ReleaseDateChange,
    ReleaseDateChangeReason,
    ReleaseKind,
)
from insertion.detainees.services import arrangement_record
from insertion.establishments.models import Establishment
from insertion.imports.contract import COLUMNS, SNAPSHOT
from insertion.imports.models import (
    Divergence,
    DivergenceStatus,
    ImportRow,
    ImportRun,
    RowEvent,
    RowStatus,
    RunStatus,
)
from insertion.imports.planning import OWNED_FIELDS
from insertion.person.services import (
    detainee_admit,
    detainee_readmit,
    detainee_release,
    detainee_transfer,
    detainees_admit_many,
    release_date_change,
)

# The French label of each column, for the messages of the report.
COLUMN_LABELS = {column.name: column.label for kind in COLUMNS.values() for column in kind}
BATCH = 1000
# Rows per transaction: what a crash can lose (to apply again), and how long the people
# written are locked, kept short (a fraction of a second for arrivals admitted together, a
# second or two for rows applied one by one).
TRANSACTION_ROWS = 200


class Batch:
    """What the rows of one transaction share: the n° d'écrou already used in the
    establishment, read once for the batch and kept up to date as stays are opened."""

    def __init__(self, run: ImportRun, rows: list[ImportRow]):
        numbers = {
            row.values.get("numero_ecrou")
            for row in rows
            if row.event in (RowEvent.ARRIVAL, RowEvent.TRANSFER_IN)
        }
        numbers.discard(None)
        self.taken_ecrous = set(
            Incarceration.objects.filter(
                establishment_id=run.establishment_id, ecrou_number__in=numbers
            ).values_list("ecrou_number", flat=True)
            if numbers
            else ()
        )

    def applied(self, row: ImportRow) -> None:
        if row.event in (RowEvent.ARRIVAL, RowEvent.TRANSFER_IN):
            self.taken_ecrous.add(row.values.get("numero_ecrou"))


class ClosingNotConfirmed(Exception):
    """A snapshot would close more stays than `IMPORT_MAX_CLOSING_SHARE` without confirmation."""


def closing_needs_confirmation(run: ImportRun) -> bool:
    return (
        run.kind == SNAPSHOT
        and run.closes_share > settings.IMPORT_MAX_CLOSING_SHARE
        and not run.closing_confirmed
    )


def _date(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _source(values: dict) -> dict:
    """What this row says of the owned fields, as `Detainee.source_values` keeps it."""
    return {column: values[column] or "" for column in OWNED_FIELDS if column in values}


def _stored(detainee: Detainee, column: str) -> str:
    value = getattr(detainee, OWNED_FIELDS[column])
    return value.isoformat() if isinstance(value, datetime.date) else (value or "")


def _changed_by(detainee: Detainee, column: str) -> str:
    """Who last changed the record by hand: the DLP's own history, else the back-office log."""
    if column == "dlp":
        change = (
            ReleaseDateChange.objects.filter(detainee=detainee, changed_by__isnull=False)
            .select_related("changed_by")
            .order_by("-pk")
            .first()
        )
        if change:
            return change.changed_by.get_full_name()
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Detainee), object_id=str(detainee.pk)
        )
        .select_related("user")
        .order_by("-action_time")
        .first()
    )
    return entry.user.get_full_name() if entry else ""


def _accepted_columns(run: ImportRun, row: ImportRow, detainee: Detainee) -> list[str]:
    """The owned columns this row may write. A column corrected by hand since the last import
    opens a divergence instead (one open per person and field), unless the latest decision on
    that field kept the local correction against this same source value (review.py): it is
    not asked again while the extraction says the same."""
    accepted = []
    for column, source_value in _source(row.values).items():
        local = _stored(detainee, column)
        if source_value == local or (source_value == "" and column != "dlp"):
            continue
        last_imported = detainee.source_values.get(column)
        if last_imported is not None and last_imported != local:
            latest = (
                Divergence.objects.filter(detainee=detainee, field=column)
                .order_by("-pk")
                .values_list("status", "source_value")
                .first()
            )
            if latest == (DivergenceStatus.KEPT_LOCAL, source_value):
                continue
            Divergence.objects.update_or_create(
                detainee=detainee,
                field=column,
                status=DivergenceStatus.OPEN,
                defaults={
                    "run": run,
                    "source_value": source_value,
                    "local_value": local,
                    "local_changed_by": _changed_by(detainee, column),
                },
            )
            continue
        accepted.append(column)
    return accepted


def _update_owned(run, row, detainee: Detainee, *, skip=()) -> list[str]:
    """Write the accepted owned fields (the DLP through its service) and remember the source."""
    columns = _accepted_columns(run, row, detainee)
    simple = [column for column in columns if column != "dlp" and column not in skip]
    for column in simple:
        setattr(detainee, OWNED_FIELDS[column], row.values[column])
    if simple:
        # The search text holds the n° d'écrou: saved with it, so the person is found by it.
        detainee.save(
            update_fields=[OWNED_FIELDS[column] for column in simple]
            + ["search_text", "updated_at"]
        )
    if "dlp" in columns and "dlp" not in skip:
        new_date = _date(row.values["dlp"])
        if new_date is None:
            columns.remove("dlp")  # a DLP that disappears is not erased: the history keeps it
        else:
            release_date_change(
                detainee=detainee,
                new_date=new_date,
                reason=row.values.get("motif_dlp") or ReleaseDateChangeReason.EXTRACTION,
                changed_on=event_date(run, row),
            )
    remember_source(detainee, row)
    return columns


def remember_source(detainee: Detainee, row: ImportRow) -> None:
    Detainee.objects.filter(pk=detainee.pk).update(
        source_values={**detainee.source_values, **_source(row.values)}
    )


def event_date(run: ImportRun, row: ImportRow) -> datetime.date:
    values = row.values
    if values.get("date_mouvement"):
        return _date(values["date_mouvement"])
    return timezone.localdate(run.extracted_at) if run.extracted_at else timezone.localdate()


def release_kind_for(detainee: Detainee, values: dict) -> str:
    """The file's kind of release, else the arrangement granted, else a dry release."""
    if values.get("type_sortie"):
        return values["type_sortie"]
    granted = (
        detainee.arrangements.filter(status=ArrangementStatus.GRANTED)
        .order_by("-decided_on", "-pk")
        .values_list("kind", flat=True)
        .first()
    )
    if granted in ArrangementKind.values and granted in ReleaseKind.values:
        return granted
    return ReleaseKind.DRY


def _admission(run: ImportRun, row: ImportRow, by) -> dict:
    """The arguments of `detainee_admit` for the arrival of a person the application does
    not know yet."""
    values = row.values
    arrival_date = _date(values.get("date_arrivee")) or event_date(run, row)
    return {
        "establishment": run.establishment,
        "ecrou_number": values["numero_ecrou"],
        "arrival_date": arrival_date,
        "legal_status": values["statut"],
        "offence_category": values["categorie_infraction"],
        "expected_release_date": _date(values.get("dlp")),
        "by": by,
        "last_name": values["nom"],
        "first_name": values["prenom"],
        "usage_name": values.get("nom_usage") or "",
        "birth_date": _date(values["date_naissance"]),
        "sex": values["sexe"],
        "custody_start": _date(values.get("date_ecrou_initial")) or arrival_date,
        "national_id": row.national_id,
        "source_values": _source(values),
    }


ADMITTED = "Personne créée, entretien dû selon la date de déploiement."


def _arrival(run: ImportRun, row: ImportRow, by, batch: Batch) -> str:
    values = row.values
    if values["numero_ecrou"] in batch.taken_ecrous:
        raise ValidationError(
            f"Le n° d'écrou {values['numero_ecrou']} a déjà servi dans l'établissement pour "
            "un autre séjour : rien n'est fusionné, vérifiez l'extraction."
        )
    admission = _admission(run, row, by)
    if row.detainee_id is None:
        row.detainee = detainee_admit(**admission)
        return ADMITTED
    detainee = Detainee.objects.get(pk=row.detainee_id)
    detainee_readmit(
        detainee=detainee,
        **{key: admission[key] for key in READMISSION_ARGUMENTS},
    )
    remember_source(detainee, row)
    return "Nouvelle incarcération enregistrée."


READMISSION_ARGUMENTS = (
    "establishment",
    "ecrou_number",
    "arrival_date",
    "custody_start",
    "legal_status",
    "offence_category",
    "expected_release_date",
    "by",
)


def _new_arrivals(rows: list[ImportRow], batch: Batch) -> list[ImportRow]:
    """The rows of the batch that admit a new person and that nothing else in the batch can
    contradict: their écrou is not taken and no other row of the batch names their écrou or
    their identifier. Admitted together, they end as they would have one by one."""
    ecrous = Counter(
        row.values.get("numero_ecrou")
        for row in rows
        if row.event in (RowEvent.ARRIVAL, RowEvent.TRANSFER_IN)
    )
    national_ids = Counter(row.national_id for row in rows if row.national_id)
    return [
        row
        for row in rows
        if row.event == RowEvent.ARRIVAL
        and row.detainee_id is None
        and row.national_id
        and national_ids[row.national_id] == 1
        and ecrous[row.values.get("numero_ecrou")] == 1
        and row.values.get("numero_ecrou") not in batch.taken_ecrous
    ]


def _admit_together(run: ImportRun, rows: list[ImportRow], by, batch: Batch) -> set[int]:
    """Admit the batch's new people in one go (`detainees_admit_many`); the rows done. When
    the database refuses one of them, none is admitted here and each row goes its own way,
    so that only the faulty one is rejected, with its reason."""
    arrivals = _new_arrivals(rows, batch)
    if len(arrivals) < 2:
        return set()
    try:
        with transaction.atomic():
            people = detainees_admit_many([_admission(run, row, by) for row in arrivals])
    except (IntegrityError, ValidationError):
        return set()
    now = timezone.now()
    for row, person in zip(arrivals, people, strict=True):
        row.detainee = person
        row.status = RowStatus.APPLIED
        row.message = ADMITTED
        row.applied_at = now
        batch.applied(row)
    return {row.pk for row in arrivals}


def _transfer(run: ImportRun, row: ImportRow, detainee: Detainee, to_establishment) -> str:
    values = row.values
    on_date = _date(values.get("date_arrivee")) or event_date(run, row)
    detainee_transfer(
        detainee=detainee,
        to_establishment=to_establishment,
        ecrou_number=values["numero_ecrou"]
        if to_establishment == run.establishment
        else detainee.ecrou_number,
        on_date=on_date,
    )
    detainee.refresh_from_db()
    if to_establishment == run.establishment:
        _update_owned(run, row, detainee, skip=("numero_ecrou",))
    return f"Transfert vers {to_establishment} enregistré."


def _apply_effect(run: ImportRun, row: ImportRow, by, batch: Batch) -> str:
    event = row.event
    if event == RowEvent.ARRIVAL:
        return _arrival(run, row, by, batch)
    detainee = Detainee.objects.get(pk=row.detainee_id)
    values = row.values
    if event == RowEvent.TRANSFER_IN:
        return _transfer(run, row, detainee, run.establishment)
    if event == RowEvent.TRANSFER_OUT:
        code = values.get("etablissement_destination")
        destination = Establishment.objects.filter(code=code).first()
        if destination is None:
            raise ValidationError(f"Établissement de destination inconnu : « {code} ».")
        return _transfer(run, row, detainee, destination)
    if event in (RowEvent.RELEASE, RowEvent.DEPARTURE):
        kind = release_kind_for(detainee, values)
        detainee_release(detainee=detainee, on_date=event_date(run, row), kind=kind, by=by)
        return f"Libération enregistrée ({ReleaseKind(kind).label})."
    if event == RowEvent.ARRANGEMENT:
        arrangement_record(
            detainee=detainee,
            kind=values["type_amenagement"],
            status=values["statut_amenagement"],
            requested_on=_date(values.get("date_demande")) or event_date(run, row),
            decided_on=_date(values.get("date_decision")),
            start_date=_date(values.get("date_debut")),
        )
        return "Aménagement de peine enregistré."
    columns = _update_owned(run, row, detainee)  # RELEASE_DATE, IDENTITY
    if not columns:
        return "Rien à écrire : une correction locale est à examiner."
    return (
        "Mis à jour : " + ", ".join(COLUMN_LABELS.get(column, column) for column in columns) + "."
    )


def apply_rows(run: ImportRun, row_pks: list[int], *, by=None) -> list[ImportRow]:
    """Apply these rows of the run in one transaction: the rows still pending and not held by
    another worker, locked here (`apply_locked_rows`). Returns the rows applied or rejected."""
    with transaction.atomic():
        rows = list(
            ImportRow.objects.select_for_update(skip_locked=True)
            .filter(pk__in=row_pks, status=RowStatus.PENDING)
            .order_by(F("line").asc(nulls_last=True), "pk")
        )
        return apply_locked_rows(run, rows, by=by)


def apply_locked_rows(run: ImportRun, rows: list[ImportRow], *, by=None) -> list[ImportRow]:
    """Apply pending rows that the caller's transaction holds locked (the apply above, or a
    decision of the review queue on its row), inside that transaction, in their order, each
    in a savepoint of its own (its effects and its result stand or fall together); mark them
    and count them on the run."""
    if not rows:
        return []
    batch = Batch(run, rows)
    admitted = _admit_together(run, rows, by, batch)
    for row in rows:
        if row.pk not in admitted:
            _apply_one(run, row, by, batch)
    _mark_done(rows)
    ImportRun.objects.filter(pk=run.pk).update(rows_done=F("rows_done") + len(rows))
    return rows


def _mark_done(rows: list[ImportRow]) -> None:
    """Write the result of each row: one statement sent for all (psycopg pipelines
    `executemany`), where `bulk_update` would spend longer building its CASE than the rows
    took to apply."""
    table = connection.ops.quote_name(ImportRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, message = %s, applied_at = %s, "  # noqa: S608
            "detainee_id = %s WHERE id = %s",
            [(row.status, row.message, row.applied_at, row.detainee_id, row.pk) for row in rows],
        )


def _apply_one(run: ImportRun, row: ImportRow, by, batch: Batch) -> None:
    detainee_id = row.detainee_id
    try:
        with transaction.atomic():
            row.message = _apply_effect(run, row, by, batch)
            row.status = RowStatus.APPLIED
        batch.applied(row)
    except ValidationError as error:
        row.status = RowStatus.REJECTED
        row.message = " ".join(error.messages)
    except IntegrityError:
        # A rule of the database the services do not check first: the row is refused, the
        # run goes on.
        row.status = RowStatus.REJECTED
        row.message = "Ligne incompatible avec les données déjà enregistrées (doublon)."
    if row.status == RowStatus.REJECTED:
        row.detainee_id = detainee_id  # a person created in the rolled back savepoint is gone
    row.applied_at = timezone.now()


def apply_row(run: ImportRun, row_pk: int, *, by=None) -> ImportRow | None:
    """Apply one pending row in its own transaction; None when another worker took it."""
    rows = apply_rows(run, [row_pk], by=by)
    return rows[0] if rows else None


def apply_run(*, run: ImportRun, by=None, by_id: int | None = None) -> ImportRun:
    """Apply every pending row of a previewed (or interrupted) run, then close it. `by` (or its
    primary key `by_id`, from a task) is who asked for it."""
    if by is None and by_id is not None:
        by = get_user_model().objects.filter(pk=by_id).first()
    if run.status not in (RunStatus.PREVIEWED, RunStatus.APPLYING):
        raise ValidationError("Cet import n'est pas à appliquer.")
    if closing_needs_confirmation(run):
        raise ClosingNotConfirmed()
    ImportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.APPLYING,
        applied_by=by or run.applied_by,
        apply_started_at=run.apply_started_at or timezone.now(),
    )
    run.refresh_from_db()
    while True:
        pending = list(
            run.rows.filter(status=RowStatus.PENDING)
            .order_by(F("line").asc(nulls_last=True), "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not pending:
            break
        for start in range(0, len(pending), TRANSACTION_ROWS):
            apply_rows(run, pending[start : start + TRANSACTION_ROWS], by=by)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.APPLIED, finished_at=timezone.now())
    run.refresh_from_db()
    return run
