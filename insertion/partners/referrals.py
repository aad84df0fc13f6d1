"""A person's referral to a partner offer and its outcome (« orientation », issue 16): recorded
step by step by the staff (views: referral_views.py), each step dated, with a short note.

Rules
- A referral is recorded for a person still held, for an active offer of an active company,
  when the person has an active agreement covering the offer
  (`transmissions.covering_agreement`: for that offer, or for any offer of its company), usually
  after their profile was sent, or directly. Its first step is « proposé ». One referral still
  under way (proposé, entretien prévu, retenu) per person and offer: a second one is refused;
  once the first is closed, a new one may be recorded.
- The steps allowed are `REFERRAL_TRANSITIONS`, and only those:
      proposé         → entretien prévu, retenu, non retenu, abandonné
      entretien prévu → retenu, non retenu, abandonné
      retenu          → embauché / entré en formation, abandonné
  « non retenu », « embauché / entré en formation » and « abandonné » (by the person or by the
  company) close the referral: no step follows them.
- A step's date is never in the future, never before the previous step's, and the first
  never before the person's agreement was given.
- The note is a few words (SHORT_TEXT characters at most): the help text says that nothing
  about the offence, the sentence or health goes there.
- The person's release does not stop the steps: the outcome (hired at the release, say) is
  what the referral is for; only a new referral needs the person held.
- Withdrawing the agreement (agreements.agreement_withdraw) erases nothing: in the same
  transaction, the referrals still under way of that agreement take a last step « abandonné par
  la personne », dated the day of the withdrawal, with the note « Accord retiré ». Going on
  with the company would mean speaking of the person without their agreement; the history
  stays, and no step follows.
- When a referral reaches « retenu » (a promise) or « embauché / entré en formation », the
  signal `signals.referral_outcome` is sent inside the transaction: the person's release plan
  follows it (insertion/person/receivers.py).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from insertion.detainees.models import Detainee
from insertion.partners.choices import OPEN_REFERRAL_STATUSES, ReferralStatus
from insertion.partners.models import SHORT_TEXT, Agreement, Offer, Referral, ReferralEvent
from insertion.partners.signals import OUTCOME_HIRED, OUTCOME_PROMISE, referral_outcome
from insertion.partners.transmissions import covering_agreement

_ABANDONED = (ReferralStatus.ABANDONED_BY_PERSON, ReferralStatus.ABANDONED_BY_COMPANY)
REFERRAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReferralStatus.PROPOSED: (
        ReferralStatus.INTERVIEW,
        ReferralStatus.RETAINED,
        ReferralStatus.NOT_RETAINED,
        *_ABANDONED,
    ),
    ReferralStatus.INTERVIEW: (
        ReferralStatus.RETAINED,
        ReferralStatus.NOT_RETAINED,
        *_ABANDONED,
    ),
    ReferralStatus.RETAINED: (ReferralStatus.HIRED, *_ABANDONED),
    ReferralStatus.NOT_RETAINED: (),
    ReferralStatus.HIRED: (),
    ReferralStatus.ABANDONED_BY_PERSON: (),
    ReferralStatus.ABANDONED_BY_COMPANY: (),
}
OUTCOMES = {ReferralStatus.RETAINED: OUTCOME_PROMISE, ReferralStatus.HIRED: OUTCOME_HIRED}
WITHDRAWAL_NOTE = "Accord retiré"
ALREADY_OPEN = "Une orientation est déjà en cours pour cette personne et cette offre."


def next_statuses(status: str) -> tuple[str, ...]:
    """The steps that may follow `status` (module docstring)."""
    return REFERRAL_TRANSITIONS.get(status, ())


def _clean_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > SHORT_TEXT:
        raise ValidationError(f"La note tient en {SHORT_TEXT} caractères au plus.", code="note")
    return note


def _check_date(on: datetime.date, *, not_before: datetime.date | None, what: str) -> None:
    if on > timezone.localdate():
        raise ValidationError("La date de l'étape ne peut pas être dans le futur.", code="on")
    if not_before is not None and on < not_before:
        raise ValidationError(
            f"La date de l'étape ne peut pas précéder {what} ({not_before:%d/%m/%Y}).", code="on"
        )


@transaction.atomic
def referral_create(
    *, detainee: Detainee, offer: Offer, on: datetime.date, by, note: str = ""
) -> Referral:
    """Put the person forward for the offer (« proposé », dated `on`); ValidationError in
    French when it may not be recorded (module docstring)."""
    # The person's row serialises two recordings of the same referral.
    detainee = Detainee.objects.select_for_update().get(pk=detainee.pk)
    if detainee.is_released:
        raise ValidationError(
            "La personne est libérée : une nouvelle orientation ne peut plus être enregistrée.",
            code="detainee",
        )
    agreement = covering_agreement(detainee_id=detainee.pk, offer=offer)
    if agreement is None:
        raise ValidationError(
            "Accord de la personne requis : aucun accord en cours ne couvre cette offre.",
            code="agreement",
        )
    offer = Offer.objects.select_related("company").get(pk=offer.pk)
    if not (offer.active and offer.company.active):
        raise ValidationError(
            "Cette offre n'est plus active : aucune orientation ne peut y être enregistrée.",
            code="offer",
        )
    note = _clean_note(note)
    _check_date(on, not_before=agreement.agreed_on, what="l'accord de la personne")
    if Referral.objects.open().filter(detainee=detainee, offer=offer).exists():
        raise ValidationError(ALREADY_OPEN, code="offer")
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                agreement=agreement,
                offer=offer,
                detainee=detainee,
                status=ReferralStatus.PROPOSED,
                created_by=by,
            )
    except IntegrityError as error:  # the constraint, should the lock above be bypassed
        raise ValidationError(ALREADY_OPEN, code="offer") from error
    ReferralEvent.objects.create(
        referral=referral, status=ReferralStatus.PROPOSED, on=on, note=note, recorded_by=by
    )
    return referral


def _last_step_on(referral: Referral) -> datetime.date | None:
    return (
        ReferralEvent.objects.filter(referral=referral)
        .order_by("-on", "-recorded_at", "-pk")
        .values_list("on", flat=True)
        .first()
    )


def _step(referral: Referral, *, status: str, on: datetime.date, note: str, by) -> ReferralEvent:
    referral.status = status
    referral.save(update_fields=["status", "updated_at"])
    return ReferralEvent.objects.create(
        referral=referral, status=status, on=on, note=note, recorded_by=by
    )


@transaction.atomic
def referral_advance(
    *, referral: Referral, status: str, on: datetime.date, by, note: str = ""
) -> Referral:
    """Record the next step of a referral: only an allowed one (`REFERRAL_TRANSITIONS`), dated
    neither in the future nor before the previous step. Reaching « retenu » or « embauché /
    entré en formation » sends `referral_outcome`."""
    referral = (
        Referral.objects.select_for_update()
        .select_related("agreement", "offer__company", "detainee")
        .get(pk=referral.pk)
    )
    if status not in ReferralStatus.values:
        raise ValidationError("Étape inconnue.", code="status")
    if not referral.is_open:
        raise ValidationError(
            f"Cette orientation est close (« {referral.get_status_display()} ») : "
            "aucune étape ne peut plus être enregistrée.",
            code="status",
        )
    if status not in next_statuses(referral.status):
        raise ValidationError(
            f"« {ReferralStatus(status).label} » ne peut pas suivre "
            f"« {referral.get_status_display()} ».",
            code="status",
        )
    if not referral.agreement.is_active and status not in _ABANDONED:
        # Closed with the withdrawal (agreements.py); kept here should a row have escaped it.
        raise ValidationError(
            "L'accord de la personne a été retiré : l'orientation ne peut que s'arrêter.",
            code="agreement",
        )
    note = _clean_note(note)
    _check_date(on, not_before=_last_step_on(referral), what="l'étape précédente")
    event = _step(referral, status=status, on=on, note=note, by=by)
    outcome = OUTCOMES.get(status)
    if outcome is not None:
        offer = referral.offer
        referral_outcome.send(
            sender=Referral,
            referral=referral,
            detainee=referral.detainee,
            outcome=outcome,
            on=event.on,
            offer_title=offer.title,
            company_name=offer.company.name,
            offer_kind=offer.kind,
            offer_setting=offer.setting,
            by=by,
        )
    return referral


def referrals_close_for_withdrawal(*, agreement: Agreement, by) -> int:
    """The referrals under way of a withdrawn agreement take their last step, « abandonné par la
    personne » (module docstring); called inside the withdrawal's transaction. Returns how many."""
    today = timezone.localdate()
    closed = 0
    for referral in (
        Referral.objects.select_for_update()
        .filter(agreement=agreement, status__in=OPEN_REFERRAL_STATUSES)
        .order_by("pk")
    ):
        # A step dated later than today (clock skew between sessions) keeps its own date.
        on = max(today, _last_step_on(referral) or today)
        _step(
            referral,
            status=ReferralStatus.ABANDONED_BY_PERSON,
            on=on,
            note=WITHDRAWAL_NOTE,
            by=by,
        )
        closed += 1
    return closed
