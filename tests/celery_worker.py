"""A real Celery worker for the delivery tests, run as a subprocess (pytest-celery needs Docker).

    python -m tests.celery_worker

It is the project's own worker (`celery -A insertion worker --pool=solo`), configured by the
environment the test gives it: DATABASE_URL (the pytest-django test database), REDIS_URL (a Redis
database of its own), EMAIL_URL (the test's SMTP server on loopback), and DELIVERY_TEST_SETTINGS,
a JSON object of Django settings to override (short timeouts and backoff for the tests).
"""

import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insertion.settings")
    import django

    django.setup()
    from django.conf import settings

    for name, value in json.loads(os.environ.get("DELIVERY_TEST_SETTINGS", "{}")).items():
        setattr(settings, name, value)

    from insertion.celery import app

    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=delivery-test-{os.getpid()}@%h",
        ]
    )


if __name__ == "__main__":
    main()
