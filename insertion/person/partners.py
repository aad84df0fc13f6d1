"""The person page's « Entreprises partenaires » (issue 16): the partner offers that fit the
person (`partners.matching.offers_for_person`, the sharing gate's answers only), the person's
agreements that their profile goes to a company — recorded and withdrawn by their CPIP or a
manager (insertion/partners/agreement_views.py) — and the profiles sent.

Read by the plan readers (CPIP, managers). A constant number of queries whatever the number of
offers, agreements and transmissions: the person, their interview's answers (one query without
a validated interview, four with one), the offers, the agreements, the transmissions.
"""

import datetime

from django.db.models import Case, IntegerField, Value, When

from insertion.accounts.policy import AGREEMENT_KEEPERS
from insertion.partners.choices import TransmissionStatus
from insertion.partners.matching import offers_for_person
from insertion.partners.models import Agreement, ProfileTransmission

# The profiles sent shown on the page, newest first.
TRANSMISSIONS_SHOWN = 50
TRANSMISSION_BADGES = {
    TransmissionStatus.PENDING: "fr-badge--new",
    TransmissionStatus.SENDING: "fr-badge--info",
    TransmissionStatus.SENT: "fr-badge--success",
    TransmissionStatus.FAILED: "fr-badge--error",
    TransmissionStatus.CANCELLED: "fr-badge--no-icon",
}


def _covers(agreement: Agreement, offer) -> bool:
    """The Python reading of `AgreementQuerySet.active().covering(offer)`."""
    return (
        agreement.is_active
        and agreement.company_id == offer.company_id
        and agreement.offer_id in (None, offer.pk)
    )


def partners_context(*, user, detainee, today: datetime.date) -> dict:
    keeps_agreements = user.role in AGREEMENT_KEEPERS and not detainee.is_released
    active_first = Case(
        When(withdrawn_at__isnull=True, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    agreements = list(
        Agreement.objects.visible_to(user)
        .filter(detainee=detainee)
        .select_related("company", "offer", "recorded_by", "withdrawn_by")
        .order_by(active_first, "-recorded_at", "-pk")
    )
    offer_matches = offers_for_person(detainee, user=user, today=today)
    for match in offer_matches:
        match.agreement = next((a for a in agreements if _covers(a, match.offer)), None)
    transmissions = list(
        ProfileTransmission.objects.visible_to(user)
        .filter(agreement__detainee=detainee)
        .select_related("offer__company", "sent_by")
        .order_by("-created_at", "-pk")[:TRANSMISSIONS_SHOWN]
    )
    for transmission in transmissions:
        transmission.badge_class = TRANSMISSION_BADGES.get(transmission.status, "")
    return {
        "partner_offers": offer_matches,
        "partner_agreements": agreements,
        "partner_transmissions": transmissions,
        "keeps_agreements": keeps_agreements,
    }
