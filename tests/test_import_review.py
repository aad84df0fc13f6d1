"""Issue 13, the review queue « À examiner » (insertion/imports/review.py, review_views.py): each
decision on a held row or a divergence and its effect through the services, superseded rows,
a decision taken twice, previewed and applied runs; who may open the queue, the access log,
and a query count that does not grow with the items."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from entretiens.choices import InterviewStatus
from entretiens.models import Interview
from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.detainees.models import (
    DepartureReason,
    Detainee,
    ReleaseDateChange,
    ReleaseDateChangeReason,
)
from insertion.imports import review
from insertion.imports.applying import apply_run
from insertion.imports.models import (
    Divergence,
    DivergenceStatus,
    FileKind,
    ImportRow,
    ImportRun,
    RowDecision,
    RowEvent,
    RowStatus,
    RunSource,
    RunStatus,
)
from insertion.imports.review_views import PER_PAGE
from insertion.imports.runs import receive_file
from insertion.person.services import release_date_change
from tests.factories import DetaineeFactory, UserFactory
from tests.test_import_apply import MOVEMENTS_HEADER, SNAPSHOT_HEADER, movement, person

pytestmark = pytest.mark.django_db

DAY2 = "02/12/2026 06:00"
DAY3 = "03/12/2026 06:00"
DAY4 = "04/12/2026 06:00"


@pytest.fixture(autouse=True)
def storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.IMPORT_MAX_CLOSING_SHARE = 1


@pytest.fixture
def receive(tmp_path):
    counter = iter(range(1000))

    def _receive(header: str, *lines: str) -> ImportRun:
        path = tmp_path / f"extraction-{next(counter)}.csv"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        return receive_file(path=path, filename=path.name, source=RunSource.COMMAND)

    return _receive


def snapshot(receive, *lines) -> ImportRun:
    return receive(SNAPSHOT_HEADER, *lines)


@pytest.fixture
def manager_lyon(lyon):
    return UserFactory(manager=True, establishments=[lyon])


@pytest.fixture
def typed(fresnes):
    """A person typed by hand in Fresnes, with the identity of the file's person 1."""
    return DetaineeFactory(
        establishment=fresnes,
        last_name="Nom1",
        first_name="prénom",
        birth_date=datetime.date(1990, 3, 12),
    )


@pytest.fixture
def link_run(receive, typed):
    """A snapshot whose line 2 is a proposed link to `typed` (previewed)."""
    run = snapshot(receive, person(1))
    assert run.rows.get(line=2).event == RowEvent.LINK
    return run


@pytest.fixture
def departure_run(receive, fresnes):
    """Person 2 held in Fresnes before their DLP, missing from the next day's snapshot: a
    departure held for a decision (previewed)."""
    apply_run(run=snapshot(receive, person(1), person(2, dlp="30/06/2027")))
    run = snapshot(receive, person(1, at=DAY2))
    row = run.rows.get(event=RowEvent.DEPARTURE)
    assert row.status == RowStatus.HELD
    return run


@pytest.fixture
def corrected(receive, fresnes, manager_fresnes):
    """Person 1 imported, their DLP corrected by hand, then a snapshot with another DLP: a
    divergence open (the run applied)."""
    apply_run(run=snapshot(receive, person(1)))
    detainee = Detainee.objects.get()
    release_date_change(
        detainee=detainee,
        new_date=datetime.date(2027, 5, 1),
        reason=ReleaseDateChangeReason.CORRECTION,
        by=manager_fresnes,
    )
    apply_run(run=snapshot(receive, person(1, dlp="01/04/2027", at=DAY2)))
    return Divergence.objects.get(status=DivergenceStatus.OPEN)


def held(run: ImportRun, event=None) -> ImportRow:
    rows = run.rows.filter(status=RowStatus.HELD)
    return rows.get(event=event) if event else rows.get()


# --- Proposed links ----------------------------------------------------------------------------


def test_linking_in_an_applied_run_sets_the_national_id_and_applies_the_row_at_once(
    link_run, typed, manager_fresnes
):
    run = apply_run(run=link_run)
    assert (run.rows_total, run.rows_done) == (0, 0)
    row = review.row_link(row=held(run), by=manager_fresnes)
    typed.refresh_from_db()
    assert typed.national_id == "GEN0000001"
    assert (row.status, row.event, row.decision) == (
        RowStatus.APPLIED,
        RowEvent.RELEASE_DATE,
        RowDecision.LINK,
    )
    row.refresh_from_db()
    assert row.decided_by == manager_fresnes and row.decided_at is not None
    # Applied through the services: the DLP moved with its history, the écrou of the file.
    assert typed.expected_release_date == datetime.date(2027, 6, 15)
    assert typed.ecrou_number == "1A"
    change = typed.release_date_changes.latest("pk")
    assert change.reason == ReleaseDateChangeReason.EXTRACTION
    assert typed.source_values["dlp"] == "2027-06-15"
    run.refresh_from_db()
    assert (run.rows_total, run.rows_done) == (1, 1)
    assert Detainee.objects.count() == 1  # linked, never merged into a second record


def test_linking_in_a_previewed_run_leaves_the_effect_to_the_runs_apply(
    link_run, typed, manager_fresnes
):
    before = typed.expected_release_date
    row = review.row_link(row=held(link_run), by=manager_fresnes)
    typed.refresh_from_db()
    assert typed.national_id == "GEN0000001"  # the decision itself: at once
    assert row.status == RowStatus.PENDING
    assert typed.expected_release_date == before  # the effect: with the run
    link_run.refresh_from_db()
    assert link_run.rows_total == 1
    run = apply_run(run=link_run)
    assert run.rows_done == 1
    typed.refresh_from_db()
    assert typed.expected_release_date == datetime.date(2027, 6, 15)
    assert run.rows.get(pk=row.pk).status == RowStatus.APPLIED


def test_a_different_person_gets_a_record_of_their_own_and_an_interview_owed(
    link_run, typed, manager_fresnes
):
    run = apply_run(run=link_run)
    row = review.row_new_person(row=held(run), by=manager_fresnes)
    assert (row.status, row.event, row.decision) == (
        RowStatus.APPLIED,
        RowEvent.ARRIVAL,
        RowDecision.NEW_PERSON,
    )
    created = Detainee.objects.get(national_id="GEN0000001")
    assert created.pk != typed.pk
    assert row.detainee_id == created.pk
    assert Interview.objects.filter(detainee=created).exists()
    typed.refresh_from_db()
    assert typed.national_id is None


def test_a_new_record_refused_by_the_services_rolls_the_decision_back(
    receive, fresnes, manager_fresnes
):
    DetaineeFactory(
        establishment=fresnes,
        last_name="Nom1",
        first_name="Prénom",
        birth_date=datetime.date(1990, 3, 12),
        ecrou_number="1A",  # the écrou the file gives: a new record cannot take it
    )
    run = apply_run(run=snapshot(receive, person(1)))
    with pytest.raises(ValidationError, match="1A"):
        review.row_new_person(row=held(run), by=manager_fresnes)
    row = run.rows.get(line=2)
    assert (row.status, row.decision, row.decided_by) == (RowStatus.HELD, "", None)
    assert not Detainee.objects.filter(national_id="GEN0000001").exists()
    run.refresh_from_db()
    assert run.rows_total == 0


def test_an_identifier_another_record_took_meanwhile_is_never_given_twice(
    link_run, typed, manager_fresnes, lyon
):
    DetaineeFactory(establishment=lyon, national_id="GEN0000001")
    with pytest.raises(ValidationError, match="déjà celui d'une autre fiche"):
        review.row_link(row=held(link_run), by=manager_fresnes)
    with pytest.raises(ValidationError, match="déjà celui d'une autre fiche"):
        review.row_new_person(row=held(link_run), by=manager_fresnes)
    typed.refresh_from_db()
    assert typed.national_id is None
    assert held(link_run).decision == ""


def test_a_line_set_aside_is_rejected_and_goes_to_the_rejected_rows_csv(
    client, link_run, typed, manager_fresnes
):
    row = review.row_dismiss(row=held(link_run), by=manager_fresnes, reason="Homonyme")
    assert (row.status, row.decision) == (RowStatus.REJECTED, RowDecision.DISMISSED)
    assert "Homonyme" in row.message
    typed.refresh_from_db()
    assert typed.national_id is None
    client.force_login(manager_fresnes)
    body = client.get(reverse("imports:rejected", kwargs={"pk": link_run.pk})).content
    text = body.decode("utf-8-sig")
    assert "GEN0000001" in text and "Ligne écartée à l'examen" in text and "Homonyme" in text


# --- Conflicts ---------------------------------------------------------------------------------


@pytest.fixture
def conflict_run(receive, fresnes):
    apply_run(run=snapshot(receive, person(1)))
    run = snapshot(receive, person(1, birth="13/03/1990", dlp="01/01/2028", at=DAY2))
    assert held(run).event == RowEvent.CONFLICT
    return apply_run(run=run)


def test_taking_the_identity_of_the_extraction_updates_it_then_applies_the_row(
    conflict_run, manager_fresnes
):
    row = review.row_take_identity(row=held(conflict_run), by=manager_fresnes)
    detainee = Detainee.objects.get()
    assert detainee.birth_date == datetime.date(1990, 3, 13)
    assert (row.status, row.event, row.decision) == (
        RowStatus.APPLIED,
        RowEvent.RELEASE_DATE,
        RowDecision.TAKE_IDENTITY,
    )
    assert detainee.expected_release_date == datetime.date(2028, 1, 1)
    assert detainee.release_date_changes.latest("pk").previous_date == datetime.date(2027, 6, 15)


def test_a_conflict_set_aside_changes_nothing(conflict_run, manager_fresnes):
    review.row_dismiss(row=held(conflict_run), by=manager_fresnes)
    detainee = Detainee.objects.get()
    assert detainee.birth_date == datetime.date(1990, 3, 12)
    assert detainee.expected_release_date == datetime.date(2027, 6, 15)


# --- Departures --------------------------------------------------------------------------------


def test_confirming_a_release_closes_the_stay_and_the_interview(departure_run, manager_fresnes):
    run = apply_run(run=departure_run)
    row = held(run)
    defaults = review.departure_defaults(row)
    assert defaults.on_date == datetime.date(2026, 12, 2)  # the extraction's day
    assert defaults.kind == "sortie_seche"
    review.row_confirm_release(row=row, by=manager_fresnes, on_date=defaults.on_date, kind="lsc")
    detainee = Detainee.objects.get(national_id="GEN0000002")
    assert (detainee.release_date, detainee.release_kind) == (datetime.date(2026, 12, 2), "lsc")
    stay = detainee.incarcerations.get()
    assert (stay.departure_date, stay.departure_reason) == (
        datetime.date(2026, 12, 2),
        DepartureReason.RELEASE,
    )
    assert Interview.objects.get(detainee=detainee).status == InterviewStatus.NOT_DONE
    row.refresh_from_db()
    assert (row.status, row.decision) == (RowStatus.APPLIED, RowDecision.RELEASE)


def test_a_release_in_a_previewed_run_waits_for_the_apply(departure_run, manager_fresnes):
    row = held(departure_run)
    total = departure_run.rows_total
    review.row_confirm_release(
        row=row, by=manager_fresnes, on_date=datetime.date(2026, 12, 1), kind="ddse"
    )
    assert Detainee.objects.get(national_id="GEN0000002").release_date is None
    departure_run.refresh_from_db()
    assert departure_run.rows_total == total + 1
    apply_run(run=departure_run)
    detainee = Detainee.objects.get(national_id="GEN0000002")
    assert (detainee.release_date, detainee.release_kind) == (datetime.date(2026, 12, 1), "ddse")


def test_confirming_a_transfer_moves_the_person(departure_run, manager_fresnes, lyon):
    run = apply_run(run=departure_run)
    row = held(run)
    assert lyon in review.transfer_destinations(row)
    assert run.establishment not in review.transfer_destinations(row)
    decided = review.row_confirm_transfer(
        row=row, by=manager_fresnes, to_establishment=lyon, on_date=datetime.date(2026, 12, 2)
    )
    assert (decided.status, decided.event) == (RowStatus.APPLIED, RowEvent.TRANSFER_OUT)
    detainee = Detainee.objects.get(national_id="GEN0000002")
    assert detainee.establishment == lyon
    assert detainee.incarcerations.count() == 2
    assert detainee.release_date is None


def test_a_person_still_present_keeps_their_stay(departure_run, manager_fresnes):
    run = apply_run(run=departure_run)
    row = review.row_still_present(row=held(run), by=manager_fresnes)
    assert (row.status, row.decision) == (RowStatus.REJECTED, RowDecision.STILL_PRESENT)
    detainee = Detainee.objects.get(national_id="GEN0000002")
    assert detainee.release_date is None
    assert detainee.incarcerations.get().departure_date is None


def test_a_release_date_before_the_arrival_is_refused_and_nothing_is_done(
    departure_run, manager_fresnes
):
    run = apply_run(run=departure_run)
    with pytest.raises(ValidationError, match="précède l'arrivée"):
        review.row_confirm_release(
            row=held(run), by=manager_fresnes, on_date=datetime.date(2026, 1, 1), kind="lsc"
        )
    assert held(run).decision == ""


# --- Divergences -------------------------------------------------------------------------------


def test_a_local_correction_kept_is_not_asked_again_while_the_source_says_the_same(
    receive, corrected, manager_fresnes
):
    review.divergence_keep_local(divergence=corrected, by=manager_fresnes)
    corrected.refresh_from_db()
    assert (corrected.status, corrected.resolved_by) == (
        DivergenceStatus.KEPT_LOCAL,
        manager_fresnes,
    )
    apply_run(run=snapshot(receive, person(1, dlp="01/04/2027", at=DAY3)))
    assert not Divergence.objects.filter(status=DivergenceStatus.OPEN).exists()
    assert Detainee.objects.get().expected_release_date == datetime.date(2027, 5, 1)
    # The extraction says something new: the question is asked again.
    apply_run(run=snapshot(receive, person(1, dlp="01/03/2027", at=DAY4)))
    reopened = Divergence.objects.get(status=DivergenceStatus.OPEN)
    assert (reopened.source_value, reopened.local_value) == ("2027-03-01", "2027-05-01")


def test_taking_the_source_value_writes_the_dlp_through_its_service(
    receive, corrected, manager_fresnes
):
    review.divergence_take_source(divergence=corrected, by=manager_fresnes)
    detainee = Detainee.objects.get()
    assert detainee.expected_release_date == datetime.date(2027, 4, 1)
    change = detainee.release_date_changes.latest("pk")
    assert (change.previous_date, change.new_date, change.reason, change.changed_by) == (
        datetime.date(2027, 5, 1),
        datetime.date(2027, 4, 1),
        ReleaseDateChangeReason.EXTRACTION,
        manager_fresnes,
    )
    assert detainee.source_values["dlp"] == "2027-04-01"
    corrected.refresh_from_db()
    assert corrected.status == DivergenceStatus.TOOK_SOURCE
    changes = ReleaseDateChange.objects.count()
    apply_run(run=snapshot(receive, person(1, dlp="01/04/2027", at=DAY3)))
    assert ReleaseDateChange.objects.count() == changes  # nothing left to do
    assert not Divergence.objects.filter(status=DivergenceStatus.OPEN).exists()


def test_taking_the_source_value_of_another_field_writes_the_record(
    receive, fresnes, manager_fresnes
):
    apply_run(run=snapshot(receive, person(1)))
    Detainee.objects.update(legal_status="prevenu")  # a hand correction (back-office)
    apply_run(run=snapshot(receive, person(1, at=DAY2)))
    divergence = Divergence.objects.get(status=DivergenceStatus.OPEN)
    assert (divergence.field, divergence.source_value) == ("statut", "condamne")
    review.divergence_take_source(divergence=divergence, by=manager_fresnes)
    detainee = Detainee.objects.get()
    assert detainee.legal_status == "condamne"
    assert detainee.source_values["statut"] == "condamne"


def test_a_dlp_the_extraction_no_longer_gives_is_not_erased(receive, corrected, manager_fresnes):
    corrected.source_value = ""
    corrected.save()
    with pytest.raises(ValidationError, match="ne s'efface pas"):
        review.divergence_take_source(divergence=corrected, by=manager_fresnes)
    assert Detainee.objects.get().expected_release_date == datetime.date(2027, 5, 1)
    assert Divergence.objects.get().status == DivergenceStatus.OPEN


# --- Superseded rows, decisions taken twice ---------------------------------------------------


def test_only_the_latest_run_holding_a_row_is_shown_and_a_decision_closes_the_older(
    receive, fresnes, manager_fresnes
):
    apply_run(run=snapshot(receive, person(1), person(2, dlp="30/06/2027")))
    older = snapshot(receive, person(1, at=DAY2))
    newer = snapshot(receive, person(1, at=DAY3))
    assert [row.run_id for row in review.held_rows(manager_fresnes)] == [newer.pk]
    with pytest.raises(ValidationError, match="plus récente"):
        review.row_still_present(row=held(older), by=manager_fresnes)
    review.row_still_present(row=held(newer), by=manager_fresnes)
    closed = older.rows.get(event=RowEvent.DEPARTURE)
    assert (closed.status, closed.decision) == (RowStatus.REJECTED, RowDecision.SUPERSEDED)
    assert f"import n° {newer.pk}" in closed.message
    assert not review.held_rows(manager_fresnes).exists()


def test_two_movements_of_one_person_never_hide_each_other(receive, typed, manager_fresnes):
    apply_run(run=snapshot(receive, person(5)))
    first = receive(MOVEMENTS_HEADER, movement(1, "Libération", "28/11/2026"))
    second = receive(
        MOVEMENTS_HEADER,
        movement(
            1, "Modification de la DLP", "29/11/2026", dlp="01/02/2027", motif_dlp="Réduction"
        ),
    )
    assert held(first).event == held(second).event == RowEvent.LINK
    shown = {row.run_id for row in review.held_rows(manager_fresnes)}
    assert shown == {first.pk, second.pk}


def test_a_row_decided_already_is_refused_with_a_message_and_nothing_is_done_twice(
    link_run, typed, manager_fresnes
):
    other_manager = UserFactory(manager=True, establishments=[typed.establishment])
    stale = held(link_run)
    review.row_dismiss(row=stale, by=other_manager)
    with pytest.raises(ValidationError, match="déjà été tranchée par") as refused:
        review.row_link(row=stale, by=manager_fresnes)
    assert other_manager.get_full_name() in refused.value.messages[0]
    typed.refresh_from_db()
    assert typed.national_id is None
    row = link_run.rows.get(pk=stale.pk)
    assert (row.decision, row.decided_by) == (RowDecision.DISMISSED, other_manager)


def test_a_divergence_decided_already_is_refused(corrected, manager_fresnes):
    review.divergence_keep_local(divergence=corrected, by=manager_fresnes)
    with pytest.raises(ValidationError, match="déjà été tranchée"):
        review.divergence_take_source(divergence=corrected, by=manager_fresnes)
    assert Detainee.objects.get().expected_release_date == datetime.date(2027, 5, 1)


@pytest.mark.django_db(transaction=True)
def test_two_managers_deciding_at_once_decide_once(receive, fresnes):
    typed_person = DetaineeFactory(
        establishment=fresnes,
        last_name="Nom1",
        first_name="Prénom",
        birth_date=datetime.date(1990, 3, 12),
    )
    run = apply_run(run=snapshot(receive, person(1)))
    row = held(run)
    managers = [UserFactory(manager=True, establishments=[fresnes]) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(manager, decision):
        try:
            barrier.wait()
            decision(row=row, by=manager)
            outcomes.append("done")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(managers[0], review.row_link)),
        threading.Thread(target=decide, args=(managers[1], review.row_new_person)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome == "done" for outcome in outcomes) == [False, True]
    assert "déjà été tranchée" in next(o for o in outcomes if o != "done")
    row.refresh_from_db()
    people = Detainee.objects.filter(national_id="GEN0000001")
    assert people.count() == 1
    typed_person.refresh_from_db()
    # One decision or the other, never both.
    assert (row.decision == RowDecision.LINK) == (typed_person.national_id == "GEN0000001")


def test_a_cancelled_runs_rows_wait_for_nothing(link_run, manager_fresnes):
    ImportRun.objects.filter(pk=link_run.pk).update(status=RunStatus.CANCELLED)
    assert not review.held_rows(manager_fresnes).exists()
    with pytest.raises(ValidationError, match="abandonné"):
        review.row_link(row=held(link_run), by=manager_fresnes)


def test_a_decision_of_another_kind_is_refused(link_run, manager_fresnes):
    with pytest.raises(ValidationError, match="ne s'applique pas"):
        review.row_confirm_release(
            row=held(link_run),
            by=manager_fresnes,
            on_date=datetime.date(2026, 12, 1),
            kind="lsc",
        )


# --- Pages: access -----------------------------------------------------------------------------


@pytest.fixture
def items(receive, fresnes, manager_fresnes):
    """One item of each kind in Fresnes, from one applied snapshot: person 3 is a proposed
    link to a person typed by hand, person 2 left before their DLP, person 1's DLP corrected
    by hand differs from the file's."""
    apply_run(run=snapshot(receive, person(1), person(2, dlp="30/06/2027")))
    release_date_change(
        detainee=Detainee.objects.get(national_id="GEN0000001"),
        new_date=datetime.date(2027, 5, 1),
        reason=ReleaseDateChangeReason.CORRECTION,
        by=manager_fresnes,
    )
    DetaineeFactory(
        establishment=fresnes,
        last_name="NOM3",
        first_name="Prénom",
        birth_date=datetime.date(1990, 3, 12),
    )
    run = apply_run(run=snapshot(receive, person(1, dlp="01/04/2027", at=DAY2), person(3, at=DAY2)))
    return {
        "link": held(run, RowEvent.LINK),
        "departure": held(run, RowEvent.DEPARTURE),
        "divergence": Divergence.objects.get(status=DivergenceStatus.OPEN),
    }


def _urls(items) -> list[str]:
    return [
        reverse("imports:review"),
        reverse("imports:review_row", args=[items["link"].pk]),
        reverse("imports:review_row", args=[items["departure"].pk]),
        reverse("imports:review_divergence", args=[items["divergence"].pk]),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_the_login_page(client, items, method):
    for url in _urls(items):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("role", ["cpip", "interviewer", "prison_team", "national"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_roles_get_403_and_nothing_is_decided(client, fresnes, items, role, method):
    establishments = [] if role == "national" else [fresnes]
    client.force_login(UserFactory(**{role: True}, establishments=establishments))
    # The queue itself answers GET only (405 to a POST, before anything else).
    for url in _urls(items) if method == "get" else _urls(items)[1:]:
        response = getattr(client, method)(url, {"decision": "link", "confirmer": "1"})
        assert response.status_code == 403
    assert not ImportRow.objects.exclude(decision="").exists()
    assert Divergence.objects.get().status == DivergenceStatus.OPEN


def test_staff_without_the_superuser_status_get_403(client, items):
    client.force_login(UserFactory(role="", is_staff=True))
    assert client.get(reverse("imports:review")).status_code == 403


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_manager_of_another_prison_gets_404_on_fresnes_items(client, manager_lyon, items, method):
    client.force_login(manager_lyon)
    for url in _urls(items)[1:]:
        response = getattr(client, method)(url, {"decision": "keep_local", "confirmer": "1"})
        assert response.status_code == 404
    assert Divergence.objects.get().status == DivergenceStatus.OPEN


def test_a_manager_of_another_prison_sees_none_of_fresnes_items(client, manager_lyon, items):
    client.force_login(manager_lyon)
    response = client.get(reverse("imports:review"))
    assert response.status_code == 200
    assert [entry["count"] for entry in response.context["sections"]] == [0, 0, 0, 0]
    content = response.content.decode()
    assert "NOM1" not in content.upper() and "GEN000000" not in content
    assert "Aucun départ à confirmer." in content
    assert "Rien n'attend votre décision" in content


def test_an_administrator_sees_every_item(client, superuser, items):
    client.force_login(superuser)
    response = client.get(reverse("imports:review"))
    assert [entry["count"] for entry in response.context["sections"]] == [1, 0, 1, 1]


# --- Pages: the queue and the decisions --------------------------------------------------------


def test_the_queue_shows_each_item_with_its_values_and_decisions(client, manager_fresnes, items):
    client.force_login(manager_fresnes)
    response = client.get(reverse("imports:review"))
    content = response.content.decode()
    assert [entry["count"] for entry in response.context["sections"]] == [1, 0, 1, 1]
    assert "3 décisions attendent votre examen" in content
    assert "Aucun conflit d&#x27;identité à examiner." in content
    assert reverse("person:detail", args=[items["link"].detainee_id]) in content
    assert "Aucun (fiche saisie à la main)" in content  # the hand-typed record's identifier
    assert "15 juin 2027" in content  # the file's DLP, beside the record's
    assert "Même personne : rattacher" in content
    assert "Confirmer la libération" in content
    assert "1 avril 2027" in content and "1 mai 2027" in content  # the divergence's two values
    assert 'value="keep_local"' in content
    assert reverse("imports:run", args=[items["departure"].run_id]) in content
    assert not AccessLog.objects.exists()  # a list of people, like the others


def test_the_import_pages_link_to_the_queue_with_its_count(
    client, manager_fresnes, manager_lyon, items
):
    client.force_login(manager_fresnes)
    assert "À examiner (3)" in client.get(reverse("imports:list")).content.decode()
    run_page = reverse("imports:run", args=[items["link"].run_id])
    assert "À examiner (3)" in client.get(run_page).content.decode()
    client.force_login(manager_lyon)
    assert "À examiner (0)" in client.get(reverse("imports:list")).content.decode()


def test_a_release_is_confirmed_on_its_own_page_before_it_is_done(
    client, manager_fresnes, departure_run
):
    run = apply_run(run=departure_run)
    row = held(run)
    url = reverse("imports:review_row", args=[row.pk])
    client.force_login(manager_fresnes)
    page = client.get(url, {"decision": "release"})
    content = page.content.decode()
    assert page.status_code == 200
    assert "clôt le plan de préparation à la sortie" in content
    assert 'value="2026-12-02"' in content  # the extraction's day, proposed
    assert AccessLog.objects.filter(
        action=Action.IMPORT_REVIEW_READ, detainee_id=row.detainee_id
    ).exists()
    # Sent without the confirmation: the same page again, nothing done.
    again = client.post(url, {"decision": "release", "on_date": "2026-12-02", "kind": "lsc"})
    assert again.status_code == 200
    assert Detainee.objects.get(national_id="GEN0000002").release_date is None
    done = client.post(
        url,
        {"decision": "release", "on_date": "2026-12-02", "kind": "lsc", "confirmer": "1"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("imports:review")
    assert "Décision enregistrée et appliquée" in done.content.decode()
    assert Detainee.objects.get(national_id="GEN0000002").release_kind == "lsc"
    line = AccessLog.objects.get(action=Action.IMPORT_REVIEW)
    assert (line.user, line.object_id, line.detainee_id, line.establishment_id) == (
        manager_fresnes,
        row.pk,
        row.detainee_id,
        run.establishment_id,
    )


def test_a_future_date_is_a_form_error_and_nothing_is_done(client, manager_fresnes, departure_run):
    row = held(departure_run)
    client.force_login(manager_fresnes)
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        reverse("imports:review_row", args=[row.pk]),
        {"decision": "release", "on_date": future.isoformat(), "kind": "lsc", "confirmer": "1"},
    )
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in response.content.decode()
    assert held(departure_run).decision == ""


def test_a_transfer_is_chosen_among_the_establishments_with_a_code(
    client, manager_fresnes, departure_run, lyon
):
    row = held(departure_run)
    url = reverse("imports:review_row", args=[row.pk])
    client.force_login(manager_fresnes)
    content = client.get(url, {"decision": "transfer"}).content.decode()
    assert lyon.name.replace("'", "&#x27;") in content
    response = client.post(
        url,
        {
            "decision": "transfer",
            "to_establishment": lyon.pk,
            "on_date": "2026-12-02",
            "confirmer": "1",
        },
        follow=True,
    )
    assert "cette ligne le sera avec les autres" in response.content.decode()  # previewed run
    decided = ImportRow.objects.get(pk=row.pk)
    assert (decided.status, decided.event) == (RowStatus.PENDING, RowEvent.TRANSFER_OUT)
    apply_run(run=departure_run)
    assert Detainee.objects.get(national_id="GEN0000002").establishment == lyon


def test_a_decision_sent_twice_gets_a_clear_message_the_second_time(
    client, manager_fresnes, link_run, typed
):
    row = held(link_run)
    url = reverse("imports:review_row", args=[row.pk])
    client.force_login(manager_fresnes)
    client.post(url, {"decision": "link", "confirmer": "1"})
    second = client.post(url, {"decision": "new_person", "confirmer": "1"}, follow=True)
    content = second.content.decode()
    assert "déjà été tranchée par" in content
    assert Detainee.objects.count() == 1
    assert AccessLog.objects.filter(action=Action.IMPORT_REVIEW).count() == 1


def test_an_unknown_decision_does_nothing(client, manager_fresnes, link_run, typed):
    row = held(link_run)
    client.force_login(manager_fresnes)
    response = client.post(
        reverse("imports:review_row", args=[row.pk]),
        {"decision": "release", "confirmer": "1"},
        follow=True,
    )
    assert "Choisissez une des décisions proposées" in response.content.decode()
    assert held(link_run).decision == ""


def test_keeping_a_local_correction_is_one_click(client, manager_fresnes, corrected):
    client.force_login(manager_fresnes)
    response = client.post(
        reverse("imports:review_divergence", args=[corrected.pk]), {"decision": "keep_local"}
    )
    assert response.status_code == 302
    corrected.refresh_from_db()
    assert corrected.status == DivergenceStatus.KEPT_LOCAL
    assert AccessLog.objects.filter(
        action=Action.IMPORT_REVIEW, detainee_id=corrected.detainee_id
    ).exists()


def test_taking_the_source_value_asks_for_a_confirmation(client, manager_fresnes, corrected):
    client.force_login(manager_fresnes)
    url = reverse("imports:review_divergence", args=[corrected.pk])
    asked = client.post(url, {"decision": "take_source"})
    assert asked.status_code == 200
    assert "Reprendre la valeur de l&#x27;extraction" in asked.content.decode()
    assert Divergence.objects.get().status == DivergenceStatus.OPEN
    client.post(url, {"decision": "take_source", "confirmer": "1"})
    assert Detainee.objects.get().expected_release_date == datetime.date(2027, 4, 1)


def test_a_decided_item_sends_back_to_the_queue(client, manager_fresnes, corrected):
    review.divergence_keep_local(divergence=corrected, by=manager_fresnes)
    client.force_login(manager_fresnes)
    response = client.get(reverse("imports:review_divergence", args=[corrected.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:review")


# --- Pages: a person of another establishment ---------------------------------------------------


def _typed_in(establishment, ecrou: str) -> Detainee:
    """A person typed by hand with the identity of the file's person 1, created on 3 May 2026."""
    detainee = DetaineeFactory(
        establishment=establishment,
        last_name="Nom1",
        first_name="Prénom",
        birth_date=datetime.date(1990, 3, 12),
        ecrou_number=ecrou,
    )
    created = timezone.make_aware(datetime.datetime(2026, 5, 3, 10, 0))
    Detainee.objects.filter(pk=detainee.pk).update(created_at=created)
    return detainee


def _review_pages(client, row: ImportRow) -> list[str]:
    url = reverse("imports:review_row", args=[row.pk])
    pages = [client.get(reverse("imports:review")), client.get(url)]
    pages.append(client.get(url, {"decision": RowDecision.LINK}))
    assert [page.status_code for page in pages] == [200, 200, 200]
    return [page.content.decode() for page in pages]


def test_a_proposed_link_to_another_prisons_person_shows_only_what_the_decision_needs(
    client, receive, fresnes, lyon, manager_fresnes
):
    other = _typed_in(lyon, "LY-77812")
    row = held(snapshot(receive, person(1)))
    assert (row.event, row.detainee_id) == (RowEvent.LINK, other.pk)
    client.force_login(manager_fresnes)
    for content in _review_pages(client, row):
        assert "LY-77812" not in content  # their n° d'écrou
        assert "Lyon" not in content and escape(lyon.name) not in content  # their establishment
        assert reverse("person:detail", args=[other.pk]) not in content
        assert reverse("admin:detainees_detainee_change", args=[other.pk]) not in content
        assert "Un autre établissement" in content
        assert "3 mai 2026" in content  # when their record was created
        assert "NOM1" in content and "12 mars 1990" in content  # the identity of the row
        assert "Écrou n° 1A" in content  # the file's own écrou, in Fresnes
        assert "Aucun (fiche saisie à la main)" in content
        assert "Même personne : rattacher" in content or "Rattacher à cette fiche" in content


def test_a_proposed_link_to_a_person_of_the_managers_prison_shows_their_record(
    client, receive, fresnes, manager_fresnes
):
    own = _typed_in(fresnes, "FR-44551")
    row = held(snapshot(receive, person(1)))
    assert row.detainee_id == own.pk
    client.force_login(manager_fresnes)
    for content in _review_pages(client, row):
        assert "FR-44551" in content
        assert escape(fresnes.name) in content
        assert reverse("person:detail", args=[own.pk]) in content
        assert "Un autre établissement" not in content
        assert "3 mai 2026" in content


def test_a_manager_of_both_prisons_sees_the_other_prisons_record(client, receive, fresnes, lyon):
    other = _typed_in(lyon, "LY-77812")
    row = held(snapshot(receive, person(1)))
    client.force_login(UserFactory(manager=True, establishments=[fresnes, lyon]))
    for content in _review_pages(client, row):
        assert "LY-77812" in content and escape(lyon.name) in content
        assert reverse("person:detail", args=[other.pk]) in content


def test_an_administrator_sees_the_other_prisons_record(client, receive, superuser, lyon, fresnes):
    _typed_in(lyon, "LY-77812")
    row = held(snapshot(receive, person(1)))
    client.force_login(superuser)
    for content in _review_pages(client, row):
        assert "LY-77812" in content and escape(lyon.name) in content


def test_a_conflict_with_another_prisons_person_shows_the_identity_in_question_only(
    client, receive, fresnes, lyon, manager_fresnes
):
    other = DetaineeFactory(
        establishment=lyon,
        national_id="GEN0000001",
        last_name="Nom1",
        first_name="Prénom",
        birth_date=datetime.date(1985, 7, 9),
        ecrou_number="LY-90901",
    )
    row = held(snapshot(receive, person(1)))
    assert (row.event, row.detainee_id) == (RowEvent.CONFLICT, other.pk)
    client.force_login(manager_fresnes)
    content = client.get(reverse("imports:review")).content.decode()
    assert "9 juillet 1985" in content  # the birth date that differs: the question itself
    assert "LY-90901" not in content and "Lyon" not in content
    assert reverse("person:detail", args=[other.pk]) not in content
    assert "Un autre établissement" in content
    # Lyon's record is not Fresnes' to rewrite: the choice is not offered, and refused if asked.
    assert "decision=take_identity" not in content
    with pytest.raises(ValidationError, match="seul un administrateur"):
        review.row_take_identity(row=row, by=manager_fresnes)
    other.refresh_from_db()
    assert (other.last_name, other.birth_date) == ("Nom1", datetime.date(1985, 7, 9))
    row.refresh_from_db()
    assert row.status == RowStatus.HELD and row.decision == ""


def test_an_administrator_may_take_the_identity_of_another_prisons_person(
    receive, fresnes, lyon, superuser
):
    other = DetaineeFactory(
        establishment=lyon,
        national_id="GEN0000001",
        last_name="Nom1",
        first_name="Prénom",
        birth_date=datetime.date(1985, 7, 9),
    )
    review.row_take_identity(row=held(snapshot(receive, person(1))), by=superuser)
    other.refresh_from_db()
    assert other.birth_date == datetime.date(1990, 3, 12)


# --- Query counts ------------------------------------------------------------------------------


def _queue_world(fresnes, count: int) -> None:
    """`count` items of each kind in Fresnes, made directly (the import's own paths are
    tested above)."""
    run = ImportRun.objects.create(
        establishment=fresnes,
        kind=FileKind.SNAPSHOT,
        source=RunSource.COMMAND,
        status=RunStatus.APPLIED,
        filename="presents.csv",
        sha256=f"{count:064d}",
        extracted_at=timezone.now(),
    )
    rows, divergences = [], []
    for number in range(count):
        for event in (RowEvent.LINK, RowEvent.CONFLICT, RowEvent.DEPARTURE):
            detainee = DetaineeFactory(establishment=fresnes)
            rows.append(
                ImportRow(
                    run=run,
                    line=len(rows) + 2,
                    event=event,
                    status=RowStatus.HELD,
                    national_id=f"GEN{len(rows):07d}",
                    detainee=detainee,
                    values={"nom": detainee.last_name, "prenom": "Jean", "dlp": "2027-01-01"}
                    if event != RowEvent.DEPARTURE
                    else {},
                )
            )
        divergences.append(
            Divergence(
                detainee=DetaineeFactory(establishment=fresnes),
                run=run,
                field="dlp",
                source_value="2027-01-01",
                local_value="2027-02-01",
                local_changed_by=f"Agent {number}",
            )
        )
    ImportRow.objects.bulk_create(rows)
    Divergence.objects.bulk_create(divergences)


@pytest.mark.parametrize("count", [2, 30])
def test_the_queue_costs_the_same_whatever_the_items(
    client, manager_fresnes, fresnes, count, django_assert_num_queries
):
    _queue_world(fresnes, count)
    client.force_login(manager_fresnes)
    url = reverse("imports:review")
    client.get(url)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(url)
    assert [entry["count"] for entry in response.context["sections"]] == [count] * 4
    sections = response.context["sections"]
    assert [len(entry["items"]) for entry in sections] == [min(count, PER_PAGE)] * 4


# Session, user, second factor, the user's establishments, then a count and a page for each of
# the four sections.
QUEUE_QUERIES = 12
