"""Steering indicators 4 to 7 (issue 15): barriers, orientations and their requests, releases,
follow-up — each on a small hand-made world whose figures are written below."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from entretiens.choices import BarrierLevel, InterviewStatus, NotDoneReason
from entretiens.models import BarrierAssessment, InterviewVersion, Orientation
from insertion.detainees.models import Contact, ReleaseDateChange
from insertion.placements.models import Offer, PlacementRequest
from insertion.release.models import Milestone, ReleasePlan
from insertion.statistics.definitions import Definition, Period
from insertion.statistics.indicators import barriers, followup, orientations, releases
from insertion.statistics.indicators.common import (
    distribution_figures,
    distribution_of,
    median,
    ninth_decile,
    quantile,
    quantile_of_counts,
)
from tests.factories import (
    DetaineeFactory,
    EstablishmentFactory,
    InterviewFactory,
    SentenceArrangementFactory,
    UserFactory,
)

MARCH = Period.month(2025, 3)
FEBRUARY = Period.month(2025, 2)
TODAY = datetime.date(2025, 4, 10)
ARRIVAL = datetime.date(2025, 1, 10)


def at(month, day, hour=12, minute=0, year=2025):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def person(establishment, **fields):
    values = {"arrival_date": ARRIVAL, "expected_release_date": datetime.date(2025, 12, 1)}
    return DetaineeFactory(establishment=establishment, **{**values, **fields})


def interview(establishment, *validations, withheld=(), barriers_found=None, advice=None, **f):
    """An interview of a new person validated at each moment of `validations` (version 1, then
    its rectifications), with its barriers {category: level} and orientations {kind: priority}."""
    item = InterviewFactory(
        detainee=person(establishment),
        status=f.pop("status", InterviewStatus.VALIDATED),
        version=len(validations),
        validated_at=validations[-1],
        conducted_on=validations[0].date(),
        withheld_sections=list(withheld),
        **f,
    )
    for number, moment in enumerate(validations, start=1):
        InterviewVersion.objects.create(
            interview=item, number=number, content={}, validated_at=moment
        )
    for category, level in (barriers_found or {}).items():
        BarrierAssessment.objects.create(interview=item, category=category, level=level)
    for kind, priority in (advice or {}).items():
        Orientation.objects.create(interview=item, kind=kind, priority=priority)
    return item


def test_quantiles_interpolate_between_ranks():
    assert median([3, 1, 2, 10]) == 2.5
    assert ninth_decile([3, 1, 2, 10]) == 7.9
    assert median([7]) == 7 and ninth_decile([7]) == 7
    assert quantile([], 0.5) is None
    assert median([4, 6, 10, 20, 35]) == 10
    assert ninth_decile([4, 6, 10, 20, 35]) == 29.0


HAND_MADE_LISTS = [
    [],
    [7],
    [0],
    [3, 1, 2, 10],  # even count
    [4, 6, 10, 20, 35],  # odd count
    [5, 5, 5, 5],  # one value, tied
    [1, 1, 9, 5, 5, 5],  # ties on both sides of the median
    [2, 4, 4, 8],  # the median between two equal values
    [0, 0, 3, 14, 14, 20, 61, 2, 2, 2, 7],
    [-3, 0, 2, 2],  # a rectification may date an interview before an arrival
    [30, 62],
    [1, 1000],
    list(range(1, 21)) + [20] * 7,
]


@pytest.mark.parametrize("values", HAND_MADE_LISTS)
@pytest.mark.parametrize("q", [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1])
def test_quantile_of_counts_is_the_quantile_of_the_values(values, q):
    distribution = distribution_of(values)
    assert sum(distribution.values()) == len(values)
    assert quantile_of_counts(distribution, q) == quantile(values, q)


@pytest.mark.parametrize("values", HAND_MADE_LISTS)
def test_distribution_figures_are_those_of_the_values(values):
    assert distribution_figures(distribution_of(values)) == {
        "median": median(values),
        "ninth_decile": ninth_decile(values),
        "min": min(values, default=None),
        "max": max(values, default=None),
    }


def test_distributions_count_whole_values_only_and_add_up():
    assert distribution_of([14, 3, 20, 14]) == {3: 1, 14: 2, 20: 1}
    assert list(distribution_of([14, 3, 20, 14])) == [3, 14, 20]
    with pytest.raises(TypeError):
        distribution_of([1.5, 2])
    # Values counted 0 times are absent, whatever the order of the keys.
    assert quantile_of_counts({9: 0, 5: 2, 1: 1, -1: 0}, 0.5) == 5
    assert distribution_figures({9: 0, 5: 2, 1: 1}) == {
        "median": 5,
        "ninth_decile": 5,
        "min": 1,
        "max": 5,
    }
    assert distribution_figures({3: 0}) == dict.fromkeys(("median", "ninth_decile", "min", "max"))
    # Two halves of a list, counted apart and added, give the quantiles of the whole list.
    left, right = [0, 0, 3, 14, 14, 20], [61, 2, 2, 2, 7]
    added = Counter(distribution_of(left)) + Counter(distribution_of(right))
    for q in (0.5, 0.9):
        assert quantile_of_counts(added, q) == quantile(left + right, q)


@pytest.mark.parametrize(
    "definition",
    [
        barriers.BARRIERS,
        orientations.ORIENTATIONS,
        orientations.REQUEST_OUTCOMES,
        orientations.WAITING_TIME,
        orientations.DEMAND,
        releases.DRY_RELEASES,
        *releases.DRY_RELEASES_BY_OFFENCE.values(),
        releases.READINESS,
        releases.DRY_RISK,
        followup.PEOPLE_PER_CPIP,
        followup.NOT_SEEN,
        followup.DLP_BROUGHT_FORWARD,
    ],
)
def test_every_definition_says_what_it_counts(definition: Definition):
    assert definition.code and definition.title
    assert definition.numerator and definition.denominator and definition.exclusions


# --- 4. Barriers ---------------------------------------------------------------------------


@pytest.fixture
def barrier_world(fresnes, lyon):
    none = BarrierLevel.NONE
    interview(
        fresnes,
        at(3, 5),
        barriers_found={"logement": "bloquant", "papiers": "important", "addictions": none},
    )
    # 23:30 in Paris on the last day: still March.
    interview(fresnes, at(3, 31, 23, 30), barriers_found={"logement": "leger"})
    interview(fresnes, at(3, 20), withheld=["freins"], barriers_found={"logement": "bloquant"})
    # Nothing present: in the denominator only.
    interview(fresnes, at(3, 10), barriers_found={"logement": none, "dettes": none})
    # Rectified in March, first validated in February: a February interview.
    interview(fresnes, at(2, 20), at(3, 15), barriers_found={"logement": "important"})
    # Rectification in progress: counts in the month of its first validation.
    interview(
        fresnes,
        at(3, 12),
        status=InterviewStatus.DRAFT,
        barriers_found={"dettes": "important"},
    )
    # Declared not done after a validation: left out.
    interview(
        fresnes,
        at(3, 13),
        status=InterviewStatus.NOT_DONE,
        not_done_reason=NotDoneReason.TRANSFER,
        barriers_found={"sante_mentale": "bloquant"},
    )
    interview(fresnes, at(4, 1, 0, 10), barriers_found={"logement": "bloquant"})  # April
    interview(lyon, at(3, 5), barriers_found={"logement": "bloquant"})


def test_barriers_prevalence_by_category_and_level(barrier_world, fresnes):
    result = barriers.compute([fresnes.pk], MARCH, today=TODAY)
    assert result.denominator == 4
    assert result.numerator == 3
    assert result.value == 75.0
    assert result.parts == {
        "logement": 2,
        "logement:leger": 1,
        "logement:bloquant": 1,
        "papiers": 1,
        "papiers:important": 1,
        "dettes": 1,
        "dettes:important": 1,
        "withheld": 1,
    }


def test_barriers_rectified_interview_counts_in_its_first_month(barrier_world, fresnes):
    result = barriers.compute([fresnes.pk], FEBRUARY, today=TODAY)
    assert (result.numerator, result.denominator) == (1, 1)
    assert result.parts == {"logement": 1, "logement:important": 1, "withheld": 0}


def test_barriers_scope(barrier_world, fresnes, lyon):
    lyon_only = barriers.compute([lyon.pk], MARCH, today=TODAY)
    assert (lyon_only.numerator, lyon_only.denominator) == (1, 1)
    both = barriers.compute([fresnes.pk, lyon.pk], MARCH, today=TODAY)
    assert (both.numerator, both.denominator) == (4, 5)
    assert both.parts["logement:bloquant"] == 2


# --- 5. Orientations and their requests ----------------------------------------------------


def offer(establishment, kind, places, **fields):
    values = {"title": f"{kind} {places}", "service": "RLF", "permanent": True, **fields}
    return Offer.objects.create(establishment=establishment, kind=kind, places=places, **values)


def request(item, kind, status, *, waiting_since=None, start_date=None, ended_on=None, **f):
    return PlacementRequest.objects.create(
        detainee=item.detainee,
        establishment=item.establishment,
        offer_kind=kind,
        priority="prioritaire",
        origin="entretien",
        interview=item,
        status=status,
        waiting_since=waiting_since,
        start_date=start_date,
        ended_on=ended_on,
        **f,
    )


def d(month, day):
    return datetime.date(2025, month, day)


@pytest.fixture
def orientation_world(fresnes, lyon, cpip_fresnes):
    work = offer(fresnes, "travail", 5)
    training = offer(fresnes, "formation_pro", 2)
    offer(fresnes, "travail", 3, permanent=False, start_date=d(1, 1), end_date=d(3, 31))
    offer(fresnes, "enseignement", 4, active=False)
    lyon_work = offer(lyon, "travail", 10)

    a = interview(
        fresnes,
        at(3, 5),
        advice={
            "formation_pro": "prioritaire",
            "travail_detention": "importante",
            "soins": "prioritaire",
        },
    )
    request(a, "formation_pro", "affecte", waiting_since=d(3, 10), start_date=d(3, 30),
            offer=training)  # fmt: skip
    request(a, "travail", "liste_attente", waiting_since=d(3, 6))
    interview(fresnes, at(3, 12), advice={"soins": "a_envisager"})  # the CPIP's: no request
    # Withheld after its requests were made: the orientation is not counted, its request is.
    c = interview(fresnes, at(3, 20), withheld=["preconisations"],
                  advice={"enseignement": "prioritaire"})  # fmt: skip
    request(c, "enseignement", "refuse", waiting_since=d(3, 21), ended_on=d(3, 25),
            refusal_reason="pas_de_place")  # fmt: skip
    e = interview(fresnes, at(3, 25), advice={"numerique": "importante",
                                              "illettrisme": "prioritaire"})  # fmt: skip
    request(e, "numerique", "a_examiner")
    request(e, "illettrisme", "retire", ended_on=d(3, 28))  # withdrawn before any wait
    f = interview(fresnes, at(3, 26), advice={"travail_detention": "prioritaire",
                                              "formation_pro": "importante"})  # fmt: skip
    request(f, "travail", "termine", waiting_since=d(3, 27), start_date=d(4, 6),
            ended_on=d(4, 8), offer=work)  # fmt: skip
    request(f, "formation_pro", "clos", waiting_since=d(3, 27), ended_on=d(4, 2),
            closing_reason="transfert")  # fmt: skip
    # February: not in March's figures.
    g = interview(fresnes, at(2, 26), advice={"travail_detention": "prioritaire"})
    request(g, "travail", "affecte", waiting_since=d(3, 1), start_date=d(3, 3), offer=work)
    # A request made directly by the CPIP: demand, not outcomes.
    PlacementRequest.objects.create(
        detainee=person(fresnes),
        establishment=fresnes,
        offer_kind="travail",
        priority="importante",
        origin="cpip",
        status="liste_attente",
        waiting_since=d(4, 1),
        created_by=cpip_fresnes,
    )
    h = interview(lyon, at(3, 5), advice={"travail_detention": "prioritaire"})
    request(h, "travail", "liste_attente", waiting_since=d(3, 6))
    return lyon_work


def test_orientations_by_kind(orientation_world, fresnes):
    result = orientations.orientations([fresnes.pk], MARCH, today=TODAY)
    assert result.denominator == 4
    assert result.numerator == 3
    assert result.value == 75.0
    assert result.parts == {
        "travail_detention": 2,
        "travail_detention:prioritaire": 1,
        "travail_detention:importante": 1,
        "formation_pro": 2,
        "formation_pro:prioritaire": 1,
        "formation_pro:importante": 1,
        "illettrisme": 1,
        "illettrisme:prioritaire": 1,
        "numerique": 1,
        "numerique:importante": 1,
        "soins": 2,
        "soins:prioritaire": 1,
        "soins:a_envisager": 1,
        "withheld": 1,
    }


def test_orientation_requests_outcome_and_waiting_time(orientation_world, fresnes):
    outcomes, waiting = orientations.requests([fresnes.pk], MARCH, today=TODAY)
    assert outcomes.denominator == 7
    assert outcomes.numerator == 2
    assert outcomes.value == 28.6
    assert outcomes.parts == {
        "a_examiner": 1,
        "liste_attente": 1,
        "affecte": 1,
        "termine": 1,
        "refuse": 1,
        "retire": 1,
        "clos": 1,
        "waited": 5,
    }
    # Waits: 20 (placed), 35 (still waiting on 10 April), 4 (refused), 10 (placed), 6 (closed).
    assert waiting.numerator == 5
    assert waiting.figures == {"median_days": 10.0, "ninth_decile_days": 29.0}
    assert waiting.value == 10.0
    assert waiting.parts == {"ongoing": 1, "ended": 4}
    assert waiting.distribution == {4: 1, 6: 1, 10: 1, 20: 1, 35: 1}


def test_orientation_requests_period_and_scope(orientation_world, fresnes, lyon):
    outcomes, waiting = orientations.requests([fresnes.pk], FEBRUARY, today=TODAY)
    assert (outcomes.numerator, outcomes.denominator) == (1, 1)
    assert waiting.figures == {"median_days": 2.0, "ninth_decile_days": 2.0}
    assert waiting.distribution == {2: 1}
    outcomes, waiting = orientations.requests([lyon.pk], MARCH, today=TODAY)
    assert (outcomes.numerator, outcomes.denominator) == (0, 1)
    assert waiting.figures["median_days"] == 35.0  # 6 March → 10 April
    assert waiting.distribution == {35: 1}


def test_waiting_times_add_up_to_the_same_quantiles(orientation_world, fresnes, lyon):
    _, both = orientations.requests([fresnes.pk, lyon.pk], MARCH, today=TODAY)
    pieces = [orientations.requests([pk], MARCH, today=TODAY)[1] for pk in (fresnes.pk, lyon.pk)]
    added = Counter(pieces[0].distribution) + Counter(pieces[1].distribution)
    assert both.distribution == added == {4: 1, 6: 1, 10: 1, 20: 1, 35: 2}
    # Six waits: the median between 10 and 20; the 9th decile at rank 4.5, between the two 35.
    assert both.figures == {"median_days": 15.0, "ninth_decile_days": 35.0}
    figures = distribution_figures(added)
    assert (figures["median"], figures["ninth_decile"]) == (15.0, 35.0)
    # February and March kept apart give February–March again.
    _, months = orientations.requests([fresnes.pk], Period(d(2, 1), d(3, 31)), today=TODAY)
    apart = [orientations.requests([fresnes.pk], m, today=TODAY)[1] for m in (FEBRUARY, MARCH)]
    added = Counter(apart[0].distribution) + Counter(apart[1].distribution)
    assert months.distribution == added == {2: 1, 4: 1, 6: 1, 10: 1, 20: 1, 35: 1}
    assert months.figures == {"median_days": 8.0, "ninth_decile_days": 27.5}
    assert distribution_figures(added)["median"] == 8.0


def test_demand_vs_places_today(orientation_world, fresnes, lyon):
    result = orientations.demand([fresnes.pk], today=TODAY)
    # The numerique request is only to examine, without offer: the kind is shown all the same,
    # so that a scope's counts are the sums of its establishments' (the inactive enseignement
    # offer and the ended travail offer are not shown).
    assert result.parts == {
        "waiting:travail": 2,
        "to_review:travail": 0,
        "waiting:formation_pro": 0,
        "to_review:formation_pro": 0,
        "waiting:numerique": 0,
        "to_review:numerique": 1,
    }
    assert result.figures == {
        "places:travail": 5,
        "offers:travail": 1,
        "places:formation_pro": 2,
        "offers:formation_pro": 1,
        "places:numerique": 0,
        "offers:numerique": 0,
    }
    assert result.distribution == {}
    assert (result.numerator, result.denominator, result.value) == (2, 7, 0.29)
    both = orientations.demand([fresnes.pk, lyon.pk], today=TODAY)
    assert both.parts["waiting:travail"] == 3
    assert both.figures["places:travail"] == 15
    assert (both.numerator, both.denominator, both.value) == (3, 17, 0.18)


def test_demand_adds_up_when_a_kind_is_offered_in_one_establishment_only(
    orientation_world, fresnes, lyon
):
    # Lyon offers numerique places; Fresnes has a numerique request to review and no offer:
    # Fresnes shows the kind all the same, or the sum would lose its request.
    offer(lyon, "numerique", 2)
    fresnes_only = orientations.demand([fresnes.pk], today=TODAY)
    lyon_only = orientations.demand([lyon.pk], today=TODAY)
    both = orientations.demand([fresnes.pk, lyon.pk], today=TODAY)
    assert fresnes_only.parts["to_review:numerique"] == 1
    assert lyon_only.figures["places:numerique"] == 2
    assert (both.parts["to_review:numerique"], both.figures["places:numerique"]) == (1, 2)
    assert counts_of(both) == added_up(fresnes_only, lyon_only)


# --- 6. Releases ---------------------------------------------------------------------------


def released(establishment, on, kind, offence="delit", plan=None, **fields):
    someone = person(
        establishment, release_date=on, release_kind=kind, offence_category=offence, **fields
    )
    if plan is not None:
        done, total = plan
        ReleasePlan.objects.create(
            detainee=someone,
            closed_on=on,
            final_release_kind=kind,
            final_essential_done=done,
            final_essential_total=total,
        )
    return someone


@pytest.fixture
def release_world(fresnes, lyon):
    released(fresnes, d(3, 5), "sortie_seche", plan=(3, 3))
    released(fresnes, d(3, 31), "sortie_seche", plan=(1, 2))
    released(fresnes, d(3, 15), "lsc")
    released(fresnes, d(3, 1), "ddse", offence="crime", plan=(0, 0))
    released(fresnes, d(3, 20), "sortie_seche", offence="crime", plan=(1, 1))
    released(fresnes, d(3, 10), "liberation_audience", legal_status="prevenu")
    released(fresnes, d(4, 1), "sortie_seche", plan=(0, 2))
    released(fresnes, d(2, 28), "sortie_seche")
    released(lyon, d(3, 10), "sortie_seche")


def kinds(**counts):
    every = dict.fromkeys(
        [
            "sortie_seche",
            "lsc",
            "ddse",
            "semi_liberte",
            "placement_exterieur",
            "liberation_conditionnelle",
            "liberation_audience",
        ],
        0,
    )
    return {**every, **counts}


def test_dry_releases_by_offence_and_readiness(release_world, fresnes):
    every, delits, crimes, readiness = releases.released([fresnes.pk], MARCH, today=TODAY)
    assert every.parts == kinds(sortie_seche=3, lsc=1, ddse=1, liberation_audience=1)
    assert (every.numerator, every.denominator, every.value) == (3, 5, 60.0)
    assert delits.definition.code == "dry_releases_delit"
    assert delits.parts == kinds(sortie_seche=2, lsc=1, liberation_audience=1)
    assert (delits.numerator, delits.denominator, delits.value) == (2, 3, 66.7)
    assert crimes.parts == kinds(sortie_seche=1, ddse=1)
    assert (crimes.numerator, crimes.denominator, crimes.value) == (1, 2, 50.0)
    assert (readiness.numerator, readiness.denominator, readiness.value) == (2, 3, 66.7)
    assert readiness.parts == {"ready": 2, "not_ready": 1, "no_plan": 2, "no_essential": 1}


def test_releases_scope_and_empty_period(release_world, fresnes, lyon):
    every, *_ = releases.released([lyon.pk], MARCH, today=TODAY)
    assert (every.numerator, every.denominator) == (1, 1)
    every, delits, crimes, readiness = releases.released(
        [fresnes.pk], Period(d(1, 1), d(1, 31)), today=TODAY
    )
    assert (every.numerator, every.denominator, every.value) == (0, 0, None)
    assert delits.value is None and crimes.value is None
    assert (readiness.numerator, readiness.denominator, readiness.value) == (0, 0, None)


@pytest.fixture
def risk_world(fresnes, lyon):
    def held(days, **fields):
        dlp = None if days is None else TODAY + datetime.timedelta(days=days)
        return person(fresnes, expected_release_date=dlp, **fields)

    held(30)  # no arrangement: at risk, within 12 weeks
    protected = held(88)  # an arrangement requested, but housing not done: at risk, beyond
    SentenceArrangementFactory(detainee=protected, requested_on=d(3, 1))
    plan = ReleasePlan.objects.create(detainee=protected)
    Milestone.objects.create(plan=plan, label="Hébergement", category="logement", essential=True)
    Milestone.objects.create(plan=plan, label="Santé", category="sante", essential=True)
    granted = held(60)
    SentenceArrangementFactory(
        detainee=granted, status="granted", requested_on=d(2, 1), decided_on=d(3, 1)
    )
    refused = held(60)  # a refused arrangement does not protect
    SentenceArrangementFactory(
        detainee=refused, status="refused", requested_on=d(2, 1), decided_on=d(3, 1)
    )
    held(-5)  # past their DLP, still held
    held(120)  # not within 90 days
    held(None)  # no DLP
    released(fresnes, d(3, 5), "sortie_seche", expected_release_date=d(3, 5))
    person(lyon, expected_release_date=TODAY + datetime.timedelta(days=30))


def test_dry_release_risk_now(risk_world, fresnes, lyon):
    result = releases.risk([fresnes.pk], today=TODAY)
    assert (result.numerator, result.denominator, result.value) == (4, 5, 80.0)
    assert result.parts == {
        "within_12_weeks": 3,
        "beyond_12_weeks": 1,
        "no_arrangement": 3,
        "critical_open": 1,
    }
    lyon_only = releases.risk([lyon.pk], today=TODAY)
    assert (lyon_only.numerator, lyon_only.denominator) == (1, 1)


# --- 7. Follow-up --------------------------------------------------------------------------


@pytest.fixture
def followup_world(fresnes, lyon, cpip_fresnes, cpip_lyon):
    b = UserFactory(cpip=True, establishments=[fresnes])
    c = UserFactory(cpip=True, establishments=[fresnes])

    def held(referent, *contacts, days=200):
        someone = person(
            fresnes, referent=referent, expected_release_date=TODAY + datetime.timedelta(days)
        )
        for on_date in contacts:
            Contact.objects.create(detainee=someone, on_date=on_date, kind="entretien", subject=".")
        return someone

    held(cpip_fresnes, d(3, 1))
    held(cpip_fresnes, datetime.date(2024, 9, 1), days=30)  # not seen, released soon
    held(cpip_fresnes)  # never seen
    # Seen exactly 183 days ago (the last contact counts, not the older one): seen.
    held(b, datetime.date(2024, 1, 1), datetime.date(2024, 10, 9))
    for _ in range(5):
        held(c, d(4, 1))
    held(None, d(4, 1))
    held(None, d(4, 2))
    released(fresnes, d(3, 5), "sortie_seche", referent=cpip_fresnes)
    for _ in range(7):
        person(lyon, referent=cpip_lyon)


def test_people_per_cpip_and_not_seen(followup_world, fresnes):
    people, not_seen = followup.caseloads([fresnes.pk], today=TODAY)
    assert (people.numerator, people.denominator) == (9, 11)
    assert people.parts == {"with_referent": 9, "without_referent": 2}
    assert people.figures == {"median": 3, "min": 1, "max": 5, "ninth_decile": 4.6, "cpip": 3}
    assert people.value == 3
    assert people.distribution == {1: 1, 3: 1, 5: 1}  # b 1, cpip_fresnes 3, c 5
    assert (not_seen.numerator, not_seen.denominator, not_seen.value) == (2, 11, 18.2)
    assert not_seen.parts == {"within_12_weeks": 1, "beyond_12_weeks": 1, "never_seen": 1}


def test_follow_up_scope(followup_world, fresnes, lyon):
    people, not_seen = followup.caseloads([fresnes.pk, lyon.pk], today=TODAY)
    assert people.figures["median"] == 4.0
    assert people.figures["max"] == 7
    assert people.distribution == {1: 1, 3: 1, 5: 1, 7: 1}
    assert (not_seen.numerator, not_seen.denominator) == (9, 18)


def test_a_cpip_of_two_establishments_counts_in_each(followup_world, fresnes, lyon):
    """People per CPIP is kept per establishment: a CPIP referent in Fresnes and in Lyon is two
    values of the distribution, so that the establishments' distributions add up."""
    both_sides = UserFactory(cpip=True, establishments=[fresnes, lyon])
    for establishment, how_many in ((fresnes, 2), (lyon, 3)):
        for _ in range(how_many):
            person(establishment, referent=both_sides)

    fresnes_only, _ = followup.caseloads([fresnes.pk], today=TODAY)
    assert fresnes_only.distribution == {1: 1, 2: 1, 3: 1, 5: 1}
    lyon_only, _ = followup.caseloads([lyon.pk], today=TODAY)
    assert lyon_only.distribution == {3: 1, 7: 1}
    people, _ = followup.caseloads([fresnes.pk, lyon.pk], today=TODAY)
    added = Counter(fresnes_only.distribution) + Counter(lyon_only.distribution)
    assert people.distribution == added == {1: 1, 2: 1, 3: 2, 5: 1, 7: 1}
    # Six values 1 2 3 3 5 7: the 9th decile at rank 4.5, between 5 and 7.
    assert people.figures == {"median": 3, "min": 1, "max": 7, "ninth_decile": 6.0, "cpip": 6}
    figures = distribution_figures(added)
    assert {key: people.figures[key] for key in figures} == figures
    assert people.parts == {"with_referent": 21, "without_referent": 2}


@pytest.fixture
def dlp_world(fresnes, lyon):
    def change(someone, on, previous, new, reason):
        ReleaseDateChange.objects.create(
            detainee=someone, changed_on=on, previous_date=previous, new_date=new, reason=reason
        )

    q1 = person(fresnes)
    change(q1, d(3, 5), d(12, 1), d(11, 1), "reduction")  # 30 days earlier
    change(q1, d(3, 20), d(11, 1), d(11, 15), "retrait")  # later
    q2 = person(fresnes)
    change(q2, d(3, 31), d(8, 1), d(5, 31), "extraction")  # 62 days earlier, 61 days away
    change(q2, d(4, 1), d(5, 31), d(5, 20), "reduction")  # April
    change(q2, d(2, 28), d(9, 1), d(8, 1), "reduction")  # February
    person(fresnes, arrival_date=d(3, 10))  # its initial DLP, set on 10 March: not a change
    q5 = person(fresnes)
    change(q5, d(3, 15), d(10, 1), d(10, 1), "erreur_saisie")  # the same date
    change(person(lyon), d(3, 10), d(10, 11), d(10, 1), "reduction")


def test_dlps_brought_forward(dlp_world, fresnes, lyon):
    result = followup.brought_forward([fresnes.pk], MARCH)
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)
    assert result.parts == {
        "reduction": 1,
        "retrait": 0,
        "nouvelle_condamnation": 0,
        "jonction": 0,
        "erreur_saisie": 0,
        "extraction": 1,
        "within_12_weeks": 1,
    }
    assert result.figures == {"median_days": 46.0, "max_days": 62}
    assert result.distribution == {30: 1, 62: 1}
    lyon_only = followup.brought_forward([lyon.pk], MARCH)
    assert (lyon_only.numerator, lyon_only.denominator) == (1, 1)
    assert lyon_only.figures == {"median_days": 10.0, "max_days": 10}
    assert lyon_only.distribution == {10: 1}

    both = followup.brought_forward([fresnes.pk, lyon.pk], MARCH)
    added = Counter(result.distribution) + Counter(lyon_only.distribution)
    assert both.distribution == added == {10: 1, 30: 1, 62: 1}
    assert both.figures == {"median_days": 30.0, "max_days": 62}
    figures = distribution_figures(added)
    assert (figures["median"], figures["max"]) == (30.0, 62)
    # February (31 days, q2) and March kept apart give February–March again.
    months = followup.brought_forward([fresnes.pk], Period(d(2, 1), d(3, 31)))
    added = Counter(followup.brought_forward([fresnes.pk], FEBRUARY).distribution) + Counter(
        result.distribution
    )
    assert months.distribution == added == {30: 1, 31: 1, 62: 1}
    assert months.figures == {"median_days": 31.0, "max_days": 62}


# --- Adding up -----------------------------------------------------------------------------


def added_up(*results):
    """What the monthly snapshot does with results kept per establishment and month: add their
    counts, their parts and their distributions."""
    parts, distribution = Counter(), Counter()
    for result in results:
        parts.update(result.parts)  # update() keeps the zeros, as the whole does
        distribution.update(result.distribution)
    return {
        "numerator": sum(result.numerator for result in results),
        "denominator": sum(result.denominator for result in results),
        "parts": dict(parts),
        "distribution": dict(distribution),
    }


def counts_of(result):
    return {
        "numerator": result.numerator,
        "denominator": result.denominator,
        "parts": result.parts,
        "distribution": result.distribution,
    }


# The figures drawn from a distribution, by the name each indicator gives them.
QUANTILE_FIGURES = {
    "median_days": "median",
    "ninth_decile_days": "ninth_decile",
    "max_days": "max",
    "median": "median",
    "ninth_decile": "ninth_decile",
    "min": "min",
    "max": "max",
}

OVER_A_PERIOD = {
    "barriers": lambda ids, period: [barriers.compute(ids, period, today=TODAY)],
    "orientations": lambda ids, period: [orientations.orientations(ids, period, today=TODAY)],
    "requests": lambda ids, period: list(orientations.requests(ids, period, today=TODAY)),
    "releases": lambda ids, period: releases.released(ids, period, today=TODAY),
    "brought_forward": lambda ids, period: [followup.brought_forward(ids, period)],
}
# « Today » figures: they add up across establishments, never across months.
TODAY_ONLY = {
    "demand": lambda ids: [orientations.demand(ids, today=TODAY)],
    "risk": lambda ids: [releases.risk(ids, today=TODAY)],
    "caseloads": lambda ids: list(followup.caseloads(ids, today=TODAY)),
}


@pytest.fixture
def every_world(
    barrier_world, orientation_world, release_world, risk_world, followup_world, dlp_world
):
    """All the worlds at once (they share Fresnes and Lyon)."""


def assert_adds_up(whole, pieces):
    """`whole` and the results of `pieces` (lists of results, one per piece) have the same
    counts; the quantile figures of the whole are those of the added distributions."""
    for index, result in enumerate(whole):
        parts_of_it = [piece[index] for piece in pieces]
        assert counts_of(result) == added_up(*parts_of_it)
        assert all(isinstance(n, int) for n in result.parts.values())
        drawn = distribution_figures(added_up(*parts_of_it)["distribution"])
        for key, value in result.figures.items():
            if key in QUANTILE_FIGURES:
                assert value == drawn[QUANTILE_FIGURES[key]], key


@pytest.mark.parametrize("name", OVER_A_PERIOD)
def test_period_results_add_up_across_establishments_and_months(every_world, fresnes, lyon, name):
    compute = OVER_A_PERIOD[name]
    ids = [fresnes.pk, lyon.pk]
    assert_adds_up(compute(ids, MARCH), [compute([pk], MARCH) for pk in ids])
    two_months = compute(ids, Period(d(2, 1), d(3, 31)))
    assert_adds_up(two_months, [compute(ids, month) for month in (FEBRUARY, MARCH)])
    assert any(result.denominator for result in two_months)


@pytest.mark.parametrize("name", TODAY_ONLY)
def test_today_results_add_up_across_establishments(every_world, fresnes, lyon, name):
    compute = TODAY_ONLY[name]
    ids = [fresnes.pk, lyon.pk]
    whole = compute(ids)
    pieces = [compute([pk]) for pk in ids]
    assert_adds_up(whole, pieces)
    assert any(result.denominator for result in whole)
    for index, result in enumerate(whole):
        # The figures that are counts (places, offers, how many CPIP) add up too.
        counted = {k: v for k, v in result.figures.items() if k not in QUANTILE_FIGURES}
        added = Counter()
        for piece in pieces:
            added.update({k: v for k, v in piece[index].figures.items() if k in counted})
        assert counted == dict(added)


# --- Query counts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "queries"), [(barriers, 2), (orientations, 5), (releases, 2), (followup, 2)]
)
def test_constant_number_of_queries(
    module, queries, barrier_world, orientation_world, release_world, risk_world, followup_world,
    dlp_world, fresnes, lyon, django_assert_num_queries,
):  # fmt: skip
    third = EstablishmentFactory()
    with django_assert_num_queries(queries):
        module.compute([fresnes.pk], MARCH, today=TODAY)
    with django_assert_num_queries(queries):
        module.compute([fresnes.pk, lyon.pk, third.pk], MARCH, today=TODAY)
