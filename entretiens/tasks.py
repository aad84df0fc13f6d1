"""Celery tasks of the syntheses: thin adapters that load by primary key and call a service.

(Being written: rendering, delivery with retries, the sweep and the deadline watch.)
"""

from celery import shared_task


@shared_task
def render_synthesis(synthesis_id: int) -> None:
    """Render the PDF of a synthesis, then enqueue its deliveries."""
