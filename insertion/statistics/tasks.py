"""Celery tasks of the steering statistics: thin adapters around snapshot.py."""

from celery import shared_task

from insertion.statistics.snapshot import refresh


@shared_task(acks_late=True, ignore_result=True)
def refresh_statistics() -> dict:
    """Nightly (beat): compute again the last 18 full months and the current one, for every
    establishment."""
    run = refresh()
    return {
        "mois": f"{run.first_month:%m/%Y}–{run.last_month:%m/%Y}",
        "établissements": run.establishment_count,
        "lignes": run.rows,
    }
