from celery import shared_task

from insertion.person.retention import retention_purge


@shared_task(acks_late=True, ignore_result=True)
def purge_retention() -> dict:
    """Weekly (beat): anonymise the people past their retention period."""
    return dict(retention_purge(wet_run=True))
