"""The interview's models, split by what they hold; import them from here (the migrations do:
`entretiens.models.synthesis_storage`)."""

from entretiens.models.answers import (
    BarrierAssessment,
    Diploma,
    Experience,
    InterviewRow,
    KnowHow,
    Orientation,
    Project,
    SoftSkillRating,
)
from entretiens.models.interview import (
    CONCLUSION_TEXT,
    LONG_TEXT,
    MAX_DURATION,
    MAX_PROJECTS,
    MIN_DURATION,
    SHORT_TEXT,
    Interview,
    InterviewQuerySet,
    InterviewVersion,
    Postponement,
)
from entretiens.models.syntheses import (
    Synthesis,
    SynthesisDelivery,
    SynthesisQuerySet,
    SynthesisWarning,
    synthesis_storage,
)

__all__ = [
    "CONCLUSION_TEXT",
    "LONG_TEXT",
    "MAX_DURATION",
    "MAX_PROJECTS",
    "MIN_DURATION",
    "SHORT_TEXT",
    "BarrierAssessment",
    "Diploma",
    "Experience",
    "Interview",
    "InterviewQuerySet",
    "InterviewRow",
    "InterviewVersion",
    "KnowHow",
    "Orientation",
    "Postponement",
    "Project",
    "SoftSkillRating",
    "Synthesis",
    "SynthesisDelivery",
    "SynthesisQuerySet",
    "SynthesisWarning",
    "synthesis_storage",
]
