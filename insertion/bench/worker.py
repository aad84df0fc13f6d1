"""The Celery worker the harness starts (insertion/bench/harness.py, `Worker`):

    python -m insertion.bench.worker --pool=solo --loglevel=INFO …

It is the project's own worker (`celery -A insertion worker …`, same options), configured by
the environment the harness gives it — DATABASE_URL, REDIS_URL, EMAIL_URL, PRIVATE_MEDIA_ROOT —
plus HARNESS_WORKER_SETTINGS, a JSON object of Django settings to override (the tests' short
timeouts and backoff). A module of its own, because those settings must be in place before the
worker forks its pool.
"""

import json
import os
import signal
import sys
import threading
import time

import django
from django.conf import settings

from insertion.celery import app

# The variable through which the harness passes Django settings to override.
WORKER_SETTINGS_VARIABLE = "HARNESS_WORKER_SETTINGS"


def _stop_when_orphaned(parent: int) -> None:
    """When the process that started this worker dies without stopping it (a test run killed by
    a timeout), a warm shutdown, rather than an orphan taking tasks off the queue for ever."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def main() -> None:
    threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True).start()
    django.setup()
    for name, value in json.loads(os.environ.get(WORKER_SETTINGS_VARIABLE) or "{}").items():
        setattr(settings, name, value)
    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
