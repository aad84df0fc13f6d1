"""The small story world of the tests (STYLE.md §14).

Fresnes has a CPIP, an Afpa interviewer, a prison team member and a manager; Lyon has a CPIP
who must see nothing of Fresnes; national steering sees aggregates only.
"""

import pytest
from django.test import Client
from pytest_django.plugin import blocking_manager_key

from insertion.bench import harness
from insertion.release.models import MilestoneKind
from insertion.release.referential import load_kinds
from tests.factories import (
    PASSWORD,
    DetaineeFactory,
    EstablishmentFactory,
    RegionFactory,
    UserFactory,
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The browser tests first. pytest-django puts the tests without a database last, and the
    browser tests, one xdist group on one demo (three minutes in a row), then ran at the end on
    one worker while the other had nothing left to do; first, the other worker takes the rest
    meanwhile. The order of the others (transactional ones last) is kept: the sort is stable."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transaction = marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    return bool(transaction) or "transactional_db" in getattr(item, "fixturenames", ())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test empties every table when it ends, the referential of milestone kinds
    that a migration seeds included: it is put back at once, for the tests that follow on this
    worker (the demo's seeding makes no plan without it). After the last test, the test
    database is gone: nothing to put back."""
    try:
        return (yield)
    finally:
        if nextitem is not None and _is_transactional(item):
            with item.config.stash[blocking_manager_key].unblock():
                load_kinds(MilestoneKind)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """The files a test stores (received extractions, synthesis PDFs) go to its own temporary
    folder, never to the checkout's private folder; a test may point them elsewhere."""
    settings.STORAGES = {
        **settings.STORAGES,
        **{
            alias: {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path / "private" / alias},
            }
            for alias in ("imports", "syntheses")
        },
    }


class VerifiedClient(Client):
    """`force_login` as a real user is logged in: password and second factor (a confirmed TOTP
    device, verified in the session). Tests of the second factor itself log in through the
    pages instead."""

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Tests", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture
def celery_eager():
    """Tasks run in-process, as in the demo (the suite's REDIS_URL has no worker behind it)."""
    from insertion.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = saved


@pytest.fixture(scope="module")
def smtp_server():
    """A real SMTP server on loopback for the module (insertion/bench/harness.py, the bench's
    own): `.port`, and `.mailbox`, which keeps every message received."""
    with harness.smtp_server() as server:
        yield server


@pytest.fixture
def mailbox(smtp_server):
    """The messages received during the test, with nothing refused nor held."""
    smtp_server.mailbox.reset()
    yield smtp_server.mailbox
    smtp_server.mailbox.reset()


@pytest.fixture
def milestone_kinds(db):
    """The referential of milestone kinds, as the migration seeds it (put back after every
    transactional test by `pytest_runtest_teardown` above; loaded here too for safety)."""
    load_kinds(MilestoneKind)
    return {kind.code: kind for kind in MilestoneKind.objects.all()}


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def fresnes(db):
    region = RegionFactory(code="PARIS", name="DISP de Paris")
    return EstablishmentFactory(
        name="Centre pénitentiaire de Fresnes",
        code="FRE",
        kind="CP",
        region=region,
        department="94",
        city="Fresnes",
    )


@pytest.fixture
def lyon(db):
    region = RegionFactory(code="LYON", name="DISP de Lyon")
    return EstablishmentFactory(
        name="Maison d'arrêt de Lyon-Corbas",
        code="LYO",
        region=region,
        department="69",
        city="Corbas",
    )


@pytest.fixture
def cpip_fresnes(fresnes):
    return UserFactory(cpip=True, email="cpip.fresnes@test.insertion.fr", establishments=[fresnes])


@pytest.fixture
def interviewer_fresnes(fresnes):
    return UserFactory(
        interviewer=True, email="afpa.fresnes@test.insertion.fr", establishments=[fresnes]
    )


@pytest.fixture
def prison_team_fresnes(fresnes):
    return UserFactory(
        prison_team=True, email="equipe.fresnes@test.insertion.fr", establishments=[fresnes]
    )


@pytest.fixture
def manager_fresnes(fresnes):
    return UserFactory(
        manager=True, email="direction.fresnes@test.insertion.fr", establishments=[fresnes]
    )


@pytest.fixture
def national_user(db):
    return UserFactory(national=True, email="national@test.insertion.fr")


@pytest.fixture
def cpip_lyon(lyon):
    return UserFactory(cpip=True, email="cpip.lyon@test.insertion.fr", establishments=[lyon])


@pytest.fixture
def superuser(db):
    return UserFactory(admin=True, email="admin@test.insertion.fr")


@pytest.fixture
def detainee_fresnes(fresnes, cpip_fresnes):
    return DetaineeFactory(
        establishment=fresnes,
        referent=cpip_fresnes,
        last_name="Lefèvre",
        first_name="Hélène",
        ecrou_number="24001",
    )


@pytest.fixture
def detainee_lyon(lyon, cpip_lyon):
    return DetaineeFactory(
        establishment=lyon,
        referent=cpip_lyon,
        last_name="Garnier",
        first_name="Louis",
        ecrou_number="24001",
    )
