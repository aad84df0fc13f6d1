import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from insertion.detainees.models import Detainee, Incarceration, ReleaseDateChange
from insertion.person.services import (
    detainee_admit,
    detainee_release,
    detainee_transfer,
    release_date_change,
)
from tests.factories import DetaineeFactory, SentenceArrangementFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _admit(establishment, **overrides):
    fields = dict(
        establishment=establishment,
        ecrou_number="25A0001",
        last_name="Dubœuf",
        first_name="Zoé",
        birth_date=D(1995, 2, 1),
        sex="F",
        arrival_date=D(2026, 1, 10),
        legal_status="prevenu",
        offence_category="delit",
        expected_release_date=D(2026, 12, 1),
    )
    fields.update(overrides)
    return detainee_admit(**fields)


def test_admission_records_the_stay_and_the_initial_release_date(fresnes, cpip_fresnes):
    person = _admit(fresnes, by=cpip_fresnes)
    stay = person.incarcerations.get()
    assert (stay.establishment, stay.ecrou_number, stay.departure_date) == (
        fresnes,
        "25A0001",
        None,
    )
    initial = person.release_date_changes.get()
    assert (initial.previous_date, initial.new_date, initial.reason) == (
        None,
        D(2026, 12, 1),
        "initial",
    )
    assert person.search_text == "duboeuf zoe 25a0001"


def test_transfer_keeps_the_history_and_moves_the_person(fresnes, lyon, cpip_fresnes):
    person = _admit(fresnes, referent=cpip_fresnes)
    detainee_transfer(
        detainee=person, to_establishment=lyon, ecrou_number="L-77", on_date=D(2026, 3, 1)
    )
    person.refresh_from_db()
    assert (person.establishment, person.ecrou_number, person.arrival_date) == (
        lyon,
        "L-77",
        D(2026, 3, 1),
    )
    assert person.custody_start == D(2026, 1, 10)
    assert person.referent is None
    stays = list(person.incarcerations.order_by("arrival_date"))
    assert [(s.establishment, s.departure_date, s.departure_reason) for s in stays] == [
        (fresnes, D(2026, 3, 1), "transfert"),
        (lyon, None, ""),
    ]


def test_transfer_to_the_same_establishment_is_refused(fresnes):
    person = _admit(fresnes)
    with pytest.raises(ValidationError, match="déjà dans cet établissement"):
        detainee_transfer(
            detainee=person, to_establishment=fresnes, ecrou_number="X", on_date=D(2026, 3, 1)
        )


def test_release_date_change_keeps_previous_value_and_reason(fresnes, cpip_fresnes):
    person = _admit(fresnes)
    change = release_date_change(
        detainee=person,
        new_date=D(2026, 10, 1),
        reason="reduction",
        by=cpip_fresnes,
        changed_on=D(2026, 5, 1),
    )
    person.refresh_from_db()
    assert person.expected_release_date == D(2026, 10, 1)
    assert (change.previous_date, change.shift_days, change.changed_by) == (
        D(2026, 12, 1),
        -61,
        cpip_fresnes,
    )
    assert person.release_date_changes.count() == 2


def test_release_date_change_refuses_same_date_and_missing_reason(fresnes):
    person = _admit(fresnes)
    with pytest.raises(ValidationError, match="identique"):
        release_date_change(detainee=person, new_date=D(2026, 12, 1), reason="reduction")
    with pytest.raises(ValidationError, match="motif"):
        release_date_change(detainee=person, new_date=D(2026, 11, 1), reason="initial")
    assert ReleaseDateChange.objects.filter(detainee=person).count() == 1


def test_release_closes_the_stay_and_records_the_kind(fresnes):
    person = _admit(fresnes)
    detainee_release(detainee=person, on_date=D(2026, 11, 2), kind="sortie_seche")
    person.refresh_from_db()
    assert (person.release_date, person.get_release_kind_display()) == (
        D(2026, 11, 2),
        "Sortie sèche (fin de peine sans aménagement)",
    )
    assert person.incarcerations.get().departure_reason == "liberation"
    with pytest.raises(ValidationError):
        detainee_release(detainee=person, on_date=D(2026, 11, 3), kind="sortie_seche")
    with pytest.raises(ValidationError):
        release_date_change(detainee=person, new_date=D(2027, 1, 1), reason="reduction")


# --- Constraints that live in the database -----------------------------------------------


def _violates(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        DetaineeFactory(**fields)


def test_ecrou_is_unique_within_an_establishment_only(fresnes, lyon):
    DetaineeFactory(establishment=fresnes, ecrou_number="100")
    DetaineeFactory(establishment=lyon, ecrou_number="100")
    _violates(establishment=fresnes, ecrou_number="100")


def test_database_refuses_dates_out_of_order(fresnes):
    _violates(establishment=fresnes, birth_date=D(2030, 1, 1))
    _violates(establishment=fresnes, arrival_date=D(2026, 1, 1), custody_start=D(2026, 2, 1))
    _violates(
        establishment=fresnes,
        arrival_date=D(2026, 1, 1),
        custody_start=D(2026, 1, 1),
        expected_release_date=D(2025, 1, 1),
    )
    _violates(
        establishment=fresnes,
        arrival_date=D(2026, 1, 1),
        custody_start=D(2026, 1, 1),
        release_date=D(2025, 12, 1),
        release_kind="sortie_seche",
    )


def test_database_refuses_a_release_date_without_its_kind(fresnes):
    _violates(establishment=fresnes, release_date=D(2026, 11, 1), release_kind="")


def test_database_refuses_two_open_stays_for_one_person(fresnes, lyon):
    person = DetaineeFactory(establishment=fresnes)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incarceration.objects.create(
            detainee=person, establishment=lyon, ecrou_number="9", arrival_date=D(2026, 1, 1)
        )


def test_database_refuses_an_arrangement_decided_before_its_request(fresnes):
    with pytest.raises(IntegrityError), transaction.atomic():
        SentenceArrangementFactory(
            status="granted", requested_on=D(2026, 5, 1), decided_on=D(2026, 4, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SentenceArrangementFactory(status="granted", decided_on=None)


# --- Scoping ------------------------------------------------------------------------------


def test_visible_to_scopes_every_personal_model(
    cpip_fresnes, cpip_lyon, national_user, superuser, detainee_fresnes, detainee_lyon
):
    SentenceArrangementFactory(detainee=detainee_fresnes)
    from insertion.detainees.models import SentenceArrangement

    for model in (Detainee, Incarceration, ReleaseDateChange, SentenceArrangement):
        owner = "detainee" if model is not Detainee else "pk"
        visible = model.objects.visible_to(cpip_fresnes)
        assert visible.exists(), model
        if model is Detainee:
            assert set(visible) == {detainee_fresnes}
        else:
            assert set(visible.values_list(owner, flat=True)) == {detainee_fresnes.pk}
        assert not model.objects.visible_to(national_user).exists(), model
        assert model.objects.visible_to(superuser).count() >= visible.count()
    assert set(Detainee.objects.visible_to(cpip_lyon)) == {detainee_lyon}
