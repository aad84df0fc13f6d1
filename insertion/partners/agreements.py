"""The person's agreement that their profile goes to a partner company (issue 16): recorded and
withdrawn by their CPIP or a manager of their establishment (views: agreement_views.py).

Rules
- Nothing about a person leaves for a company without an active agreement for that company,
  for the offer concerned or for any of its offers (`Agreement.objects.active().covering`).
- An agreement says what may go: know-how, diplomas, licences, projects, the availability window
  (a month range, never the exact date) and, only if the person accepts it, the establishment's
  name (`SharedItem`; by default everything but the establishment's name). The first name always
  goes. At least one item is shared.
- An agreement is recorded for a person still held, for an active company tied to the person's
  establishment, and for an offer of that company (or none: any offer). One active agreement
  per person, company and offer (or « any offer »): a second one is refused.
- The date the person agreed is given by the staff: not in the future.
- Withdrawal, at any time: the agreement lets nothing more go; the transmissions of the
  agreement still waiting to be sent are cancelled in the same transaction, and a transmission
  claimed later finds it withdrawn and sends nothing (transmissions.py). An email already
  handed to the mail server cannot be called back. The referrals still under way of the
  agreement are closed « abandonné par la personne », their history kept (referrals.py). The
  views log both writes (`Action.AGREEMENT_RECORD`, `Action.AGREEMENT_WITHDRAW`).
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from insertion.detainees.models import Detainee
from insertion.partners.choices import SharedItem, TransmissionStatus
from insertion.partners.models import SHORT_TEXT, Agreement, Company, Offer, ProfileTransmission
from insertion.partners.referrals import referrals_close_for_withdrawal

ALREADY_RECORDED = (
    "Un accord est déjà enregistré pour cette entreprise et cette offre : retirez-le avant d'en "
    "enregistrer un autre."
)


@transaction.atomic
def agreement_record(
    *,
    detainee: Detainee,
    company: Company,
    offer: Offer | None = None,
    shares: Iterable[str],
    agreed_on: datetime.date,
    by,
) -> Agreement:
    """Record the person's agreement (module docstring); ValidationError in French otherwise."""
    # The person's row serialises two recordings of the same agreement.
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    if detainee.is_released:
        raise ValidationError(
            "La personne est libérée : son accord ne peut plus être enregistré ici.",
            code="detainee",
        )
    company = Company.objects.get(pk=company.pk)
    if not company.active:
        raise ValidationError("Cette entreprise est désactivée.", code="company")
    if not company.establishments.filter(pk=detainee.establishment_id).exists():
        raise ValidationError(
            "Cette entreprise n'est pas partenaire de l'établissement de la personne.",
            code="company",
        )
    if offer is not None and offer.company_id != company.pk:
        raise ValidationError("Cette offre n'est pas une offre de l'entreprise.", code="offer")
    shares = [item for item in SharedItem.values if item in set(shares)]
    if not shares:
        raise ValidationError(
            "Choisissez au moins un élément que la personne accepte de partager.", code="shares"
        )
    if agreed_on > timezone.localdate():
        raise ValidationError(
            "La date de l'accord ne peut pas être dans le futur.", code="agreed_on"
        )
    if Agreement.objects.active().filter(detainee=detainee, company=company, offer=offer).exists():
        raise ValidationError(ALREADY_RECORDED, code="offer")
    agreement = Agreement(
        detainee=detainee,
        company=company,
        offer=offer,
        shares=shares,
        agreed_on=agreed_on,
        recorded_by=by,
    )
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def agreement_withdraw(*, agreement: Agreement, by, note: str = "") -> tuple[Agreement, int]:
    """Withdraw an agreement and cancel its transmissions still to send; returns the agreement
    and how many were cancelled. Refused for an agreement already withdrawn."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not agreement.is_active:
        raise ValidationError("Cet accord est déjà retiré.", code="withdrawn")
    now = timezone.now()
    agreement.withdrawn_at = now
    agreement.withdrawn_by = by
    agreement.withdrawal_note = note.strip()[:SHORT_TEXT]
    agreement.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
    cancelled = ProfileTransmission.objects.filter(
        agreement=agreement, status=TransmissionStatus.PENDING
    ).update(status=TransmissionStatus.CANCELLED, cancelled_at=now, next_attempt_at=None)
    referrals_close_for_withdrawal(agreement=agreement, by=by)
    return agreement, cancelled
