"""The access log covers every door (issue 11, point 3), generated from the URL matrix and from
the back-office's registry: one GET of a page that shows a named person leaves exactly one line
naming that person; every admin of a person's data logs its reads and writes; the admin's date
drill-down never answers a server error."""

import datetime

import pytest
from django.contrib import admin
from django.db import transaction
from django.db.models import ForeignKey
from django.urls import reverse
from django.utils import timezone

from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.core.admin_site import BoundedDateHierarchyChangeList
from insertion.detainees.models import Contact, Detainee
from insertion.detainees.services import contact_record
from tests import test_url_matrix
from tests.factories import InterviewFactory, SentenceArrangementFactory
from tests.test_url_matrix import MATRIX, url_of

pytestmark = pytest.mark.django_db

# The matrix's story world and its users, shared rather than copied.
world = test_url_matrix.world
fresnes_users = test_url_matrix.fresnes_users

# Pages that list many people (a name per row): they are not a reading of one person's file
# and write no line. The caseload's CSV export writes one line for the export.
PEOPLE_LISTS = frozenset(
    {
        "detainees:list",
        "caseload:dashboard",
        "caseload:export",
        "caseload:team",
        "entretiens:worklist",
        "entretiens:syntheses",
        "imports:review",
        "placements:queue",
        "placements:waiting_list",
    }
)
# Whose file a URL's object belongs to (see `world` in test_url_matrix.py).
PERSON_OF_TARGET = {
    "person": "person",
    "milestone": "person",
    "alert": "person",
    "synthesis": "person",
    "validated": "person",
    "draft": "draft_person",
    "placement_request": "person",
    "person_request": "person",
    "partner_send": "person",
    "partner_agreement": "person",
    "partner_referral": "person",
}
# Names found nowhere else on a page, whatever the case.
NAMES = {"person": "Kerouédan", "draft_person": "Tréguier"}


@pytest.fixture
def people(world):
    """The two people of the matrix's world, renamed so that a page naming them is certain."""
    found = {"person": world["person"], "draft_person": world["draft"].detainee}
    for key, detainee in found.items():
        detainee.last_name = NAMES[key]
        detainee.save()
    return found


def _shown(content: bytes, name: str) -> bool:
    return name.casefold() in content.decode().casefold()


GET_CASES = {
    name: sorted(route.allowed)
    for name, route in sorted(MATRIX.items())
    if route.method == "get" and not route.public
}


def test_the_lists_of_people_are_urls_of_the_matrix():
    assert set(MATRIX) >= PEOPLE_LISTS


def _log_problems(client, name: str, url: str, people: dict, user) -> list[str]:
    """What is wrong with the access log after `user` reads `url`: a person shown and not
    logged once, or logged and not shown."""
    client.force_login(user)
    before = AccessLog.objects.count()
    response = client.get(url)
    lines = list(AccessLog.objects.order_by("pk")[before:])
    streaming = getattr(response, "streaming", False)
    if streaming:
        # A served file (the synthesis PDF), read to the end: the test client then closes it
        # without closing the database connection the test runs in (a bare close() would).
        b"".join(response.streaming_content)
    if response.status_code != 200:
        return []  # a redirect shows no one (the page it leads to is tested on its own)
    problems = []
    target = PERSON_OF_TARGET.get(MATRIX[name].target)
    for key, detainee in people.items():
        about = [line for line in lines if line.detainee_id == detainee.pk]
        shown = key == target or (not streaming and _shown(response.content, NAMES[key]))
        if name in PEOPLE_LISTS or not shown:
            if about:
                problems.append(f"{url} ne montre pas {NAMES[key]} mais le journalise")
        elif len(about) != 1:
            problems.append(f"{url} montre {NAMES[key]} : {len(about)} ligne(s) au journal")
        elif (about[0].user_id, about[0].establishment_id) != (user.pk, detainee.establishment_id):
            problems.append(f"{url} : ligne au nom d'un autre utilisateur ou établissement")
    return problems


@pytest.mark.parametrize("name", sorted(GET_CASES))
def test_a_page_that_shows_a_person_leaves_one_line_naming_them(
    client, world, people, fresnes_users, name
):
    """Each role that may read the page in turn, each read undone after it (a savepoint)."""
    url = url_of(name, world)
    problems = {}
    for role in GET_CASES[name]:
        with transaction.atomic():
            if found := _log_problems(client, name, url, people, fresnes_users[role]):
                problems[role] = found
            transaction.set_rollback(True)
    assert problems == {}


def test_a_draft_interview_and_the_release_form_are_logged_when_read(
    client, interviewer_fresnes, cpip_fresnes, detainee_fresnes
):
    draft = InterviewFactory(draft=True, detainee=detainee_fresnes)
    client.force_login(interviewer_fresnes)
    assert client.get(reverse("entretiens:interview", args=[draft.pk])).status_code == 200
    client.force_login(cpip_fresnes)
    url = reverse("person:release_record", args=[detainee_fresnes.pk])
    assert client.get(url).status_code == 200
    lines = AccessLog.objects.order_by("pk")
    assert [(line.user, line.action, line.detainee_id) for line in lines] == [
        (interviewer_fresnes, Action.INTERVIEW_READ, detainee_fresnes.pk),
        (cpip_fresnes, Action.RELEASE_FORM_READ, detainee_fresnes.pk),
    ]


def test_a_refused_release_is_logged_once_as_a_refused_attempt(
    client, cpip_fresnes, detainee_fresnes
):
    client.force_login(cpip_fresnes)
    url = reverse("person:release_record", args=[detainee_fresnes.pk])
    response = client.post(url, {"on_date": "pas une date", "kind": ""})
    assert response.status_code == 200
    assert [(line.action, line.detainee_id) for line in AccessLog.objects.all()] == [
        (Action.REFUSED, detainee_fresnes.pk)
    ]


# --- The back-office ----------------------------------------------------------------------------


def _holds_a_person(model) -> bool:
    return model is Detainee or any(
        isinstance(field, ForeignKey) and field.related_model is Detainee
        for field in model._meta.get_fields()
    )


PERSONAL_ADMINS = sorted(
    model._meta.label for model in admin.site._registry if _holds_a_person(model)
)


def test_every_admin_of_a_persons_data_says_how_to_find_the_person():
    missing = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if _holds_a_person(model) and getattr(model_admin, "person_path", None) is None
    ]
    assert missing == [], "admin de données personnelles sans person_path (journal des accès)"


def _object_of(model, person):
    """An object of `model` in the person's file, made when the story world has none."""
    if model is Detainee:
        return person
    existing = model._default_manager.filter(detainee=person).order_by("pk").first()
    if existing is not None:
        return existing
    if model is Contact:
        return contact_record(
            detainee=person,
            by=None,
            on_date=timezone.localdate(),
            kind="entretien",
            subject="Point d'étape",
        )
    return SentenceArrangementFactory(detainee=person)


@pytest.mark.parametrize("label", PERSONAL_ADMINS)
@pytest.mark.parametrize("view", ["change", "history"])
def test_an_admin_page_of_a_persons_data_leaves_one_line_naming_them(
    client, superuser, world, people, label, view
):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    obj = _object_of(model, people["person"])
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=[obj.pk])
    before = AccessLog.objects.count()
    assert client.get(url).status_code == 200
    lines = list(AccessLog.objects.order_by("pk")[before:])
    expected = Action.ADMIN_READ if view == "change" else Action.ADMIN_HISTORY_READ
    assert [
        (line.action, line.object_type, line.object_id, line.detainee_id) for line in lines
    ] == [(expected, model._meta.model_name, obj.pk, people["person"].pk)]
    assert lines[0].user == superuser


def _detainee_change_data(detainee, **changes) -> dict:
    data = {
        "last_name": detainee.last_name,
        "first_name": detainee.first_name,
        "birth_date": detainee.birth_date.isoformat(),
        "sex": detainee.sex,
        "legal_status": detainee.legal_status,
        "offence_category": detainee.offence_category,
        "referent": detainee.referent_id or "",
        "new_expected_release_date": "",
        "release_date_change_reason": "",
        "release_date": "",
        "release_kind": "",
    }
    for prefix in ("incarcerations", "release_date_changes", "arrangements"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | changes


def test_a_change_and_a_refused_change_in_the_admin_are_logged_once_each(
    client, superuser, detainee_fresnes
):
    client.force_login(superuser)
    url = reverse("admin:detainees_detainee_change", args=[detainee_fresnes.pk])
    refused = client.post(url, _detainee_change_data(detainee_fresnes, birth_date="2999-01-01"))
    assert refused.status_code == 200  # the form again, with its French error
    done = client.post(url, _detainee_change_data(detainee_fresnes, first_name="Hélèna"))
    assert done.status_code == 302, done.context["adminform"].form.errors
    lines = AccessLog.objects.order_by("pk")
    assert [(line.action, line.detainee_id) for line in lines] == [
        (Action.REFUSED, detainee_fresnes.pk),
        (Action.ADMIN_CHANGE, detainee_fresnes.pk),
    ]


def test_the_subject_access_export_from_the_admin_is_logged_once(
    client, superuser, detainee_fresnes
):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:detainees_detainee_changelist"),
        {"action": "export_subject_access", "_selected_action": [detainee_fresnes.pk]},
    )
    assert response["Content-Type"] == "application/zip"
    assert [(line.action, line.detainee_id) for line in AccessLog.objects.all()] == [
        (Action.PERSON_EXPORT, detainee_fresnes.pk)
    ]


# --- The date drill-down ------------------------------------------------------------------------

DATE_ADMINS = sorted(
    model._meta.label
    for model, model_admin in admin.site._registry.items()
    if model_admin.date_hierarchy
)
ABSURD_DATES = [
    {"year": "99999999999999999999"},
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "2024", "month": "13"},
    {"year": "2024", "month": "2", "day": "30"},
    {"year": "deux-mille"},
    {"year": "2024", "month": "-1"},
]


def test_every_admin_with_a_date_drill_down_uses_the_bounded_change_list(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model_admin.date_hierarchy:
            changelist = model_admin.get_changelist(request)
            assert issubclass(changelist, BoundedDateHierarchyChangeList), model._meta.label


@pytest.mark.parametrize("label", DATE_ADMINS)
@pytest.mark.parametrize("date", ABSURD_DATES, ids=lambda d: "-".join(d.values()))
def test_an_absurd_date_in_the_drill_down_answers_the_admins_error_page(
    client, superuser, label, date
):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    field = admin.site._registry[model].date_hierarchy
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {f"{field}__{part}": value for part, value in date.items()})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


@pytest.mark.parametrize("label", DATE_ADMINS)
def test_a_real_date_in_the_drill_down_still_filters(client, superuser, label):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    field = admin.site._registry[model].date_hierarchy
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    today = datetime.date.today()
    response = client.get(url, {f"{field}__year": today.year, f"{field}__month": today.month})
    assert response.status_code == 200
