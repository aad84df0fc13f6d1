"""Writes on detainees: named service functions, keyword-only, one transaction each."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from insertion.detainees.models import (
    ArrangementStatus,
    Contact,
    ContactKind,
    Detainee,
    ReleaseDateChangeReason,
    SentenceArrangement,
)


def release_date_change_check(*, detainee: Detainee, new_date: datetime.date, reason: str) -> None:
    """The rules of a DLP change, raised as ValidationError with a code (the admin form maps
    `reason_missing` to its reason field, the others to the date field)."""
    if detainee.is_released:
        raise ValidationError(
            "Cette personne est libérée : sa DLP ne change plus.", code="released"
        )
    if new_date == detainee.expected_release_date:
        raise ValidationError("La nouvelle DLP est identique à la DLP actuelle.", code="same_date")
    if new_date < detainee.custody_start:
        raise ValidationError(
            "La DLP ne peut pas précéder la date d'écrou initial.", code="before_custody"
        )
    # A first DLP is recorded as the initial date whatever the reason given.
    if detainee.expected_release_date is not None and reason in (
        "",
        ReleaseDateChangeReason.INITIAL,
    ):
        raise ValidationError("Indiquez le motif du changement de DLP.", code="reason_missing")


CONTACT_SUBJECT_MAX = 200


@transaction.atomic
def contact_record(
    *, detainee: Detainee, on_date: datetime.date, kind: str, subject: str, by
) -> Contact:
    """A dated contact of the CPIP with the person (entretien, courrier, téléphone, visio)."""
    subject = " ".join(subject.split())
    if kind not in ContactKind.values:
        raise ValidationError("Type de contact inconnu.", code="kind")
    if not subject:
        raise ValidationError("Indiquez l'objet du contact.", code="subject")
    if len(subject) > CONTACT_SUBJECT_MAX:
        raise ValidationError(
            f"L'objet tient en {CONTACT_SUBJECT_MAX} caractères au plus.", code="subject"
        )
    if on_date > timezone.localdate():
        raise ValidationError("La date du contact ne peut pas être dans le futur.", code="on_date")
    if on_date < detainee.custody_start:
        raise ValidationError("La date du contact précède l'incarcération.", code="on_date")
    return Contact.objects.create(
        detainee=detainee, on_date=on_date, kind=kind, subject=subject, by=by
    )


@transaction.atomic
def arrangement_record(
    *,
    detainee: Detainee,
    kind: str,
    status: str,
    requested_on: datetime.date,
    decided_on: datetime.date | None = None,
    start_date: datetime.date | None = None,
    revoked_on: datetime.date | None = None,
) -> SentenceArrangement:
    """A sentence arrangement as the prison information system knows it: the request of that
    kind still awaiting a decision, or decided on the same request date, is updated; otherwise a
    new request is recorded. A decision needs its date; a revocation too."""
    if status != ArrangementStatus.REQUESTED and decided_on is None:
        raise ValidationError("La date de décision manque.", code="decided_on")
    if decided_on is not None and decided_on < requested_on:
        raise ValidationError("La décision précède la demande.", code="decided_on")
    if status == ArrangementStatus.REVOKED and revoked_on is None:
        revoked_on = decided_on
    arrangement = (
        detainee.arrangements.select_for_update()
        .filter(kind=kind, requested_on=requested_on)
        .order_by("-pk")
        .first()
    ) or (
        detainee.arrangements.select_for_update()
        .filter(kind=kind, status=ArrangementStatus.REQUESTED)
        .order_by("-requested_on", "-pk")
        .first()
    )
    if arrangement is None:
        arrangement = SentenceArrangement(detainee=detainee, kind=kind)
    arrangement.status = status
    arrangement.requested_on = min(requested_on, arrangement.requested_on or requested_on)
    arrangement.decided_on = decided_on
    arrangement.start_date = start_date
    arrangement.revoked_on = revoked_on if status == ArrangementStatus.REVOKED else None
    arrangement.save()
    return arrangement
