"""The review queue (« À examiner »): what the imports hold for a person to decide, and the
decisions, each a service of its own (no HTTP here; the pages are in review_views.py).

What waits for a decision
- the held rows (status HELD) of the runs still alive (previewed, being applied or applied; a
  cancelled run waits for nothing): proposed links (LINK: the row's person is the hand-typed
  candidate), identity conflicts (CONFLICT: the person who has the identifier), departures seen
  before the DLP (DEPARTURE);
- the open divergences: a value owned by the import, corrected by hand since the last import.
Held rows are scoped by the establishment of their run, divergences by the person's current
establishment (`core.scoping.scoped_to_establishments`, the one rule of the runs' `visible_to`).

Superseded rows: when several runs hold a row for the same national identifier, the same
event and the same kind of line (the kind of file, and for a movements file the kind of
movement, so that two different movements of one person never hide each other), only the
latest is shown (the latest extraction, then the latest run) — this is done in the query, for
every establishment, so a person who moved is decided where they are now. A decision taken on
the latest closes the older ones (REJECTED, decision SUPERSEDED, a message naming the line
decided), so that their runs stop counting them as waiting. A decision on a superseded row is
refused. Two rows of one file are never superseded by each other: each is a line to decide.

Decisions: each one transaction that locks the row (and its run) first: a row decided by
someone else meanwhile (two managers at once) is refused with a French message and nothing is
done twice. Who decided and when are kept on the row (`decision`, `decided_by`, `decided_at`),
on the divergence (`resolved_by`, `resolved_at`). Every effect goes through the import's own
apply (applying.apply_locked_rows, hence the person services) or through the person services
directly, never a bare overwrite of what they guard.

When the effect happens: what the decision itself says (the identifier of a link, the
identity taken from the extraction) is written at once. The row's effect (the arrival, the
transfer, the release, the DLP…): if the run is still PREVIEWED, the row becomes PENDING and
the run's `rows_total` grows by one, so that the run's apply does it with the others (the
run is locked during the decision, so an apply starting at that moment waits and sees it).
Otherwise (the run is being applied or applied) the row is applied at once; if the services
refuse it, the whole decision is rolled back and their message is given back: the row stays
in the queue, to decide again or to set aside.
"""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from insertion.core.scoping import scoped_to_establishments
from insertion.detainees.models import Detainee, ReleaseDateChangeReason, ReleaseKind
from insertion.establishments.models import Establishment
from insertion.imports.applying import (
    apply_locked_rows,
    event_date,
    release_kind_for,
    remember_source,
)
from insertion.imports.models import (
    Divergence,
    DivergenceStatus,
    ImportRow,
    ImportRun,
    RowDecision,
    RowEvent,
    RowStatus,
    RunStatus,
)
from insertion.imports.planning import (
    KNOWN_FIELDS,
    NOTHING_TO_DO,
    OWNED_FIELDS,
    Known,
    Planned,
    json_values,
    plan_row,
)
from insertion.person.services import release_date_change

# The runs whose held rows wait for a decision.
OPEN_RUN_STATUSES = (RunStatus.PREVIEWED, RunStatus.APPLYING, RunStatus.APPLIED)
HELD_EVENTS = (RowEvent.LINK, RowEvent.CONFLICT, RowEvent.DEPARTURE)
# The decisions each held event accepts.
DECISIONS = {
    RowEvent.LINK: (RowDecision.LINK, RowDecision.NEW_PERSON, RowDecision.DISMISSED),
    RowEvent.CONFLICT: (RowDecision.TAKE_IDENTITY, RowDecision.DISMISSED),
    RowEvent.DEPARTURE: (RowDecision.RELEASE, RowDecision.TRANSFER, RowDecision.STILL_PRESENT),
}
REASON_MAX_LENGTH = 300


# --- What waits --------------------------------------------------------------------------------


def _line_kind():
    """The kind of movement of a row (empty for a snapshot's rows and the departures)."""
    return Coalesce(
        KeyTextTransform("type_mouvement", "values"), Value(""), output_field=CharField()
    )


def _newer_held_rows() -> QuerySet:
    """The held rows that supersede the outer row: same identifier, event and kind of line, in
    a later extraction (or a later run of the same extraction time) still alive."""
    return (
        ImportRow.objects.filter(
            status=RowStatus.HELD,
            national_id=OuterRef("national_id"),
            event=OuterRef("event"),
            run__kind=OuterRef("run__kind"),
            run__status__in=OPEN_RUN_STATUSES,
        )
        .exclude(national_id="")
        .annotate(line_kind=_line_kind())
        .filter(line_kind=OuterRef("line_kind"))
        .filter(
            Q(run__extracted_at__gt=OuterRef("run__extracted_at"))
            | Q(run__extracted_at=OuterRef("run__extracted_at"), run_id__gt=OuterRef("run_id"))
        )
    )


def _with_superseded(rows: QuerySet) -> QuerySet:
    return rows.annotate(line_kind=_line_kind()).annotate(superseded=Exists(_newer_held_rows()))


def held_rows(user, event: str | None = None) -> QuerySet:
    """The rows waiting for the user's decision (all three kinds, or one), superseded rows left
    out, oldest extraction first, then in the file's order (the departures, which have no
    line, by name)."""
    rows = scoped_to_establishments(
        ImportRow.objects.filter(
            status=RowStatus.HELD,
            event__in=[event] if event else HELD_EVENTS,
            run__status__in=OPEN_RUN_STATUSES,
        ),
        user,
        "run__establishment_id",
    )
    return (
        _with_superseded(rows)
        .filter(superseded=False)
        .order_by(
            "run__extracted_at",
            "run_id",
            F("line").asc(nulls_last=True),
            "detainee__last_name",
            "detainee__first_name",
            "pk",
        )
    )


def reviewable_rows(user) -> QuerySet:
    """Every row of the user's runs, whatever its state: a decision page answers 404 for
    another prison's row, and says when a row has been decided already."""
    return scoped_to_establishments(ImportRow.objects.all(), user, "run__establishment_id")


def open_divergences(user) -> QuerySet:
    """The open divergences of the people of the user's establishments, oldest first."""
    return reviewable_divergences(user).filter(status=DivergenceStatus.OPEN)


def reviewable_divergences(user) -> QuerySet:
    return scoped_to_establishments(
        Divergence.objects.all(), user, "detainee__establishment_id"
    ).order_by("created_at", "pk")


def waiting_count(user) -> int:
    """How many items wait for the user's decision (held rows and divergences), in one query."""
    rows = held_rows(user).order_by().values_list("pk", Value("ligne"))
    divergences = open_divergences(user).order_by().values_list("pk", Value("divergence"))
    return rows.union(divergences, all=True).count()


# --- Deciding on a held row ---------------------------------------------------------------------


def _decided_message(row: ImportRow) -> str:
    if row.decided_by_id and row.decided_at:
        when = date_format(timezone.localtime(row.decided_at), "j F Y à H:i")
        who = row.decided_by.get_full_name() if row.decided_by else "une autre personne"
        return (
            f"Cette ligne a déjà été tranchée par {who} le {when} "
            f"(« {row.get_decision_display()} ») : rien n'a été refait."
        )
    return (
        f"Cette ligne n'attend plus de décision (elle est « {row.get_status_display()} ») : "
        "rien n'a été fait."
    )


def not_waiting(row: ImportRow, run: ImportRun) -> ValidationError | None:
    """Why this row does not wait for a decision any more (None when it does): decided, its
    run abandoned, or superseded by a newer extraction."""
    if row.status != RowStatus.HELD or row.decision or row.event not in DECISIONS:
        return ValidationError(_decided_message(row), code="decided")
    if run.status not in OPEN_RUN_STATUSES:
        return ValidationError(
            "Cet import a été abandonné : ses lignes n'attendent plus de décision.", code="run"
        )
    if (
        _with_superseded(ImportRow.objects.filter(pk=row.pk))
        .values_list("superseded", flat=True)
        .get()
    ):
        return ValidationError(
            "Une extraction plus récente porte la même ligne pour cette personne : décidez sur "
            "celle-ci, dans la liste « À examiner ».",
            code="superseded",
        )
    return None


def _claim(row: ImportRow, decision: str) -> tuple[ImportRow, ImportRun]:
    """The row and its run, locked for the decision, once checked that the row still waits for
    this kind of decision."""
    locked = ImportRow.objects.select_for_update().get(pk=row.pk)
    run = ImportRun.objects.select_for_update().get(pk=locked.run_id)
    refusal = not_waiting(locked, run)
    if refusal is not None:
        raise refusal
    if decision not in DECISIONS[locked.event]:
        raise ValidationError("Cette décision ne s'applique pas à cette ligne.", code="decision")
    return locked, run


def _decide(row: ImportRow, decision: str, by) -> None:
    row.decision = decision
    row.decided_by = by
    row.decided_at = timezone.now()


def _save(row: ImportRow) -> None:
    row.save(
        update_fields=[
            "event",
            "status",
            "detainee",
            "values",
            "message",
            "applied_at",
            "decision",
            "decided_by",
            "decided_at",
        ]
    )


def _supersede_older(row: ImportRow, run: ImportRun, by) -> int:
    """Close the older held rows of the same person, event and kind of line (the row decided is
    the latest: `_claim` refuses the others). Returns how many were closed."""
    if not row.national_id:
        return 0
    line_kind = (row.values or {}).get("type_mouvement") or ""
    older = (
        ImportRow.objects.filter(
            status=RowStatus.HELD,
            national_id=row.national_id,
            event=row.event,
            run__kind=run.kind,
            run__status__in=OPEN_RUN_STATUSES,
        )
        .exclude(run_id=run.pk)
        .annotate(line_kind=_line_kind())
        .filter(line_kind=line_kind)
    )
    label = f"ligne {row.line}" if row.line else "départ constaté"
    when = date_format(timezone.localtime(run.extracted_at), "j F Y") if run.extracted_at else ""
    return older.update(
        status=RowStatus.REJECTED,
        decision=RowDecision.SUPERSEDED,
        decided_by=by,
        decided_at=timezone.now(),
        applied_at=timezone.now(),
        message=f"Tranchée sur une extraction plus récente (import n° {run.pk} du {when}, "
        f"{label}) : « {row.get_decision_display()} ».",
    )


def _known(detainee_pk: int) -> Known:
    """What the planning compares of a person, with the owned values as the rows keep them
    (ISO dates), since the row's values are read back from JSON."""
    known = Known.of(Detainee.objects.filter(pk=detainee_pk).values(*KNOWN_FIELDS).get())
    return dataclasses.replace(known, owned=json_values(known.owned))


def _effect(row: ImportRow, run: ImportRun, by) -> ImportRow:
    """The row now carries an effect: left to the run's apply while the run is previewed,
    applied at once otherwise (see the module docstring)."""
    row.status = RowStatus.PENDING
    _save(row)
    ImportRun.objects.filter(pk=run.pk).update(rows_total=F("rows_total") + 1)
    if run.status == RunStatus.PREVIEWED:
        return row
    (applied,) = apply_locked_rows(run, [row], by=by)  # the row is locked by `_claim`
    if applied.status != RowStatus.APPLIED:
        raise ValidationError(f"Rien n'a été enregistré : {applied.message}", code="refused")
    return applied


def _follow_plan(row: ImportRow, run: ImportRun, planned: Planned, by) -> ImportRow:
    """Carry out what the planning says of the row now that the person is known."""
    row.event = planned.event
    row.detainee_id = planned.detainee_id
    row.message = planned.message
    if planned.event == RowEvent.ERROR:
        row.status = RowStatus.REJECTED
        row.applied_at = timezone.now()
        _save(row)
        return row
    if planned.event in NOTHING_TO_DO:
        row.status = RowStatus.APPLIED
        row.applied_at = timezone.now()
        row.message = planned.message or "Rien à appliquer : la fiche est déjà à jour."
        _save(row)
        if row.detainee_id is not None:
            # What the file says is now what the record holds: a later hand correction will
            # be told apart from it.
            remember_source(Detainee.objects.get(pk=row.detainee_id), row)
        return row
    return _effect(row, run, by)


def _identifier_free(national_id: str, *, but: int | None = None) -> None:
    # The other record may be another prison's: it is not named.
    if Detainee.objects.filter(national_id=national_id).exclude(pk=but).exists():
        raise ValidationError(
            f"L'identifiant national {national_id} est déjà celui d'une autre fiche de "
            "l'application : rien n'a été fait. Écartez la ligne, ou faites vérifier les deux "
            "fiches par un administrateur.",
            code="national_id",
        )


def row_link(*, row: ImportRow, by) -> ImportRow:
    """« Même personne : rattacher »: the hand-typed person gets the row's national identifier,
    then the row is planned again against them and applied (or left to the run's apply)."""
    with transaction.atomic():
        row, run = _claim(row, RowDecision.LINK)
        if row.detainee_id is None:
            raise ValidationError(
                "La fiche proposée n'existe plus : créez une fiche ou écartez la ligne.",
                code="detainee",
            )
        person = Detainee.objects.select_for_update().get(pk=row.detainee_id)
        if person.national_id and person.national_id != row.national_id:
            raise ValidationError(
                f"Cette fiche a été rattachée entre-temps à l'identifiant {person.national_id} "
                ": rien n'a été fait. Écartez la ligne ou créez une fiche.",
                code="national_id",
            )
        _identifier_free(row.national_id, but=person.pk)
        if not person.national_id:
            person.national_id = row.national_id
            person.save(update_fields=["national_id", "updated_at"])
        _decide(row, RowDecision.LINK, by)
        _supersede_older(row, run, by)
        return _follow_plan(
            row, run, plan_row(run.kind, row.values, _known(person.pk), run.establishment_id), by
        )


def row_new_person(*, row: ImportRow, by) -> ImportRow:
    """« Personne différente : créer une fiche »: the row is planned as if nobody matched (an
    arrival with no person for a snapshot or an arrival movement; an error for a movement about
    someone the application does not know) and applied."""
    with transaction.atomic():
        row, run = _claim(row, RowDecision.NEW_PERSON)
        _identifier_free(row.national_id)
        _decide(row, RowDecision.NEW_PERSON, by)
        _supersede_older(row, run, by)
        planned = plan_row(run.kind, row.values, None, run.establishment_id)
        return _follow_plan(row, run, planned, by)


def row_take_identity(*, row: ImportRow, by) -> ImportRow:
    """« Reprendre l'identité de l'extraction »: the person who has the identifier gets the
    row's last name, first name and birth date, then the row is planned again and applied."""
    with transaction.atomic():
        row, run = _claim(row, RowDecision.TAKE_IDENTITY)
        person = Detainee.objects.select_for_update().filter(pk=row.detainee_id).first()
        if person is None or person.national_id != row.national_id:
            raise ValidationError(
                "La fiche qui portait cet identifiant national a changé : rien n'a été fait. "
                "Rechargez la liste.",
                code="detainee",
            )
        if not Detainee.objects.visible_to(by).filter(pk=person.pk).exists():
            raise ValidationError(
                "Cet identifiant national est celui d'une personne suivie par un autre "
                "établissement : seul un administrateur peut reprendre son identité. Écartez la "
                "ligne, ou signalez-la à un administrateur.",
                code="scope",
            )
        values = row.values
        person.last_name = values["nom"]
        person.first_name = values["prenom"]
        person.birth_date = datetime.date.fromisoformat(values["date_naissance"])
        try:
            with transaction.atomic():
                person.save(
                    update_fields=[
                        "last_name",
                        "first_name",
                        "birth_date",
                        "search_text",
                        "updated_at",
                    ]
                )
        except IntegrityError:
            raise ValidationError(
                "La date de naissance de l'extraction est postérieure au début de la détention "
                "enregistré : l'identité n'a pas été reprise. Vérifiez la fiche.",
                code="birth_date",
            ) from None
        _decide(row, RowDecision.TAKE_IDENTITY, by)
        _supersede_older(row, run, by)
        return _follow_plan(
            row, run, plan_row(run.kind, values, _known(person.pk), run.establishment_id), by
        )


def row_dismiss(*, row: ImportRow, by, reason: str = "") -> ImportRow:
    """« Écarter la ligne » (a proposed link or a conflict): rejected, nothing written; the
    line then appears in its run's CSV of rejected rows, with the reason."""
    return _reject(row, RowDecision.DISMISSED, by, "Ligne écartée à l'examen", reason)


def row_still_present(*, row: ImportRow, by, reason: str = "") -> ImportRow:
    """« La personne est toujours présente » (a departure): rejected, the stay stays open."""
    return _reject(
        row,
        RowDecision.STILL_PRESENT,
        by,
        "Personne toujours présente selon l'examen : le départ n'est pas enregistré",
        reason,
    )


def _reject(row: ImportRow, decision: str, by, message: str, reason: str) -> ImportRow:
    reason = " ".join((reason or "").split())[:REASON_MAX_LENGTH]
    with transaction.atomic():
        row, run = _claim(row, decision)
        _decide(row, decision, by)
        row.status = RowStatus.REJECTED
        row.applied_at = timezone.now()
        row.message = f"{message} ({by.get_full_name()})" + (f" : {reason}" if reason else ".")
        _save(row)
        _supersede_older(row, run, by)
        return row


@dataclasses.dataclass(frozen=True)
class DepartureDefaults:
    """What the departure forms propose: the extraction's date, the kind of release the
    import would infer (a granted arrangement, else a dry release)."""

    on_date: datetime.date
    kind: str


def departure_defaults(row: ImportRow) -> DepartureDefaults:
    detainee = row.detainee
    kind = release_kind_for(detainee, row.values or {}) if detainee else ReleaseKind.DRY
    return DepartureDefaults(on_date=event_date(row.run, row), kind=kind)


def _departure_person(row: ImportRow, on_date: datetime.date) -> Detainee:
    person = Detainee.objects.filter(pk=row.detainee_id).first()
    if person is None:
        raise ValidationError("La fiche de cette personne n'existe plus.", code="detainee")
    if person.is_released:
        raise ValidationError(
            "La libération de cette personne est déjà enregistrée : écartez ce départ.",
            code="released",
        )
    if on_date > timezone.localdate():
        raise ValidationError("La date ne peut pas être dans le futur.", code="on_date")
    if on_date < person.arrival_date:
        arrival = date_format(person.arrival_date, "j F Y")
        raise ValidationError(
            f"La date précède l'arrivée dans l'établissement ({arrival}).", code="on_date"
        )
    return person


def row_confirm_release(*, row: ImportRow, by, on_date: datetime.date, kind: str) -> ImportRow:
    """« Confirmer la libération »: the departure is applied as a release on this date and of
    this kind (written into the row's values under the movements file's names, which the apply
    reads), through `detainee_release`: the stay, the plan and the open interview close."""
    if kind not in ReleaseKind.values:
        raise ValidationError("Type de sortie inconnu.", code="kind")
    with transaction.atomic():
        row, run = _claim(row, RowDecision.RELEASE)
        _departure_person(row, on_date)
        row.values = {**row.values, "date_mouvement": on_date.isoformat(), "type_sortie": kind}
        row.message = f"Libération confirmée ({ReleaseKind(kind).label})."
        _decide(row, RowDecision.RELEASE, by)
        _supersede_older(row, run, by)
        return _effect(row, run, by)


def transfer_destinations(row: ImportRow) -> QuerySet:
    """The establishments a departure may be a transfer to: those the extraction names (with a
    code), but the person's own."""
    destinations = Establishment.objects.exclude(code__isnull=True).exclude(code="")
    if row.detainee is not None:
        destinations = destinations.exclude(pk=row.detainee.establishment_id)
    return destinations.order_by("name")


def row_confirm_transfer(
    *, row: ImportRow, by, to_establishment: Establishment, on_date: datetime.date
) -> ImportRow:
    """« Confirmer le transfert »: the departure becomes an outgoing transfer to that
    establishment on that date, applied through `detainee_transfer` (the stay closes, one opens
    there, the interview clock restarts)."""
    with transaction.atomic():
        row, run = _claim(row, RowDecision.TRANSFER)
        person = _departure_person(row, on_date)
        if not to_establishment.code or to_establishment.pk == person.establishment_id:
            raise ValidationError("Choisissez un autre établissement.", code="to_establishment")
        _decide(row, RowDecision.TRANSFER, by)
        _supersede_older(row, run, by)  # while the row is still a departure
        row.event = RowEvent.TRANSFER_OUT
        row.values = {
            **row.values,
            "date_mouvement": on_date.isoformat(),
            "etablissement_destination": to_establishment.code,
        }
        row.message = f"Transfert vers {to_establishment} confirmé."
        return _effect(row, run, by)


# --- Deciding on a divergence -------------------------------------------------------------------


def _claim_divergence(divergence: Divergence) -> Divergence:
    locked = (
        Divergence.objects.select_for_update(of=("self",))
        .select_related("resolved_by")
        .get(pk=divergence.pk)
    )
    if locked.status != DivergenceStatus.OPEN:
        who = locked.resolved_by.get_full_name() if locked.resolved_by else "une autre personne"
        when = (
            date_format(timezone.localtime(locked.resolved_at), "j F Y à H:i")
            if locked.resolved_at
            else ""
        )
        raise ValidationError(
            f"Cette divergence a déjà été tranchée par {who} le {when} "
            f"(« {locked.get_status_display()} ») : rien n'a été refait.",
            code="decided",
        )
    return locked


def _resolve(divergence: Divergence, status: str, by) -> Divergence:
    divergence.status = status
    divergence.resolved_by = by
    divergence.resolved_at = timezone.now()
    divergence.save(update_fields=["status", "resolved_by", "resolved_at"])
    return divergence


def divergence_keep_local(*, divergence: Divergence, by) -> Divergence:
    """« Garder la correction locale »: nothing is written on the person. The next imports do
    not open it again while the extraction says the same value (applying._accepted_columns
    reads the latest decision on the field)."""
    with transaction.atomic():
        divergence = _claim_divergence(divergence)
        return _resolve(divergence, DivergenceStatus.KEPT_LOCAL, by)


def divergence_take_source(*, divergence: Divergence, by) -> Divergence:
    """« Reprendre la valeur de l'extraction »: the value is written as the import writes it
    (applying._update_owned: the DLP through `release_date_change`, kept in its history, the
    other fields on the record), and becomes the last imported value of the field."""
    with transaction.atomic():
        divergence = _claim_divergence(divergence)
        person = Detainee.objects.select_for_update().get(pk=divergence.detainee_id)
        column = divergence.field
        if column not in OWNED_FIELDS:
            raise ValidationError("Cette donnée n'est pas écrite par l'import.", code="field")
        value = divergence.source_value
        if column == "dlp":
            if not value:
                raise ValidationError(
                    "L'extraction ne donne plus de DLP pour cette personne : une DLP ne "
                    "s'efface pas depuis un import (l'historique la garde). Gardez la "
                    "correction locale, ou corrigez la DLP sur la fiche.",
                    code="dlp",
                )
            new_date = datetime.date.fromisoformat(value)
            if new_date != person.expected_release_date:
                release_date_change(
                    detainee=person,
                    new_date=new_date,
                    reason=ReleaseDateChangeReason.EXTRACTION,
                    by=by,
                    changed_on=timezone.localdate(),
                )
        else:
            setattr(person, OWNED_FIELDS[column], value)
            try:
                with transaction.atomic():
                    person.save(update_fields=[OWNED_FIELDS[column], "search_text", "updated_at"])
            except IntegrityError:
                raise ValidationError(
                    "Cette valeur est déjà celle d'une autre fiche de l'établissement (n° "
                    "d'écrou) : rien n'a été écrit.",
                    code="value",
                ) from None
        Detainee.objects.filter(pk=person.pk).update(
            source_values={**person.source_values, column: value}
        )
        return _resolve(divergence, DivergenceStatus.TOOK_SOURCE, by)
