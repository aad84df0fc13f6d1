"""Every view: anonymous -> login page; wrong role -> 403; other establishment -> 404."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _page_urls(detainee):
    return {
        "home": reverse("accounts:home"),
        "detainee_list": reverse("detainees:list"),
        "detainee_detail": reverse("person:detail", args=[detainee.pk]),
        "establishments": reverse("dashboard:establishments"),
        "national": reverse("dashboard:national"),
        "syntheses": reverse("entretiens:syntheses"),
        "caseload": reverse("caseload:dashboard"),
        "caseload_export": reverse("caseload:export"),
        "team": reverse("caseload:team"),
    }


# Which roles may open each page (the rest get 403). "home" redirects every role.
ALLOWED = {
    "detainee_list": {"cpip", "interviewer", "manager"},
    "detainee_detail": {"cpip", "interviewer", "manager"},
    "establishments": {"manager"},
    "national": {"national"},
    "syntheses": {"prison_team", "manager"},
    "caseload": {"cpip", "manager"},
    "caseload_export": {"cpip", "manager"},
    "team": {"manager"},
}


@pytest.fixture
def users(cpip_fresnes, interviewer_fresnes, prison_team_fresnes, manager_fresnes, national_user):
    return {
        "cpip": cpip_fresnes,
        "interviewer": interviewer_fresnes,
        "prison_team": prison_team_fresnes,
        "manager": manager_fresnes,
        "national": national_user,
    }


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "detainee_list",
        "detainee_detail",
        "establishments",
        "national",
        "syntheses",
        "caseload",
        "caseload_export",
        "team",
    ],
)
def test_anonymous_user_is_sent_to_the_login_page(client, detainee_fresnes, name):
    url = _page_urls(detainee_fresnes)[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


def test_admin_of_anonymous_user_asks_for_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_login_page_and_static_files_are_public(client):
    assert client.get(LOGIN).status_code == 200


@pytest.mark.parametrize("name", sorted(ALLOWED))
@pytest.mark.parametrize("role", ["cpip", "interviewer", "prison_team", "manager", "national"])
def test_each_role_is_allowed_or_forbidden(client, users, detainee_fresnes, name, role):
    client.force_login(users[role])
    response = client.get(_page_urls(detainee_fresnes)[name])
    expected = 200 if role in ALLOWED[name] else 403
    assert response.status_code == expected
    if expected == 403:
        assert "Accès refusé" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("cpip", "caseload:dashboard"),
        ("interviewer", "entretiens:worklist"),
        ("prison_team", "placements:queue"),
        ("manager", "dashboard:establishments"),
        ("national", "dashboard:national"),
    ],
)
def test_home_sends_each_role_to_its_landing_page(client, users, role, landing):
    client.force_login(users[role])
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)


def test_home_sends_a_back_office_operator_to_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("accounts:home"))["Location"] == reverse("admin:index")


def test_account_without_role_gets_a_french_403(client, django_user_model):
    from django.utils import timezone

    user = django_user_model.objects.create_user(
        "sansrole@test.insertion.fr", "x" * 14, charter_accepted_at=timezone.now()
    )
    client.force_login(user)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["cpip", "interviewer", "manager"])
def test_user_of_another_prison_gets_404_on_a_person(client, role, detainee_fresnes, lyon):
    from tests.factories import UserFactory

    other = UserFactory(role=role, establishments=[lyon])
    client.force_login(other)
    response = client.get(reverse("person:detail", args=[detainee_fresnes.pk]))
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_cpip_of_another_prison_does_not_see_the_person_in_the_list(
    client, cpip_lyon, detainee_fresnes, detainee_lyon
):
    client.force_login(cpip_lyon)
    content = client.get(reverse("detainees:list")).content.decode()
    assert "GARNIER Louis" in content
    assert "LEFÈVRE Hélène" not in content


def test_cpip_of_another_prison_does_not_see_the_person_in_the_caseload(
    client, cpip_lyon, detainee_fresnes, detainee_lyon
):
    client.force_login(cpip_lyon)
    for params in ({}, {"perimetre": "etablissement"}):
        content = client.get(reverse("caseload:dashboard"), params).content.decode()
        assert "GARNIER Louis" in content
        assert "LEFÈVRE Hélène" not in content


def test_manager_sees_only_the_counts_of_their_establishments(
    client, manager_fresnes, detainee_fresnes, detainee_lyon
):
    client.force_login(manager_fresnes)
    content = client.get(reverse("dashboard:establishments")).content.decode()
    assert "Centre pénitentiaire de Fresnes" in content
    assert "Lyon-Corbas" not in content


def test_national_page_names_no_person(client, national_user, detainee_fresnes, detainee_lyon):
    client.force_login(national_user)
    content = client.get(reverse("dashboard:national")).content.decode()
    assert "Centre pénitentiaire de Fresnes" in content
    assert "Lyon-Corbas" in content
    assert "Lefèvre" not in content and "LEFÈVRE" not in content
    assert "Garnier" not in content and "GARNIER" not in content


def test_logout_requires_post_and_returns_to_login(client, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.get(reverse("detainees:list")).status_code == 302


def test_wrong_password_shows_a_french_error_and_keeps_the_email(client, cpip_fresnes):
    response = client.post(LOGIN, {"username": cpip_fresnes.email, "password": "faux"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect" in content
    assert f'value="{cpip_fresnes.email}"' in content


def test_login_is_case_insensitive_on_the_email(client, cpip_fresnes, password):
    response = client.post(LOGIN, {"username": cpip_fresnes.email.upper(), "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("caseload:dashboard")


def test_server_error_page_is_french_and_shows_no_trace(rf):
    from insertion.core.errors import server_error

    response = server_error(rf.get("/"))
    content = response.content.decode()
    assert response.status_code == 500
    assert "Erreur inattendue" in content
    assert "Traceback" not in content


def test_favicon_is_public(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("dsfr/dist/favicon/favicon.ico")
