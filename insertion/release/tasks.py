"""Celery tasks of release preparation: thin adapters around the services."""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from insertion.release.models import ReleaseAlert


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def send_release_alert(self, alert_id: int) -> None:
    """Email the referent that a release date came earlier (once: the row records it)."""
    with transaction.atomic():
        alert = (
            ReleaseAlert.objects.select_for_update(of=("self",))
            .select_related("detainee__establishment", "referent", "change")
            .filter(pk=alert_id, emailed_at__isnull=True, referent__isnull=False)
            .first()
        )
        if alert is None:
            return
        context = {"alert": alert, "detainee": alert.detainee, "change": alert.change}
        base = "release/emails/release_date_earlier"
        subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{base}.txt", context),
            to=[alert.referent.email],
        )
        message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
        try:
            message.send()
        except OSError as error:  # SMTP down: try again later, the row stays unsent
            if self.request.is_eager:
                return
            raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
        alert.emailed_at = timezone.now()
        alert.save(update_fields=["emailed_at"])
