"""Every answer of an interview as French label/value pairs, section by section.

The same structure feeds the "Vérifier et valider" page, the read-only page of a validated
interview and, frozen in InterviewVersion.content, the synthesis PDF. It is plain JSON data:
texts stay texts (templates escape them), dates are already written in French.
"""

import datetime
import functools

from django.utils import timezone
from django.utils.formats import date_format

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    Confidence,
    Contract,
    DigitalSkills,
    DiplomaLevel,
    DrivingLicence,
    EducationLevel,
    Horizon,
    Maturity,
    OrientationKind,
    Priority,
    ProfessionalLicence,
    Proficiency,
    ProjectKind,
    Section,
    Sector,
    SoftSkill,
    Tool,
    WorkHistory,
)
from entretiens.timeline import TimelineEvent, events_to_data
from insertion.core.frise import month_names

EMPTY = "Non renseigné"


def french_date(value: datetime.date | None) -> str:
    return date_format(value, "j F Y") if value else EMPTY


@functools.cache
def _names(choices) -> dict[str, str]:
    # Django rebuilds `choices` from the enum at each access; a summary reads fifty of them.
    return dict(choices.choices)


def _label(choices, value: str) -> str:
    return _names(choices).get(value, EMPTY) if value else EMPTY


def _labels(choices, values: list) -> str:
    names = _names(choices)
    return ", ".join(names[v] for v in values if v in names) or "Aucun"


def _text(value) -> str:
    return str(value).strip() if value not in (None, "") else EMPTY


def month_year(month: int | None, year: int | None) -> str:
    if not year:
        return "?"
    return f"{month_names()[month - 1]} {year}" if month and 1 <= month <= 12 else str(year)


def _item(label: str, value) -> dict:
    return {"label": label, "value": value}


def _table(caption: str, headers: list[str], rows: list[list[str]], empty: str) -> dict:
    return {"caption": caption, "headers": headers, "rows": rows, "empty": empty}


def interview_timeline_events(interview) -> list[TimelineEvent]:
    """The frise chronologique: schooling, diplomas, jobs and stays in prison on one axis."""
    today = timezone.localdate()
    now = (today.year, today.month)
    events = []
    birth = interview.detainee.birth_date
    if interview.schooling_end_age:
        start = (birth.year + 6, 9)
        end = (birth.year + interview.schooling_end_age, 6)
        if end >= start:
            events.append(TimelineEvent("scolarite", "Scolarité", start, min(end, now)))
    for diploma in interview.diplomas.all():
        if diploma.year:
            label = diploma.title or _label(DiplomaLevel, diploma.level)
            events.append(TimelineEvent("formation", label, (diploma.year, 6)))
    for job in interview.experiences.all():
        if not job.start_year:
            continue
        start = (job.start_year, job.start_month or 1)
        ongoing = not job.end_year
        end = now if ongoing else (job.end_year, job.end_month or 12)
        label = job.job_title or "Emploi"
        if job.contract:
            label += f" — {_label(Contract, job.contract)}"
        events.append(TimelineEvent("emploi", label, start, max(end, start), ongoing=ongoing))
    for stay in interview.detainee.incarcerations.all():
        start = (stay.arrival_date.year, stay.arrival_date.month)
        ongoing = stay.departure_date is None
        departure = stay.departure_date or today
        events.append(
            TimelineEvent(
                "incarceration",
                stay.establishment.name,
                start,
                (departure.year, departure.month),
                ongoing=ongoing,
            )
        )
    return events


def interview_summary(interview) -> dict:
    """The answers as sections of label/value items and tables (see the module docstring)."""
    detainee = interview.detainee
    withheld = set(interview.withheld_sections or [])
    tools = _labels(Tool, interview.tools)
    if Tool.OTHER in (interview.tools or []) and interview.other_tool:
        tools += f" ({interview.other_tool})"

    conduct = [
        _item("Date de l'entretien", french_date(interview.conducted_on)),
        _item(
            "Durée",
            f"{interview.duration_minutes} minutes" if interview.duration_minutes else EMPTY,
        ),
        _item("Lieu", _text(interview.place)),
        _item("Outils utilisés", tools),
        _item("Interprète", interview.interpreter_language or "Sans interprète"),
        _item(
            "Information sur la transmission de la synthèse",
            "La personne a été informée" if interview.informed_of_sharing else "Non indiquée",
        ),
        _item(
            "Sections que la personne ne souhaite pas partager",
            ", ".join(label for value, label in Section.choices if value in withheld) or "Aucune",
        ),
    ]

    education = [
        _item("Niveau de diplôme le plus élevé", _label(EducationLevel, interview.education_level)),
        _item(
            "Âge à la fin de la scolarité",
            f"{interview.schooling_end_age} ans" if interview.schooling_end_age else EMPTY,
        ),
        _item("Français : lecture", _label(Proficiency, interview.french_reading)),
        _item("Français : écriture", _label(Proficiency, interview.french_writing)),
        _item("Français : oral", _label(Proficiency, interview.french_speaking)),
        _item("Langues parlées", _text(interview.languages)),
        _item("Compétences numériques", _label(DigitalSkills, interview.digital_skills)),
        _item("Permis de conduire", _labels(DrivingLicence, interview.driving_licences)),
        _item("Habilitations", _labels(ProfessionalLicence, interview.professional_licences)),
        _item("Autres permis ou habilitations", _text(interview.other_licences)),
    ]
    diplomas = _table(
        "Diplômes et certifications",
        ["Intitulé", "Niveau", "Année"],
        [
            [_text(d.title), _label(DiplomaLevel, d.level), _text(d.year)]
            for d in interview.diplomas.all()
        ],
        "Aucun diplôme ni certification indiqué.",
    )

    work = [
        _item("A déjà travaillé", _label(WorkHistory, interview.work_history)),
        _item("Dernière activité avant l'incarcération", _text(interview.last_activity)),
    ]
    experiences = _table(
        "Expériences professionnelles",
        ["Poste", "Secteur", "Période", "Contrat", "Précisions"],
        [
            [
                _text(e.job_title),
                _label(Sector, e.sector),
                f"{month_year(e.start_month, e.start_year)} – "
                + (month_year(e.end_month, e.end_year) if e.end_year else "en cours"),
                _label(Contract, e.contract),
                e.details.strip(),
            ]
            for e in interview.experiences.all()
        ],
        "Aucune expérience indiquée.",
    )

    ratings = {r.skill: r.confidence for r in interview.soft_skills.all()}
    skills = [_item("Centres d'intérêt", _text(interview.interests))]
    know_how = _table(
        "Savoir-faire",
        ["Savoir-faire"],
        [[k.label] for k in interview.know_hows.all() if k.label],
        "Aucun savoir-faire indiqué.",
    )
    soft_skills = _table(
        "Savoir-être et confiance de la personne",
        ["Savoir-être", "Confiance"],
        [
            [label, _label(Confidence, ratings[value])]
            for value, label in _names(SoftSkill).items()
            if value in ratings
        ],
        "Aucun savoir-être évalué.",
    )

    projects = _table(
        "Projets envisageables",
        ["Type", "Métier ou domaine", "Échéance", "Maturité", "Prochaines étapes"],
        [
            [
                _label(ProjectKind, p.kind),
                _text(p.target),
                _label(Horizon, p.horizon),
                _label(Maturity, p.maturity),
                p.next_steps.strip(),
            ]
            for p in interview.projects.all()
        ],
        "Aucun projet indiqué.",
    )

    assessed = {b.category: b for b in interview.barriers.all()}
    barriers = _table(
        "Freins",
        ["Frein", "Niveau", "Précisions"],
        [
            [
                label,
                _label(BarrierLevel, assessed[value].level) if value in assessed else EMPTY,
                assessed[value].details.strip() if value in assessed else "",
            ]
            for value, label in _names(BarrierCategory).items()
        ],
        "",
    )

    chosen = {o.kind: o for o in interview.orientations.all()}
    priority_rank = {value: rank for rank, value in enumerate(Priority.values)}
    orientations = _table(
        "Orientations préconisées",
        ["Orientation", "Priorité", "Précisions"],
        [
            [label, _label(Priority, chosen[value].priority), chosen[value].details.strip()]
            for value, label in sorted(
                OrientationKind.choices,
                key=lambda c: priority_rank.get(chosen[c[0]].priority, 9) if c[0] in chosen else 9,
            )
            if value in chosen
        ],
        "Aucune orientation préconisée.",
    )
    recommendations = [
        _item("Points de vigilance pour les équipes", _text(interview.points_of_attention)),
        _item("Conclusion de l'intervieweur", _text(interview.conclusion)),
    ]

    def section(code, items, tables=()):
        return {
            "code": code,
            "title": Section(code).label,
            "withheld": code in withheld,
            "items": items,
            "tables": list(tables),
        }

    return {
        "person": {
            "name": detainee.full_name,
            "ecrou_number": interview.incarceration.ecrou_number,
            "establishment": interview.establishment.name,
            "arrival_date": french_date(interview.arrival_date),
        },
        "interviewer": interview.interviewer.get_full_name() if interview.interviewer else "",
        "sections": [
            section(Section.CONDUCT, conduct),
            section(Section.EDUCATION, education, [diplomas]),
            section(Section.WORK, work, [experiences]),
            section(Section.SKILLS, skills, [know_how, soft_skills]),
            section(Section.PROJECTS, [], [projects]),
            section(Section.BARRIERS, [], [barriers]),
            section(Section.RECOMMENDATIONS, recommendations, [orientations]),
        ],
        "timeline": events_to_data(interview_timeline_events(interview)),
    }
