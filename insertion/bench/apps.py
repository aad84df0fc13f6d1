from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark command and its harnesses (a Celery worker, an SMTP server on loopback)."""

    name = "insertion.bench"
    label = "bench"
    verbose_name = "Banc de mesure"
