from celery import shared_task
from django.conf import settings

from insertion.audit.models import AccessLog


@shared_task(acks_late=True, ignore_result=True)
def purge_access_log() -> int:
    """Daily (beat): the access log keeps ACCESS_LOG_RETENTION_DAYS days."""
    return AccessLog.objects.purge_older_than(days=settings.ACCESS_LOG_RETENTION_DAYS)
