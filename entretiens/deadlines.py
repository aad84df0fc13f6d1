"""The deadline watch of the syntheses: every hour, the interviewer and the establishment's
managers are told of the syntheses due within 24 hours, overdue, or whose rendering or emails
failed — once per day per synthesis (a SynthesisWarning row per synthesis and day)."""

import datetime
from collections import defaultdict

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models import Synthesis, SynthesisDelivery, SynthesisWarning
from insertion.accounts.models import Role, User
from insertion.core.emails import email_message


def syntheses_to_watch(today: datetime.date):
    """Not delivered and due by tomorrow (or past), or with a failure to act on."""
    tomorrow = today + datetime.timedelta(days=1)
    failed_delivery = SynthesisDelivery.objects.filter(
        synthesis=OuterRef("pk"), status=DeliveryStatus.FAILED
    )
    return (
        Synthesis.objects.undelivered()
        .filter(
            Q(due_date__lte=tomorrow) | Q(status=SynthesisStatus.FAILED) | Exists(failed_delivery)
        )
        .select_related(
            "interview__detainee",
            "interview__incarceration",
            "interview__interviewer",
            "establishment",
        )
        .prefetch_related("deliveries")
        .order_by("due_date", "pk")
    )


def _warning_kind(synthesis: Synthesis, today: datetime.date) -> str:
    if synthesis.due_date < today:
        return "en_retard"
    if synthesis.due_date <= today + datetime.timedelta(days=1):
        return "bientot"
    return "echec"


def watch_deadlines(*, today: datetime.date | None = None) -> int:
    """Email the interviewer and the establishment's managers the syntheses due within 24 hours,
    overdue or failed, once per day per synthesis. Returns the number of emails sent."""
    today = today or timezone.localdate()
    warned = []
    for synthesis in syntheses_to_watch(today):
        try:
            with transaction.atomic():
                SynthesisWarning.objects.create(
                    synthesis=synthesis, day=today, kind=_warning_kind(synthesis, today)
                )
        except IntegrityError:  # already warned today
            continue
        warned.append(synthesis)
    if not warned:
        return 0

    managers = defaultdict(list)
    for user in (
        User.objects.filter(
            role=Role.MANAGER,
            is_active=True,
            establishments__in={s.establishment_id for s in warned},
        )
        .values_list("email", "first_name", "last_name", "establishments")
        .order_by("email")
    ):
        managers[user[3]].append(user[:3])
    by_person: dict[str, dict] = {}
    for synthesis in warned:
        people = list(managers[synthesis.establishment_id])
        interviewer = synthesis.interview.interviewer
        if interviewer is not None and interviewer.is_active:
            people.append((interviewer.email, interviewer.first_name, interviewer.last_name))
        for email, first_name, last_name in people:
            entry = by_person.setdefault(
                email, {"first_name": first_name, "last_name": last_name, "syntheses": []}
            )
            if synthesis not in entry["syntheses"]:
                entry["syntheses"].append(synthesis)

    sent = 0
    try:
        with get_connection() as connection:
            for email, entry in sorted(by_person.items()):
                context = {
                    "first_name": entry["first_name"],
                    "today": today,
                    "items": [_watch_item(s, today) for s in entry["syntheses"]],
                }
                email_message(
                    "entretiens/emails/deadline_watch", context, to=[email], connection=connection
                ).send()
                sent += 1
    except Exception:
        # Not warned after all: the next hourly run tries again (the day's marks are removed).
        SynthesisWarning.objects.filter(synthesis__in=warned, day=today).delete()
        raise
    return sent


def _watch_item(synthesis: Synthesis, today: datetime.date) -> dict:
    detainee = synthesis.interview.detainee
    deliveries = sorted(synthesis.deliveries.all(), key=lambda d: d.email)
    return {
        "name": f"{detainee.last_name.upper()} {detainee.first_name}",
        "ecrou": synthesis.interview.incarceration.ecrou_number,
        "establishment": synthesis.establishment.name,
        "number": synthesis.number,
        "due_date": synthesis.due_date,
        "overdue": synthesis.due_date < today,
        "status": synthesis.get_status_display(),
        "failed": [d for d in deliveries if d.status == DeliveryStatus.FAILED],
        "no_recipient": not deliveries,
        "render_error": synthesis.last_error if synthesis.status == SynthesisStatus.FAILED else "",
    }
