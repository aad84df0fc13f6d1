"""Generation of the demo world and of the national-scale data set (DESIGN.md §6).

Both worlds come from the same person generator and go into the database with bulk_create,
never one save() per row. Every draw comes from one `random.Random(seed)`, and every date is
relative to the day the data is loaded: a seed gives the same world, seen from that day.

The rules the database checks (custody before arrival, one open stay per person, an initial
DLP row without a previous date…) hold for every generated row by construction.
"""

import dataclasses
import datetime
import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from insertion.accounts.models import Role, User
from insertion.core.text import normalize_search
from insertion.demo import accounts as demo_accounts
from insertion.demo import establishments as data
from insertion.demo.names import FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES
from insertion.detainees.models import (
    ArrangementKind,
    ArrangementStatus,
    Authority,
    DepartureReason,
    Detainee,
    Incarceration,
    LegalStatus,
    OffenceCategory,
    ReleaseDateChange,
    ReleaseDateChangeReason,
    ReleaseKind,
    SentenceArrangement,
    Sex,
)
from insertion.establishments.models import (
    Establishment,
    ProbationService,
    RecipientRole,
    Region,
    SynthesisRecipient,
)
from insertion.establishments.models import EstablishmentKind as Kind

BATCH_SIZE = 2000
Log = Callable[[str], None]


def days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


class Weighted:
    """A weighted choice, with cumulative weights computed once (it is drawn millions of times)."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


class Ranges:
    """A mixture of integer ranges: `Ranges((share, low, high), ...)` draws a number of days."""

    def __init__(self, *ranges: tuple[int, int, int]):
        self.ranges = Weighted({(low, high): share for share, low, high in ranges})

    def pick(self, rng: random.Random) -> int:
        low, high = self.ranges.pick(rng)
        return rng.randint(low, high)


def random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    """A day between start and end included; start when the interval is empty."""
    if end <= start:
        return start
    return start + days(rng.randint(0, (end - start).days))


@dataclasses.dataclass(frozen=True)
class Profile:
    """How a world's people are drawn: durations in days, shares between 0 and 1."""

    custody_days_ago: Ranges  # how long ago people held now were first imprisoned
    dlp_days_ahead: Ranges  # expected release date of people held now, from today
    long_dlp_days_ahead: Ranges  # the same in centres de détention and maisons centrales
    release_days_ago: int  # releases are spread over this many past days
    stay_days: Ranges  # length of custody of people released
    max_custody_days_ago: int | None  # nobody imprisoned earlier than that (demo only)
    transfer_share: float
    arrangement_share: float
    dlp_change_counts: Weighted
    no_referent_share: float = 0.05


DEMO_PROFILE = Profile(
    custody_days_ago=Ranges((1, 0, 548)),
    dlp_days_ahead=Ranges((5, 1, 30), (10, 31, 90), (85, 91, 730)),
    long_dlp_days_ahead=Ranges((5, 1, 30), (10, 31, 90), (85, 91, 730)),
    release_days_ago=180,
    stay_days=Ranges((60, 15, 180), (40, 181, 480)),
    max_custody_days_ago=548,
    transfer_share=0.035,
    arrangement_share=0.2,
    dlp_change_counts=Weighted({0: 50, 1: 30, 2: 14, 3: 6}),
)

NATIONAL_PROFILE = Profile(
    custody_days_ago=Ranges((70, 0, 548), (30, 549, 1800)),
    dlp_days_ahead=Ranges((5, 1, 30), (10, 31, 90), (75, 91, 730), (10, 731, 2500)),
    long_dlp_days_ahead=Ranges((3, 1, 30), (7, 31, 90), (40, 91, 730), (50, 731, 5000)),
    release_days_ago=730,
    stay_days=Ranges((40, 10, 180), (40, 181, 540), (20, 541, 1500)),
    max_custody_days_ago=None,
    transfer_share=0.05,
    arrangement_share=0.18,
    dlp_change_counts=Weighted({0: 55, 1: 28, 2: 12, 3: 5}),
)

NEAR_RELEASE_DAYS = 180
NEAR_RELEASE_ARRANGEMENT_SHARE = 0.6

LONG_SENTENCE_KINDS = {Kind.CENTRE_DETENTION, Kind.MAISON_CENTRALE}
# Share of people awaiting trial (prévenus): they are held in maisons d'arrêt and quarters.
PRETRIAL_SHARE = {
    Kind.MAISON_ARRET: 0.35,
    Kind.CENTRE_PENITENTIAIRE: 0.2,
    Kind.EPM: 0.5,
}
FELONY_SHARE = {
    Kind.MAISON_ARRET: 0.08,
    Kind.CENTRE_PENITENTIAIRE: 0.15,
    Kind.CENTRE_DETENTION: 0.35,
    Kind.MAISON_CENTRALE: 0.8,
}
FEMALE_SHARE = 0.04

RELEASE_KINDS = Weighted(
    {
        ReleaseKind.DRY: 53,
        ReleaseKind.LSC: 14,
        ReleaseKind.DDSE: 11,
        ReleaseKind.SEMI_LIBERTE: 6,
        ReleaseKind.PLACEMENT_EXTERIEUR: 3,
        ReleaseKind.LIBERATION_CONDITIONNELLE: 5,
        ReleaseKind.AT_HEARING: 8,
    }
)
# The arrangement a release under arrangement was granted.
RELEASE_ARRANGEMENT = {
    ReleaseKind.LSC: ArrangementKind.LSC,
    ReleaseKind.DDSE: ArrangementKind.DDSE,
    ReleaseKind.SEMI_LIBERTE: ArrangementKind.SEMI_LIBERTE,
    ReleaseKind.PLACEMENT_EXTERIEUR: ArrangementKind.PLACEMENT_EXTERIEUR,
    ReleaseKind.LIBERATION_CONDITIONNELLE: ArrangementKind.LIBERATION_CONDITIONNELLE,
}
ARRANGEMENT_KINDS = Weighted(
    {
        ArrangementKind.LSC: 35,
        ArrangementKind.DDSE: 28,
        ArrangementKind.SEMI_LIBERTE: 15,
        ArrangementKind.PLACEMENT_EXTERIEUR: 8,
        ArrangementKind.LIBERATION_CONDITIONNELLE: 14,
    }
)
ARRANGEMENT_STATUSES = Weighted(
    {
        ArrangementStatus.REQUESTED: 35,
        ArrangementStatus.GRANTED: 25,
        ArrangementStatus.REFUSED: 22,
        ArrangementStatus.LAPSED: 6,
        ArrangementStatus.REVOKED: 12,
    }
)
DLP_CHANGE_REASONS = Weighted(
    {
        ReleaseDateChangeReason.REDUCTION: 66,
        ReleaseDateChangeReason.WITHDRAWAL: 20,
        ReleaseDateChangeReason.NEW_SENTENCE: 6,
        ReleaseDateChangeReason.MERGER: 4,
        ReleaseDateChangeReason.CORRECTION: 4,
    }
)

# Letters of the n° d'écrou ("24A0123"): one per establishment, without I, O and Q.
ECROU_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


# --- People ------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class Stay:
    establishment: Establishment
    arrival_date: datetime.date
    departure_date: datetime.date | None = None
    departure_reason: str = ""


@dataclasses.dataclass(slots=True)
class PersonPlan:
    """A person before insertion: identity, stays (the last one is current), DLP history."""

    sex: str
    first_name: str
    last_name: str
    birth_date: datetime.date
    legal_status: str
    offence_category: str
    custody_start: datetime.date
    stays: list[Stay]
    expected_release_date: datetime.date | None
    # (changed_on, previous_date, new_date, reason), oldest first, the initial row first.
    dlp_changes: list[tuple]
    arrangements: list[dict]
    release_date: datetime.date | None = None
    release_kind: str = ""
    referent_id: int | None = None

    @property
    def establishment(self) -> Establishment:
        return self.stays[-1].establishment


class PeopleGenerator:
    """Draws fictional people held in (or released from) given establishments."""

    def __init__(
        self,
        rng: random.Random,
        *,
        today: datetime.date,
        profile: Profile,
        establishments: Sequence[Establishment],
    ):
        self.rng = rng
        self.today = today
        self.profile = profile
        self.by_region = defaultdict(list)
        for establishment in establishments:
            self.by_region[establishment.region_id].append(establishment)
        self.establishments = list(establishments)

    def held(self, establishment: Establishment) -> PersonPlan:
        rng, today, profile = self.rng, self.today, self.profile
        custody_start = today - days(profile.custody_days_ago.pick(rng))
        stays = self._stays(establishment, custody_start, today)
        legal_status = self._legal_status(establishment)
        expected = None
        if legal_status != LegalStatus.PRETRIAL:
            ranges = (
                profile.long_dlp_days_ahead
                if establishment.kind in LONG_SENTENCE_KINDS
                else profile.dlp_days_ahead
            )
            expected = today + days(ranges.pick(rng))
        return PersonPlan(
            **self._identity(establishment, custody_start),
            legal_status=legal_status,
            offence_category=self._offence(establishment),
            custody_start=custody_start,
            stays=stays,
            expected_release_date=expected,
            dlp_changes=self._dlp_history(custody_start, expected, today),
            arrangements=self._held_arrangements(custody_start, expected),
        )

    def released(self, establishment: Establishment) -> PersonPlan:
        rng, today, profile = self.rng, self.today, self.profile
        release_date = today - days(rng.randint(1, profile.release_days_ago))
        custody_start = release_date - days(profile.stay_days.pick(rng))
        if profile.max_custody_days_ago is not None:
            earliest = today - days(profile.max_custody_days_ago)
            custody_start = min(max(custody_start, earliest), release_date)
        stays = self._stays(establishment, custody_start, release_date)
        stays[-1].departure_date = release_date
        stays[-1].departure_reason = DepartureReason.RELEASE
        kind = RELEASE_KINDS.pick(rng)
        arrangements = []
        if kind == ReleaseKind.AT_HEARING:
            legal_status, expected = LegalStatus.PRETRIAL, None
        else:
            legal_status = LegalStatus.SENTENCED
            if kind == ReleaseKind.DRY:
                expected = release_date  # end of sentence, no arrangement
                if (release_date - custody_start).days >= 30 and rng.random() < 0.12:
                    arrangements.append(
                        self._decided_arrangement(
                            custody_start, release_date, ArrangementStatus.REFUSED
                        )
                    )
            else:
                expected = release_date + days(rng.randint(20, 240))
                requested_on = random_date(
                    rng,
                    max(custody_start, release_date - days(150)),
                    max(custody_start, release_date - days(10)),
                )
                arrangements.append(
                    {
                        "kind": RELEASE_ARRANGEMENT[kind],
                        "status": ArrangementStatus.GRANTED,
                        "authority": self._authority(RELEASE_ARRANGEMENT[kind]),
                        "requested_on": requested_on,
                        "decided_on": random_date(rng, requested_on, release_date),
                        "start_date": release_date,
                    }
                )
        return PersonPlan(
            **self._identity(establishment, custody_start),
            legal_status=legal_status,
            offence_category=self._offence(establishment),
            custody_start=custody_start,
            stays=stays,
            expected_release_date=expected,
            dlp_changes=self._dlp_history(custody_start, expected, release_date),
            arrangements=arrangements,
            release_date=release_date,
            release_kind=kind,
        )

    def _identity(self, establishment: Establishment, custody_start: datetime.date) -> dict:
        rng = self.rng
        if rng.random() < FEMALE_SHARE:
            sex, first_name = Sex.FEMALE, rng.choice(FEMALE_FIRST_NAMES)
        else:
            sex, first_name = Sex.MALE, rng.choice(MALE_FIRST_NAMES)
        if establishment.kind == Kind.EPM:
            age = rng.randint(14, 17)
        else:
            age = 18 + min(int(rng.gammavariate(2.0, 8.0)), 57)
        birth_date = custody_start - days(age * 365 + rng.randint(1, 364))
        return {
            "sex": sex,
            "first_name": first_name,
            "last_name": rng.choice(LAST_NAMES),
            "birth_date": birth_date,
        }

    def _legal_status(self, establishment: Establishment) -> str:
        draw = self.rng.random()
        pretrial = PRETRIAL_SHARE.get(establishment.kind, 0.0)
        if draw < pretrial:
            return LegalStatus.PRETRIAL
        if draw < pretrial + 0.08 and pretrial:
            return LegalStatus.SENTENCED_AND_PRETRIAL
        return LegalStatus.SENTENCED

    def _offence(self, establishment: Establishment) -> str:
        if self.rng.random() < FELONY_SHARE.get(establishment.kind, 0.05):
            return OffenceCategory.FELONY
        return OffenceCategory.MISDEMEANOUR

    def _stays(
        self, establishment: Establishment, custody_start: datetime.date, last_day: datetime.date
    ) -> list[Stay]:
        """One stay, or two when the person was transferred (mostly within their region)."""
        rng = self.rng
        if (last_day - custody_start).days >= 30 and rng.random() < self.profile.transfer_share:
            candidates = [e for e in self.by_region[establishment.region_id] if e != establishment]
            if not candidates or rng.random() < 0.2:
                candidates = [e for e in self.establishments if e != establishment]
            if candidates:
                moved_on = random_date(rng, custody_start + days(15), last_day - days(1))
                return [
                    Stay(rng.choice(candidates), custody_start, moved_on, DepartureReason.TRANSFER),
                    Stay(establishment, moved_on),
                ]
        return [Stay(establishment, custody_start)]

    def _dlp_history(
        self, custody_start: datetime.date, final: datetime.date | None, last_day: datetime.date
    ) -> list[tuple]:
        """The DLP's values up to `final`, drawn backwards from it: initial row first."""
        if final is None:
            return []
        rng = self.rng
        span = (last_day - custody_start).days
        count = min(self.profile.dlp_change_counts.pick(rng), span // 10)
        offsets = sorted(rng.sample(range(1, span + 1), count)) if count else []
        rows = []
        new = final
        for offset in reversed(offsets):
            reason = DLP_CHANGE_REASONS.pick(rng)
            previous = new - days(self._shift(reason))
            if previous < custody_start + days(7):
                # A later sentence cannot predate the custody: this change was a reduction.
                reason = ReleaseDateChangeReason.REDUCTION
                previous = new + days(rng.randint(7, 90))
            rows.append((custody_start + days(offset), previous, new, reason))
            new = previous
        rows.append((custody_start, None, new, ReleaseDateChangeReason.INITIAL))
        rows.reverse()
        return rows

    def _shift(self, reason: str) -> int:
        """Days the DLP moves by (new minus previous): never zero."""
        rng = self.rng
        if reason == ReleaseDateChangeReason.REDUCTION:
            return -rng.randint(7, 90)
        if reason == ReleaseDateChangeReason.WITHDRAWAL:
            return rng.randint(7, 60)
        if reason == ReleaseDateChangeReason.NEW_SENTENCE:
            return rng.randint(60, 365)
        if reason == ReleaseDateChangeReason.MERGER:
            return -rng.randint(30, 180)
        return rng.choice((-1, 1)) * rng.randint(1, 30)

    def _authority(self, kind: str) -> str:
        if kind == ArrangementKind.LIBERATION_CONDITIONNELLE and self.rng.random() < 0.5:
            return Authority.TAP
        return Authority.JAP

    def _decided_arrangement(self, custody_start, last_day, status) -> dict:
        kind = ARRANGEMENT_KINDS.pick(self.rng)
        requested_on = random_date(self.rng, custody_start, last_day - days(10))
        return {
            "kind": kind,
            "status": status,
            "authority": self._authority(kind),
            "requested_on": requested_on,
            "decided_on": random_date(self.rng, requested_on + days(5), last_day),
        }

    def _held_arrangements(
        self, custody_start: datetime.date, expected: datetime.date | None
    ) -> list[dict]:
        rng, today = self.rng, self.today
        # Arrangements are asked for as the release comes near: most people released
        # within six months have one (requested, granted, refused…), fewer of the others.
        share = self.profile.arrangement_share
        if expected is not None and (expected - today).days <= NEAR_RELEASE_DAYS:
            share = NEAR_RELEASE_ARRANGEMENT_SHARE
        if expected is None or rng.random() >= share:
            return []
        status = ARRANGEMENT_STATUSES.pick(rng)
        served = (today - custody_start).days
        if (status == ArrangementStatus.REVOKED and served < 60) or served < 20:
            status = ArrangementStatus.REQUESTED
        if status in (ArrangementStatus.REFUSED, ArrangementStatus.LAPSED):
            return [self._decided_arrangement(custody_start, today, status)]
        kind = ARRANGEMENT_KINDS.pick(rng)
        row = {"kind": kind, "status": status, "authority": self._authority(kind)}
        if status == ArrangementStatus.REQUESTED:
            row["requested_on"] = random_date(rng, max(custody_start, today - days(120)), today)
        elif status == ArrangementStatus.GRANTED:
            row["requested_on"] = random_date(rng, custody_start, today - days(14))
            row["decided_on"] = random_date(rng, row["requested_on"] + days(7), today)
            row["start_date"] = random_date(rng, today + days(1), min(expected, today + days(120)))
        else:  # revoked: granted, started, then revoked; the person is back in prison
            row["requested_on"] = random_date(rng, custody_start, today - days(50))
            row["decided_on"] = random_date(
                rng,
                row["requested_on"] + days(7),
                min(row["requested_on"] + days(40), today - days(30)),
            )
            row["start_date"] = random_date(
                rng, row["decided_on"] + days(1), row["decided_on"] + days(15)
            )
            row["revoked_on"] = random_date(rng, row["start_date"] + days(7), today)
        return [row]


class EcrouBook:
    """Hands out n° d'écrou: "24A0123" = year of arrival, establishment letter, number.

    Numbers restart every year in each establishment, so they are unique per establishment.
    """

    def __init__(self):
        self.letters: dict[int, str] = {}
        self.counters: Counter = Counter()

    def next(self, establishment_id: int, day: datetime.date) -> str:
        letter = self.letters.setdefault(
            establishment_id, ECROU_LETTERS[len(self.letters) % len(ECROU_LETTERS)]
        )
        self.counters[establishment_id, day.year] += 1
        return f"{day.year % 100:02d}{letter}{self.counters[establishment_id, day.year]:04d}"


@dataclasses.dataclass
class PeopleRows:
    """The rows of a chunk of people, inserted together; detainees have their pk afterwards."""

    detainees: list[Detainee]
    incarcerations: list[Incarceration]
    release_date_changes: list[ReleaseDateChange]
    arrangements: list[SentenceArrangement]


def build_rows(plans: list[PersonPlan], ecrous: EcrouBook) -> PeopleRows:
    # Numbers follow the order of arrival within the chunk, as they would in a prison registry.
    stays = sorted(
        (
            (stay.arrival_date, index, position)
            for index, plan in enumerate(plans)
            for position, stay in enumerate(plan.stays)
        )
    )
    numbers = {}
    for arrival_date, index, position in stays:
        establishment = plans[index].stays[position].establishment
        numbers[index, position] = ecrous.next(establishment.pk, arrival_date)

    rows = PeopleRows([], [], [], [])
    for index, plan in enumerate(plans):
        current = plan.stays[-1]
        ecrou_number = numbers[index, len(plan.stays) - 1]
        detainee = Detainee(
            establishment_id=current.establishment.pk,
            ecrou_number=ecrou_number,
            last_name=plan.last_name,
            first_name=plan.first_name,
            birth_date=plan.birth_date,
            sex=plan.sex,
            referent_id=plan.referent_id,
            legal_status=plan.legal_status,
            offence_category=plan.offence_category,
            custody_start=plan.custody_start,
            arrival_date=current.arrival_date,
            expected_release_date=plan.expected_release_date,
            release_date=plan.release_date,
            release_kind=plan.release_kind,
            # bulk_create does not call save(), which computes it.
            search_text=Detainee.build_search_text(
                last_name=plan.last_name, first_name=plan.first_name, ecrou_number=ecrou_number
            ),
        )
        rows.detainees.append(detainee)
        for position, stay in enumerate(plan.stays):
            rows.incarcerations.append(
                Incarceration(
                    detainee=detainee,
                    establishment_id=stay.establishment.pk,
                    ecrou_number=numbers[index, position],
                    arrival_date=stay.arrival_date,
                    departure_date=stay.departure_date,
                    departure_reason=stay.departure_reason,
                )
            )
        for changed_on, previous_date, new_date, reason in plan.dlp_changes:
            rows.release_date_changes.append(
                ReleaseDateChange(
                    detainee=detainee,
                    changed_on=changed_on,
                    previous_date=previous_date,
                    new_date=new_date,
                    reason=reason,
                    changed_by_id=plan.referent_id,
                )
            )
        for arrangement in plan.arrangements:
            rows.arrangements.append(SentenceArrangement(detainee=detainee, **arrangement))
    return rows


# Later issues add what each person gets on top of their stays and release dates — release
# plans (about 20 milestones each) and socio-professional interviews with their syntheses.
# A step receives the random generator, the rows just inserted (detainees have their pk) and
# the day of reference; it bulk-creates its own rows and returns their counts by table.
PeopleStep = Callable[[random.Random, PeopleRows, datetime.date], Counter]
PEOPLE_STEPS: list[PeopleStep] = []

# The steps register themselves, in this order: the plans read the interviews' barriers.
from insertion.demo import (  # noqa: E402
    interviews,  # noqa: F401
    release_plans,  # noqa: F401
)


def insert_people(
    plans: list[PersonPlan], ecrous: EcrouBook, *, rng: random.Random, today: datetime.date
) -> Counter:
    rows = build_rows(plans, ecrous)
    Detainee.objects.bulk_create(rows.detainees, batch_size=BATCH_SIZE)
    Incarceration.objects.bulk_create(rows.incarcerations, batch_size=BATCH_SIZE)
    ReleaseDateChange.objects.bulk_create(rows.release_date_changes, batch_size=BATCH_SIZE)
    SentenceArrangement.objects.bulk_create(rows.arrangements, batch_size=BATCH_SIZE)
    counts = Counter(
        {
            "detainees": len(rows.detainees),
            "incarcerations": len(rows.incarcerations),
            "release_date_changes": len(rows.release_date_changes),
            "arrangements": len(rows.arrangements),
        }
    )
    for step in PEOPLE_STEPS:
        counts.update(step(rng, rows, today))
    return counts


# --- Referents ---------------------------------------------------------------------------


def even_split(total: int, count: int) -> list[int]:
    base, extra = divmod(total, count)
    return [base + (i < extra) for i in range(count)]


def spread_caseloads(
    rng: random.Random, total: int, count: int, *, low: int = 10, high: int = 140
) -> list[int]:
    """`count` caseload sizes summing to `total`, between low and high, with a long tail.

    Below `low` people per CPIP (tiny data sets) the people are shared evenly.
    """
    if count <= 0:
        return []
    if total < low * count or total > high * count:
        return even_split(total, count)
    sizes = [low] * count
    rest = total - low * count
    weights = [rng.paretovariate(1.2) for _ in range(count)]
    open_ = list(range(count))
    while rest > 0:
        weight_sum = sum(weights[i] for i in open_)
        given = 0
        for i in open_:
            share = min(high - sizes[i], int(rest * weights[i] / weight_sum))
            sizes[i] += share
            given += share
        rest -= given
        open_ = [i for i in open_ if sizes[i] < high]
        if given == 0:  # what is left is smaller than one share each: one by one
            for i in rng.sample(open_, min(rest, len(open_))):
                sizes[i] += 1
                rest -= 1
    return sizes


def assign_referents(
    rng: random.Random,
    plans: list[PersonPlan],
    caseloads: dict[int, int],
    *,
    no_referent_share: float,
) -> None:
    """Give the people held in one establishment a referent: `caseloads` maps CPIP id to size.

    About `no_referent_share` of them have none (vacant posts); sizes are cut to fit.
    """
    slots: list[int | None] = [None] * round(len(plans) * no_referent_share)
    for cpip_id, size in caseloads.items():
        slots.extend([cpip_id] * size)
    slots = slots[: len(plans)]
    slots.extend(
        rng.choice(list(caseloads)) if caseloads else None for _ in range(len(plans) - len(slots))
    )
    rng.shuffle(slots)
    for plan, referent_id in zip(plans, slots, strict=True):
        plan.referent_id = referent_id


def assign_released_referents(
    rng: random.Random, plans: list[PersonPlan], cpip_ids: list[int], *, no_referent_share: float
) -> None:
    """People released keep the CPIP who followed them (as `detainee_release` does)."""
    for plan in plans:
        if cpip_ids and rng.random() >= no_referent_share:
            plan.referent_id = rng.choice(cpip_ids)


# --- Organisations and accounts ----------------------------------------------------------


def create_regions() -> dict[str, Region]:
    regions = Region.objects.bulk_create(
        [Region(code=code, name=name) for code, name in data.REGIONS]
    )
    return {region.code: region for region in regions}


def create_probation_services(
    regions: dict[str, Region], departments: Sequence[str]
) -> dict[str, ProbationService]:
    services = ProbationService.objects.bulk_create(
        [
            ProbationService(
                name=data.DEPARTMENTS[code][0],
                department=code,
                region=regions[data.DEPARTMENTS[code][1]],
            )
            for code in departments
        ]
    )
    return {service.department: service for service in services}


# Who receives the syntheses in each demo establishment (fictional addresses).
DEMO_RECIPIENTS = [
    (RecipientRole.DIRECTION, "direction"),
    (RecipientRole.EDUCATION, "enseignement"),
    (RecipientRole.TRAINING, "formation"),
]


def add_synthesis_recipients(establishments) -> int:
    rows = [
        SynthesisRecipient(
            establishment=establishment,
            email=f"{local}.{email_slug(establishment.city)}@demo.insertion.fr",
            role=role,
        )
        for establishment in establishments
        for role, local in DEMO_RECIPIENTS
    ]
    return len(SynthesisRecipient.objects.bulk_create(rows))


def email_slug(text: str) -> str:
    return normalize_search(text).replace(" ", "-").replace("'", "")


class AccountFactory:
    """Bulk-creates users: the password is hashed once and the hash given to every account."""

    def __init__(self, password: str):
        self.password_hash = make_password(password)
        self.accepted_at = timezone.now()
        self.users: list[User] = []
        self.establishments: list[list[Establishment]] = []

    def add(
        self,
        *,
        email: str,
        first_name: str,
        last_name: str,
        role: str,
        establishments: Sequence[Establishment] = (),
        probation_service=None,
        superuser: bool = False,
    ) -> User:
        user = User(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            password=self.password_hash,
            is_staff=superuser,
            is_superuser=superuser,
            probation_service=probation_service,
            # The demo accounts have read the charte d'utilisation (it shows for new accounts).
            charter_accepted_at=self.accepted_at,
        )
        self.users.append(user)
        self.establishments.append(list(establishments))
        return user

    def save(self) -> Counter:
        User.objects.bulk_create(self.users, batch_size=BATCH_SIZE)
        through = User.establishments.through
        links = [
            through(user_id=user.pk, establishment_id=establishment.pk)
            for user, establishments in zip(self.users, self.establishments, strict=True)
            for establishment in establishments
        ]
        through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        counts = Counter({"users": len(self.users), "user_establishments": len(links)})
        self.users, self.establishments = [], []
        return counts


def add_demo_accounts(
    accounts: AccountFactory,
    establishments: dict[str, Establishment],
    services: dict[str, ProbationService],
) -> dict[str, User]:
    users = {}
    for spec in demo_accounts.DEMO_ACCOUNTS:
        attached = [establishments[name] for name in spec.establishments]
        service = None
        if spec.role == Role.CPIP:
            service = services[attached[0].department]
        users[spec.email] = accounts.add(
            email=spec.email,
            first_name=spec.first_name,
            last_name=spec.last_name,
            role=spec.role,
            establishments=attached,
            probation_service=service,
            superuser=spec.superuser,
        )
    return users


def random_name(rng: random.Random) -> tuple[str, str]:
    # Most of the staff of the SPIP are women.
    names = FEMALE_FIRST_NAMES if rng.random() < 0.7 else MALE_FIRST_NAMES
    return rng.choice(names), rng.choice(LAST_NAMES)


# --- The demo world ----------------------------------------------------------------------

# People held and fictional CPIP (besides cpip@) per establishment of the demo.
DEMO_HELD = {
    "Centre pénitentiaire de Fresnes": (140, 2),
    "Centre de détention de Melun": (40, 1),
    "Maison d'arrêt de Fleury-Mérogis": (50, 2),
    "Maison d'arrêt de Lyon-Corbas": (40, 1),
    "Centre pénitentiaire de Marseille": (40, 1),
    "Centre pénitentiaire de Rennes-Vezin": (30, 1),
}
DEMO_RELEASED = 20
DEMO_CPIP_CASELOAD = 75


def create_establishments(
    rows: Sequence[tuple], regions: dict[str, Region], services: dict[str, ProbationService]
) -> list[Establishment]:
    return Establishment.objects.bulk_create(
        [
            Establishment(
                name=name,
                code=data.DEMO_CODES.get(name, f"ET{number:03d}"),
                kind=kind,
                department=department,
                city=city,
                capacity=capacity,
                interview_rollout_date=rollout,
                region=regions[data.DEPARTMENTS[department][1]],
                probation_service=services[department],
            )
            for number, (name, kind, department, city, capacity, rollout) in enumerate(
                rows, start=1
            )
        ],
        batch_size=BATCH_SIZE,
    )


@transaction.atomic
def seed_demo_world(
    *, seed: int, today: datetime.date, pdfs: str = "real", log: Log | None = None
) -> Counter:
    """The small world of `make run`: six establishments, a few hundred people, demo accounts,
    the syntheses of the validated interviews (`pdfs`: see insertion/demo/syntheses.py)."""
    from insertion.demo.placements import placements_step
    from insertion.demo.syntheses import seed_syntheses

    rng = random.Random(seed)
    counts = Counter()
    regions = create_regions()
    services = create_probation_services(
        regions, sorted({row[2] for row in data.DEMO_ESTABLISHMENTS})
    )
    establishments = {
        e.name: e for e in create_establishments(data.DEMO_ESTABLISHMENTS, regions, services)
    }
    counts.update(
        regions=len(regions), probation_services=len(services), establishments=len(establishments)
    )
    counts.update(synthesis_recipients=add_synthesis_recipients(establishments.values()))

    accounts = AccountFactory(demo_accounts.DEMO_PASSWORD)
    demo_users = add_demo_accounts(accounts, establishments, services)
    cpips: dict[str, list[User]] = defaultdict(list)
    cpips[demo_accounts.FRESNES].append(demo_users["cpip@demo.insertion.fr"])
    taken = set(demo_accounts.DEMO_EMAILS)
    for name, (_, extra_cpips) in DEMO_HELD.items():
        establishment = establishments[name]
        for _ in range(extra_cpips):
            first_name, last_name = random_name(rng)
            email = f"{email_slug(first_name)}.{email_slug(last_name)}@demo.insertion.fr"
            if email in taken:
                email = email.replace("@", f".{len(taken)}@")
            taken.add(email)
            cpips[name].append(
                accounts.add(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    role=Role.CPIP,
                    establishments=[establishment],
                    probation_service=services[establishment.department],
                )
            )
    # An interviewer in each establishment that runs the interviews (afpa@ is Fresnes'), so that
    # every synthesis names its « intervenant·e Afpa ». Their own generator: the people drawn
    # after them stay the same for a given seed.
    names = random.Random(f"{seed}-intervenants")
    for name, establishment in establishments.items():
        if establishment.interview_rollout_date is None or name == demo_accounts.FRESNES:
            continue
        first_name, last_name = random_name(names)
        email = f"{email_slug(first_name)}.{email_slug(last_name)}@demo.insertion.fr"
        if email in taken:
            email = email.replace("@", f".{len(taken)}@")
        taken.add(email)
        accounts.add(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=Role.INTERVIEWER,
            establishments=[establishment],
        )
    counts.update(accounts.save())

    generator = PeopleGenerator(
        rng, today=today, profile=DEMO_PROFILE, establishments=list(establishments.values())
    )
    plans = []
    for name, (held_count, _) in DEMO_HELD.items():
        held = [generator.held(establishments[name]) for _ in range(held_count)]
        staff = cpips[name]
        to_share = held_count - round(held_count * DEMO_PROFILE.no_referent_share)
        caseloads = {}
        if staff[0].email == "cpip@demo.insertion.fr":
            caseloads[staff[0].pk] = DEMO_CPIP_CASELOAD
            to_share -= DEMO_CPIP_CASELOAD
            staff = staff[1:]
        sizes = even_split(to_share, len(staff)) if staff else []
        caseloads.update((user.pk, size) for user, size in zip(staff, sizes, strict=True))
        assign_referents(rng, held, caseloads, no_referent_share=DEMO_PROFILE.no_referent_share)
        plans.extend(held)
    names = list(DEMO_HELD)
    weights = [held for held, _ in DEMO_HELD.values()]
    for _ in range(DEMO_RELEASED):
        name = rng.choices(names, weights)[0]
        released = [generator.released(establishments[name])]
        assign_released_referents(
            rng,
            released,
            [user.pk for user in cpips[name]],
            no_referent_share=DEMO_PROFILE.no_referent_share,
        )
        plans.extend(released)
    counts.update(insert_people(plans, EcrouBook(), rng=rng, today=today))
    counts.update(seed_syntheses(rng, pdfs=pdfs, log=log))
    counts.update(placements_step(rng, today))
    return counts


# --- The national data set ---------------------------------------------------------------

NATIONAL_HELD = 85_000
NATIONAL_RELEASED = 100_000
NATIONAL_CPIP = 4_000
NATIONAL_CPIP_CASELOAD = 120  # cpip@demo.insertion.fr: the caseload the benchmark measures
CHUNK_SIZE = 10_000


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders), summing exactly."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    raw = [total * weight / weight_sum for weight in weights]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def national_establishment_rows(rng: random.Random) -> list[tuple]:
    """About 190 establishments: the demo ones, then one per town with a realistic kind."""
    towns = [
        (town, department)
        for town, department in data.NATIONAL_TOWNS
        if town not in data.KNOWN_KINDS
    ]
    kinds = []
    for kind, count in zip(
        data.KIND_SHARES, apportion(len(towns), list(data.KIND_SHARES.values())), strict=True
    ):
        kinds.extend([kind] * count)
    rng.shuffle(kinds)
    assigned = dict(zip((town for town, _ in towns), kinds, strict=True))
    assigned.update(data.KNOWN_KINDS)

    # Interviews: 24 pilots in 2024, then waves in 2025 and 2026 (117 establishments in all).
    generated = list(data.NATIONAL_TOWNS)
    rng.shuffle(generated)
    waves = (
        [(datetime.date(2024, 1, 8), datetime.date(2024, 6, 30))] * 24
        + [(datetime.date(2025, 1, 6), datetime.date(2025, 12, 15))] * 17
        + [(datetime.date(2026, 1, 5), datetime.date(2026, 2, 27))] * 26
        + [(datetime.date(2026, 3, 2), datetime.date(2026, 5, 29))] * 44
    )
    rollouts = {
        town: random_date(rng, *wave) for (town, _), wave in zip(generated, waves, strict=False)
    }

    rows = list(data.DEMO_ESTABLISHMENTS)
    for town, department in data.NATIONAL_TOWNS:
        kind = assigned[town]
        low, high = data.CAPACITY_RANGES[kind]
        rows.append(
            (
                data.establishment_name(kind, town),
                kind,
                department,
                town,
                rng.randint(low, high) // 10 * 10,
                rollouts.get(town),
            )
        )
    return rows


def national_cpip_counts(total: int, referred: list[int]) -> list[int]:
    """CPIP per establishment, in proportion to the people to follow, 10 people each at least.

    Every establishment with people to follow has one CPIP, even on a tiny data set.
    """
    caps = [max(1, people // 10) if people else 0 for people in referred]
    counts = [
        max(1, min(count, cap)) if people else 0
        for count, cap, people in zip(apportion(total, referred), caps, referred, strict=True)
    ]
    # Posts cut where caseloads would fall under 10 go where caseloads are heaviest.
    for _ in range(total - sum(counts)):
        open_ = [i for i in range(len(counts)) if counts[i] < caps[i]]
        if not open_:
            break
        counts[max(open_, key=lambda i: referred[i] / (counts[i] + 1))] += 1
    return counts


@dataclasses.dataclass(frozen=True)
class NationalSizes:
    """Per establishment, in order: people held, people released, people with a referent, CPIP."""

    held: list[int]
    released: list[int]
    referred: list[int]
    cpips: list[int]


def national_sizes(establishments: Sequence[tuple[str, int]], *, fraction: float) -> NationalSizes:
    """Share the national figures between establishments given as (kind, capacity) pairs.

    People held follow capacity and occupancy; releases follow the turnover of each kind; CPIP
    follow the people to follow.
    """
    held = apportion(
        round(NATIONAL_HELD * fraction),
        [capacity * data.OCCUPANCY[kind] for kind, capacity in establishments],
    )
    released = apportion(
        round(NATIONAL_RELEASED * fraction),
        [
            count * data.TURNOVER[kind]
            for count, (kind, _) in zip(held, establishments, strict=True)
        ],
    )
    no_referent = NATIONAL_PROFILE.no_referent_share
    referred = [count - round(count * no_referent) for count in held]
    cpips = national_cpip_counts(round(NATIONAL_CPIP * fraction), referred)
    return NationalSizes(held=held, released=released, referred=referred, cpips=cpips)


@transaction.atomic
def seed_national(
    *, seed: int, today: datetime.date, fraction: float = 1.0, log: Log = print
) -> Counter:
    """The national-scale data set of DESIGN.md §6, streamed in chunks of people.

    `fraction` scales the people and the CPIP (not the establishments): the tests use a tiny one.
    The syntheses share one stand-in PDF (insertion/demo/syntheses.py).
    """
    from insertion.demo.placements import placements_step
    from insertion.demo.syntheses import seed_syntheses

    started = time.monotonic()
    rng = random.Random(seed)
    counts = Counter()
    regions = create_regions()
    services = create_probation_services(regions, list(data.DEPARTMENTS))
    establishments = create_establishments(national_establishment_rows(rng), regions, services)
    by_name = {establishment.name: establishment for establishment in establishments}
    counts.update(
        regions=len(regions), probation_services=len(services), establishments=len(establishments)
    )
    counts.update(synthesis_recipients=add_synthesis_recipients(establishments))

    sizes = national_sizes([(e.kind, e.capacity) for e in establishments], fraction=fraction)
    held_counts, released_counts, referred = sizes.held, sizes.released, sizes.referred
    no_referent = NATIONAL_PROFILE.no_referent_share

    accounts = AccountFactory(demo_accounts.DEMO_PASSWORD)
    demo_users = add_demo_accounts(accounts, by_name, services)
    demo_cpip = demo_users["cpip@demo.insertion.fr"]
    serial = itertools.count(1)

    def add_user(role: str, attached: list[Establishment], service=None) -> User:
        first_name, last_name = random_name(rng)
        email = (
            f"{email_slug(first_name)}.{email_slug(last_name)}.{next(serial)}"
            f"@{demo_accounts.DEMO_EMAIL_DOMAIN}"
        )
        return accounts.add(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            establishments=attached,
            probation_service=service,
        )

    cpips: list[list[User]] = []
    for establishment, count in zip(establishments, sizes.cpips, strict=True):
        service = services[establishment.department]
        staff = [demo_cpip] if establishment.name == demo_accounts.FRESNES else []
        staff.extend(
            add_user(Role.CPIP, [establishment], service) for _ in range(count - len(staff))
        )
        cpips.append(staff)
        add_user(Role.MANAGER, [establishment])
        for _ in range(2):
            add_user(Role.PRISON_TEAM, [establishment])
        if establishment.interview_rollout_date:
            for _ in range(1 if establishment.capacity < 600 else 2):
                add_user(Role.INTERVIEWER, [establishment])
    by_department = defaultdict(list)
    for establishment in establishments:
        by_department[establishment.department].append(establishment)
    for department, attached in by_department.items():  # the DPIP of each SPIP
        add_user(Role.MANAGER, attached, services[department])
    for _ in range(3):
        add_user(Role.NATIONAL, [])
    counts.update(accounts.save())
    log(
        f"  {counts['establishments']} établissements, {counts['users']} comptes "
        f"({time.monotonic() - started:.0f} s)"
    )

    generator = PeopleGenerator(
        rng, today=today, profile=NATIONAL_PROFILE, establishments=establishments
    )
    ecrous = EcrouBook()
    total_people = sum(held_counts) + sum(released_counts)
    plans: list[PersonPlan] = []
    caseload_sizes: list[int] = []

    def flush():
        counts.update(insert_people(plans, ecrous, rng=rng, today=today))
        plans.clear()
        log(
            f"  {counts['detainees']:>7} / {total_people} personnes "
            f"({time.monotonic() - started:.0f} s)"
        )

    log(f"  Personnes : génération et insertion par lots de {CHUNK_SIZE}…")
    for index, establishment in enumerate(establishments):
        staff = cpips[index]
        held = [generator.held(establishment) for _ in range(held_counts[index])]
        caseloads = {}
        to_share = referred[index]
        if staff and staff[0] is demo_cpip:
            caseloads[demo_cpip.pk] = min(NATIONAL_CPIP_CASELOAD, to_share)
            to_share -= caseloads[demo_cpip.pk]
            staff = staff[1:]
        spread = spread_caseloads(rng, to_share, len(staff))
        caseloads.update((user.pk, size) for user, size in zip(staff, spread, strict=True))
        caseload_sizes.extend(caseloads.values())
        assign_referents(rng, held, caseloads, no_referent_share=no_referent)
        released = [generator.released(establishment) for _ in range(released_counts[index])]
        assign_released_referents(
            rng, released, [user.pk for user in cpips[index]], no_referent_share=no_referent
        )
        plans.extend(held)
        plans.extend(released)
        if len(plans) >= CHUNK_SIZE:
            flush()
    if plans:
        flush()
    log(f"  Synthèses et leurs envois… ({time.monotonic() - started:.0f} s)")
    counts.update(seed_syntheses(rng, pdfs="placeholder"))
    log(f"  {counts['syntheses']} synthèses ({time.monotonic() - started:.0f} s)")
    counts.update(placements_step(rng, today))
    log(
        f"  {counts['offers']} offres, {counts['placement_requests']} demandes "
        f"({time.monotonic() - started:.0f} s)"
    )
    # Millions of rows just loaded: the planner's statistics must know them before anything is
    # measured (autovacuum would get there later; a real import ends the same way).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        log(f"  Statistiques du planificateur à jour ({time.monotonic() - started:.0f} s)")
    if caseload_sizes:
        caseload_sizes.sort()
        log(
            f"  Portefeuilles des CPIP : de {caseload_sizes[0]} à {caseload_sizes[-1]} "
            f"personnes, médiane {caseload_sizes[len(caseload_sizes) // 2]}"
        )
    return counts
