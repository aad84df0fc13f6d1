"""`seed_demo` and `demo_banner`: the fictional world of `make run` and the national data set."""

import io
import random
import re

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.utils import timezone

from insertion.accounts.models import Role, User
from insertion.core.demo import generate
from insertion.core.demo.accounts import DEMO_EMAILS, DEMO_PASSWORD, FRESNES, MELUN
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
from insertion.establishments.models import Establishment, ProbationService, Region

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.fixture
def demo_world(debug):
    seed()


def wipe():
    for model in (Detainee, User, Establishment, ProbationService, Region):
        model.objects.all().delete()


def test_seed_demo_creates_one_account_per_role_with_the_demo_password(demo_world):
    users = {user.email: user for user in User.objects.filter(email__in=DEMO_EMAILS)}

    assert {email: user.role for email, user in users.items()} == {
        "cpip@demo.insertion.fr": Role.CPIP,
        "afpa@demo.insertion.fr": Role.INTERVIEWER,
        "equipe@demo.insertion.fr": Role.PRISON_TEAM,
        "direction@demo.insertion.fr": Role.MANAGER,
        "national@demo.insertion.fr": Role.NATIONAL,
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
    assert User.objects.filter(email__in=DEMO_EMAILS).count() == 6


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
    assert "8 autres comptes fictifs" in banner


def test_demo_banner_without_demo_data_says_how_to_load_it(db):
    out = io.StringIO()

    call_command("demo_banner", stdout=out)

    assert "seed_demo" in out.getvalue()


def test_national_data_set_on_a_tiny_scale_holds_the_rules(debug):
    seed(scale="national", fraction=0.002)

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
    assert User.objects.filter(email__in=DEMO_EMAILS).count() == 6


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
