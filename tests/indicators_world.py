"""The small hand-made world of the steering pages' tests (issue 15), shared by the page, the
exports and the report: over the last full month (M, the month before today's), refreshed as
of today.

DISP de Paris  Fresnes  3 arrivals on M+0: 2 validated on M+5 (interviewed M+4), one synthesis
                        delivered on time, one late; 1 still to do; 2 people released dry on M+3
               Melun    6 arrivals, all validated and delivered on time
DISP de Lyon   Lyon     8 arrivals: 7 validated (logement bloquant; 2 also papiers important),
                        1 still to do; 6 syntheses on time, 1 delivered late; 6 people released
                        under LSC on M+3

Every person is called SURNAME: it must appear in no output.
"""

import datetime

import pytest
from django.utils import timezone

from entretiens.choices import InterviewStatus, SynthesisStatus
from entretiens.models import BarrierAssessment, InterviewVersion, Synthesis
from insertion.statistics import snapshot
from tests.factories import DetaineeFactory, EstablishmentFactory, InterviewFactory

SURNAME = "Zébulonnet"


def month_before(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


TODAY = timezone.localdate()
M = month_before(TODAY)


def day(n: int) -> datetime.date:
    return M + datetime.timedelta(days=n)


def at(n: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day(n), datetime.time(12)))


def person(establishment, **fields):
    return DetaineeFactory(
        establishment=establishment, arrival_date=day(0), last_name=SURNAME, **fields
    )


def arrival(establishment, *, validated=True, synthesis_late=False, barriers=()):
    """An arrival on M+0; validated on M+5 with its synthesis (due M+10, delivered M+6, or M+12
    when late), the barriers found."""
    if not validated:
        return InterviewFactory(detainee=person(establishment))
    item = InterviewFactory(
        detainee=person(establishment),
        status=InterviewStatus.VALIDATED,
        version=1,
        validated_at=at(5),
        conducted_on=day(4),
    )
    version = InterviewVersion.objects.create(
        interview=item, number=1, content={}, validated_at=at(5)
    )
    for category, level in barriers:
        BarrierAssessment.objects.create(interview=item, category=category, level=level)
    Synthesis.objects.create(
        interview=item,
        version=version,
        establishment=establishment,
        number=1,
        status=SynthesisStatus.DELIVERED,
        due_date=day(10),
        delivered_at=at(12 if synthesis_late else 6),
        sha256="0" * 64,
    )
    return item


def released(establishment, kind):
    return person(establishment, release_date=day(3), release_kind=kind)


@pytest.fixture
def melun(fresnes):
    return EstablishmentFactory(name="Centre de détention de Melun", region=fresnes.region)


@pytest.fixture
def world(fresnes, melun, lyon):
    arrival(fresnes)
    arrival(fresnes, synthesis_late=True)
    arrival(fresnes, validated=False)
    for _ in range(2):
        released(fresnes, "sortie_seche")
    for _ in range(6):
        arrival(melun)
    housing = ("logement", "bloquant")
    for index in range(7):
        papers = [("papiers", "important")] if index < 2 else []
        arrival(lyon, synthesis_late=index == 6, barriers=[housing, *papers])
        if index < 6:
            released(lyon, "lsc")
    arrival(lyon, validated=False)
    snapshot.refresh([M], today=TODAY)
