"""`seed_demo` and `demo_banner`: the fictional world of `make run` and the national data set."""

import datetime
import io
import itertools
import random
import re
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    DeliveryStatus,
    InterviewStatus,
    NotDoneReason,
    Priority,
    Section,
    SynthesisStatus,
)
from entretiens.models import (
    BarrierAssessment,
    Interview,
    InterviewVersion,
    Postponement,
    Synthesis,
)
from entretiens.services import interview_missing
from entretiens.sharing import is_shared
from entretiens.summary import interview_summary
from insertion.accounts.models import Role, User
from insertion.audit.models import AccessLog
from insertion.demo import generate
from insertion.demo.accounts import DEMO_EMAILS, DEMO_PASSWORD, FRESNES, MELUN
from insertion.demo.placements import placements_step
from insertion.demo.syntheses import seed_syntheses
from insertion.detainees.models import (
    ArrangementStatus,
    DepartureReason,
    Detainee,
    Incarceration,
    ReleaseDateChange,
    ReleaseDateChangeReason,
    ReleaseKind,
    SentenceArrangement,
)
from insertion.establishments.models import (
    Establishment,
    ProbationService,
    Region,
    SynthesisRecipient,
)
from insertion.imports.models import ImportRun
from insertion.partners.models import Agreement, Company, ProfileTransmission
from insertion.partners.models import Offer as PartnerOffer
from insertion.placements.choices import (
    ORIENTATION_TO_OFFER_KIND,
    OfferKind,
    RequestOrigin,
    RequestStatus,
    WorkSetting,
)
from insertion.placements.models import Offer, PlacementRequest, RequestEvent
from insertion.placements.services import request_allocate
from insertion.placements.waiting import demand_vs_places
from insertion.release.models import (
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    ReleaseAlert,
    ReleasePlan,
)
from insertion.release.readiness import not_seen_condition, with_readiness

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    """The seed as `make run` loads it, but with the stand-in PDF (real renderings take about
    0.3 s each: `test_real_pdfs_are_each_syntheses_own` renders a few)."""
    out = io.StringIO()
    options.setdefault("pdfs", "placeholder")
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.fixture
def demo_world(debug):
    seed()


def wipe():
    AccessLog.objects.purge_older_than(days=0, now=timezone.now() + datetime.timedelta(days=1))
    # The demo's past import first: its run holds its establishment (PROTECT); so do the
    # requests and the offers, the partner companies' too (and the agreements theirs).
    for model in (
        ImportRun,
        PlacementRequest,
        Offer,
        ProfileTransmission,
        Agreement,
        PartnerOffer,
        Company,
        Detainee,
        User,
        Establishment,
        ProbationService,
        Region,
    ):
        model.objects.all().delete()


def test_seed_demo_creates_one_account_per_role_with_the_demo_password(demo_world):
    users = {user.email: user for user in User.objects.filter(email__in=DEMO_EMAILS)}

    assert {email: user.role for email, user in users.items()} == {
        "cpip@demo.insertion.fr": Role.CPIP,
        "afpa@demo.insertion.fr": Role.INTERVIEWER,
        "equipe@demo.insertion.fr": Role.PRISON_TEAM,
        "direction@demo.insertion.fr": Role.MANAGER,
        "national@demo.insertion.fr": Role.NATIONAL,
        "partenariats@demo.insertion.fr": Role.PARTNERSHIPS,
        "admin@demo.insertion.fr": "",
    }
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())
    assert [email for email, user in users.items() if user.is_superuser or user.is_staff] == [
        "admin@demo.insertion.fr"
    ]

    def places(email):
        return set(users[email].establishments.values_list("name", flat=True))

    assert places("cpip@demo.insertion.fr") == {FRESNES}
    assert places("afpa@demo.insertion.fr") == {FRESNES}
    assert places("equipe@demo.insertion.fr") == {FRESNES}
    assert places("direction@demo.insertion.fr") == {FRESNES, MELUN}
    assert places("national@demo.insertion.fr") == set()
    assert users["cpip@demo.insertion.fr"].probation_service.name == "SPIP du Val-de-Marne"


def test_seed_demo_loads_real_establishments_with_their_probation_service(demo_world):
    assert Region.objects.count() == 10
    establishments = Establishment.objects.select_related("probation_service", "region")
    assert establishments.count() == 6
    for establishment in establishments:
        assert establishment.probation_service.department == establishment.department
        assert establishment.probation_service.region == establishment.region
        assert establishment.interview_rollout_date.year == 2025
    fresnes = establishments.get(name=FRESNES)
    assert (fresnes.kind, fresnes.department, fresnes.region.code) == ("CP", "94", "PARIS")


def test_seed_demo_loads_a_few_hundred_people_with_one_open_stay_each(demo_world):
    people = Detainee.objects.annotate(
        open_stays=Count("incarcerations", filter=Q(incarcerations__departure_date=None))
    )

    assert 300 <= people.count() <= 400
    assert set(people.held().values_list("open_stays", flat=True)) == {1}
    assert set(people.released().values_list("open_stays", flat=True)) == {0}
    for detainee in people.held().prefetch_related("incarcerations"):
        current = detainee.incarcerations.get(departure_date=None)
        assert (current.establishment_id, current.ecrou_number, current.arrival_date) == (
            detainee.establishment_id,
            detainee.ecrou_number,
            detainee.arrival_date,
        )
        assert re.fullmatch(r"\d{2}[A-Z]\d{4}", detainee.ecrou_number)
        assert detainee.search_text == Detainee.build_search_text(
            last_name=detainee.last_name,
            first_name=detainee.first_name,
            ecrou_number=detainee.ecrou_number,
        )


def test_every_referent_is_a_cpip_of_the_establishment_of_the_person(demo_world):
    held = Detainee.objects.held()
    followed = held.exclude(referent=None).select_related("referent")

    for detainee in followed.prefetch_related("referent__establishments"):
        assert detainee.referent.role == Role.CPIP
        assert detainee.establishment in detainee.referent.establishments.all()
    assert 0 < held.filter(referent=None).count() < held.count() * 0.1


def test_demo_cpip_follows_60_to_90_people_held_at_fresnes(demo_world):
    cpip = User.objects.get(email="cpip@demo.insertion.fr")
    caseload = Detainee.objects.held().filter(referent=cpip)

    assert 60 <= caseload.count() <= 90
    assert set(caseload.values_list("establishment__name", flat=True)) == {FRESNES}


def test_the_demo_world_has_transfers_and_releases(demo_world):
    transfers = Incarceration.objects.filter(departure_reason=DepartureReason.TRANSFER)
    assert transfers.exists()
    for stay in transfers.select_related("detainee"):
        assert stay.detainee.establishment_id != stay.establishment_id
        assert stay.detainee.arrival_date == stay.departure_date

    released = Detainee.objects.released()
    assert 10 <= released.count() <= 30
    kinds = list(released.values_list("release_kind", flat=True))
    assert kinds.count(ReleaseKind.DRY) > len(kinds) / 3
    assert set(kinds) - {ReleaseKind.DRY}
    assert Incarceration.objects.filter(departure_reason=DepartureReason.RELEASE).count() == len(
        kinds
    )


def test_release_dates_are_spread_and_their_history_is_kept(demo_world):
    held = Detainee.objects.held().exclude(expected_release_date=None)
    soon = held.order_by("expected_release_date").first().expected_release_date
    latest = held.order_by("expected_release_date").last().expected_release_date
    today = timezone.localdate()
    assert (soon - today).days <= 30
    assert 365 < (latest - today).days <= 731

    initial = ReleaseDateChange.objects.filter(reason=ReleaseDateChangeReason.INITIAL)
    assert initial.count() == Detainee.objects.exclude(expected_release_date=None).count()
    reasons = set(ReleaseDateChange.objects.values_list("reason", flat=True))
    assert {ReleaseDateChangeReason.REDUCTION, ReleaseDateChangeReason.WITHDRAWAL} <= reasons
    statuses = set(SentenceArrangement.objects.values_list("status", flat=True))
    assert {ArrangementStatus.REQUESTED, ArrangementStatus.GRANTED, ArrangementStatus.REFUSED} <= (
        statuses
    )


def test_seed_demo_if_empty_does_nothing_when_the_demo_is_loaded(demo_world):
    people = Detainee.objects.count()

    out = seed(if_empty=True)

    assert "déjà chargées" in out
    assert Detainee.objects.count() == people
    assert User.objects.filter(email__in=DEMO_EMAILS).count() == len(DEMO_EMAILS)


def test_seed_demo_refuses_to_load_the_demo_twice(demo_world):
    with pytest.raises(CommandError, match="déjà chargées"):
        seed()


def test_seed_demo_if_empty_leaves_a_database_with_establishments_alone(debug, fresnes):
    out = seed(if_empty=True)

    assert "ne sont pas chargées" in out
    assert not User.objects.filter(email__in=DEMO_EMAILS).exists()
    assert Establishment.objects.count() == 1


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        seed()
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        seed(scale="national", fraction=0.001)

    assert not User.objects.exists()
    assert not Establishment.objects.exists()


def test_a_seed_gives_the_same_people(debug):
    def fingerprint():
        return list(
            Detainee.objects.order_by("establishment__name", "ecrou_number").values_list(
                "establishment__name",
                "ecrou_number",
                "last_name",
                "first_name",
                "birth_date",
                "expected_release_date",
                "referent__email",
            )
        )

    seed(seed=7)
    first = fingerprint()
    wipe()
    seed(seed=7)

    assert fingerprint() == first


def test_demo_banner_lists_the_demo_accounts_and_their_password(demo_world):
    out = io.StringIO()

    call_command("demo_banner", url="http://127.0.0.1:8000/", stdout=out)

    banner = out.getvalue()
    assert "http://127.0.0.1:8000/" in banner
    assert DEMO_PASSWORD in banner
    for email in DEMO_EMAILS:
        assert email in banner
    assert "Intervenant Afpa" in banner
    assert f"{MELUN}, {FRESNES}" in banner
    assert "13 autres comptes fictifs" in banner  # CPIP, and an interviewer per prison


def test_demo_banner_without_demo_data_says_how_to_load_it(db):
    out = io.StringIO()

    call_command("demo_banner", stdout=out)

    assert "seed_demo" in out.getvalue()


def test_national_data_set_on_a_tiny_scale_holds_the_rules(debug, tmp_path):
    import json

    results = tmp_path / "bench-results.jsonl"
    seed(scale="national", fraction=0.002, timing_output=str(results))
    (timing,) = [json.loads(line) for line in results.read_text().splitlines()]
    assert timing["name"] == "seed_national_s"
    assert timing["seconds"] > 0 and timing["rows"] > 1000

    assert Region.objects.count() == 10
    assert ProbationService.objects.count() == 103  # one per département, outre-mer included
    assert 180 <= Establishment.objects.count() <= 200
    assert Detainee.objects.held().count() == 170
    assert Detainee.objects.released().count() == 200
    people = Detainee.objects.annotate(
        open_stays=Count("incarcerations", filter=Q(incarcerations__departure_date=None))
    )
    assert set(people.held().values_list("open_stays", flat=True)) == {1}
    assert set(people.released().values_list("open_stays", flat=True)) == {0}
    for detainee in Detainee.objects.held().exclude(referent=None).select_related("referent"):
        assert detainee.referent.role == Role.CPIP
        assert detainee.referent.establishments.filter(pk=detainee.establishment_id).exists()
    some_cpip = User.objects.filter(role=Role.CPIP).exclude(email__in=DEMO_EMAILS).first()
    assert some_cpip.check_password(DEMO_PASSWORD)
    assert User.objects.filter(email__in=DEMO_EMAILS).count() == len(DEMO_EMAILS)

    # Offers everywhere, requests of the people held and released.
    today = timezone.localdate()
    current = Offer.objects.current(today)
    assert current.values("establishment").distinct().count() == Establishment.objects.count()
    requests = PlacementRequest.objects.all()
    assert requests.count() > 200
    # (Nobody waits long here: a person or two per establishment against its places.)
    assert {RequestStatus.ALLOCATED, RequestStatus.DONE, RequestStatus.CLOSED} <= set(
        requests.values_list("status", flat=True)
    )
    assert requests.filter(origin=RequestOrigin.INTERVIEW).exists()
    assert not requests.open().filter(detainee__release_date__isnull=False).exists()
    assert not requests.open().exclude(establishment=F("detainee__establishment")).exists()
    assert RequestEvent.objects.count() > requests.count()


def test_national_figures_are_shared_between_establishments():
    """The full-scale sizing, without the database: 85,000 held, 4,000 CPIP, 10 to 140 each."""
    rng = random.Random(2026)
    rows = generate.national_establishment_rows(rng)
    sizes = generate.national_sizes([(row[1], row[4]) for row in rows], fraction=1)

    assert 180 <= len(rows) <= 200
    assert len({row[0] for row in rows}) == len(rows)
    assert sum(sizes.held) == 85_000
    assert sum(sizes.released) == 100_000
    assert sum(sizes.cpips) == 4_000
    caseloads = []
    for row, referred, cpips in zip(rows, sizes.referred, sizes.cpips, strict=True):
        if row[0] == FRESNES:
            caseloads.append(generate.NATIONAL_CPIP_CASELOAD)
            referred, cpips = referred - generate.NATIONAL_CPIP_CASELOAD, cpips - 1
        caseloads.extend(generate.spread_caseloads(rng, referred, cpips))
    assert len(caseloads) == 4_000
    assert min(caseloads) >= 10
    assert max(caseloads) <= 140
    assert sum(caseloads) == sum(sizes.referred)


# --- Interviews ----------------------------------------------------------------------------


def held_stays_after_rollout():
    return Incarceration.objects.filter(
        departure_date=None,
        establishment__interview_rollout_date__isnull=False,
        arrival_date__gte=F("establishment__interview_rollout_date"),
    )


def test_every_open_stay_after_the_rollout_has_its_interview(demo_world):
    stays = held_stays_after_rollout()
    with_interview = stays.filter(interview__isnull=False)

    assert with_interview.count() > 250
    # The others: people whose interview was validated in an earlier stay (before a transfer).
    for stay in stays.filter(interview__isnull=True):
        assert Interview.objects.filter(
            detainee_id=stay.detainee_id, status=InterviewStatus.VALIDATED
        ).exists()
    for stay in with_interview.select_related("interview"):
        interview = stay.interview
        assert (interview.detainee_id, interview.establishment_id) == (
            stay.detainee_id,
            stay.establishment_id,
        )
        assert interview.arrival_date == stay.arrival_date


def test_no_interview_is_owed_for_an_arrival_before_the_rollout(demo_world):
    assert not Interview.objects.filter(
        Q(establishment__interview_rollout_date=None)
        | Q(arrival_date__lt=F("establishment__interview_rollout_date"))
    ).exists()


def test_no_second_interview_is_owed_after_a_validated_one(demo_world):
    for detainee in Detainee.objects.filter(interviews__isnull=False).distinct():
        statuses = list(
            detainee.interviews.order_by("arrival_date").values_list("status", flat=True)
        )
        assert InterviewStatus.VALIDATED not in statuses[:-1]


def test_interviews_are_dated_between_the_arrival_and_today(demo_world):
    today = timezone.localdate()
    now = timezone.now()
    interviews = Interview.objects.select_related("incarceration")

    assert not interviews.filter(conducted_on__gt=today).exists()
    assert not interviews.filter(conducted_on__lt=F("arrival_date")).exists()
    # Validated in time; a late draft may have been started after the due date.
    validated = interviews.filter(status=InterviewStatus.VALIDATED)
    assert not validated.filter(conducted_on__gt=F("due_date")).exists()
    assert not interviews.filter(validated_at__gt=now).exists()
    assert not interviews.filter(not_done_on__gt=today).exists()
    for interview in interviews.exclude(validated_at=None):
        assert interview.conducted_on <= timezone.localdate(interview.validated_at)
        assert (timezone.localdate(interview.validated_at) - interview.conducted_on).days <= 4
    due_days = datetime.timedelta(days=settings.INTERVIEW_DUE_DAYS)
    for interview in interviews.filter(postponements=None):
        assert interview.due_date == interview.arrival_date + due_days
    for postponement in Postponement.objects.select_related("interview"):
        asked_on = timezone.localdate(postponement.created_at)
        assert postponement.interview.arrival_date <= asked_on <= today
        assert asked_on <= postponement.new_date <= asked_on + datetime.timedelta(days=180)
        assert postponement.interview.planned_on is not None
        assert postponement.reason


def test_people_who_left_before_their_interview_have_it_not_done_for_that_reason(demo_world):
    closed = Interview.objects.exclude(incarceration__departure_date=None).select_related(
        "incarceration"
    )

    assert closed.exists()
    for interview in closed:
        stay = interview.incarceration
        if interview.status == InterviewStatus.VALIDATED:
            assert timezone.localdate(interview.validated_at) < stay.departure_date
        else:
            assert interview.status == InterviewStatus.NOT_DONE
            assert interview.not_done_reason == stay.departure_reason
            assert interview.not_done_on == stay.departure_date


def test_validated_interviews_are_complete_with_their_version_1(demo_world):
    validated = Interview.objects.filter(status=InterviewStatus.VALIDATED).prefetch_related(
        "barriers", "orientations", "experiences", "diplomas", "versions"
    )

    assert validated.count() > 200
    for interview in validated:
        assert interview_missing(interview) == []
        assert {b.category for b in interview.barriers.all()} == set(BarrierCategory.values)
        assert 1 <= len(interview.orientations.all()) <= 4
        assert interview.conclusion and interview.points_of_attention
        assert 45 <= interview.duration_minutes <= 90
        assert interview.version == 1
        assert interview.validated_by_id == interview.interviewer_id
        (version,) = interview.versions.all()
        assert version.number == 1
        assert version.validated_at == interview.validated_at
        assert version.content["person"]["name"] == interview.detainee.full_name
        assert [s["code"] for s in version.content["sections"]] == Section.values
        arrival = (interview.arrival_date.year, interview.arrival_date.month)
        for job in interview.experiences.all():
            assert (job.start_year, job.start_month or 1) <= (job.end_year, job.end_month)
            assert (job.end_year, job.end_month) <= arrival
            assert job.start_year >= interview.detainee.birth_date.year + 16
        assert all(d.year is None or d.year <= arrival[0] for d in interview.diplomas.all())


def test_the_version_is_the_summary_of_the_saved_interview(demo_world):
    """Built from the objects in memory, it is what interview_summary reads from the database."""
    validated = Interview.objects.filter(status=InterviewStatus.VALIDATED).select_related(
        "detainee", "incarceration", "establishment", "interviewer"
    )

    for interview in validated.order_by("pk")[:40]:
        assert interview.versions.get().content == interview_summary(interview)


def test_barrier_levels_are_mostly_none_or_light_and_heavier_for_housing(demo_world):
    levels = Counter(BarrierAssessment.objects.values_list("level", flat=True))
    housing = Counter(
        BarrierAssessment.objects.filter(category=BarrierCategory.HOUSING).values_list(
            "level", flat=True
        )
    )

    light = levels[BarrierLevel.NONE] + levels[BarrierLevel.LIGHT]
    assert light > 0.7 * sum(levels.values())
    serious = housing[BarrierLevel.SIGNIFICANT] + housing[BarrierLevel.BLOCKING]
    assert serious > 0.25 * sum(housing.values())


def test_the_demo_interviewer_has_a_worklist_with_each_kind_of_item(demo_world):
    interviewer = User.objects.get(email="afpa@demo.insertion.fr")
    today = timezone.localdate()
    interviews = Interview.objects.visible_to(interviewer).filter(
        incarceration__departure_date=None
    )

    assert set(interviews.values_list("establishment__name", flat=True)) == {FRESNES}
    assert interviews.to_do(today).count() >= 3
    assert interviews.overdue(today).count() >= 3
    assert interviews.drafts().count() >= 3
    assert interviews.not_done().count() >= 2
    recently = timezone.now() - datetime.timedelta(days=30)
    assert interviews.validated_since(recently).count() >= 3
    assert interviews.filter(validated_by=interviewer).exists()
    assert Postponement.objects.filter(interview__in=interviews).exists()
    reasons = set(interviews.not_done().values_list("not_done_reason", flat=True))
    assert reasons and not reasons & {NotDoneReason.TRANSFER, NotDoneReason.RELEASE}
    # One draft is well advanced: what is left is to finish and validate it.
    rich = [
        draft
        for draft in interviews.drafts().prefetch_related("barriers", "orientations")
        if draft.conducted_on and draft.education_level and len(draft.barriers.all()) >= 10
    ]
    assert rich
    assert any(not draft.conclusion and draft.orientations.all() for draft in rich)


def test_the_interviews_are_inserted_in_bulk():
    """A constant number of queries, whatever the number of interviews (no save() per row)."""
    with CaptureQueriesContext(connection) as queries:
        counts = generate.seed_demo_world(seed=2026, today=timezone.localdate(), pdfs="placeholder")

    sqls = [q["sql"] for q in queries.captured_queries]
    on_interviews = [q for q in sqls if "entretiens_" in q and "entretiens_synthesis" not in q]
    on_syntheses = [q for q in sqls if "entretiens_synthesis" in q]
    on_plans = [q for q in sqls if "release_" in q or "detainees_contact" in q]
    assert counts["interviews"] > 300
    assert counts["interview_versions"] > 200
    assert len(on_interviews) < 40
    assert counts["syntheses"] > 200
    assert counts["synthesis_deliveries"] > 600
    assert len(on_syntheses) < 15
    assert counts["milestones"] > 4000
    assert len(on_plans) < 15
    on_placements = [q for q in sqls if "placements_" in q]
    assert counts["placement_requests"] > 300
    assert counts["request_events"] > counts["placement_requests"]
    assert len(on_placements) < 15


def test_seed_demo_prints_the_interview_counts(debug):
    out = seed()

    for key in (
        "interviews",
        "interview_versions",
        "interview_barriers",
        "interview_postponements",
    ):
        assert re.search(rf"\d {key}$", out, re.MULTILINE)
    assert re.search(r"\d offres des établissements", out)
    assert re.search(r"\d demandes des personnes", out)
    assert Interview.objects.count() == int(
        re.search(r"(\S+) interviews$", out, re.MULTILINE).group(1).replace("\u202f", "")
    )


def test_a_seed_gives_the_same_interviews_and_requests(debug):
    def fingerprint():
        interviews = list(
            Interview.objects.order_by("establishment__name", "incarceration__ecrou_number")
            .annotate(barrier_count=Count("barriers"))
            .values_list(
                "incarceration__ecrou_number",
                "status",
                "due_date",
                "conducted_on",
                "not_done_reason",
                "conclusion",
                "barrier_count",
            )
        )
        # Dates only: a moment drawn later than now today is now, which moves.
        requests = list(
            PlacementRequest.objects.order_by(
                "establishment__name", "detainee__ecrou_number", "offer_kind", "pk"
            ).values_list(
                "detainee__ecrou_number",
                "offer_kind",
                "status",
                "origin",
                "priority",
                "waiting_since",
                "start_date",
                "ended_on",
                "offer__title",
                "manual_rank",
            )
        )
        return interviews, requests

    seed(seed=7)
    first = fingerprint()
    wipe()
    seed(seed=7)

    assert fingerprint() == first


def test_national_data_set_on_a_tiny_scale_has_interviews_where_they_are_rolled_out(debug):
    seed(scale="national", fraction=0.002)

    interviews = Interview.objects.all()
    assert interviews.count() > 50
    assert not interviews.filter(
        Q(establishment__interview_rollout_date=None)
        | Q(arrival_date__lt=F("establishment__interview_rollout_date"))
    ).exists()
    assert Establishment.objects.filter(interview_rollout_date=None).exists()
    assert Incarceration.objects.filter(
        arrival_date__lt=F("establishment__interview_rollout_date")
    ).exists()
    stays = held_stays_after_rollout().filter(interview__isnull=True)
    assert not stays.exclude(detainee__interviews__status=InterviewStatus.VALIDATED).exists()
    validated = interviews.filter(status=InterviewStatus.VALIDATED)
    assert validated.filter(versions__number=1).count() == validated.count()
    assert set(interviews.values_list("status", flat=True)) == set(InterviewStatus.values)
    for interview in validated.select_related("interviewer").prefetch_related(
        "interviewer__establishments"
    ):
        assert interview.interviewer.role == Role.INTERVIEWER
        assert interview.establishment in interview.interviewer.establishments.all()


# Syntheses -------------------------------------------------------------------------------


def test_every_validated_version_has_its_synthesis_sent_to_each_recipient(demo_world):
    versions = InterviewVersion.objects.select_related("interview")
    syntheses = Synthesis.objects.select_related("version").prefetch_related("deliveries")
    assert syntheses.count() == versions.count() > 200
    recipients = {}
    for recipient in SynthesisRecipient.objects.filter(active=True):
        recipients.setdefault(recipient.establishment_id, set()).add(recipient.email)
    statuses = Counter()
    for synthesis in syntheses:
        version = synthesis.version
        assert synthesis.number == version.number == 1
        assert synthesis.created_at == version.validated_at
        validated_on = timezone.localtime(version.validated_at).date()
        assert synthesis.due_date == validated_on + datetime.timedelta(days=5)
        deliveries = list(synthesis.deliveries.all())
        assert {d.email for d in deliveries} == recipients[synthesis.establishment_id]
        if synthesis.status == SynthesisStatus.DELIVERED:
            assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
            assert synthesis.delivered_at >= version.validated_at
            assert synthesis.delivered_at <= timezone.now()
        else:  # one address refused by its mail server: to act on
            assert synthesis.status == SynthesisStatus.RENDERED
            assert [d.status for d in deliveries].count(DeliveryStatus.FAILED) == 1
            assert synthesis.delivered_at is None
        statuses[synthesis.status] += 1
        late = synthesis.delivered_at and synthesis.delivered_at.date() > synthesis.due_date
        statuses["delivered late"] += bool(late)
    # Most go out at once; some were late, some are still refused (the counters are not zero).
    assert statuses[SynthesisStatus.DELIVERED] > 0.85 * sum(
        statuses[s] for s in SynthesisStatus.values
    )
    assert statuses["delivered late"] >= 1
    assert statuses[SynthesisStatus.RENDERED] >= 1
    assert Synthesis.objects.late(timezone.localdate()).exists()


def test_the_stand_in_pdf_is_a_real_pdf_with_its_own_hash(demo_world):
    import hashlib

    import pypdf

    synthesis = Synthesis.objects.first()
    with synthesis.pdf.open("rb") as pdf:
        data = pdf.read()
    assert hashlib.sha256(data).hexdigest() == synthesis.sha256
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Synthèse de substitution" in text
    assert Synthesis.objects.values("pdf").distinct().count() == 1


def test_real_pdfs_are_each_syntheses_own(interviewer_fresnes, fresnes):
    """The demo of `make run` renders every synthesis from its own version, in a pool of
    processes (here: three interviews, two processes)."""
    import hashlib

    import pypdf

    from tests.factories import DetaineeFactory, validated_interview

    people = [DetaineeFactory(establishment=fresnes) for _ in range(3)]
    for person in people:
        validated_interview(detainee=person, by=interviewer_fresnes)
    Synthesis.objects.all().delete()  # made by the validation: the seed makes them here

    counts = seed_syntheses(random.Random(1), pdfs="real", workers=2)

    assert counts["syntheses"] == 3
    for person in people:
        synthesis = Synthesis.objects.get(interview__detainee=person)
        with synthesis.pdf.open("rb") as pdf:
            data = pdf.read()
        assert hashlib.sha256(data).hexdigest() == synthesis.sha256
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
        assert person.last_name.upper() in text
        assert "page 1 /" in text


# Release plans ---------------------------------------------------------------------------


def test_every_person_with_a_referent_has_a_plan_as_the_rule_makes_it(demo_world):
    followed = Detainee.objects.exclude(referent=None)
    assert ReleasePlan.objects.count() == followed.count()
    assert not ReleasePlan.objects.filter(detainee__referent=None).exists()
    for_everyone = set(
        MilestoneKind.objects.filter(for_everyone=True).values_list("code", flat=True)
    )
    for detainee in followed.held().select_related("release_plan")[:40]:
        plan = detainee.release_plan
        assert plan.is_open
        milestones = list(plan.milestones.select_related("kind"))
        assert for_everyone <= {m.kind.code for m in milestones}
        for milestone in milestones:
            if detainee.expected_release_date is None:  # no DLP yet: no dates yet
                assert milestone.target_date is None
                continue
            offset = datetime.timedelta(days=milestone.kind.offset_days)
            assert milestone.target_date == detainee.expected_release_date - offset
            assert milestone.label == milestone.kind.label
    statuses = Counter(Milestone.objects.values_list("status", flat=True))
    assert set(statuses) == set(MilestoneStatus.values)
    # A released person's plan is closed with its final state.
    for plan in ReleasePlan.objects.filter(detainee__release_date__isnull=False):
        assert plan.closed_on == plan.detainee.release_date
        assert plan.final_release_kind == plan.detainee.release_kind
        assert 0 <= plan.final_essential_done <= plan.final_essential_total


def test_the_barriers_of_the_interview_are_in_the_plans(demo_world):
    flagged = Milestone.objects.exclude(barrier_note="").select_related("plan__detainee")
    assert flagged.exists()
    for milestone in flagged[:30]:
        assert milestone.essential
        assert milestone.barrier_note.startswith("Freins : ")
        assert BarrierAssessment.objects.filter(
            interview__detainee=milestone.plan.detainee,
            interview__status=InterviewStatus.VALIDATED,
            level__in=[BarrierLevel.SIGNIFICANT, BarrierLevel.BLOCKING],
            category__in=milestone.kind.barriers,
        ).exists()


def test_the_demo_cpip_has_people_in_every_state(demo_world):
    """Released soon, at risk, late, not seen for six months, DLP brought forward: none of the
    dashboard's counters is empty for cpip@demo.insertion.fr."""
    today = timezone.localdate()
    cpip = User.objects.get(email="cpip@demo.insertion.fr")
    people = with_readiness(Detainee.objects.held().followed_by(cpip), today)
    counts = people.aggregate(
        soon=Count("pk", filter=Q(expected_release_date__lte=today + datetime.timedelta(30))),
        at_risk=Count("pk", filter=Q(dry_risk=True)),
        prepared=Count(
            "pk",
            filter=Q(dry_risk=False, expected_release_date__lte=today + datetime.timedelta(90)),
        ),
        late=Count("pk", filter=Q(late_count__gt=0)),
        not_seen=Count("pk", filter=not_seen_condition(today)),
    )
    assert all(counts.values()), counts
    assert ReleaseAlert.objects.unread().filter(referent=cpip).exists()
    never_seen = people.filter(last_contact_on__isnull=True).count()
    assert 0 < never_seen < counts["not_seen"]


# Offers and requests ----------------------------------------------------------------------

SERVICE_KINDS = [kind for kind in OfferKind.values if kind != OfferKind.OTHER]


def test_every_demo_establishment_has_current_offers_of_each_kind(demo_world):
    today = timezone.localdate()
    for establishment in Establishment.objects.all():
        current = Offer.objects.current(today).filter(establishment=establishment)
        assert sorted(set(current.values_list("kind", flat=True))) == sorted(SERVICE_KINDS)

    offers = Offer.objects.all()
    work = offers.filter(kind=OfferKind.WORK)
    assert set(work.values_list("work_setting", flat=True)) == set(WorkSetting.values)
    assert not offers.exclude(kind=OfferKind.WORK).exclude(work_setting="").exists()
    services = set(offers.values_list("service", flat=True))
    assert {
        "Responsable du travail",
        "Responsable local de formation (RLF)",
        "Service d'enseignement (ULE)",
    } <= services
    assert any(service.startswith("Concessionnaire ") for service in services)
    for offer in offers:
        low, high = {OfferKind.WORK: (5, 40), OfferKind.TRAINING: (8, 12)}.get(offer.kind, (10, 15))
        assert low <= offer.places <= high, offer
        if offer.kind == OfferKind.TRAINING and not offer.permanent:
            assert 120 <= (offer.end_date - offer.start_date).days <= 270  # 4 to 9 months
    # A few ended or closed: the history of the requests points at them.
    assert offers.filter(end_date__lt=today).exists()
    assert offers.filter(active=False).exists()
    assert offers.filter(active=True).count() > 2 * offers.filter(active=False).count()


def test_the_demo_team_has_a_work_queue_at_fresnes(demo_world):
    """About ten requests to examine (some overdue), waiting lists for work and training longer
    than their places, and the browser test's story: a person followed by cpip@ waiting for a
    training whose current session has a free place, whom equipe@ can place."""
    today = timezone.localdate()
    fresnes = Establishment.objects.get(name=FRESNES)
    team = User.objects.get(email="equipe@demo.insertion.fr")
    requests = PlacementRequest.objects.visible_to(team)
    assert set(requests.values_list("establishment_id", flat=True)) == {fresnes.pk}

    to_review = requests.filter(status=RequestStatus.TO_REVIEW)
    assert 8 <= to_review.count() <= 15
    overdue = to_review.filter(created_at__lt=timezone.now() - datetime.timedelta(days=10))
    assert 2 <= overdue.count() <= 6
    demand = {row.offer_kind: row for row in demand_vs_places(fresnes, today=today)}
    for kind in (OfferKind.WORK, OfferKind.TRAINING):
        assert demand[kind].waiting > demand[kind].places > 0, demand[kind].summary
    assert set(requests.values_list("status", flat=True)) >= {
        RequestStatus.TO_REVIEW,
        RequestStatus.WAITING,
        RequestStatus.ALLOCATED,
        RequestStatus.DONE,
        RequestStatus.REFUSED,
    }
    waiting = requests.filter(status=RequestStatus.WAITING)
    old = waiting.filter(waiting_since__lt=today - datetime.timedelta(days=91))
    assert 0 < old.count() < waiting.count()
    assert waiting.exclude(manual_rank=None).exclude(override_reason="").exists()

    cpip = User.objects.get(email="cpip@demo.insertion.fr")
    candidate = (
        waiting.filter(offer_kind=OfferKind.TRAINING, detainee__referent=cpip)
        .order_by("pk")
        .first()
    )
    assert candidate is not None
    sessions = (
        Offer.objects.current(today)
        .filter(establishment=fresnes, kind=OfferKind.TRAINING, start_date__lte=today)
        .annotate(taken=Count("requests", filter=Q(requests__status=RequestStatus.ALLOCATED)))
    )
    free = [session for session in sessions if session.taken < session.places]
    assert free

    placed = request_allocate(request=candidate, offer=free[0], start_date=today, by=team)

    assert placed.status == RequestStatus.ALLOCATED


def test_the_plans_show_the_allocations_running_today(demo_world):
    """As `person/receivers.py` does for an allocation made in the application: the plan's
    « … en détention » milestone is « en cours », with the note naming the offer."""
    from insertion.release.models import Milestone, MilestoneNote, MilestoneStatus

    codes = {OfferKind.WORK: "travail-detention", OfferKind.TRAINING: "formation-detention"}
    running = list(
        PlacementRequest.objects.filter(
            status=RequestStatus.ALLOCATED,
            offer_kind__in=list(codes),
            detainee__release_plan__isnull=False,
            detainee__release_plan__closed_on__isnull=True,
        ).select_related("offer")
    )
    assert len(running) > 20
    for request in running:
        milestone = Milestone.objects.get(
            plan__detainee_id=request.detainee_id, kind__code=codes[request.offer_kind]
        )
        assert milestone.status == MilestoneStatus.IN_PROGRESS
        note = f"Affectation : « {request.offer.title} » à partir du {request.start_date:%d/%m/%Y}"
        assert MilestoneNote.objects.filter(milestone=milestone, text__startswith=note).exists()


def test_the_requests_follow_the_rules_of_the_application(demo_world):
    today = timezone.localdate()
    now = timezone.now()
    requests = PlacementRequest.objects.select_related("offer", "detainee")
    assert set(requests.values_list("status", flat=True)) == set(RequestStatus.values)
    assert set(requests.values_list("origin", flat=True)) == set(RequestOrigin.values)

    # Born of an interview: one per orientation that goes to a service, when the person shared
    # the recommendations, with the orientation's priority and details, at the validation.
    orientation_kind = {
        offer: orientation for orientation, offer in ORIENTATION_TO_OFFER_KIND.items()
    }
    from_interviews = requests.filter(origin=RequestOrigin.INTERVIEW).select_related("interview")
    assert from_interviews.count() > 100
    for request in from_interviews:
        interview = request.interview
        assert interview.status == InterviewStatus.VALIDATED
        assert is_shared(interview.withheld_sections, Section.RECOMMENDATIONS)
        orientation = interview.orientations.get(kind=orientation_kind[request.offer_kind])
        assert (request.priority, request.details) == (orientation.priority, orientation.details)
        assert request.created_at == interview.validated_at
        assert request.created_by_id == interview.validated_by_id
        assert request.establishment_id == interview.establishment_id
    assert not requests.exclude(origin=RequestOrigin.INTERVIEW).exclude(interview=None).exists()
    for interview in Interview.objects.filter(status=InterviewStatus.VALIDATED).prefetch_related(
        "orientations", "placement_requests"
    ):
        kinds = {request.offer_kind for request in interview.placement_requests.all()}
        if is_shared(interview.withheld_sections, Section.RECOMMENDATIONS):
            called = {o.kind for o in interview.orientations.all()}
            assert kinds == {
                ORIENTATION_TO_OFFER_KIND[k] for k in called if k in orientation_kind.values()
            }
        else:
            assert kinds == set()

    # Open: at most one per person and kind, of a person held, where they are held.
    open_ = requests.open()
    assert not open_.filter(detainee__release_date__isnull=False).exists()
    assert not open_.exclude(establishment=F("detainee__establishment")).exists()
    assert not open_.values("detainee", "offer_kind").annotate(n=Count("pk")).filter(n__gt=1)
    # Closed by the departure, on the day, for its reason.
    closed = requests.filter(status=RequestStatus.CLOSED)
    assert {"transfert", "liberation"} == set(closed.values_list("closing_reason", flat=True))
    for request in closed:
        assert Incarceration.objects.filter(
            detainee=request.detainee,
            establishment=request.establishment,
            departure_date=request.ended_on,
            departure_reason=request.closing_reason,
        ).exists()
    # Placed in an offer of the kind asked, in the same establishment, within its places.
    for request in requests.exclude(offer=None):
        assert request.offer.establishment_id == request.establishment_id
        assert request.offer.kind == request.offer_kind
        assert request.start_date >= request.waiting_since
    allocated = requests.filter(status=RequestStatus.ALLOCATED)
    assert not allocated.filter(Q(offer=None) | Q(start_date=None)).exists()
    for request in allocated:
        assert request.offer.active
        assert request.offer.permanent or request.offer.end_date >= today
    taken = allocated.values("offer__places", "offer").annotate(n=Count("pk"))
    assert all(row["n"] <= row["offer__places"] for row in taken)
    for request in requests.filter(status=RequestStatus.DONE):
        assert request.start_date <= request.ended_on <= today
    assert not requests.filter(status=RequestStatus.REFUSED, refusal_reason="").exists()
    for request in requests.exclude(waiting_since=None):
        assert timezone.localdate(request.created_at) <= request.waiting_since <= today

    # The history: created "à examiner", each step from the state the previous one left, the
    # last one the request's state, dated in order, never in the future.
    events = defaultdict(list)
    for event in RequestEvent.objects.order_by("request", "at", "pk"):
        events[event.request_id].append(event)
    for request in requests:
        history = events[request.pk]
        assert (history[0].from_status, history[0].to_status) == ("", RequestStatus.TO_REVIEW)
        assert history[0].at == request.created_at
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status
            assert before.at <= after.at <= now
        assert history[-1].to_status == request.status
        assert history[-1].at == request.updated_at
    closing = RequestEvent.objects.filter(to_status=RequestStatus.CLOSED)
    assert not closing.exclude(by=None).exists()


def test_the_step_makes_no_request_from_withheld_recommendations(
    fresnes, interviewer_fresnes, prison_team_fresnes
):
    from tests.factories import DetaineeFactory, validated_interview

    shared = validated_interview(
        by=interviewer_fresnes, detainee=DetaineeFactory(establishment=fresnes)
    )
    withheld = validated_interview(
        by=interviewer_fresnes,
        detainee=DetaineeFactory(establishment=fresnes),
        withheld_sections=[Section.RECOMMENDATIONS],
    )
    PlacementRequest.objects.all().delete()  # made by the validation: the step makes them here

    counts = placements_step(random.Random(3), timezone.localdate(), [fresnes])

    assert counts["offers"] == Offer.objects.filter(establishment=fresnes).count() > 5
    assert counts["placement_requests"] == PlacementRequest.objects.count()
    (request,) = PlacementRequest.objects.filter(interview=shared)
    assert (request.offer_kind, request.priority, request.origin) == (
        OfferKind.TRAINING,
        Priority.HIGH,
        RequestOrigin.INTERVIEW,
    )
    assert request.created_by == interviewer_fresnes
    assert not PlacementRequest.objects.filter(interview=withheld).exists()
    assert not PlacementRequest.objects.filter(
        detainee=withheld.detainee, origin=RequestOrigin.INTERVIEW
    ).exists()
    # The ids were handed out by the step: the sequence goes on after the largest.
    before = max(PlacementRequest.objects.values_list("pk", flat=True))
    made = PlacementRequest.objects.create(
        detainee=withheld.detainee,
        establishment=fresnes,
        offer_kind=OfferKind.OTHER,
        priority=Priority.LOW,
        origin=RequestOrigin.PERSON,
    )
    assert made.pk > before


def test_every_synthesis_of_the_demo_names_its_interviewer(demo_world):
    """An interviewer in each prison that runs the interviews: no « Non renseigné »."""
    versions = InterviewVersion.objects.all()
    assert versions.exists()
    assert not versions.filter(validated_by__isnull=True).exists()
    establishments = set(versions.values_list("interview__establishment__name", flat=True))
    assert len(establishments) > 1
