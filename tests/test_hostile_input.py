"""Hostile input on every form of the project (issue 6), with hypothesis: very long strings,
control characters and NUL, HTML and SQL fragments, dates and numbers out of range, wrong types.

For each form: never a server error; and when the form is shown again (refused), nothing it
could have written has changed — what was saved before is still there. The interview's entry
form saves field by field on purpose (a valid value is kept beside a refused one): for it, the
rule is no server error and no refused value stored.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entretiens.models import Interview, Postponement
from insertion.detainees.models import Contact, ContactKind, Detainee
from insertion.establishments.models import SynthesisRecipient
from insertion.release.models import Milestone, MilestoneNote
from insertion.release.services import referent_assign
from tests.factories import DetaineeFactory, InterviewFactory, UserFactory, validated_interview

pytestmark = pytest.mark.django_db

EXAMPLES = 30
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12),
    st.text(min_size=300, max_size=3000),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\u202e\u200b",
            "<script>alert('x')</script>",
            "'; DROP TABLE detainees_detainee; --",
            '" OR 1=1 --',
            "{{ 7*7 }}",
            "../../etc/passwd",
            "9999-99-99",
            "0001-01-01",
            "31/02/2026",
            "1e309",
            "-1",
            "²",
            "NaN",
            "9" * 40,
        ]
    ),
)
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def hostile(*fields) -> st.SearchStrategy:
    return st.fixed_dictionaries({field: HOSTILE_TEXT for field in fields})


def snapshot(*querysets) -> list:
    return [sorted(map(repr, queryset.values())) for queryset in querysets]


def refused(response) -> bool:
    """The form came back (with its errors) instead of a redirect after saving."""
    return response.status_code != 302


@pytest.fixture
def person(fresnes, cpip_fresnes, milestone_kinds):
    detainee = DetaineeFactory(
        establishment=fresnes, expected_release_date=timezone.localdate() + datetime.timedelta(200)
    )
    referent_assign(detainee=detainee, referent=cpip_fresnes)
    return detainee


def check(client, url, data, *querysets, htmx=False):
    before = snapshot(*querysets)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(url, data, headers=headers)
    assert response.status_code < 500
    if refused(response) and not htmx:
        assert snapshot(*querysets) == before
    return response


# Release preparation (the CPIP referent) ------------------------------------------------


def test_milestone_forms_resist_hostile_input(client, cpip_fresnes, person):
    client.force_login(cpip_fresnes)
    milestone = person.release_plan.milestones.order_by("position").first()
    kwargs = {"pk": person.pk, "milestone_pk": milestone.pk}
    watched = (Milestone.objects.filter(plan__detainee=person), MilestoneNote.objects.all())

    @HYPOTHESIS
    @given(
        create=hostile("label", "category", "target_date", "owner", "essential"),
        edit=hostile("target_date", "owner"),
        status=hostile("status", "reason"),
        note=hostile("text"),
        move=hostile("direction"),
    )
    def run(create, edit, status, note, move):
        check(client, reverse("person:milestone_create", args=[person.pk]), create, *watched)
        check(client, reverse("person:milestone_edit", kwargs=kwargs), edit, *watched)
        check(client, reverse("person:milestone_status", kwargs=kwargs), status, *watched)
        check(client, reverse("person:milestone_note", kwargs=kwargs), note, *watched)
        check(client, reverse("person:milestone_reorder", kwargs=kwargs), move, *watched)

    run()


def test_contact_and_release_forms_resist_hostile_input(client, cpip_fresnes, person):
    client.force_login(cpip_fresnes)
    watched = (Contact.objects.all(), Detainee.objects.filter(pk=person.pk))

    @HYPOTHESIS
    @given(contact=hostile("on_date", "kind", "subject"), release=hostile("on_date", "kind"))
    def run(contact, release):
        check(client, reverse("person:contact_create", args=[person.pk]), contact, *watched)
        response = check(
            client, reverse("person:release_record", args=[person.pk]), release, *watched
        )
        # Without the confirmation step nobody is released.
        assert not Detainee.objects.get(pk=person.pk).is_released or response.status_code == 302

    run()


# Interviews (the Afpa interviewer) ------------------------------------------------------


def test_interview_forms_resist_hostile_input(client, interviewer_fresnes, fresnes):
    from entretiens.forms import InterviewEntry

    client.force_login(interviewer_fresnes)
    draft = InterviewFactory(draft=True, detainee=DetaineeFactory(establishment=fresnes))
    validated = validated_interview(
        detainee=DetaineeFactory(establishment=fresnes), by=interviewer_fresnes
    )
    fields = sorted(
        {name for form in InterviewEntry(draft).sections.values() for name in form.fields}
    )[:25]

    @HYPOTHESIS
    @given(
        entry=hostile(*fields, "action", "lock_version", "edit_session"),
        postpone=hostile("new_date", "reason", "retour"),
        not_done=hostile("reason", "details", "retour"),
        rectify=hostile("reason"),
    )
    def run(entry, postpone, not_done, rectify):
        page = reverse("entretiens:interview", args=[draft.pk])
        response = client.post(page, entry)
        assert response.status_code < 500
        client.post(page, entry, headers={"HX-Request": "true"})
        watched = (Interview.objects.filter(pk=draft.pk), Postponement.objects.all())
        check(client, reverse("entretiens:postpone", args=[draft.pk]), postpone, *watched)
        check(client, reverse("entretiens:not_done", args=[draft.pk]), not_done, *watched)
        watched = (Interview.objects.filter(pk=validated.pk),)
        check(client, reverse("entretiens:rectify", args=[validated.pk]), rectify, *watched)

    run()


# Managers, accounts --------------------------------------------------------------------


def test_manager_forms_resist_hostile_input(client, manager_fresnes, fresnes, person):
    client.force_login(manager_fresnes)
    recipient = SynthesisRecipient.objects.create(
        establishment=fresnes, email="direction@fresnes.test.insertion.fr", role="direction"
    )
    watched = (SynthesisRecipient.objects.all(), Detainee.objects.values("referent_id"))

    @HYPOTHESIS
    @given(
        add=hostile("email", "role", "name", "active"),
        reassign=st.fixed_dictionaries(
            {
                "personnes": st.lists(st.one_of(HOSTILE_TEXT, st.just(str(person.pk))), max_size=3),
                "cpip": HOSTILE_TEXT,
                "suivies_par": HOSTILE_TEXT,
            }
        ),
    )
    def run(add, reassign):
        check(client, reverse("establishments:recipient_add", args=[fresnes.pk]), add, *watched)
        check(client, reverse("establishments:recipient_edit", args=[recipient.pk]), add, *watched)
        for confirm in ({}, {"confirmer": "1"}):
            check(client, reverse("caseload:reassign"), {**reassign, **confirm}, *watched)

    run()


def test_account_forms_resist_hostile_input(client, cpip_fresnes):
    @HYPOTHESIS
    @given(
        login=hostile("username", "password", "next"),
        token=hostile("token", "next"),
        password=hostile("old_password", "new_password1", "new_password2"),
    )
    def run(login, token, password):
        anonymous = Client()
        assert anonymous.post(reverse("accounts:login"), login).status_code < 500
        fresh = Client()
        fresh.force_login(cpip_fresnes)  # password checked, no second factor yet
        assert fresh.post(reverse("accounts:otp_verify"), token).status_code < 500
        assert fresh.post(reverse("accounts:otp_setup"), token).status_code < 500
        client.force_login(cpip_fresnes)
        response = client.post(reverse("accounts:password_change"), password)
        assert response.status_code < 500
        assert client.post(reverse("accounts:charter"), token).status_code < 500

    run()


@pytest.mark.parametrize("value", ["²", "٣", "1²", "99999999999999999999999"])
def test_digits_that_are_not_ascii_are_refused_not_crashed_on(
    client, manager_fresnes, interviewer_fresnes, fresnes, person, value
):
    """str.isdigit() says yes to "²" and "٣", which int() refuses: every id read from a form
    goes through one parser."""
    client.force_login(manager_fresnes)
    response = client.post(reverse("caseload:reassign"), {"personnes": [value], "cpip": value})
    assert response.status_code in (302, 404)
    client.force_login(interviewer_fresnes)
    draft = InterviewFactory(draft=True, detainee=DetaineeFactory(establishment=fresnes))
    page = reverse("entretiens:interview", args=[draft.pk])
    for data in ({"lock_version": value}, {"action": f"remove:diplomes:{value}"}):
        assert client.post(page, data).status_code < 500


# NUL (issue 11, point 4): PostgreSQL refuses it in text, so one middleware refuses it first --


def assert_refused_for_its_nul(response):
    assert response.status_code == 400
    assert "La requête contient un caractère invalide." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("cpip", "/personnes/"),
        ("cpip", "/portefeuille/"),
        ("cpip", "/portefeuille/export.csv"),
        ("prison_team", "/syntheses/"),
        ("interviewer", "/entretiens/"),
        ("admin", "/admin/detainees/detainee/"),
    ],
)
def test_a_nul_in_a_search_is_refused_with_a_french_message_not_sent_to_the_database(
    client, cpip_fresnes, prison_team_fresnes, interviewer_fresnes, superuser, role, url
):
    users = {
        "cpip": cpip_fresnes,
        "prison_team": prison_team_fresnes,
        "interviewer": interviewer_fresnes,
        "admin": superuser,
    }
    client.force_login(users[role])
    assert_refused_for_its_nul(client.get(url, {"q": "a\x00b"}))


def test_a_nul_in_the_address_is_refused(client, cpip_fresnes):
    client.force_login(cpip_fresnes)
    assert_refused_for_its_nul(client.get("/personnes/%00/"))


def test_a_nul_in_a_form_is_refused_and_writes_nothing(client, cpip_fresnes, person):
    client.force_login(cpip_fresnes)
    watched = (Contact.objects.all(),)
    url = reverse("person:contact_create", args=[person.pk])
    data = {"on_date": timezone.localdate().isoformat(), "kind": ContactKind.values[0]}
    assert client.post(url, {**data, "subject": "Vu ce jour"}).status_code == 302
    before = snapshot(*watched)  # the same form without its NUL was saved
    assert_refused_for_its_nul(client.post(url, {**data, "subject": "Vu\x00ce jour"}))
    assert snapshot(*watched) == before


def test_a_nul_in_the_session_cookie_is_refused_before_the_session_is_looked_up(db):
    anonymous = Client()
    anonymous.cookies["sessionid"] = "abcdefghij\x00klmnop"
    assert_refused_for_its_nul(anonymous.get("/personnes/"))


def test_a_nul_in_a_header_is_refused(client, cpip_fresnes):
    client.force_login(cpip_fresnes)
    assert_refused_for_its_nul(client.get("/personnes/", headers={"HX-Target": "a\x00b"}))


def test_a_password_carrying_a_nul_is_refused_not_shortened(db, password):
    """Removing the NUL instead would let "mot\\x00de-passe" log in as "motde-passe"."""
    user = UserFactory(email="nul@test.insertion.fr")
    response = Client().post(
        reverse("accounts:login"), {"username": user.email, "password": f"\x00{password}"}
    )
    assert_refused_for_its_nul(response)
