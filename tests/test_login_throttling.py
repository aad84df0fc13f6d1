"""Wrong passwords (issue 11, point 5): a stranger cannot lock a real user out.

Five failures on one account from one address lock that address for that account only; an
address that fails on many accounts (password spraying) is refused for every account. The
address of a test client is its REMOTE_ADDR.
"""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from insertion.accounts.throttling import ADDRESS_ACCOUNT_LIMIT, ADDRESS_FAILURE_LIMIT
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
STRANGER, OWNER = "203.0.113.7", "198.51.100.20"
WRONG = "mauvais-mot-de-passe"


def login(address, email, password=PASSWORD):
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": email, "password": password})


@pytest.fixture
def owner(db):
    return UserFactory(cpip=True, email="agent@test.insertion.fr")


def test_a_strangers_five_failures_do_not_stop_the_owner_at_another_address(owner):
    for _ in range(5):
        login(STRANGER, owner.email, WRONG)
    assert login(OWNER, owner.email).status_code == 302


def test_five_failures_lock_that_address_for_that_account_with_a_french_page(owner):
    for _ in range(4):
        response = login(STRANGER, owner.email, WRONG)
        assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    locked = login(STRANGER, owner.email, WRONG)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Connexion à ce compte bloquée" in page and "15 minutes" in page
    # Even the right password, whatever the case of the address, is refused from there.
    assert login(STRANGER, owner.email.upper()).status_code == 429


def test_the_locked_address_still_logs_in_to_another_account(owner):
    colleague = UserFactory(cpip=True, email="collegue@test.insertion.fr")
    for _ in range(5):
        login(STRANGER, owner.email, WRONG)
    assert login(STRANGER, colleague.email).status_code == 302


def test_password_spraying_gets_the_address_refused_even_on_an_account_without_failure(owner):
    for number in range(ADDRESS_ACCOUNT_LIMIT):
        login(STRANGER, f"victime{number}@test.insertion.fr", WRONG)
    refused = login(STRANGER, owner.email)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Connexions bloquées depuis cette adresse" in page and "15 minutes" in page
    assert login(OWNER, owner.email).status_code == 302


def test_spraying_is_refused_at_the_failure_that_reaches_the_account_threshold(owner):
    for number in range(ADDRESS_ACCOUNT_LIMIT - 1):
        assert login(STRANGER, f"victime{number}@test.insertion.fr", WRONG).status_code == 200
    assert login(STRANGER, "derniere@test.insertion.fr", WRONG).status_code == 429


def test_many_failures_on_a_few_accounts_get_the_address_refused_too(owner):
    accounts = [f"victime{number}@test.insertion.fr" for number in range(3)]
    for attempt in range(ADDRESS_FAILURE_LIMIT):
        login(STRANGER, accounts[attempt % 3], WRONG)
    assert login(STRANGER, owner.email).status_code == 429
    assert login(OWNER, owner.email).status_code == 302


def test_an_office_with_typos_on_nine_accounts_is_not_refused(owner):
    """Agents of a prison share one address: nine colleagues who each mistyped three times
    (27 failures, 9 accounts, both under the thresholds) do not shut the office out."""
    for number in range(ADDRESS_ACCOUNT_LIMIT - 1):
        for _ in range(3):
            assert login(STRANGER, f"collegue{number}@test.insertion.fr", WRONG).status_code == 200
    assert login(STRANGER, owner.email).status_code == 302


def test_a_successful_login_clears_the_failures_of_that_account_only(owner):
    for _ in range(4):
        login(STRANGER, owner.email, WRONG)
    assert login(STRANGER, owner.email).status_code == 302
    assert not AccessAttempt.objects.filter(username=owner.email).exists()
    for _ in range(4):
        assert login(STRANGER, owner.email, WRONG).status_code == 200


def test_the_address_is_let_in_again_after_the_cool_off(owner):
    for number in range(ADDRESS_ACCOUNT_LIMIT):
        login(STRANGER, f"victime{number}@test.insertion.fr", WRONG)
    assert login(STRANGER, owner.email).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - datetime.timedelta(minutes=16)
    )
    assert login(STRANGER, owner.email).status_code == 302


def test_the_back_office_lifts_an_address_refusal(owner):
    for number in range(ADDRESS_ACCOUNT_LIMIT):
        login(STRANGER, f"victime{number}@test.insertion.fr", WRONG)
    assert login(STRANGER, owner.email).status_code == 429
    # django-axes' "Tentatives d'accès" page lists the attempts; deleting them lifts the refusal.
    AccessAttempt.objects.filter(ip_address=STRANGER).delete()
    assert login(STRANGER, owner.email).status_code == 302


def test_behind_the_proxy_each_client_is_counted_at_the_address_the_proxy_saw(settings, owner):
    """Every request reaches Django from the proxy's own address; a stranger cannot pass for
    the owner by sending an X-Forwarded-For of their own (the proxy appends the real one)."""
    settings.AXES_CLIENT_IP_CALLABLE = "insertion.accounts.throttling.address_seen_by_proxy"
    proxy = "10.0.0.2"

    def through_proxy(client_chain, email, password=PASSWORD):
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_chain)
        return client.post(LOGIN, {"username": email, "password": password})

    for _ in range(5):
        through_proxy(f"{OWNER}, {STRANGER}", owner.email, WRONG)
    assert through_proxy(STRANGER, owner.email).status_code == 429
    assert through_proxy(OWNER, owner.email).status_code == 302
