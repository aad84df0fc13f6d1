"""What the person's plan does when a request of theirs changes (insertion/placements/signals.py),
or when a partner company retains or hires them (insertion/partners/signals.py).

An allocation to a work post or a vocational training moves the plan's milestone of that kind
(« Travail en détention », « Formation professionnelle en détention », added when the plan lacks
it) to « en cours », with a note saying which offer and from when; the end of the allocation
marks it « fait ». Nothing happens without an open plan (no referent yet, or released).

A referral to a partner offer that reaches « retenu » (a promise) or « embauché / entré en
formation » moves the plan's milestone of the offer (added when the plan lacks it):
- at release, a training → « Formation à la sortie »: « en cours » at the promise, « fait » at the
  entry; any other offer (job, work-study contract, immersion) → « Promesse d'embauche ou projet
  d'emploi »: « fait » at the promise (it is what the milestone asks for), and at the hiring;
- in detention, a training → « Formation professionnelle en détention », any other offer →
  « Travail en détention »: « en cours » at the promise and at the start (its end belongs to the
  CPIP, as for the requests).
A milestone only moves forward: one already done, or set aside (« sans objet ») by the CPIP, only
gets the note saying which offer, which company and from when. For an offer at release, the
plan's « Demande d'aménagement de peine déposée » milestone, when the plan has it and has not
set it aside, gets a note that a promise of employment (or of training) exists: it supports
the request before the judge. The sentence arrangements themselves (detainees.SentenceArrangement)
mirror the prison information system and are left alone.
"""

from insertion.partners.choices import OfferKind as PartnerOfferKind
from insertion.partners.choices import OfferSetting
from insertion.partners.signals import OUTCOME_HIRED, OUTCOME_PROMISE
from insertion.placements.choices import OfferKind, RequestStatus
from insertion.release.models import MilestoneStatus, ReleasePlan
from insertion.release.services import milestone_add_note, milestone_of_kind, milestone_set_status

REQUEST_MILESTONES = {
    OfferKind.WORK: "travail-detention",
    OfferKind.TRAINING: "formation-detention",
}


def plan_follows_request(sender, *, request, from_status, by, **kwargs) -> None:
    code = REQUEST_MILESTONES.get(request.offer_kind)
    if code is None or from_status == request.status:
        return
    if request.status not in (RequestStatus.ALLOCATED, RequestStatus.DONE):
        return
    plan = ReleasePlan.objects.filter(detainee_id=request.detainee_id).first()
    if plan is None or not plan.is_open:
        return
    milestone = milestone_of_kind(plan=plan, code=code, by=by)
    if milestone is None:
        return
    offer = request.offer
    if request.status == RequestStatus.ALLOCATED:
        milestone = milestone_set_status(
            milestone=milestone, status=MilestoneStatus.IN_PROGRESS, by=by
        )
        text = f"Affectation : « {offer.title} » à partir du {request.start_date:%d/%m/%Y}"
    else:
        milestone = milestone_set_status(
            milestone=milestone, status=MilestoneStatus.DONE, by=by, today=request.ended_on
        )
        text = f"« {offer.title} » terminé le {request.ended_on:%d/%m/%Y}"
    milestone_add_note(milestone=milestone, text=f"{text} ({offer.service}).", by=by)


ARRANGEMENT_MILESTONE = "demande-amenagement"
# Where a milestone stands, to move it forward only; « sans objet » is the CPIP's choice: kept.
_PROGRESS = {
    MilestoneStatus.TO_DO: 0,
    MilestoneStatus.BLOCKED: 0,
    MilestoneStatus.IN_PROGRESS: 1,
    MilestoneStatus.DONE: 2,
}


def referral_milestone(*, offer_kind: str, offer_setting: str, outcome: str) -> tuple[str, str]:
    """The plan's milestone (referential code) that a referral's outcome moves, and the status
    it moves to (module docstring)."""
    training = offer_kind == PartnerOfferKind.TRAINING
    if offer_setting == OfferSetting.INSIDE:
        code = "formation-detention" if training else "travail-detention"
        return code, MilestoneStatus.IN_PROGRESS
    if training:
        done = outcome == OUTCOME_HIRED
        return "formation-sortie", MilestoneStatus.DONE if done else MilestoneStatus.IN_PROGRESS
    return "projet-emploi", MilestoneStatus.DONE


def _outcome_text(*, outcome, training, offer_title, company_name, on) -> str:
    offer = f"« {offer_title} » ({company_name})"
    if outcome == OUTCOME_PROMISE:
        what = "Place promise en formation" if training else "Promesse d'embauche"
        return f"{what} : {offer}, retenu le {on:%d/%m/%Y}"
    what = "Entrée en formation" if training else "Embauche"
    return f"{what} : {offer}, le {on:%d/%m/%Y}"


def plan_follows_referral(
    sender,
    *,
    detainee,
    outcome,
    on,
    offer_title,
    company_name,
    offer_kind,
    offer_setting,
    by,
    **kwargs,
) -> None:
    if outcome not in (OUTCOME_PROMISE, OUTCOME_HIRED):
        return
    plan = ReleasePlan.objects.filter(detainee_id=detainee.pk).first()
    if plan is None or not plan.is_open:
        return
    code, status = referral_milestone(
        offer_kind=offer_kind, offer_setting=offer_setting, outcome=outcome
    )
    training = offer_kind == PartnerOfferKind.TRAINING
    text = _outcome_text(
        outcome=outcome,
        training=training,
        offer_title=offer_title,
        company_name=company_name,
        on=on,
    )
    milestone = milestone_of_kind(plan=plan, code=code, by=by)
    if milestone is not None:
        current = _PROGRESS.get(milestone.status)
        if current is not None and _PROGRESS[status] > current:
            milestone = milestone_set_status(milestone=milestone, status=status, by=by, today=on)
        milestone_add_note(milestone=milestone, text=f"{text}.", by=by)
    if offer_setting != OfferSetting.AT_RELEASE:
        return
    arrangement = (
        plan.milestones.filter(kind__code=ARRANGEMENT_MILESTONE)
        .exclude(status=MilestoneStatus.NOT_APPLICABLE)
        .first()
    )
    if arrangement is not None:
        milestone_add_note(
            milestone=arrangement,
            text=f"{text} : à faire valoir pour la demande d'aménagement de peine.",
            by=by,
        )
