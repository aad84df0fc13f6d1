"""Steering indicators 4 to 7 (issue 15): barriers, orientations and their requests, releases,
follow-up — each on a small hand-made world whose figures are written below."""

import datetime

import pytest
from django.utils import timezone

from entretiens.choices import BarrierLevel, InterviewStatus, NotDoneReason
from entretiens.models import BarrierAssessment, InterviewVersion, Orientation
from insertion.detainees.models import Contact, ReleaseDateChange
from insertion.placements.models import Offer, PlacementRequest
from insertion.release.models import Milestone, ReleasePlan
from insertion.statistics.definitions import Definition, Period
from insertion.statistics.indicators import barriers, followup, orientations, releases
from insertion.statistics.indicators.common import median, ninth_decile, quantile
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


def test_orientation_requests_period_and_scope(orientation_world, fresnes, lyon):
    outcomes, waiting = orientations.requests([fresnes.pk], FEBRUARY, today=TODAY)
    assert (outcomes.numerator, outcomes.denominator) == (1, 1)
    assert waiting.figures == {"median_days": 2.0, "ninth_decile_days": 2.0}
    outcomes, waiting = orientations.requests([lyon.pk], MARCH, today=TODAY)
    assert (outcomes.numerator, outcomes.denominator) == (0, 1)
    assert waiting.figures["median_days"] == 35.0  # 6 March → 10 April


def test_demand_vs_places_today(orientation_world, fresnes, lyon):
    result = orientations.demand([fresnes.pk], today=TODAY)
    # The numerique request is only to examine, without offer: the kind is not shown.
    assert result.parts == {
        "waiting:travail": 2,
        "to_review:travail": 0,
        "waiting:formation_pro": 0,
        "to_review:formation_pro": 0,
    }
    assert result.figures == {
        "places:travail": 5,
        "offers:travail": 1,
        "places:formation_pro": 2,
        "offers:formation_pro": 1,
    }
    assert (result.numerator, result.denominator, result.value) == (2, 7, 0.29)
    both = orientations.demand([fresnes.pk, lyon.pk], today=TODAY)
    assert both.parts["waiting:travail"] == 3
    assert both.figures["places:travail"] == 15
    assert (both.numerator, both.denominator, both.value) == (3, 17, 0.18)


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
    assert (not_seen.numerator, not_seen.denominator, not_seen.value) == (2, 11, 18.2)
    assert not_seen.parts == {"within_12_weeks": 1, "beyond_12_weeks": 1, "never_seen": 1}


def test_follow_up_scope(followup_world, fresnes, lyon):
    people, not_seen = followup.caseloads([fresnes.pk, lyon.pk], today=TODAY)
    assert people.figures["median"] == 4.0
    assert people.figures["max"] == 7
    assert (not_seen.numerator, not_seen.denominator) == (9, 18)


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
    lyon_only = followup.brought_forward([lyon.pk], MARCH)
    assert (lyon_only.numerator, lyon_only.denominator) == (1, 1)
    assert lyon_only.figures == {"median_days": 10.0, "max_days": 10}


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
