"""Issue 13: the preview and the apply of an extraction run (insertion/imports/planning.py,
applying.py, runs.py): matching on the national identifier, conflicts and proposed links held,
divergences instead of overwriting a hand correction, departures inferred with care, the
truncation guard, idempotence, resumption, scoping, and the effects through the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from entretiens.choices import InterviewStatus, NotDoneReason
from entretiens.models import Interview
from entretiens.owed import interview_due_date
from insertion.detainees.models import (
    Detainee,
    ReleaseDateChange,
    ReleaseDateChangeReason,
    SentenceArrangement,
)
from insertion.imports.applying import ClosingNotConfirmed, apply_row, apply_run
from insertion.imports.models import (
    Divergence,
    DivergenceStatus,
    ImportRow,
    ImportRun,
    RowEvent,
    RowStatus,
    RunSource,
    RunStatus,
)
from insertion.imports.runs import receive_file
from insertion.imports.tasks import (
    apply_import_run,
    purge_import_retention,
    resume_stalled_imports,
)
from insertion.person.retention import retention_purge
from insertion.person.services import release_date_change
from insertion.release.models import ReleaseAlert, ReleasePlan
from insertion.release.services import referent_assign
from tests.factories import DetaineeFactory, SentenceArrangementFactory

pytestmark = pytest.mark.django_db

SNAPSHOT_HEADER = (
    "identifiant_national;numero_ecrou;nom;prenom;nom_usage;date_naissance;code_etablissement;"
    "date_extraction;sexe;statut;categorie_infraction;date_ecrou_initial;date_arrivee;dlp"
)
MOVEMENTS_HEADER = (
    "identifiant_national;numero_ecrou;nom;prenom;date_naissance;code_etablissement;"
    "date_extraction;type_mouvement;date_mouvement;sexe;statut;categorie_infraction;"
    "date_ecrou_initial;dlp;motif_dlp;etablissement_destination;type_sortie;"
    "type_amenagement;statut_amenagement;date_demande;date_decision"
)
AT = "01/12/2026 06:00"


def person(
    number: int,
    *,
    name: str = "",
    birth: str = "12/03/1990",
    dlp: str = "15/06/2027",
    arrival: str = "01/10/2026",
    code: str = "FRE",
    at: str = AT,
    ecrou: str = "",
) -> str:
    return ";".join(
        [
            f"GEN{number:07d}",
            ecrou or f"{number}A",
            name or f"NOM{number}",
            "Prénom",
            "",
            birth,
            code,
            at,
            "Homme",
            "Condamné",
            "Délit",
            "01/09/2026",
            arrival,
            dlp,
        ]
    )


def movement(number: int, kind: str, on: str, **cells) -> str:
    values = {
        "identifiant_national": f"GEN{number:07d}",
        "numero_ecrou": f"{number}A",
        "nom": f"NOM{number}",
        "prenom": "Prénom",
        "date_naissance": "12/03/1990",
        "code_etablissement": "FRE",
        "date_extraction": AT,
        "type_mouvement": kind,
        "date_mouvement": on,
        **cells,
    }
    return ";".join(values.get(name, "") for name in MOVEMENTS_HEADER.split(";"))


@pytest.fixture
def receive(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    counter = iter(range(1000))

    def _receive(header: str, *lines: str, allowed=None, by=None):
        path = tmp_path / f"extraction-{next(counter)}.csv"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        return receive_file(
            path=path, filename=path.name, source=RunSource.COMMAND, by=by, allowed=allowed
        )

    return _receive


def snapshot(receive, *lines, **kwargs):
    return receive(SNAPSHOT_HEADER, *lines, **kwargs)


def test_the_preview_counts_the_events_and_writes_no_person(receive, fresnes):
    run = snapshot(receive, person(1), person(2), person(3, birth="31/02/1990"))
    assert run.status == RunStatus.PREVIEWED
    assert run.establishment == fresnes
    assert run.counts == {RowEvent.ARRIVAL: 2, RowEvent.ERROR: 1}
    assert run.rows_total == 2
    assert not Detainee.objects.exists()
    error = run.rows.get(event=RowEvent.ERROR)
    assert error.line == 4 and error.status == RowStatus.REJECTED
    assert "31/02/1990" in error.message


def test_applying_arrivals_creates_people_with_their_stay_interview_and_source(receive, fresnes):
    run = apply_run(run=snapshot(receive, person(1), person(2, dlp="")))
    assert run.status == RunStatus.APPLIED and run.rows_done == 2
    first = Detainee.objects.get(national_id="GEN0000001")
    assert first.establishment == fresnes
    assert first.expected_release_date == datetime.date(2027, 6, 15)
    assert first.custody_start == datetime.date(2026, 9, 1)
    assert first.arrival_date == datetime.date(2026, 10, 1)
    assert first.incarcerations.get().establishment == fresnes
    assert Interview.objects.filter(detainee=first).exists()  # owed after the rollout date
    assert first.source_values["dlp"] == "2027-06-15"
    assert Detainee.objects.get(national_id="GEN0000002").expected_release_date is None


def test_the_same_file_twice_is_the_same_run_and_a_second_extraction_changes_nothing(
    receive, fresnes
):
    run = apply_run(run=snapshot(receive, person(1), person(2)))
    again = snapshot(receive, person(1), person(2))
    assert again.pk == run.pk and again.status == RunStatus.APPLIED
    later = snapshot(receive, person(1, at="02/12/2026 06:00"), person(2, at="02/12/2026 06:00"))
    assert later.pk != run.pk
    assert later.counts == {RowEvent.UNCHANGED: 2}
    apply_run(run=later)
    assert Detainee.objects.count() == 2
    assert ReleaseDateChange.objects.count() == 2  # the initial DLPs only


def test_an_older_snapshot_than_the_last_applied_is_refused(receive, fresnes):
    apply_run(run=snapshot(receive, person(1, at="02/12/2026 06:00")))
    older = snapshot(receive, person(1, at="01/12/2026 06:00"))
    assert older.status == RunStatus.REFUSED
    assert "plus récente" in older.refusal


def test_a_dlp_change_goes_through_the_service(receive, fresnes):
    apply_run(run=snapshot(receive, person(1)))
    run = snapshot(receive, person(1, dlp="01/03/2027", at="02/12/2026 06:00"))
    assert run.counts == {RowEvent.RELEASE_DATE: 1}
    apply_run(run=run)
    detainee = Detainee.objects.get()
    assert detainee.expected_release_date == datetime.date(2027, 3, 1)
    change = detainee.release_date_changes.latest("pk")
    assert change.previous_date == datetime.date(2027, 6, 15)
    assert change.reason == ReleaseDateChangeReason.EXTRACTION
    # The report names the column as the contract does, in French.
    assert run.rows.get().message == "Mis à jour : Date de libération prévisible (DLP)."


def test_a_hand_correction_opens_a_divergence_instead_of_being_overwritten(
    receive, fresnes, manager_fresnes
):
    apply_run(run=snapshot(receive, person(1)))
    detainee = Detainee.objects.get()
    release_date_change(
        detainee=detainee,
        new_date=datetime.date(2027, 5, 1),
        reason=ReleaseDateChangeReason.CORRECTION,
        by=manager_fresnes,
    )
    run = apply_run(run=snapshot(receive, person(1, dlp="01/04/2027", at="02/12/2026 06:00")))
    detainee.refresh_from_db()
    assert detainee.expected_release_date == datetime.date(2027, 5, 1)  # kept
    divergence = Divergence.objects.get()
    assert divergence.status == DivergenceStatus.OPEN and divergence.run == run
    assert (divergence.field, divergence.source_value, divergence.local_value) == (
        "dlp",
        "2027-04-01",
        "2027-05-01",
    )
    assert divergence.local_changed_by == manager_fresnes.get_full_name()


def test_an_identifier_with_another_identity_is_a_conflict_and_changes_nothing(receive, fresnes):
    apply_run(run=snapshot(receive, person(1)))
    run = snapshot(receive, person(1, birth="13/03/1990", dlp="01/01/2028", at="02/12/2026 06:00"))
    row = run.rows.get()
    assert (row.event, row.status) == (RowEvent.CONFLICT, RowStatus.HELD)
    apply_run(run=run)
    assert Detainee.objects.get().expected_release_date == datetime.date(2027, 6, 15)


def test_the_same_identity_typed_by_hand_is_a_proposed_link_never_a_merge(receive, fresnes):
    typed = DetaineeFactory(
        establishment=fresnes,
        last_name="Nom1",
        first_name="prénom",
        birth_date=datetime.date(1990, 3, 12),
    )
    run = snapshot(receive, person(1))
    row = run.rows.get(line=2)
    assert (row.event, row.status, row.detainee_id) == (RowEvent.LINK, RowStatus.HELD, typed.pk)
    apply_run(run=run)
    assert Detainee.objects.count() == 1
    typed.refresh_from_db()
    assert typed.national_id is None


def test_arrivals_admitted_together_keep_every_rule_of_one_admission(receive, fresnes):
    fresnes.interview_rollout_date = datetime.date(2026, 10, 1)
    fresnes.save()
    run = apply_run(
        run=snapshot(
            receive,
            person(1),
            person(2, dlp=""),
            person(3, arrival="30/09/2026"),  # before the rollout: no interview owed
        )
    )
    assert run.rows.filter(status=RowStatus.APPLIED).count() == 3
    people = {p.national_id: p for p in Detainee.objects.all()}
    first = people["GEN0000001"]
    assert first.incarcerations.get().ecrou_number == "1A"
    assert Detainee.objects.search("1A").get() == first  # the search text is written
    interview = Interview.objects.get(detainee=first)
    assert (interview.arrival_date, interview.due_date) == (
        datetime.date(2026, 10, 1),
        interview_due_date(datetime.date(2026, 10, 1)),
    )
    initial = ReleaseDateChange.objects.get(detainee=first)
    assert (initial.reason, initial.previous_date, initial.new_date, initial.changed_on) == (
        ReleaseDateChangeReason.INITIAL,
        None,
        datetime.date(2027, 6, 15),
        datetime.date(2026, 10, 1),
    )
    assert not ReleaseDateChange.objects.filter(detainee=people["GEN0000002"]).exists()
    assert not Interview.objects.filter(detainee=people["GEN0000003"]).exists()
    assert set(run.rows.values_list("detainee__national_id", flat=True)) == set(people)


def test_admitting_more_arrivals_costs_no_more_queries(receive, fresnes, lyon):
    counts = []
    for code, first, size in (("FRE", 1, 3), (lyon.code, 100, 30)):
        run = snapshot(receive, *(person(n, code=code) for n in range(first, first + size)))
        with CaptureQueriesContext(connection) as queries:
            apply_run(run=run)
        counts.append(len(queries))
    assert Detainee.objects.count() == 33
    assert counts[0] == counts[1]


def test_a_person_created_between_preview_and_apply_rejects_only_their_row(receive, fresnes):
    run = snapshot(receive, person(1), person(2), person(3))
    DetaineeFactory(establishment=fresnes, national_id="GEN0000002", ecrou_number="77Z")
    apply_run(run=run)
    rows = {row.line: row for row in run.rows.all()}
    assert rows[3].status == RowStatus.REJECTED and "doublon" in rows[3].message
    assert rows[2].status == rows[4].status == RowStatus.APPLIED
    assert set(Detainee.objects.values_list("national_id", flat=True)) == {
        "GEN0000001",
        "GEN0000002",
        "GEN0000003",
    }
    assert Detainee.objects.filter(national_id="GEN0000002").get().ecrou_number == "77Z"


def test_the_ecrou_alone_never_merges_two_people(receive, fresnes):
    DetaineeFactory(establishment=fresnes, ecrou_number="99X", last_name="AUTRE")
    run = apply_run(run=snapshot(receive, person(1, ecrou="99X")))
    row = run.rows.get()
    # A different person with the same écrou: the arrival is refused, not merged.
    assert row.status == RowStatus.REJECTED and "99X" in row.message
    assert Detainee.objects.count() == 1
    assert not Detainee.objects.filter(national_id__isnull=False).exists()


def test_departures_are_inferred_only_at_the_dlp_or_with_a_granted_arrangement(
    receive, fresnes, settings
):
    settings.IMPORT_MAX_CLOSING_SHARE = 1
    apply_run(
        run=snapshot(
            receive,
            person(1, dlp="30/11/2026"),
            person(2, dlp="30/06/2027"),
            person(3, dlp="30/06/2027"),
            person(4),
        )
    )
    SentenceArrangementFactory(
        detainee=Detainee.objects.get(national_id="GEN0000003"),
        kind="ddse",
        status="granted",
        requested_on=datetime.date(2026, 10, 1),
        decided_on=datetime.date(2026, 11, 1),
    )
    run = snapshot(receive, person(4, at="02/12/2026 06:00"))
    departures = {row.national_id: row for row in run.rows.filter(event=RowEvent.DEPARTURE)}
    assert departures["GEN0000001"].status == RowStatus.PENDING
    assert departures["GEN0000002"].status == RowStatus.HELD
    assert departures["GEN0000003"].status == RowStatus.PENDING
    assert run.closes_share == pytest.approx(3 / 4)
    apply_run(run=run)
    first = Detainee.objects.get(national_id="GEN0000001")
    assert (first.release_date, first.release_kind) == (datetime.date(2026, 12, 2), "sortie_seche")
    assert Detainee.objects.get(national_id="GEN0000003").release_kind == "ddse"
    assert Detainee.objects.get(national_id="GEN0000002").release_date is None


def test_a_snapshot_closing_too_many_stays_waits_for_a_confirmation(receive, fresnes, settings):
    settings.IMPORT_MAX_CLOSING_SHARE = 0.1
    apply_run(run=snapshot(receive, person(1, dlp="30/11/2026"), person(2)))
    run = snapshot(receive, person(2, at="02/12/2026 06:00"))
    with pytest.raises(ClosingNotConfirmed):
        apply_run(run=run)
    assert Detainee.objects.get(national_id="GEN0000001").release_date is None
    run.closing_confirmed = True
    run.save()
    apply_run(run=run)
    assert Detainee.objects.get(national_id="GEN0000001").release_date is not None


def test_a_person_held_elsewhere_arrives_by_transfer(receive, fresnes, lyon):
    apply_run(run=snapshot(receive, person(1, code="LYO")))
    run = snapshot(receive, person(1, arrival="20/11/2026", ecrou="777B"))
    assert run.counts == {RowEvent.TRANSFER_IN: 1}
    apply_run(run=run)
    detainee = Detainee.objects.get()
    assert (detainee.establishment, detainee.ecrou_number) == (fresnes, "777B")
    assert detainee.incarcerations.count() == 2
    assert Interview.objects.filter(detainee=detainee, establishment=fresnes).exists()


def test_movements_release_transfer_dlp_and_arrangement(receive, fresnes, lyon):
    apply_run(run=snapshot(receive, person(1), person(2), person(3), person(4)))
    run = receive(
        MOVEMENTS_HEADER,
        movement(1, "Libération", "28/11/2026", type_sortie="Sortie en LSC"),
        movement(2, "Transfert sortant", "27/11/2026", etablissement_destination="LYO"),
        movement(
            3,
            "Modification de la DLP",
            "26/11/2026",
            dlp="01/02/2027",
            motif_dlp="Réduction de peine",
        ),
        movement(
            4,
            "Aménagement de peine",
            "25/11/2026",
            type_amenagement="DDSE",
            statut_amenagement="Demandé",
            date_demande="20/11/2026",
        ),
        movement(9, "Libération", "28/11/2026"),
    )
    assert run.counts == {
        RowEvent.RELEASE: 1,
        RowEvent.TRANSFER_OUT: 1,
        RowEvent.RELEASE_DATE: 1,
        RowEvent.ARRANGEMENT: 1,
        RowEvent.ERROR: 1,
    }
    apply_run(run=run)
    people = {d.national_id: d for d in Detainee.objects.all()}
    assert (people["GEN0000001"].release_date, people["GEN0000001"].release_kind) == (
        datetime.date(2026, 11, 28),
        "lsc",
    )
    assert people["GEN0000002"].establishment == lyon
    assert people["GEN0000003"].expected_release_date == datetime.date(2027, 2, 1)
    change = people["GEN0000003"].release_date_changes.latest("pk")
    assert change.reason == ReleaseDateChangeReason.REDUCTION
    arrangement = SentenceArrangement.objects.get(detainee=people["GEN0000004"])
    assert (arrangement.kind, arrangement.status) == ("ddse", "requested")
    assert "inconnue" in run.rows.get(line=6).message.lower()


def test_the_imports_effects_reach_the_interviews_the_plans_and_the_referent(
    receive,
    fresnes,
    lyon,
    cpip_fresnes,
    milestone_kinds,
    celery_eager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    apply_run(run=snapshot(receive, person(1), person(2), person(3)))
    people = {d.national_id: d for d in Detainee.objects.all()}
    for national_id in ("GEN0000001", "GEN0000003"):
        referent_assign(detainee=people[national_id], referent=cpip_fresnes)
    plan = ReleasePlan.objects.get(detainee=people["GEN0000003"])
    dated = plan.milestones.exclude(target_date=None).order_by("pk").first()
    before = dated.target_date
    run = receive(
        MOVEMENTS_HEADER,
        movement(1, "Libération", "28/11/2026"),
        movement(2, "Transfert sortant", "27/11/2026", etablissement_destination="LYO"),
        movement(
            3,
            "Modification de la DLP",
            "26/11/2026",
            dlp="01/02/2027",
            motif_dlp="Réduction de peine",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        apply_run(run=run)
    assert run.rows.filter(status=RowStatus.APPLIED).count() == 3
    # A release closes the plan and the interview still owed.
    assert ReleasePlan.objects.get(detainee=people["GEN0000001"]).closed_on == datetime.date(
        2026, 11, 28
    )
    released = Interview.objects.get(detainee=people["GEN0000001"])
    assert (released.status, released.not_done_reason) == (
        InterviewStatus.NOT_DONE,
        NotDoneReason.RELEASE,
    )
    # A transfer closes Fresnes' interview and owes one in Lyon: the clock starts again.
    moved = Interview.objects.filter(detainee=people["GEN0000002"]).order_by("pk")
    assert [(i.establishment, i.status) for i in moved] == [
        (fresnes, InterviewStatus.NOT_DONE),
        (lyon, InterviewStatus.TO_DO),
    ]
    assert moved.last().due_date == interview_due_date(datetime.date(2026, 11, 27))
    # A DLP brought forward by 134 days moves the open milestones and alerts the referent.
    dated.refresh_from_db()
    assert dated.target_date == before - datetime.timedelta(days=134)
    alert = ReleaseAlert.objects.get(detainee=people["GEN0000003"])
    assert (alert.referent, alert.days_earlier) == (cpip_fresnes, 134)
    assert [message.to for message in mailoutbox] == [[cpip_fresnes.email]]


def test_a_released_person_coming_back_gets_a_new_stay_on_the_same_record(receive, fresnes):
    apply_run(run=snapshot(receive, person(1)))
    apply_run(
        run=receive(MOVEMENTS_HEADER, movement(1, "Libération", "28/11/2026", type_sortie="LSC"))
    )
    run = receive(
        MOVEMENTS_HEADER,
        movement(
            1,
            "Arrivée",
            "30/11/2026",
            numero_ecrou="2B",
            sexe="H",
            statut="Prévenu",
            categorie_infraction="Crime",
            date_ecrou_initial="30/11/2026",
        ),
    )
    assert run.counts == {RowEvent.ARRIVAL: 1}
    apply_run(run=run)
    assert run.rows.get().status == RowStatus.APPLIED, run.rows.get().message
    detainee = Detainee.objects.get()
    assert detainee.release_date is None
    assert detainee.incarcerations.count() == 2
    assert detainee.legal_status == "prevenu"


def test_a_rejected_row_does_not_stop_the_others(receive, fresnes, lyon):
    apply_run(run=snapshot(receive, person(1), person(2)))
    run = receive(
        MOVEMENTS_HEADER,
        movement(1, "Transfert sortant", "27/11/2026", etablissement_destination="XXX"),
        movement(2, "Libération", "28/11/2026"),
    )
    apply_run(run=run)
    rejected = run.rows.get(line=2)
    assert rejected.status == RowStatus.REJECTED and "XXX" in rejected.message
    assert Detainee.objects.get(national_id="GEN0000002").release_date is not None


def test_a_run_stopped_mid_way_is_resumed_without_doing_anything_twice(receive, fresnes):
    run = snapshot(receive, *(person(n) for n in range(1, 6)))
    first = run.rows.order_by("line").first()
    apply_row(run, first.pk)
    assert apply_row(run, first.pk) is None  # already applied: not done twice
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.APPLYING)  # the worker died
    run.refresh_from_db()
    apply_run(run=run)
    run.refresh_from_db()
    assert Detainee.objects.count() == 5
    assert run.rows_done == 5
    assert run.rows.filter(status=RowStatus.APPLIED).count() == 5


def test_a_manager_cannot_import_into_another_establishment(receive, fresnes, lyon):
    run = snapshot(receive, person(1), allowed=[lyon.pk])
    assert run.status == RunStatus.REFUSED
    assert "Fresnes" in run.refusal
    assert not ImportRow.objects.exists()


def test_an_unknown_establishment_code_refuses_the_file(receive, fresnes):
    run = snapshot(receive, person(1, code="ZZZ"))
    assert run.status == RunStatus.REFUSED and "ZZZ" in run.refusal


def test_an_applied_run_is_not_applied_again(receive, fresnes):
    run = apply_run(run=snapshot(receive, person(1)))
    with pytest.raises(ValidationError):
        apply_run(run=run)


def test_the_end_of_retention_erases_what_the_runs_kept_of_the_person(
    receive, fresnes, django_capture_on_commit_callbacks
):
    run = apply_run(run=snapshot(receive, person(1), person(2)))
    apply_run(run=receive(MOVEMENTS_HEADER, movement(1, "Libération", "28/11/2026")))
    detainee = Detainee.objects.get(national_id="GEN0000001")
    Divergence.objects.create(detainee=detainee, run=run, field="dlp", source_value="2027-01-01")
    with django_capture_on_commit_callbacks(execute=True):
        retention_purge(wet_run=True, today=datetime.date(2033, 1, 1))
    detainee.refresh_from_db()
    assert detainee.national_id is None and detainee.source_values == {}
    row = run.rows.get(detainee=detainee)
    assert (row.values, row.raw, row.national_id) == ({}, {}, "")
    assert not Divergence.objects.exists()
    other = run.rows.get(national_id="GEN0000002")
    assert other.values["nom"] == "NOM2"


def test_a_run_left_applying_by_a_dead_worker_is_asked_for_again_by_the_sweep(
    receive, fresnes, settings, monkeypatch
):
    settings.IMPORT_STALLED_MINUTES = 10
    stalled = snapshot(receive, *(person(n) for n in range(1, 4)))
    apply_row(stalled, stalled.rows.order_by("line").first().pk)
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    ImportRow.objects.filter(run=stalled, status=RowStatus.APPLIED).update(applied_at=long_ago)
    ImportRun.objects.filter(pk=stalled.pk).update(
        status=RunStatus.APPLYING, apply_started_at=long_ago
    )
    # A run whose worker applied a row a minute ago is only slow: left alone.
    busy = snapshot(receive, *(person(n, at="02/12/2026 06:00") for n in range(10, 13)))
    assert busy.status == RunStatus.PREVIEWED, busy.refusal
    apply_row(busy, busy.rows.order_by("line").first().pk)
    ImportRun.objects.filter(pk=busy.pk).update(
        status=RunStatus.APPLYING, apply_started_at=long_ago
    )
    asked = []
    monkeypatch.setattr(apply_import_run, "delay", lambda *args: asked.append(args))

    assert resume_stalled_imports() == 1
    assert asked == [(stalled.pk, None)]

    apply_import_run(*asked[0])  # what the worker does with the message
    stalled.refresh_from_db()
    assert stalled.status == RunStatus.APPLIED
    assert stalled.rows_done == 3
    assert (
        Detainee.objects.filter(national_id__in=["GEN0000001", "GEN0000002", "GEN0000003"]).count()
        == 3
    )
    assert resume_stalled_imports() == 0  # applied: nothing to resume any more


def test_the_files_and_cells_of_runs_closed_long_ago_are_erased_the_results_stay(
    receive, fresnes, settings
):
    settings.IMPORT_FILE_RETENTION_DAYS = 90
    old = snapshot(receive, person(1), "GEN9;;;;;;FRE;01/12/2026 06:00;;;;;;")
    apply_run(run=old)
    later = "02/12/2026 06:00"
    recent = snapshot(receive, person(1, at=later), person(2, at=later))
    apply_run(run=recent)
    # 92 days: closed before the local midnight 90 days ago whatever the hour (91 days back from
    # late evening in winter falls after it, an hour of summer time later).
    ImportRun.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=92)
    )
    old.refresh_from_db()
    assert old.file and old.file.storage.exists(old.file.name)
    stored = old.file.name

    assert purge_import_retention() == {"files": 1, "rows": 2}

    old.refresh_from_db()
    assert not old.file and not old.file.storage.exists(stored)
    assert not old.rows.exclude(values={}, raw={}, national_id="").exists()
    # What was done stays said: the counts, the events, the results.
    assert old.counts == {"arrival": 1, "error": 1}
    assert old.rows.filter(status=RowStatus.REJECTED).count() == 1
    # A recent run keeps its file and its cells; the people keep what was applied.
    recent.refresh_from_db()
    assert recent.file and recent.rows.exclude(values={}).count() == 2
    assert Detainee.objects.filter(national_id="GEN0000001").exists()
    assert purge_import_retention() == {"files": 0, "rows": 0}
