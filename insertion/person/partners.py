"""The person page's « Entreprises partenaires » (issue 16): the partner offers that fit the
person (`partners.matching.offers_for_person`, the sharing gate's answers only), the person's
agreements that their profile goes to a company — recorded and withdrawn by their CPIP or a
manager (insertion/partners/agreement_views.py) — the profiles sent, and the referrals to the
offers with their dated steps (insertion/partners/referrals.py), each step recorded by the CPIP or
a manager (« Enregistrer une étape », insertion/partners/referral_views.py).

Read by the plan readers (CPIP, managers). A constant number of queries whatever the number of
offers, agreements, transmissions and referrals: the person, their interview's answers (one
query without a validated interview, four with one), the offers, the agreements, the
transmissions, the referrals and their steps (two).
"""

import datetime

from django.db.models import Case, IntegerField, Value, When

from insertion.accounts.policy import AGREEMENT_KEEPERS, REFERRAL_KEEPERS
from insertion.partners.choices import TransmissionStatus
from insertion.partners.matching import offers_for_person
from insertion.partners.models import Agreement, ProfileTransmission, Referral

# The profiles sent shown on the page, newest first; the referrals, those under way first.
TRANSMISSIONS_SHOWN = 50
REFERRALS_SHOWN = 50
TRANSMISSION_BADGES = {
    TransmissionStatus.PENDING: "fr-badge--new",
    TransmissionStatus.SENDING: "fr-badge--info",
    TransmissionStatus.SENT: "fr-badge--success",
    TransmissionStatus.FAILED: "fr-badge--error",
    TransmissionStatus.CANCELLED: "fr-badge--no-icon",
}


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
    referrals = list(
        Referral.objects.visible_to(user).filter(detainee=detainee).with_history()[:REFERRALS_SHOWN]
    )
    under_way = {r.offer_id for r in referrals if r.is_open}
    for match in offer_matches:
        match.agreement = next((a for a in agreements if a.covers(match.offer)), None)
        match.may_refer = (
            keeps_agreements and match.agreement is not None and match.offer.pk not in under_way
        )
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
        "partner_referrals": referrals,
        # Steps go on after the release (the outcome is what a referral is for).
        "keeps_referrals": user.role in REFERRAL_KEEPERS,
    }
