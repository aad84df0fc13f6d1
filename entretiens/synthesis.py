"""The synthesis of a validated interview version, and the emails it owes (the outbox).

`synthesis_create` runs inside the validation's transaction: the synthesis and one delivery row
per recipient exist as soon as the interview is validated, or not at all. The rendering task is
enqueued after commit; the periodic sweep re-enqueues whatever is owed and not done.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from entretiens import tasks
from entretiens.choices import SynthesisStatus
from entretiens.models import InterviewVersion, Synthesis, SynthesisDelivery


def synthesis_due_date(validated_on: datetime.date) -> datetime.date:
    return validated_on + datetime.timedelta(days=settings.SYNTHESIS_DUE_DAYS)


def synthesis_create(*, version: InterviewVersion) -> Synthesis:
    interview = version.interview
    previous = (
        Synthesis.objects.filter(interview=interview, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    synthesis = Synthesis.objects.create(
        interview=interview,
        version=version,
        establishment_id=interview.establishment_id,
        number=version.number,
        replaces=previous,
        due_date=synthesis_due_date(timezone.localtime(version.validated_at).date()),
    )
    recipients = interview.establishment.synthesis_recipients.filter(active=True).order_by("email")
    SynthesisDelivery.objects.bulk_create(
        SynthesisDelivery(synthesis=synthesis, email=r.email, label=r.get_role_display())
        for r in recipients
    )
    tasks.render_synthesis.delay_on_commit(synthesis.pk)
    return synthesis


def synthesis_recipient_catch_up(*, recipient) -> int:
    """A recipient added (or reactivated) while syntheses of its establishment are still owed
    receives them too: one delivery row per synthesis not yet delivered (pending or rendered),
    enqueued after commit when the PDF exists. Syntheses already delivered are not sent again.
    Returns the number of delivery rows created."""
    if not recipient.active:
        return 0
    owed = (
        Synthesis.objects.filter(
            establishment_id=recipient.establishment_id,
            status__in=[SynthesisStatus.PENDING, SynthesisStatus.RENDERED],
        )
        .exclude(deliveries__email=recipient.email)
        .order_by("pk")
    )
    created = []
    with transaction.atomic():
        for synthesis in owed.select_for_update(of=("self",)):
            created.append(
                (
                    synthesis.status,
                    SynthesisDelivery.objects.create(
                        synthesis=synthesis,
                        email=recipient.email,
                        label=recipient.get_role_display(),
                    ).pk,
                )
            )
        # A pending one is enqueued by its rendering, once its PDF exists.
        tasks.enqueue_deliveries(
            [pk for status, pk in created if status == SynthesisStatus.RENDERED]
        )
    return len(created)
