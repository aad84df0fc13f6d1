"""Writes on detainees: named service functions, keyword-only, one transaction each."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from insertion.detainees.models import (
    Contact,
    ContactKind,
    Detainee,
    ReleaseDateChangeReason,
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
