"""What the person's plan does when a request of theirs changes (insertion/placements/signals.py).

An allocation to a work post or a vocational training moves the plan's milestone of that kind
(« Travail en détention », « Formation professionnelle en détention », added when the plan lacks
it) to « en cours », with a note saying which offer and from when; the end of the allocation
marks it « fait ». Nothing happens without an open plan (no referent yet, or released).
"""

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
