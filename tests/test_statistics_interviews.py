"""Steering indicators 1 to 3 (issue 15): interview coverage, delay from arrival to interview,
synthesis delivered within five days — on a small hand-made world whose figures are written
below.

The world, March 2026 at Fresnes (due date = arrival + 15 days; computed on 1 May 2026):

    arrival  due    what happened                                  synthesis (version 1)
A   20/02    07/03  conducted 04/03, validated 05/03               sent 10/03 23:30, due 10/03
B   01/03    16/03  conducted 24/03, validated 25/03 (late)        sent 31/03 00:30, due 30/03
C   05/03    20/03  conducted 09/03, validated 10/03, rectified    sent 12/03; v2 failed
                    and validated again 15/03
D   05/03    20/03  « non réalisé » : refusal on 12/03
E   08/03    23/03  still to do
F   02/03    17/03  transferred 10/03, before the due date (exempt)
G   03/03    18/03  released 18/03, on the due date (exempt)
H   16/03    31/03  conducted 31/03, validated 31/03 23:30          rendering failed, due 05/04
I   17/03    01/04  conducted 31/03, validated 01/04 00:30 (April)  no recipient, due 06/04
J   10/02    25/02  conducted 01/03, validated 02/03 (due Feb.)    one address refused, due 07/03
K   04/03    19/03  transferred 25/03, after the due date, never interviewed
M   25/02    12/03  conducted 11/03, validated 11/03               no recipient, due 16/03
N   06/03    21/03  conducted 19/03, validated 20/03               still sending, due 25/03

Lyon, March 2026: L1 validated 05/03 (3 days, synthesis on time), L2 still to do, L3 refusal.
"""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from entretiens.choices import DeliveryStatus, NotDoneReason, SynthesisStatus
from entretiens.models import Interview, InterviewVersion, Synthesis, SynthesisDelivery
from entretiens.owed import interview_close_for_departure, interview_declare_not_done
from entretiens.services import interview_rectify, interview_validate
from entretiens.synthesis import synthesis_due_date
from insertion.detainees.choices import DepartureReason, ReleaseKind
from insertion.detainees.models import Incarceration
from insertion.person.services import detainee_release
from insertion.statistics.definitions import Period
from insertion.statistics.indicators import interviews
from insertion.statistics.indicators.common import distribution_figures
from tests.factories import DetaineeFactory, EstablishmentFactory, InterviewFactory
from tests.factories import validated_interview as service_validated_interview

MARCH = Period.month(2026, 3)
APRIL = Period.month(2026, 4)
FEBRUARY = Period.month(2026, 2)
TODAY = datetime.date(2026, 5, 1)


def day(month, number):
    return datetime.date(2026, month, number)


def at(month, number, hour=10, minute=0):
    """A moment in the project's time zone (Paris)."""
    return timezone.make_aware(datetime.datetime(2026, month, number, hour, minute))


def owed(establishment, arrival):
    """The interview owed to a new arrival, still to do."""
    detainee = DetaineeFactory(
        establishment=establishment,
        arrival_date=arrival,
        expected_release_date=datetime.date(2027, 6, 1),
    )
    return InterviewFactory(detainee=detainee)


def move_validation(interview, number, moment):
    """Date the validation `number` (made now by the service) at `moment`, with its synthesis'
    due date."""
    InterviewVersion.objects.filter(interview=interview, number=number).update(validated_at=moment)
    Synthesis.objects.filter(interview=interview, number=number).update(
        due_date=synthesis_due_date(timezone.localtime(moment).date())
    )
    Interview.objects.filter(pk=interview.pk, version=number).update(validated_at=moment)


def validated(establishment, arrival, *, conducted_on, validated_at):
    """An interview filled and validated through the service, then dated."""
    detainee = DetaineeFactory(
        establishment=establishment,
        arrival_date=arrival,
        expected_release_date=datetime.date(2027, 6, 1),
    )
    interview = service_validated_interview(detainee=detainee)
    Interview.objects.filter(pk=interview.pk).update(conducted_on=conducted_on)
    move_validation(interview, 1, validated_at)
    interview.refresh_from_db()
    return interview


def synthesis_outcome(interview, *, number=1, status, delivered_at=None, deliveries=()):
    """Set what became of a synthesis: its status, when it was delivered, its emails."""
    synthesis = Synthesis.objects.get(interview=interview, number=number)
    Synthesis.objects.filter(pk=synthesis.pk).update(
        status=status,
        delivered_at=delivered_at,
        sha256="" if status in (SynthesisStatus.PENDING, SynthesisStatus.FAILED) else "0" * 64,
        last_error="WeasyPrint : erreur" if status == SynthesisStatus.FAILED else "",
    )
    for index, delivery_status in enumerate(deliveries):
        SynthesisDelivery.objects.create(
            synthesis=synthesis,
            email=f"destinataire{index}@test.insertion.fr",
            status=delivery_status,
            attempts=2,
            last_error="SMTPRecipientsRefused: 550" if delivery_status == "echec" else "",
        )


def transfer(interview, on_date):
    Incarceration.objects.filter(detainee=interview.detainee, departure_date__isnull=True).update(
        departure_date=on_date, departure_reason=DepartureReason.TRANSFER
    )
    interview_close_for_departure(
        detainee=interview.detainee, reason=NotDoneReason.TRANSFER, on_date=on_date
    )


@pytest.fixture
def world(fresnes, lyon):
    a = validated(fresnes, day(2, 20), conducted_on=day(3, 4), validated_at=at(3, 5))
    synthesis_outcome(
        a,
        status=SynthesisStatus.DELIVERED,
        delivered_at=at(3, 10, 23, 30),
        deliveries=[DeliveryStatus.SENT],
    )
    b = validated(fresnes, day(3, 1), conducted_on=day(3, 24), validated_at=at(3, 25))
    synthesis_outcome(
        b,
        status=SynthesisStatus.DELIVERED,
        delivered_at=at(3, 31, 0, 30),  # 30/03 22:30 UTC, but the 31st in Paris: late
        deliveries=[DeliveryStatus.SENT],
    )
    c = validated(fresnes, day(3, 5), conducted_on=day(3, 9), validated_at=at(3, 10))
    synthesis_outcome(
        c, status=SynthesisStatus.DELIVERED, delivered_at=at(3, 12), deliveries=["envoye"]
    )
    interview_rectify(interview=c, by=None, reason="Erreur sur le diplôme")
    interview_validate(interview=c, by=None, lock_version=None)
    move_validation(c, 2, at(3, 15))
    synthesis_outcome(c, number=2, status=SynthesisStatus.FAILED)

    d = owed(fresnes, day(3, 5))
    interview_declare_not_done(interview=d, by=None, reason=NotDoneReason.REFUSAL, today=day(3, 12))
    owed(fresnes, day(3, 8))  # E, never done
    f = owed(fresnes, day(3, 2))
    transfer(f, day(3, 10))
    g = owed(fresnes, day(3, 3))
    detainee_release(detainee=g.detainee, on_date=day(3, 18), kind=ReleaseKind.DRY)

    h = validated(fresnes, day(3, 16), conducted_on=day(3, 31), validated_at=at(3, 31, 23, 30))
    synthesis_outcome(h, status=SynthesisStatus.FAILED)
    i = validated(fresnes, day(3, 17), conducted_on=day(3, 31), validated_at=at(4, 1, 0, 30))
    synthesis_outcome(i, status=SynthesisStatus.PENDING)
    j = validated(fresnes, day(2, 10), conducted_on=day(3, 1), validated_at=at(3, 2))
    synthesis_outcome(
        j, status=SynthesisStatus.RENDERED, deliveries=[DeliveryStatus.SENT, DeliveryStatus.FAILED]
    )
    k = owed(fresnes, day(3, 4))
    transfer(k, day(3, 25))
    m = validated(fresnes, day(2, 25), conducted_on=day(3, 11), validated_at=at(3, 11))
    synthesis_outcome(m, status=SynthesisStatus.RENDERED)
    n = validated(fresnes, day(3, 6), conducted_on=day(3, 19), validated_at=at(3, 20))
    synthesis_outcome(n, status=SynthesisStatus.RENDERED, deliveries=[DeliveryStatus.PENDING])

    l1 = validated(lyon, day(3, 1), conducted_on=day(3, 4), validated_at=at(3, 5))
    synthesis_outcome(
        l1, status=SynthesisStatus.DELIVERED, delivered_at=at(3, 6), deliveries=["envoye"]
    )
    owed(lyon, day(3, 3))
    l3 = owed(lyon, day(3, 5))
    interview_declare_not_done(
        interview=l3, by=None, reason=NotDoneReason.REFUSAL, today=day(3, 10)
    )
    return {"fresnes": fresnes, "lyon": lyon}


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


def no_reason_but(**counts):
    """Every « non réalisé » reason at 0 but the ones given."""
    return {f"not_done:{reason}": counts.get(reason, 0) for reason in NotDoneReason.values}


# --- 1. Coverage ---------------------------------------------------------------------------


def test_coverage_counts_the_arrivals_present_at_their_due_date(world):
    result = interviews.coverage([world["fresnes"].pk], MARCH, today=TODAY)

    # A, B, C, D, E, H, K, M, N present at their due date; A, B, C, H, M, N validated.
    assert (result.numerator, result.denominator) == (6, 9)
    assert result.value == 66.7
    assert result.figures == {"on_time_rate": 55.6}
    assert result.parts == {
        "validated_on_time": 5,  # A, C (once, despite its rectification), H, M, N
        "validated_late": 1,  # B
        **no_reason_but(refus=1, transfert=1),  # D; K left after its due date, never seen
        "still_open": 1,  # E
        "exempt:transfert": 1,  # F
        "exempt:liberation": 1,  # G, released on the due date itself
    }
    assert result.parts.keys() == interviews.COVERAGE_PARTS.keys()
    in_denominator = sum(v for k, v in result.parts.items() if not k.startswith("exempt:"))
    assert in_denominator == result.denominator


def test_coverage_period_bounds_on_the_due_date(world):
    fresnes = [world["fresnes"].pk]
    # I is due on 1 April, the day after March: it counts in April, not in March.
    april = interviews.coverage(fresnes, APRIL, today=TODAY)
    assert (april.numerator, april.denominator) == (1, 1)
    assert april.parts["validated_on_time"] == 1  # validated 01/04 00:30, the due date
    # J is due on 25 February and validated on 2 March: late, in February.
    february = interviews.coverage(fresnes, FEBRUARY, today=TODAY)
    assert (february.numerator, february.denominator) == (1, 1)
    assert (february.parts["validated_on_time"], february.parts["validated_late"]) == (0, 1)


def test_coverage_leaves_out_due_dates_not_yet_past(world):
    # On 31 March, H's due date (31/03) is today: not yet owed.
    result = interviews.coverage([world["fresnes"].pk], MARCH, today=day(3, 31))
    assert (result.numerator, result.denominator) == (5, 8)
    assert result.parts["validated_on_time"] == 4


def test_coverage_of_lyon_ignores_fresnes_and_adds_up(world):
    lyon = interviews.coverage([world["lyon"].pk], MARCH, today=TODAY)
    assert (lyon.numerator, lyon.denominator) == (1, 3)
    assert lyon.parts == {
        "validated_on_time": 1,
        "validated_late": 0,
        **no_reason_but(refus=1),
        "still_open": 1,
        "exempt:transfert": 0,
        "exempt:liberation": 0,
    }
    both = interviews.coverage([world["fresnes"].pk, world["lyon"].pk], MARCH, today=TODAY)
    assert (both.numerator, both.denominator) == (7, 12)
    assert both.parts["not_done:refus"] == 2


# --- 2. Delay ------------------------------------------------------------------------------


def test_delay_of_the_interviews_validated_in_the_period(world):
    result = interviews.delay([world["fresnes"].pk], MARCH, today=TODAY)

    # A 12, B 23, C 4 (its rectification changes nothing), H 15 (validated 31/03 23:30),
    # J 19, M 14, N 13 days; I (validated 01/04 00:30) belongs to April.
    assert (result.numerator, result.denominator) == (5, 7)
    assert result.value == 71.4
    assert result.figures == {"median_days": 14, "ninth_decile_days": 20.6}
    assert result.distribution == {4: 1, 12: 1, 13: 1, 14: 1, 15: 1, 19: 1, 23: 1}


def test_delay_scope_and_next_period(world):
    lyon = interviews.delay([world["lyon"].pk], MARCH, today=TODAY)
    assert (lyon.numerator, lyon.denominator) == (1, 1)
    assert lyon.figures == {"median_days": 3, "ninth_decile_days": 3}
    assert lyon.distribution == {3: 1}

    april = interviews.delay([world["fresnes"].pk], APRIL, today=TODAY)
    assert (april.numerator, april.denominator) == (1, 1)
    assert april.figures == {"median_days": 14, "ninth_decile_days": 14}
    assert april.distribution == {14: 1}  # I: 17/03 → 31/03


def test_delay_distributions_add_up_to_the_same_quantiles(world):
    fresnes, lyon = world["fresnes"].pk, world["lyon"].pk
    both = interviews.delay([fresnes, lyon], MARCH, today=TODAY)
    pieces = [interviews.delay([pk], MARCH, today=TODAY) for pk in (fresnes, lyon)]
    assert counts_of(both) == added_up(*pieces)
    assert both.distribution == {3: 1, 4: 1, 12: 1, 13: 1, 14: 1, 15: 1, 19: 1, 23: 1}
    # Median of 8 values: between 13 and 14; 9th decile at rank 6.3: 19 + 0.3 × 4.
    assert both.figures == {"median_days": 13.5, "ninth_decile_days": 20.2}
    quantiles = distribution_figures(added_up(*pieces)["distribution"])
    assert (quantiles["median"], quantiles["ninth_decile"]) == (13.5, 20.2)

    # And month by month: March and April kept apart give March–April again, ties included.
    spring = interviews.delay([fresnes], Period(day(3, 1), day(4, 30)), today=TODAY)
    months = [interviews.delay([fresnes], month, today=TODAY) for month in (MARCH, APRIL)]
    assert counts_of(spring) == added_up(*months)
    assert spring.distribution == {4: 1, 12: 1, 13: 1, 14: 2, 15: 1, 19: 1, 23: 1}
    quantiles = distribution_figures(added_up(*months)["distribution"])
    assert spring.figures == {
        "median_days": quantiles["median"],
        "ninth_decile_days": quantiles["ninth_decile"],
    }
    assert spring.figures == {"median_days": 14, "ninth_decile_days": 20.2}


def test_delay_with_nothing_measured_has_no_value(world):
    result = interviews.delay([world["fresnes"].pk], Period.month(2026, 1), today=TODAY)
    assert (result.numerator, result.denominator, result.value) == (0, 0, None)
    assert result.figures == {"median_days": None, "ninth_decile_days": None}
    assert result.distribution == {}


def test_delay_share_follows_the_setting(world, settings):
    settings.INTERVIEW_DUE_DAYS = 12
    result = interviews.delay([world["fresnes"].pk], MARCH, today=TODAY)
    assert (result.numerator, result.denominator) == (2, 7)  # C 4, A 12


# --- 3. Synthesis -------------------------------------------------------------------------


def test_synthesis_on_time_and_the_late_ones_by_cause(world):
    result = interviews.synthesis([world["fresnes"].pk], MARCH, today=TODAY)

    # First syntheses of A, B, C, H, J, M, N; on time: A (sent 23:30 on its due date), C.
    assert (result.numerator, result.denominator) == (2, 7)
    assert result.value == 28.6
    assert result.parts == {
        "delivered_late": 1,  # B, sent at 00:30 the day after its due date
        "render_failed": 1,  # H
        "delivery_failed": 1,  # J, one address refused
        "no_recipient": 1,  # M
        "pending": 1,  # N
        "not_yet_due": 0,
        "rectifications": 1,  # C's second synthesis, not counted
    }
    late = sum(v for k, v in result.parts.items() if k not in ("not_yet_due", "rectifications"))
    assert result.numerator + late == result.denominator


def test_synthesis_not_yet_due_is_left_out(world):
    # On 5 April, H's synthesis is due today: not counted yet, whatever its state.
    result = interviews.synthesis([world["fresnes"].pk], MARCH, today=day(4, 5))
    assert (result.numerator, result.denominator) == (2, 6)
    assert (result.parts["render_failed"], result.parts["not_yet_due"]) == (0, 1)


def test_synthesis_scope_and_next_period(world):
    lyon = interviews.synthesis([world["lyon"].pk], MARCH, today=TODAY)
    assert (lyon.numerator, lyon.denominator) == (1, 1)
    assert not any(lyon.parts.values())

    april = interviews.synthesis([world["fresnes"].pk], APRIL, today=TODAY)
    assert (april.numerator, april.denominator) == (0, 1)
    assert april.parts["no_recipient"] == 1  # I: never rendered, and nobody to send it to


# --- Shared --------------------------------------------------------------------------------


@pytest.mark.parametrize("function", [interviews.coverage, interviews.delay, interviews.synthesis])
def test_counts_add_up_across_establishments_and_months(world, function):
    """Numerators, denominators, parts and distributions of Fresnes and Lyon, of February, March
    and April, add up to those of the whole: the snapshot may keep them per establishment and
    month. Only counts: no `parts` is a rate."""
    fresnes, lyon = world["fresnes"].pk, world["lyon"].pk
    both = function([fresnes, lyon], MARCH, today=TODAY)
    assert counts_of(both) == added_up(
        *(function([pk], MARCH, today=TODAY) for pk in (fresnes, lyon))
    )
    quarter = function([fresnes, lyon], Period(day(2, 1), day(4, 30)), today=TODAY)
    months = (function([fresnes, lyon], m, today=TODAY) for m in (FEBRUARY, MARCH, APRIL))
    assert counts_of(quarter) == added_up(*months)
    assert all(isinstance(n, int) for n in quarter.parts.values())
    assert quarter.denominator > both.denominator


@pytest.mark.parametrize("function", [interviews.coverage, interviews.delay, interviews.synthesis])
@pytest.mark.parametrize("how_many", [1, 3])
def test_one_query_whatever_the_number_of_establishments(
    world, function, how_many, django_assert_num_queries
):
    ids = [world["fresnes"].pk, world["lyon"].pk, EstablishmentFactory().pk][:how_many]
    with django_assert_num_queries(1):
        result = function(ids, MARCH, today=TODAY)
    assert result.denominator


def test_compute_gives_the_three_indicators_in_three_queries(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        results = interviews.compute([world["fresnes"].pk], MARCH, today=TODAY)
    assert [r.definition for r in results] == [
        interviews.COVERAGE,
        interviews.DELAY,
        interviews.SYNTHESIS,
    ]
    assert [(r.numerator, r.denominator) for r in results] == [(6, 9), (5, 7), (2, 7)]


@pytest.mark.parametrize(
    "definition", [interviews.COVERAGE, interviews.DELAY, interviews.SYNTHESIS]
)
def test_every_definition_is_written_out(definition):
    assert definition.code
    assert definition.title and definition.numerator and definition.denominator
    assert definition.exclusions
    assert "{" not in definition.numerator + definition.denominator + definition.title
