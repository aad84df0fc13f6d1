"""What the person's life tells the apps above it, without importing them (DESIGN.md §4).

`people_anonymised` is sent inside the retention's transaction, with `detainee_ids`, after the
identities are erased: the imports erase what their runs kept of those people
(insertion/imports/apps.py).
"""

from django.dispatch import Signal

people_anonymised = Signal()
