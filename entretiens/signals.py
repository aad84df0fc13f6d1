"""What the interviews tell the apps above them, without importing them (DESIGN.md §4).

`interview_validated` is sent inside the validation's transaction, after the version and its
synthesis exist: a receiver that raises rolls the validation back. The release plan listens to
it (insertion/release/apps.py) to add or flag the milestones the barriers call for.
"""

from django.dispatch import Signal

# Sent with `interview` (validated, its new version saved) and `by` (the interviewer).
interview_validated = Signal()
