"""The monthly snapshot of the steering statistics (issue 15): refreshed per establishment and
month (insertion/statistics/snapshot.py), read back in one query (figures.py) as the Results the
indicators compute live — on a small hand-made world over Fresnes and Lyon, February and March
2025, computed on 10 April 2025:

Fresnes  A  arrived 01/02, interviewed 05/02, validated 06/02: logement bloquant, work advised
            (request placed 20/02 after waiting since 10/02); synthesis delivered on time
         B  arrived 10/02, interviewed 27/02, validated 28/02 (late): papiers important;
            synthesis rendering failed
         C  arrived 01/03, validated 05/03, « Freins » withheld; training advised (still waiting
            since 06/03)
         D  arrived 05/03, interview still to do (due 20/03)
         released dry 05/03 (délit, plan 1 of 2 essential milestones), LSC 20/02
         DLP brought forward 20 days on 10/03
Lyon     E  arrived 02/03, validated 03/03: logement léger; synthesis delivered late
         released dry 10/02 (crime); DLP brought forward 10 days on 15/02
Today: work offers (5 places at Fresnes, 10 at Lyon); each CPIP refers two people at Fresnes,
one at Lyon.
"""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import InterviewStatus, SynthesisStatus
from entretiens.models import BarrierAssessment, InterviewVersion, Orientation, Synthesis
from insertion.detainees.models import ReleaseDateChange
from insertion.placements.models import Offer, PlacementRequest
from insertion.release.models import ReleasePlan
from insertion.statistics import figures, snapshot
from insertion.statistics.definitions import Period, Result
from insertion.statistics.models import MonthlyFigure, Refresh
from insertion.statistics.tasks import refresh_statistics
from tests.factories import DetaineeFactory, EstablishmentFactory, InterviewFactory

FEB, MAR, APR = datetime.date(2025, 2, 1), datetime.date(2025, 3, 1), datetime.date(2025, 4, 1)
TODAY = datetime.date(2025, 4, 10)
BOTH_MONTHS = Period(FEB, datetime.date(2025, 3, 31))
PERIOD_CODES = [code for code, rule in figures.RULES.items() if not rule.today]


def d(month, day):
    return datetime.date(2025, month, day)


def at(month, day, hour=12):
    return timezone.make_aware(datetime.datetime(2025, month, day, hour))


def person(establishment, **fields):
    values = {"arrival_date": d(1, 10), "expected_release_date": datetime.date(2026, 1, 1)}
    return DetaineeFactory(establishment=establishment, **{**values, **fields})


def interview(establishment, arrival, validated=None, *, synthesis=None, withheld=(), **found):
    """The interview of a person arrived on `arrival`, validated at `validated` (else still to
    do), with its barriers, orientations and synthesis (status, due date, delivered at)."""
    if validated is None:
        return InterviewFactory(detainee=person(establishment, arrival_date=arrival))
    item = InterviewFactory(
        detainee=person(establishment, arrival_date=arrival),
        status=InterviewStatus.VALIDATED,
        version=1,
        validated_at=validated,
        conducted_on=validated.date() - datetime.timedelta(days=1),
        withheld_sections=list(withheld),
    )
    version = InterviewVersion.objects.create(
        interview=item, number=1, content={}, validated_at=validated
    )
    for category, level in found.get("barriers", {}).items():
        BarrierAssessment.objects.create(interview=item, category=category, level=level)
    for kind, priority in found.get("advice", {}).items():
        Orientation.objects.create(interview=item, kind=kind, priority=priority)
    if synthesis:
        status, due_date, delivered_at = synthesis
        Synthesis.objects.create(
            interview=item,
            version=version,
            establishment=establishment,
            number=1,
            status=status,
            due_date=due_date,
            delivered_at=delivered_at,
            sha256="" if status == SynthesisStatus.FAILED else "0" * 64,
        )
    return item


def request(item, kind, status, **fields):
    return PlacementRequest.objects.create(
        detainee=item.detainee,
        establishment=item.establishment,
        offer_kind=kind,
        priority="prioritaire",
        origin="entretien",
        interview=item,
        status=status,
        **fields,
    )


def released(establishment, on, kind, offence="delit", plan=None):
    someone = person(establishment, release_date=on, release_kind=kind, offence_category=offence)
    if plan:
        ReleasePlan.objects.create(
            detainee=someone,
            closed_on=on,
            final_release_kind=kind,
            final_essential_done=plan[0],
            final_essential_total=plan[1],
        )
    return someone


def brought_forward(establishment, on, days):
    ReleaseDateChange.objects.create(
        detainee=person(establishment),
        changed_on=on,
        previous_date=d(12, 1),
        new_date=d(12, 1) - datetime.timedelta(days=days),
        reason="reduction",
    )


@pytest.fixture
def world(fresnes, lyon, cpip_fresnes, cpip_lyon):
    delivered = SynthesisStatus.DELIVERED
    values = {"service": "RLF", "permanent": True, "kind": "travail"}
    a = interview(
        fresnes,
        d(2, 1),
        at(2, 6),
        synthesis=(delivered, d(2, 11), at(2, 10)),
        barriers={"logement": "bloquant"},
        advice={"travail_detention": "prioritaire"},
    )
    work = Offer.objects.create(establishment=fresnes, title="Atelier", places=5, **values)
    request(a, "travail", "affecte", waiting_since=d(2, 10), start_date=d(2, 20), offer=work)
    interview(
        fresnes,
        d(2, 10),
        at(2, 28),
        synthesis=(SynthesisStatus.FAILED, d(3, 5), None),
        barriers={"papiers": "important"},
    )
    c = interview(
        fresnes,
        d(3, 1),
        at(3, 5),
        withheld=["freins"],
        barriers={"logement": "bloquant"},
        advice={"formation_pro": "importante"},
    )
    request(c, "formation_pro", "liste_attente", waiting_since=d(3, 6))
    interview(fresnes, d(3, 5))
    released(fresnes, d(3, 5), "sortie_seche", plan=(1, 2))
    released(fresnes, d(2, 20), "lsc")
    brought_forward(fresnes, d(3, 10), 20)

    interview(
        lyon,
        d(3, 2),
        at(3, 3),
        synthesis=(delivered, d(3, 8), at(3, 9)),
        barriers={"logement": "leger"},
    )
    released(lyon, d(2, 10), "sortie_seche", offence="crime")
    brought_forward(lyon, d(2, 15), 10)

    Offer.objects.create(establishment=lyon, title="Cuisine", places=10, **values)
    person(fresnes, referent=cpip_fresnes)
    person(fresnes, referent=cpip_fresnes, expected_release_date=d(5, 1))
    person(lyon, referent=cpip_lyon)


def compute_all(establishment_ids, period, today=TODAY) -> dict[str, Result]:
    results = []
    for module in snapshot.MODULES:
        computed = module.compute(establishment_ids, period, today=today)
        results.extend([computed] if isinstance(computed, Result) else computed)
    return {result.definition.code: result for result in results}


def rows(**filters):
    return sorted(
        MonthlyFigure.objects.filter(**filters).values_list(
            "establishment_id", "month", "code", "key", "count", "computed_on"
        )
    )


def assert_same_counts(read: Result, direct: Result):
    """The same Result: counts, rate or quantiles, figures, distribution."""
    code = direct.definition.code
    assert read.definition == direct.definition, code
    assert (read.numerator, read.denominator) == (direct.numerator, direct.denominator), code
    assert read.parts == direct.parts, code
    assert read.distribution == direct.distribution, code
    assert read.value == direct.value, code
    assert read.figures == direct.figures, code


# --- Refresh, then read: the same figures as computed live ------------------------------------


def test_read_gives_back_the_counts_computed_live(world, fresnes, lyon):
    snapshot.refresh([FEB, MAR], today=TODAY)
    read = figures.read([fresnes.pk, lyon.pk], [FEB, MAR])
    direct = compute_all([fresnes.pk, lyon.pk], BOTH_MONTHS)
    assert list(read) == PERIOD_CODES  # the « today » ones are only in April's slice
    for code in PERIOD_CODES:
        assert_same_counts(read[code], direct[code])
        assert read[code].as_of == TODAY

    # The figures of the world, written out.
    barriers = read["barrier_prevalence"]
    assert (barriers.numerator, barriers.denominator) == (3, 3)
    assert barriers.parts == {
        "logement": 2,
        "logement:bloquant": 1,
        "papiers": 1,
        "papiers:important": 1,
        "logement:leger": 1,
        "withheld": 1,
    }
    coverage = read["interview_coverage"]
    assert (coverage.numerator, coverage.denominator, coverage.value) == (4, 5, 80.0)
    assert coverage.figures == {"on_time_rate": 60.0}  # A, C, E on time; B late; D to do
    dry = read["dry_releases"]
    assert (dry.numerator, dry.denominator, dry.value) == (2, 3, 66.7)
    assert (read["dry_releases_crime"].numerator, read["dry_releases_crime"].denominator) == (1, 1)
    synthesis = read["synthesis_on_time"]
    assert (synthesis.numerator, synthesis.denominator) == (1, 3)  # A on time; B, E not
    assert synthesis.parts["render_failed"] == 1 and synthesis.parts["delivered_late"] == 1
    assert read["orientation_outcomes"].parts["affecte"] == 1
    assert read["dlp_brought_forward"].numerator == 2


def test_read_one_establishment_and_one_month(world, fresnes, lyon):
    snapshot.refresh([FEB, MAR], today=TODAY)
    read = figures.read([lyon.pk], [MAR])
    direct = compute_all([lyon.pk], Period.month(2025, 3))
    for code in PERIOD_CODES:
        assert_same_counts(read[code], direct[code])
    assert (read["barrier_prevalence"].numerator, read["barrier_prevalence"].denominator) == (1, 1)
    by_establishment = figures.read_by_establishment([fresnes.pk, lyon.pk], [FEB, MAR])
    assert set(by_establishment) == {fresnes.pk, lyon.pk}
    for establishment in (fresnes, lyon):
        direct = compute_all([establishment.pk], BOTH_MONTHS)
        for code in PERIOD_CODES:
            assert_same_counts(by_establishment[establishment.pk][code], direct[code])


def test_read_by_month_gives_each_month_with_its_own_today_figures(world, fresnes, lyon):
    snapshot.refresh([MAR], today=d(3, 20))
    snapshot.refresh([FEB, MAR, APR], today=TODAY)
    trend = figures.read_by_month([fresnes.pk, lyon.pk], [FEB, MAR, APR])
    assert set(trend) == {FEB, MAR, APR}
    for month, period in ((FEB, Period.month(2025, 2)), (MAR, Period.month(2025, 3))):
        direct = compute_all([fresnes.pk, lyon.pk], period)
        for code in PERIOD_CODES:
            assert_same_counts(trend[month][code], direct[code])
    assert set(figures.TODAY_CODES) <= set(trend[MAR])
    assert trend[MAR]["dry_release_risk"].as_of == d(3, 20)
    assert not set(figures.TODAY_CODES) & set(trend[FEB])
    without_parts = figures.read_by_establishment(
        [fresnes.pk, lyon.pk], [FEB, MAR], with_parts=False
    )
    coverage = without_parts[fresnes.pk]["interview_coverage"]
    assert (coverage.numerator, coverage.denominator) == (3, 4)  # A, B, C of A, B, C, D
    assert coverage.parts == {"validated_on_time": 2}  # only the one a figure is drawn from
    assert coverage.figures == {"on_time_rate": 50.0}
    assert without_parts[fresnes.pk]["interview_delay"].figures["median_days"] == 4.0
    # Only the indicators asked for, each the same as read with the others.
    only = figures.read_by_establishment(
        [fresnes.pk, lyon.pk], [FEB, MAR], with_parts=False, codes=["interview_coverage"]
    )
    assert set(only[fresnes.pk]) == {"interview_coverage"}
    assert_same_counts(only[fresnes.pk]["interview_coverage"], coverage)
    two = figures.read_by_month([fresnes.pk, lyon.pk], [FEB, MAR], codes=["dry_releases"])
    assert {code for month in two for code in two[month]} == {"dry_releases"}
    assert_same_counts(two[MAR]["dry_releases"], trend[MAR]["dry_releases"])


def test_today_figures_are_the_refresh_months_own(world, fresnes, lyon):
    # A refresh on 20 March writes the « today » figures into March; the one of 10 April
    # into April; March keeps those of 20 March.
    snapshot.refresh([MAR], today=d(3, 20))
    snapshot.refresh([FEB, MAR, APR], today=TODAY)
    assert {row[2] for row in rows(month=FEB)} == set(PERIOD_CODES)
    assert set(figures.TODAY_CODES) <= {row[2] for row in rows(month=MAR)}

    read = figures.read([fresnes.pk, lyon.pk], [FEB, MAR, APR])
    direct = compute_all([fresnes.pk, lyon.pk], Period.month(2025, 4))
    for code in figures.TODAY_CODES:
        # Not added across months: the state of 10 April only.
        assert_same_counts(read[code], direct[code])
        assert read[code].as_of == TODAY
    assert read["not_seen_6_months"].denominator == 10  # held today at Fresnes and Lyon
    demand = read["demand_vs_places"]
    assert demand.figures == {
        "places:travail": 15,
        "offers:travail": 2,
        "places:formation_pro": 0,  # C waits for a kind without offer
        "offers:formation_pro": 0,
    }
    assert (demand.numerator, demand.denominator, demand.value) == (1, 15, 0.07)

    march = figures.read([fresnes.pk, lyon.pk], [FEB, MAR])
    assert march["not_seen_6_months"].as_of == d(3, 20)
    assert march["interview_coverage"].as_of == TODAY


def test_quantiles_come_back_from_the_summed_distribution(world, fresnes, lyon):
    snapshot.refresh([FEB, MAR, APR], today=TODAY)
    read = figures.read([fresnes.pk, lyon.pk], [FEB, MAR])
    direct = compute_all([fresnes.pk, lyon.pk], BOTH_MONTHS)
    today_read = figures.read([fresnes.pk, lyon.pk], [APR])
    today_direct = compute_all([fresnes.pk, lyon.pk], Period.month(2025, 4))
    for code in ("interview_delay", "orientation_waiting_time", "dlp_brought_forward"):
        assert read[code].distribution == direct[code].distribution, code
        assert read[code].figures == direct[code].figures, code
        assert read[code].value == direct[code].value, code
    # Delays 4 (A), 17 (B), 3 (C), 0 (E) days; waits 10 (A, placed), 35 (C, still waiting);
    # DLPs brought forward 20 and 10 days.
    assert read["interview_delay"].distribution == {0: 1, 3: 1, 4: 1, 17: 1}
    assert read["interview_delay"].figures == {"median_days": 3.5, "ninth_decile_days": 13.1}
    assert read["orientation_waiting_time"].figures == {
        "median_days": 22.5,
        "ninth_decile_days": 32.5,
    }
    assert read["dlp_brought_forward"].figures == {"median_days": 15.0, "max_days": 20}
    people = today_read["people_per_cpip"]
    assert people.figures == today_direct["people_per_cpip"].figures
    assert people.value == today_direct["people_per_cpip"].value == 1.5


# --- Refresh: idempotent, by slice, atomic ---------------------------------------------------


def test_refreshing_twice_gives_the_same_rows(world):
    snapshot.refresh([FEB, MAR, APR], today=TODAY)
    first = rows()
    run = snapshot.refresh([FEB, MAR, APR], today=TODAY)
    assert rows() == first
    assert run.rows == len(first)
    assert Refresh.objects.count() == 2


def test_refreshing_one_month_leaves_the_others(world, fresnes):
    snapshot.refresh([FEB, MAR], today=TODAY)
    february = rows(month=FEB)
    released(fresnes, d(2, 25), "sortie_seche")
    released(fresnes, d(3, 25), "sortie_seche")
    snapshot.refresh([MAR], establishment_ids=[fresnes.pk], today=TODAY)
    assert rows(month=FEB) == february
    assert figures.read([fresnes.pk], [FEB])["dry_releases"].numerator == 0
    assert figures.read([fresnes.pk], [MAR])["dry_releases"].numerator == 2
    assert not Refresh.objects.latest().everywhere


def test_a_failed_refresh_leaves_the_previous_slice(world, fresnes, monkeypatch):
    snapshot.refresh([MAR], today=TODAY)
    before = rows()
    released(fresnes, d(3, 25), "sortie_seche")

    def crash(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(MonthlyFigure.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        snapshot.refresh([MAR], today=TODAY)
    assert rows() == before
    assert Refresh.objects.filter(finished_at__isnull=True).count() == 1


def test_refresh_refuses_a_month_not_a_first_day_or_to_come(world):
    with pytest.raises(ValueError, match="first day"):
        snapshot.refresh([d(3, 2)], today=TODAY)
    with pytest.raises(ValueError, match="after today"):
        snapshot.refresh([datetime.date(2025, 5, 1)], today=TODAY)


def test_default_months_are_the_last_18_full_ones_and_the_current_one():
    months = snapshot.default_months(TODAY)
    assert len(months) == 19
    assert months[0] == datetime.date(2023, 10, 1)
    assert months[-2:] == [MAR, APR]


def test_an_indicator_without_rule_is_refused(fresnes):
    unknown = Result(
        definition=figures.RULES["dry_releases"].definition.__class__(
            code="new_one", title="?", numerator="?"
        ),
        numerator=1,
        denominator=2,
    )
    with pytest.raises(ValueError, match="no rule"):
        snapshot.replace_slice(fresnes.pk, MAR, [unknown], TODAY)


# --- Read: one query whatever the scope; freshness ---------------------------------------------


@pytest.mark.parametrize("how_many", [1, 3])
def test_read_is_one_query_whatever_the_number_of_establishments(
    how_many, world, fresnes, lyon, django_assert_num_queries
):
    third = EstablishmentFactory()
    snapshot.refresh([FEB, MAR, APR], today=TODAY)
    scope = [fresnes.pk, lyon.pk, third.pk][:how_many]
    with django_assert_num_queries(1):
        read = figures.read(scope, [FEB, MAR, APR])
    assert read["interview_coverage"].denominator > 0
    with django_assert_num_queries(1):
        by_establishment = figures.read_by_establishment(scope, [FEB, MAR, APR])
    assert len(by_establishment) == how_many
    with django_assert_num_queries(1):
        trend = figures.read_by_month(scope, [FEB, MAR, APR], with_parts=False)
    assert len(trend) == 3


def test_freshness_is_the_last_refresh_over_every_establishment(world, fresnes):
    assert figures.freshness() is None
    everywhere = snapshot.refresh([MAR], today=TODAY)
    snapshot.refresh([MAR], establishment_ids=[fresnes.pk], today=TODAY)
    assert figures.freshness() == everywhere.started_at
    assert figures.read([fresnes.pk], [datetime.date(2024, 1, 1)]) == {}


# --- Task and command -----------------------------------------------------------------------


def test_the_nightly_task_refreshes_every_establishment(world, fresnes, lyon, celery_eager):
    refresh_statistics.delay()
    run = Refresh.objects.get()
    assert run.everywhere and run.establishment_count == 2 and run.finished_at
    today = timezone.localdate()
    assert (run.today, run.last_month) == (today, today.replace(day=1))
    months = set(MonthlyFigure.objects.values_list("month", flat=True))
    assert len(months) == 19
    assert MonthlyFigure.objects.count() == run.rows


def test_the_beat_runs_it_at_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-refresh"]
    assert entry["task"] == "insertion.statistics.tasks.refresh_statistics"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}


def test_the_command_says_what_it_did(world, fresnes):
    out = io.StringIO()
    call_command("refresh_statistics", "--month", "2025-03", stdout=out)
    text = out.getvalue()
    assert text.startswith("Statistiques recalculées : mars 2025, 2 établissement(s), ")
    assert f"Données au {timezone.localdate():%d/%m/%Y}." in text
    assert set(MonthlyFigure.objects.values_list("month", flat=True)) == {MAR}

    out = io.StringIO()
    call_command(
        "refresh_statistics",
        "--month",
        "2025-02",
        "--month",
        "2025-03",
        "--establishment",
        str(fresnes.pk),
        stdout=out,
    )
    assert "de février 2025 à mars 2025, 1 établissement(s)" in out.getvalue()
    with pytest.raises(CommandError, match="Mois invalide"):
        call_command("refresh_statistics", "--month", "mars")


def test_the_command_if_empty_refreshes_only_once(world):
    out = io.StringIO()
    call_command("refresh_statistics", "--month", "2025-03", "--if-empty", stdout=out)
    assert out.getvalue().startswith("Statistiques recalculées : mars 2025")
    rows = MonthlyFigure.objects.count()
    assert rows > 0
    out = io.StringIO()
    call_command("refresh_statistics", "--month", "2025-02", "--if-empty", stdout=out)
    assert out.getvalue() == "Les statistiques sont déjà calculées : rien à faire.\n"
    assert set(MonthlyFigure.objects.values_list("month", flat=True)) == {MAR}
    assert MonthlyFigure.objects.count() == rows


def test_the_refreshes_are_shown_read_only_in_the_admin(client, superuser, fresnes):
    run = snapshot.refresh([MAR], today=TODAY)
    client.force_login(superuser)
    response = client.get(reverse("admin:statistics_refresh_changelist"))
    assert response.status_code == 200
    assert "10 avril 2025" in response.content.decode()
    response = client.get(reverse("admin:statistics_refresh_change", args=[run.pk]))
    assert response.status_code == 200
    assert not response.context["adminform"].form.fields  # read-only
    assert client.get(reverse("admin:statistics_refresh_add")).status_code == 403
    url = reverse("admin:statistics_refresh_delete", args=[run.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Refresh.objects.filter(pk=run.pk).exists()
