"""A person's arrival, transfer, release date change and release: each touches the person's
record, their interview and their release plan, in one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from entretiens.choices import NotDoneReason
from entretiens.owed import (
    interview_close_for_departure,
    interview_owed_for_stay,
    interviews_owed_for_first_stays,
)
from insertion.detainees.models import (
    DepartureReason,
    Detainee,
    Incarceration,
    ReleaseDateChange,
    ReleaseDateChangeReason,
    ReleaseKind,
)
from insertion.detainees.services import release_date_change_check
from insertion.placements.choices import ClosingReason
from insertion.placements.services import requests_close_for_departure
from insertion.release.services import (
    release_plan_close,
    release_plan_create,
    release_plan_follow_date,
)


def _initial_release_date(detainee, new_date: datetime.date | None, *, on_date, by) -> None:
    """The first DLP of a stay, kept in the history as the initial date."""
    if new_date is not None:
        ReleaseDateChange.objects.create(
            detainee=detainee,
            changed_on=on_date,
            previous_date=None,
            new_date=new_date,
            reason=ReleaseDateChangeReason.INITIAL,
            changed_by=by,
        )


@transaction.atomic
def detainee_admit(
    *,
    establishment,
    ecrou_number: str,
    last_name: str,
    first_name: str,
    birth_date: datetime.date,
    sex: str,
    arrival_date: datetime.date,
    legal_status: str,
    offence_category: str,
    expected_release_date: datetime.date | None = None,
    referent=None,
    by=None,
    custody_start: datetime.date | None = None,
    national_id: str | None = None,
    usage_name: str = "",
    source_values: dict | None = None,
) -> Detainee:
    """Record an arrival in prison (a new écrou): the person, their stay and their first DLP.

    `custody_start` is the first écrou when the person came from elsewhere (the arrival date
    otherwise); `national_id` and `source_values` come with an import of the extraction."""
    detainee = Detainee.objects.create(
        establishment=establishment,
        ecrou_number=ecrou_number,
        last_name=last_name,
        usage_name=usage_name,
        first_name=first_name,
        birth_date=birth_date,
        sex=sex,
        legal_status=legal_status,
        offence_category=offence_category,
        custody_start=custody_start or arrival_date,
        arrival_date=arrival_date,
        expected_release_date=expected_release_date,
        referent=referent,
        national_id=national_id or None,
        source_values=source_values or {},
    )
    stay = Incarceration.objects.create(
        detainee=detainee,
        establishment=establishment,
        ecrou_number=ecrou_number,
        arrival_date=arrival_date,
    )
    interview_owed_for_stay(incarceration=stay)
    _initial_release_date(detainee, expected_release_date, on_date=arrival_date, by=by)
    if referent is not None:
        release_plan_create(detainee=detainee, by=by)
    return detainee


@transaction.atomic
def detainees_admit_many(admissions: list[dict]) -> list[Detainee]:
    """`detainee_admit` for many new people at once (the first snapshot of an establishment
    brings hundreds): each dict holds `detainee_admit`'s arguments, the same rules hold (the
    stay, the interview owed after the rollout date, the initial DLP, the plan when a referent
    is named), written with one insert per table for all. All or nothing: when a rule of the
    database refuses one person (an écrou or an identifier already used), IntegrityError is
    raised and nobody is admitted; the caller admits them one by one to tell which.
    Returns the people in the order of `admissions`."""
    people = []
    for admission in admissions:
        arrival_date = admission["arrival_date"]
        person = Detainee(
            establishment=admission["establishment"],
            ecrou_number=admission["ecrou_number"],
            last_name=admission["last_name"],
            usage_name=admission.get("usage_name", ""),
            first_name=admission["first_name"],
            birth_date=admission["birth_date"],
            sex=admission["sex"],
            legal_status=admission["legal_status"],
            offence_category=admission["offence_category"],
            custody_start=admission.get("custody_start") or arrival_date,
            arrival_date=arrival_date,
            expected_release_date=admission.get("expected_release_date"),
            referent=admission.get("referent"),
            national_id=admission.get("national_id") or None,
            source_values=admission.get("source_values") or {},
        )
        # bulk_create does not call save(), which builds the search text.
        person.search_text = Detainee.build_search_text(
            last_name=person.last_name,
            first_name=person.first_name,
            ecrou_number=person.ecrou_number,
        )
        people.append(person)
    Detainee.objects.bulk_create(people)
    stays = Incarceration.objects.bulk_create(
        [
            Incarceration(
                detainee=person,
                establishment=person.establishment,
                ecrou_number=person.ecrou_number,
                arrival_date=person.arrival_date,
            )
            for person in people
        ]
    )
    interviews_owed_for_first_stays(incarcerations=stays)
    ReleaseDateChange.objects.bulk_create(
        [
            ReleaseDateChange(
                detainee=person,
                changed_on=person.arrival_date,
                previous_date=None,
                new_date=person.expected_release_date,
                reason=ReleaseDateChangeReason.INITIAL,
                changed_by=admission.get("by"),
            )
            for person, admission in zip(people, admissions, strict=True)
            if person.expected_release_date is not None
        ]
    )
    for person, admission in zip(people, admissions, strict=True):
        if person.referent_id is not None:
            release_plan_create(detainee=person, by=admission.get("by"))
    return people


@transaction.atomic
def detainee_transfer(
    *, detainee: Detainee, to_establishment, ecrou_number: str, on_date: datetime.date, by=None
) -> Incarceration:
    """Close the current stay and open one in the new establishment; history is kept."""
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    if detainee.is_released:
        raise ValidationError("Cette personne est libérée : elle ne peut pas être transférée.")
    if to_establishment.pk == detainee.establishment_id:
        raise ValidationError("La personne est déjà dans cet établissement.")
    current = detainee.incarcerations.get(departure_date__isnull=True)
    if on_date < current.arrival_date:
        raise ValidationError("La date du transfert précède l'arrivée dans l'établissement actuel.")
    current.departure_date = on_date
    current.departure_reason = DepartureReason.TRANSFER
    current.save(update_fields=["departure_date", "departure_reason"])
    interview_close_for_departure(detainee=detainee, reason=NotDoneReason.TRANSFER, on_date=on_date)
    requests_close_for_departure(
        detainee=detainee, reason=ClosingReason.TRANSFER, on_date=on_date, by=by
    )
    stay = Incarceration.objects.create(
        detainee=detainee,
        establishment=to_establishment,
        ecrou_number=ecrou_number,
        arrival_date=on_date,
    )
    detainee.establishment = to_establishment
    detainee.ecrou_number = ecrou_number
    detainee.arrival_date = on_date
    # The referent CPIP works in the previous establishment's SPIP: a new one will be named.
    detainee.referent = None
    detainee.save()
    interview_owed_for_stay(incarceration=stay)
    return stay


@transaction.atomic
def detainee_readmit(
    *,
    detainee: Detainee,
    establishment,
    ecrou_number: str,
    arrival_date: datetime.date,
    custody_start: datetime.date,
    legal_status: str,
    offence_category: str,
    expected_release_date: datetime.date | None = None,
    by=None,
) -> Incarceration:
    """A person released earlier comes back in prison: a new écrou and a new stay on the same
    record (their history, interviews and past plans are kept). An interview is owed again
    only when they never had one validated (`interview_owed_for_stay`)."""
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    if not detainee.is_released:
        raise ValidationError("Cette personne est déjà détenue.", code="held")
    if arrival_date < detainee.release_date:
        raise ValidationError(
            "La nouvelle arrivée précède la libération enregistrée.", code="arrival_date"
        )
    stay = Incarceration.objects.create(
        detainee=detainee,
        establishment=establishment,
        ecrou_number=ecrou_number,
        arrival_date=arrival_date,
    )
    detainee.establishment = establishment
    detainee.ecrou_number = ecrou_number
    detainee.arrival_date = arrival_date
    detainee.custody_start = custody_start
    detainee.legal_status = legal_status
    detainee.offence_category = offence_category
    detainee.release_date = None
    detainee.release_kind = ""
    detainee.expected_release_date = expected_release_date
    detainee.referent = None
    detainee.save()
    interview_owed_for_stay(incarceration=stay)
    _initial_release_date(detainee, expected_release_date, on_date=arrival_date, by=by)
    return stay


@transaction.atomic
def release_date_change(
    *,
    detainee: Detainee,
    new_date: datetime.date,
    reason: str,
    by=None,
    changed_on: datetime.date | None = None,
) -> ReleaseDateChange:
    """Set a new expected release date (DLP), keeping the previous value and the reason."""
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    release_date_change_check(detainee=detainee, new_date=new_date, reason=reason)
    previous = detainee.expected_release_date
    if previous is None:
        reason = ReleaseDateChangeReason.INITIAL
    change = ReleaseDateChange.objects.create(
        detainee=detainee,
        changed_on=changed_on or timezone.localdate(),
        previous_date=previous,
        new_date=new_date,
        reason=reason,
        changed_by=by,
    )
    detainee.expected_release_date = new_date
    detainee.save(update_fields=["expected_release_date", "updated_at"])
    release_plan_follow_date(change=change)
    return change


@transaction.atomic
def detainee_release(*, detainee: Detainee, on_date: datetime.date, kind: str, by=None) -> Detainee:
    """Record the actual release: dry release or release under an arrangement."""
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    if detainee.is_released:
        raise ValidationError(
            "La libération de cette personne est déjà enregistrée.", code="released"
        )
    if kind not in ReleaseKind.values:
        raise ValidationError("Type de sortie inconnu.", code="kind")
    if on_date < detainee.arrival_date:
        raise ValidationError(
            "La date de libération précède l'arrivée dans l'établissement.", code="on_date"
        )
    detainee.incarcerations.filter(departure_date__isnull=True).update(
        departure_date=on_date, departure_reason=DepartureReason.RELEASE
    )
    interview_close_for_departure(detainee=detainee, reason=NotDoneReason.RELEASE, on_date=on_date)
    requests_close_for_departure(
        detainee=detainee, reason=ClosingReason.RELEASE, on_date=on_date, by=by
    )
    detainee.release_date = on_date
    detainee.release_kind = kind
    detainee.save(update_fields=["release_date", "release_kind", "updated_at"])
    release_plan_close(detainee=detainee, kind=kind, on_date=on_date)
    return detainee
