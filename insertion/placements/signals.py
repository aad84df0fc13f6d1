"""What the requests tell the apps above them, without importing them (DESIGN.md §4).

`request_changed` is sent inside the transaction of each change of a request's state written to
its history (services._event), with `request`, `from_status` and `by`: the person's plan follows
the allocations to work and training (insertion/person/receivers.py).
"""

from django.dispatch import Signal

request_changed = Signal()
