"""What of an interview may leave it: the one gate for every reader outside the interview.

A person may ask that sections of their interview are not shared (`Interview.withheld_sections`).
Such a section has no effect and leaves no trace outside the interview itself: not in the
synthesis PDF or its email, not on the pages of the other roles, not in the release plan (no
milestone added, none made essential, no note). Every reader of interview content outside the
interview's own pages goes through this module:

- `shared_content(content)`: a frozen version's content as the teams, CPIP and managers read it;
- `shared_barriers(detainee_ids=...)`: the barriers that may shape a release plan;
- `shared_orientations(detainee_ids=...)`: the orientations that may land in it;
- `shared_profiles(detainee_ids=...)`: licences, French, diplomas, experiences' sectors and
  projects, as matching with partner offers reads them (insertion/partners/matching.py);
- `shared_employer_profile(detainee_id=...)`: diplomas, licences, know-how and projects, as the
  profile sent to a partner company shows them (insertion/partners/profile.py), which filters
  them further by what the person agreed to share.

Two readers see everything, on purpose: the interviewer's own pages (the interview itself) and the
subject-access export, made for the person. Anonymous statistics may count withheld answers.
"""

from dataclasses import dataclass

from entretiens.choices import (
    DiplomaLevel,
    DrivingLicence,
    InterviewStatus,
    ProfessionalLicence,
    ProjectKind,
    Section,
)
from entretiens.models import (
    BarrierAssessment,
    Diploma,
    Experience,
    Interview,
    KnowHow,
    Orientation,
    Project,
)

# Barriers at these levels are present: they call for milestones (the others say "none").
PRESENT_LEVELS = ("leger", "important", "bloquant")

# The frise events that belong to a section: hidden with it when the person withholds it.
TIMELINE_SECTIONS = {"scolarite": "scolarite", "formation": "scolarite", "emploi": "professionnel"}


def is_shared(withheld_sections, section: str) -> bool:
    return section not in (withheld_sections or ())


def shared_content(content: dict) -> dict:
    """A version's content without the sections the person keeps private, nor their events on
    the frise. The list of withheld section titles stays: readers must know something is left
    out, not what."""
    withheld = {s["code"] for s in content["sections"] if s["withheld"]}
    return {
        **content,
        "sections": [
            {**s, "items": [], "tables": []} if s["withheld"] else s for s in content["sections"]
        ],
        "timeline": [
            event
            for event in content.get("timeline", [])
            if TIMELINE_SECTIONS.get(event.get("kind")) not in withheld
        ],
    }


def _barrier_rows(detainee_ids):
    """(person, barrier, level, withheld sections) of their validated interviews, oldest first.

    An interview counts once validated (a rectification in progress keeps its version) and
    until it is declared not done."""
    return (
        BarrierAssessment.objects.filter(
            interview__detainee_id__in=detainee_ids,
            interview__version__gte=1,
            level__in=PRESENT_LEVELS,
        )
        .exclude(interview__status=InterviewStatus.NOT_DONE)
        .order_by("interview__validated_at", "interview_id", "pk")
        .values_list("interview__detainee_id", "category", "level", "interview__withheld_sections")
        .iterator(chunk_size=5000)  # the national data set reads a few hundred thousand rows
    )


def shared_barriers(*, detainee_ids) -> dict[int, dict[str, str]]:
    """{person: {barrier: level}} from the validated interviews whose person shares the
    "Freins" section; for a barrier assessed twice, the latest interview wins. One query."""
    barriers: dict[int, dict[str, str]] = {}
    for detainee_id, category, level, withheld in _barrier_rows(detainee_ids):
        if is_shared(withheld, Section.BARRIERS):
            barriers.setdefault(detainee_id, {})[category] = level
    return barriers


def withheld_barrier_categories(*, detainee_ids) -> dict[int, set[str]]:
    """{person: barriers assessed in an interview whose "Freins" section is withheld}: what a
    plan must not show. Read by the repair of plans made before this gate existed."""
    withheld_by_person: dict[int, set[str]] = {}
    for detainee_id, category, _level, withheld in _barrier_rows(detainee_ids):
        if not is_shared(withheld, Section.BARRIERS):
            withheld_by_person.setdefault(detainee_id, set()).add(category)
    return withheld_by_person


def shared_orientations(*, detainee_ids) -> dict[int, dict[str, str]]:
    """{person: {orientation: priority}} from the validated interviews whose person shares the
    « Préconisations » section; for an orientation given twice, the latest interview wins. An
    interview counts as for the barriers (`_barrier_rows`). One query."""
    rows = (
        Orientation.objects.filter(
            interview__detainee_id__in=detainee_ids, interview__version__gte=1
        )
        .exclude(interview__status=InterviewStatus.NOT_DONE)
        .order_by("interview__validated_at", "interview_id", "pk")
        .values_list("interview__detainee_id", "kind", "priority", "interview__withheld_sections")
    )
    orientations: dict[int, dict[str, str]] = {}
    for detainee_id, kind, priority, withheld in rows:
        if is_shared(withheld, Section.RECOMMENDATIONS):
            orientations.setdefault(detainee_id, {})[kind] = priority
    return orientations


@dataclass(slots=True)
class SharedProfile:
    """What a reader outside the interview may know of a person's skills and projects, from their
    latest validated interview: an answer of a withheld section reads as None (unknown), an
    answer of a shared section as a value (an empty list when nothing was said).

    Licences and French are asked in « Parcours scolaire et formation », with the diplomas."""

    licences: set[str] | None = None
    french: dict[str, str] | None = None  # {"reading"|"writing"|"speaking": Proficiency}
    diploma_levels: list[str] | None = None
    experience_sectors: set[str] | None = None
    projects: list[tuple[str, str]] | None = None  # (kind, target)


def _answers(by_interview: dict[int, SharedProfile], interview_id: int, answer: str):
    """The list or set of a latest interview's profile for `answer`; None for an older interview
    or a withheld section."""
    profile = by_interview.get(interview_id)
    return getattr(profile, answer) if profile is not None else None


def shared_profiles(*, detainee_ids) -> dict[int, SharedProfile]:
    """{person: SharedProfile} from each person's latest validated interview (version ≥ 1, not
    declared not done). `detainee_ids` is a list or a subquery of ids. Four queries whatever the
    number of people."""
    interviews = (
        Interview.objects.filter(detainee_id__in=detainee_ids, version__gte=1)
        .exclude(status=InterviewStatus.NOT_DONE)
        .order_by("validated_at", "pk")
        .values_list(
            "pk",
            "detainee_id",
            "withheld_sections",
            "driving_licences",
            "professional_licences",
            "french_reading",
            "french_writing",
            "french_speaking",
        )
    )
    latest = {}
    for row in interviews:  # oldest first: the latest one wins
        latest[row[1]] = row
    by_interview: dict[int, SharedProfile] = {}
    result: dict[int, SharedProfile] = {}
    for (
        pk,
        detainee_id,
        withheld,
        driving,
        professional,
        reading,
        writing,
        speaking,
    ) in latest.values():
        profile = SharedProfile()
        if is_shared(withheld, Section.EDUCATION):
            profile.licences = set(driving or ()) | set(professional or ())
            profile.french = {"reading": reading, "writing": writing, "speaking": speaking}
            profile.diploma_levels = []
        if is_shared(withheld, Section.WORK):
            profile.experience_sectors = set()
        if is_shared(withheld, Section.PROJECTS):
            profile.projects = []
        by_interview[pk] = profile
        result[detainee_id] = profile
    if not by_interview:
        return result
    # The rows of every interview read above, by a subquery (a list of thousands of ids costs
    # more to build than to run); the rows of an older interview are skipped below.
    ids = interviews.values("pk")
    for interview_id, level in (
        Diploma.objects.filter(interview_id__in=ids)
        .order_by("pk")
        .values_list("interview_id", "level")
    ):
        levels = _answers(by_interview, interview_id, "diploma_levels")
        if levels is not None and level:
            levels.append(level)
    for interview_id, sector in (
        Experience.objects.filter(interview_id__in=ids)
        .exclude(sector="")
        .order_by("pk")
        .values_list("interview_id", "sector")
    ):
        sectors = _answers(by_interview, interview_id, "experience_sectors")
        if sectors is not None:
            sectors.add(sector)
    for interview_id, kind, target in (
        Project.objects.filter(interview_id__in=ids)
        .order_by("pk")
        .values_list("interview_id", "kind", "target")
    ):
        projects = _answers(by_interview, interview_id, "projects")
        if projects is not None:
            projects.append((kind, target))
    return result


# « Permis suspendu » says something of the person's record, not a licence held: it never goes
# to an employer.
EMPLOYER_DRIVING_LICENCES = {
    value: label for value, label in DrivingLicence.choices if value != DrivingLicence.SUSPENDED
}


@dataclass
class EmployerAnswers:
    """What of the latest validated interview may go into a profile for an employer, as French
    texts: None for an answer of a withheld section (it is not even read), a list otherwise
    (empty when nothing was said). Nothing else of the interview is read: not the experiences'
    details, the barriers, the French, the conclusion nor the points of attention."""

    diplomas: list[tuple[str, str]] | None = None  # (title, level label)
    licences: list[str] | None = None
    know_how: list[str] | None = None
    projects: list[tuple[str, str]] | None = None  # (kind label, target)


def shared_employer_profile(*, detainee_id: int) -> EmployerAnswers:
    """The person's latest validated interview (version ≥ 1, not declared not done) as
    `EmployerAnswers`; every answer None without such an interview. Four queries at most.

    Diplomas and licences are asked in « Parcours scolaire et formation », know-how in
    « Compétences mobilisables », projects in « Projets envisageables ». The other licences,
    typed by the interviewer (« Autres permis ou habilitations »), go as typed."""
    interview = (
        Interview.objects.filter(detainee_id=detainee_id, version__gte=1)
        .exclude(status=InterviewStatus.NOT_DONE)
        .order_by("-validated_at", "-pk")
        .values(
            "pk",
            "withheld_sections",
            "driving_licences",
            "professional_licences",
            "other_licences",
        )
        .first()
    )
    answers = EmployerAnswers()
    if interview is None:
        return answers
    withheld = interview["withheld_sections"]
    pk = interview["pk"]
    if is_shared(withheld, Section.EDUCATION):
        levels = dict(DiplomaLevel.choices)
        answers.diplomas = [
            (title.strip(), levels.get(level, "") if level != DiplomaLevel.UNKNOWN else "")
            for title, level in Diploma.objects.filter(interview_id=pk)
            .order_by("pk")
            .values_list("title", "level")
            if title.strip() or (level and level != DiplomaLevel.UNKNOWN)
        ]
        professional = dict(ProfessionalLicence.choices)
        answers.licences = [
            *(
                EMPLOYER_DRIVING_LICENCES[code]
                for code in interview["driving_licences"] or ()
                if code in EMPLOYER_DRIVING_LICENCES
            ),
            *(
                professional[code]
                for code in interview["professional_licences"] or ()
                if code in professional
            ),
        ]
        other = (interview["other_licences"] or "").strip()
        if other:
            answers.licences.append(other)
    if is_shared(withheld, Section.SKILLS):
        answers.know_how = [
            label.strip()
            for label in KnowHow.objects.filter(interview_id=pk)
            .order_by("pk")
            .values_list("label", flat=True)
            if label.strip()
        ]
    if is_shared(withheld, Section.PROJECTS):
        kinds = dict(ProjectKind.choices)
        answers.projects = [
            (kinds.get(kind, ""), target.strip())
            for kind, target in Project.objects.filter(interview_id=pk)
            .order_by("pk")
            .values_list("kind", "target")
            if kind or target.strip()
        ]
    return answers
