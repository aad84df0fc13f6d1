"""Which people a partner offer fits, and which offers fit a person (issue 16).

Read by the partnerships officers: the people of the establishments they reach, still held.

Who is considered
- An offer inside the prison (`setting=detention`): the people of its establishment.
- An offer at release: the people of every establishment the user reaches whose expected release
  date (DLP) falls between today and the offer's closing date plus 6 months, or within 12 months
  of today when the offer has no closing date. A person without a DLP, or whose DLP is already
  past, is outside the window.

What is read of a person: the latest validated interview (version ≥ 1, not declared not done),
through the sharing gate (`entretiens.sharing.shared_profiles`). A section the person withheld is
never used: its requirements count as unknown (the person is not excluded on them) and no reason
nor point is drawn from it. Where each answer lives in the interview:
- « Parcours scolaire et formation » (`scolarite`): driving and professional licences, French
  (reading, writing, speaking), diplomas;
- « Parcours professionnel » (`professionnel`): the experiences and their sector;
- « Projets envisageables » (`projets`): the projects (kind and target).
A person without a validated interview has every requirement unknown.

Hard filters (the person is left out)
- a driving or professional licence the offer asks for and the person does not hold;
- the French the offer asks for not mastered (« non maîtrisé »: oral for `oral`, reading for
  `lecture`, reading or writing for `ecrit`); « difficultés » and no answer do not exclude;
- for an offer at release, a release outside the window above.

Score (points, each with its reason as a short French phrase)
- a project of the kind the offer is for (emploi, alternance, PMSMP → an employment project;
  formation → a qualifying training project; concession → a prison work project): +3 when its
  target names the offer's trade (the words rule below) or says none, +1 for another trade
  (« projet : emploi, vente en magasin » for a kitchen job: a wish to work, not this work);
  the best such project counts: « projet : emploi, boulangerie »;
- +2 the offer's sector: an experience in that sector (« expérience : hôtellerie, restauration »)
  or a word of the offer's sector or title found in a project's target, accents and case aside,
  two words of at least 6 letters sharing their first 6 counting as one (« cuisine »,
  « cuisinier »): « métier visé : cuisinier »;
- +2 a diploma at or above the level the offer asks for (« diplôme : niveau 4 »; a
  certification is met by any certification or any level);
- +1 every licence the offer asks for is known to be held (« permis B », « CACES »);
- +1 for an offer at release, the person's establishment in the offer's département, or an offer
  open everywhere (« département 94 », « partout en France »);
- +2 for an offer at release, a release within 6 months of today (« sortie dans 4 mois »).

Ranked by score (highest first), then nearest release, then person. A constant number of queries
whatever the number of people: the people, their latest interviews, and one query for each kind
of answer rows (diplomas, experiences, projects), read as values.
"""

import datetime
import functools
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from entretiens.choices import (
    DiplomaLevel,
    DrivingLicence,
    ProfessionalLicence,
    Proficiency,
    ProjectKind,
)
from entretiens.sharing import SharedProfile, shared_profiles
from insertion.core.text import normalize_search
from insertion.detainees.models import Detainee
from insertion.partners.choices import FrenchRequirement, OfferKind, OfferSetting
from insertion.partners.models import Offer

# An offer at release considers people released up to this long after it closes…
AFTER_CLOSING = relativedelta(months=6)
# …or, with no closing date, within this long from today.
WITHOUT_CLOSING = relativedelta(months=12)
SOON = relativedelta(months=6)

POINTS_PROJECT = 3
POINTS_PROJECT_OTHER_TRADE = 1
POINTS_SECTOR = 2
POINTS_DIPLOMA = 2
POINTS_LICENCES = 1
POINTS_DEPARTMENT = 1
POINTS_RELEASE_SOON = 2

PROJECT_FOR_OFFER = {
    OfferKind.JOB: ProjectKind.EMPLOYMENT,
    OfferKind.WORK_STUDY: ProjectKind.EMPLOYMENT,
    OfferKind.IMMERSION: ProjectKind.EMPLOYMENT,
    OfferKind.TRAINING: ProjectKind.QUALIFYING_TRAINING,
    OfferKind.PRISON_WORK: ProjectKind.PRISON_WORK,
}
PROJECT_LABELS = {value: label.lower() for value, label in ProjectKind.choices}
NUMBERED_LEVELS = {f"niveau_{n}": n for n in range(3, 9)}
# Words of sector labels and titles too common to say anything about a trade.
COMMON_WORDS = frozenset(
    {"autre", "autres", "services", "entreprises", "personne", "travaux", "agent", "emploi"}
)
MIN_WORD = 4
# Two words name the same trade when equal or sharing their first letters (« cuisine »,
# « cuisinier »; « boulanger », « boulangerie »).
SAME_STEM = 6
LICENCE_LABELS = {**dict(DrivingLicence.choices), **dict(ProfessionalLicence.choices)}
LICENCE_LABELS[ProfessionalLicence.SST] = "SST"


def _licence_reason(code: str) -> str:
    """« permis B », « CACES », « habilitation électrique »: lower case unless an acronym."""
    label = LICENCE_LABELS.get(code, code)
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


@dataclass(slots=True)
class Person:
    pk: int
    first_name: str
    last_name: str
    establishment_id: int
    establishment_name: str
    department: str
    expected_release_date: datetime.date | None

    @property
    def display_name(self) -> str:
        """First name and initial of the last name: all the page needs to name someone."""
        initial = self.last_name[:1].upper()
        return f"{self.first_name} {initial}." if initial else self.first_name


@dataclass(slots=True)
class Match:
    person: Person
    score: int
    reasons: list[str] = field(default_factory=list)
    agreed: bool = False  # set by the page: an active agreement covers the offer


@dataclass
class OfferMatch:  # a few per person; the person page adds its agreement to each
    offer: Offer
    score: int
    reasons: list[str] = field(default_factory=list)


def release_window(offer: Offer, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The expected release dates an offer at release considers, both ends included."""
    if offer.closes_on:
        return today, offer.closes_on + AFTER_CLOSING
    return today, today + WITHOUT_CLOSING


def months_until(day: datetime.date, today: datetime.date) -> int:
    return (day.year - today.year) * 12 + day.month - today.month


@functools.lru_cache(maxsize=4096)  # the same targets come back person after person
def _words(text: str) -> frozenset[str]:
    cleaned = "".join(c if c.isalnum() else " " for c in normalize_search(text))
    return frozenset(w for w in cleaned.split() if len(w) >= MIN_WORD and w not in COMMON_WORDS)


def offer_words(offer: Offer) -> frozenset[str]:
    return _words(offer.get_sector_display()) | _words(offer.title)


def _same_trade(offer_words: frozenset[str], text: str) -> bool:
    return any(
        word == other
        or (word[:SAME_STEM] == other[:SAME_STEM] and min(len(word), len(other)) >= SAME_STEM)
        for word in offer_words
        for other in _words(text)
    )


def _level_meets(level: str, required: str) -> bool:
    if required == DiplomaLevel.CERTIFICATE:
        return level == DiplomaLevel.CERTIFICATE or level in NUMBERED_LEVELS
    return NUMBERED_LEVELS.get(level, 0) >= NUMBERED_LEVELS[required]


def _french_excludes(requirement: str, french: dict[str, str] | None) -> bool:
    if not requirement or french is None:
        return False
    needed = {
        FrenchRequirement.ORAL: ("speaking",),
        FrenchRequirement.READING: ("reading",),
        FrenchRequirement.READING_WRITING: ("reading", "writing"),
    }[requirement]
    return any(french.get(skill) == Proficiency.NOT_MASTERED for skill in needed)


@dataclass(frozen=True)
class Terms:
    """What `evaluate` reads of an offer for a given day, computed once for a list."""

    words: frozenset[str]
    window: tuple[datetime.date, datetime.date]
    soon_until: datetime.date
    sector_label: str


def terms_of(offer: Offer, today: datetime.date) -> Terms:
    return Terms(
        offer_words(offer),
        release_window(offer, today),
        today + SOON,
        offer.get_sector_display().lower(),
    )


def evaluate(
    offer: Offer,
    person: Person,
    profile: SharedProfile,
    today: datetime.date,
    *,
    terms: Terms | None = None,
) -> tuple[int, list[str]] | None:
    """(score, reasons) of a person for an offer, or None when a hard filter leaves them out.
    The rules are the module docstring's; `terms`, the offer's `terms_of(offer, today)`."""
    terms = terms or terms_of(offer, today)
    at_release = offer.setting == OfferSetting.AT_RELEASE
    release = person.expected_release_date
    if at_release:
        start, end = terms.window
        if release is None or not start <= release <= end:
            return None
    required_licences = [*(offer.driving_licences or ()), *(offer.professional_licences or ())]
    if profile.licences is not None and not set(required_licences) <= profile.licences:
        return None
    if _french_excludes(offer.french, profile.french):
        return None

    score, reasons = 0, []
    wanted_kind = PROJECT_FOR_OFFER.get(offer.kind)
    fitting = [p for p in profile.projects or () if p[0] == wanted_kind]
    if fitting:
        # A project naming the offer's trade (or none) first, else the first one.
        kind, target = next(
            (p for p in fitting if not p[1].strip() or _same_trade(terms.words, p[1])),
            fitting[0],
        )
        same = not target.strip() or _same_trade(terms.words, target)
        score += POINTS_PROJECT if same else POINTS_PROJECT_OTHER_TRADE
        label = PROJECT_LABELS[kind]
        target = target.strip()
        reasons.append(f"projet : {label}, {target}" if target else f"projet : {label}")

    if offer.sector and offer.sector in (profile.experience_sectors or ()):
        score += POINTS_SECTOR
        reasons.append(f"expérience : {terms.sector_label}")
    else:
        for _kind, target in profile.projects or ():
            if _same_trade(terms.words, target):
                score += POINTS_SECTOR
                reasons.append(f"métier visé : {target.strip()}")
                break

    required_level = offer.diploma_level
    if required_level and required_level != DiplomaLevel.UNKNOWN and profile.diploma_levels:
        met = [level for level in profile.diploma_levels if _level_meets(level, required_level)]
        if met:
            best = max(met, key=lambda level: NUMBERED_LEVELS.get(level, 0))
            score += POINTS_DIPLOMA
            shown = (
                f"niveau {NUMBERED_LEVELS[best]}" if best in NUMBERED_LEVELS else "certification"
            )
            reasons.append(f"diplôme : {shown}")

    if required_licences and profile.licences is not None:
        score += POINTS_LICENCES
        reasons.extend(_licence_reason(code) for code in required_licences)

    if at_release:
        if offer.nationwide:
            score += POINTS_DEPARTMENT
            reasons.append("partout en France")
        elif offer.department and offer.department == person.department:
            score += POINTS_DEPARTMENT
            reasons.append(f"département {offer.department}")
        if release <= terms.soon_until:
            score += POINTS_RELEASE_SOON
            months = months_until(release, today)
            if months <= 0:
                reasons.append("sortie ce mois-ci")
            else:
                reasons.append(f"sortie dans {months} mois")
    return score, reasons


def _people(queryset) -> list[Person]:
    rows = queryset.values_list(
        "pk",
        "first_name",
        "last_name",
        "establishment_id",
        "establishment__name",
        "establishment__department",
        "expected_release_date",
    )
    return [Person(*row) for row in rows]


def _candidates(offer: Offer, *, user, today: datetime.date):
    people = Detainee.objects.visible_to(user).held()
    if offer.setting == OfferSetting.INSIDE:
        return people.filter(establishment_id=offer.establishment_id)
    start, end = release_window(offer, today)
    return people.filter(expected_release_date__gte=start, expected_release_date__lte=end)


def _rank_key(match_score: int, release: datetime.date | None, pk: int):
    return (-match_score, release or datetime.date.max, pk)


def people_for_offer(offer: Offer, *, user, today: datetime.date) -> list[Match]:
    """The people `user` reaches that `offer` fits, best first (see the module docstring)."""
    candidates = _candidates(offer, user=user, today=today)
    people = _people(candidates.order_by())
    if not people:
        return []
    by_person = shared_profiles(detainee_ids=candidates.values("pk"))
    terms = terms_of(offer, today)
    matches = []
    for person in people:
        profile = by_person.get(person.pk, SharedProfile())
        outcome = evaluate(offer, person, profile, today, terms=terms)
        if outcome is not None:
            matches.append(Match(person, *outcome))
    matches.sort(key=lambda m: _rank_key(m.score, m.person.expected_release_date, m.person.pk))
    return matches


def offers_for_person(detainee: Detainee, *, user, today: datetime.date) -> list[OfferMatch]:
    """The offers open today that `user` reaches and that fit `detainee` (a person the user
    reaches and still held; none otherwise), best first, then by opening date and offer."""
    reached = Detainee.objects.visible_to(user).held().filter(pk=detainee.pk)
    people = _people(reached)
    if not people:
        return []
    person = people[0]
    profile = shared_profiles(detainee_ids=reached.values("pk")).get(person.pk, SharedProfile())
    offers = (
        Offer.objects.visible_to(user)
        .open_on(today)
        .filter(
            Q(setting=OfferSetting.INSIDE, establishment_id=person.establishment_id)
            | Q(setting=OfferSetting.AT_RELEASE)
        )
        .select_related("company")
        .order_by("-opens_on", "pk")
    )
    matches = []
    for offer in offers:
        outcome = evaluate(offer, person, profile, today)
        if outcome is not None:
            matches.append(OfferMatch(offer, *outcome))
    matches.sort(key=lambda m: -m.score)  # stable: ties keep the offers' order
    return matches
