"""The back-office of the partners' personal data (issue 16): the people's agreements and the
profiles sent, shown read-only (never added, changed or deleted: the transmissions are the log),
scoped to the operator's establishments, access-logged, with locked query counts; and a company
deactivated there is dated as by the service (its contacts' retention counts from then)."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.partners.models import Agreement, Company, ProfileTransmission
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    ProfileTransmissionFactory,
    UserFactory,
)
from tests.test_admin import _changelist_queries, _url, admin_form_data, changelist_results

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(fresnes):
    """A back-office operator of Fresnes with every right on the partners' models."""
    user = UserFactory(
        manager=True,
        email="back-office.partenaires@test.insertion.fr",
        is_staff=True,
        establishments=[fresnes],
    )
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="partners"))
    return user


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def sent(detainee_fresnes, detainee_lyon):
    """A profile sent about each person (Fresnes, Lyon), each with its agreement."""
    return {
        "fresnes": ProfileTransmissionFactory(
            agreement=AgreementFactory(detainee=detainee_fresnes)
        ),
        "lyon": ProfileTransmissionFactory(agreement=AgreementFactory(detainee=detainee_lyon)),
    }


@pytest.mark.parametrize("model", [Agreement, ProfileTransmission])
def test_the_operator_sees_only_the_rows_of_their_prisons(operator_client, sent, model):
    results = changelist_results(operator_client.get(_url(model, "changelist")))
    fresnes = sent["fresnes"]
    assert results == [fresnes.agreement if model is Agreement else fresnes]
    other = sent["lyon"].agreement if model is Agreement else sent["lyon"]
    assert operator_client.get(_url(model, "change", other.pk)).status_code == 302


@pytest.mark.parametrize("model", [Agreement, ProfileTransmission])
def test_nothing_is_added_changed_or_deleted_here(operator_client, superuser, client, sent, model):
    row = sent["fresnes"].agreement if model is Agreement else sent["fresnes"]
    assert operator_client.get(_url(model, "add")).status_code == 403
    assert operator_client.get(_url(model, "delete", row.pk)).status_code == 403
    response = operator_client.get(_url(model, "change", row.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert not response.context["has_delete_permission"]
    # A POST on the page changes nothing.
    assert operator_client.post(_url(model, "change", row.pk), {}).status_code == 403
    client.force_login(superuser)
    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_the_agreement_page_shows_its_transmissions_and_is_logged(
    operator_client, operator, sent, detainee_fresnes
):
    agreement = sent["fresnes"].agreement
    response = operator_client.get(_url(Agreement, "change", agreement.pk))
    assert sent["fresnes"].email in response.content.decode()
    line = AccessLog.objects.get(action=Action.ADMIN_READ)
    assert (line.user, line.detainee_id) == (operator, detainee_fresnes.pk)
    assert line.object_type == "agreement"


def test_the_transmission_page_is_logged_with_its_person(
    operator_client, operator, sent, detainee_fresnes
):
    response = operator_client.get(_url(ProfileTransmission, "change", sent["fresnes"].pk))
    assert response.status_code == 200
    line = AccessLog.objects.get(action=Action.ADMIN_READ)
    assert (line.user, line.detainee_id) == (operator, detainee_fresnes.pk)


def test_the_lists_search_through_the_person(operator_client, sent):
    for model in (Agreement, ProfileTransmission):
        response = operator_client.get(_url(model, "changelist"), {"q": "helene lefevre"})
        assert len(changelist_results(response)) == 1
        response = operator_client.get(_url(model, "changelist"), {"q": "Garnier"})
        assert changelist_results(response) == []


@pytest.mark.parametrize("user", ["superuser", "operator"])
def test_the_lists_cost_the_same_with_2_and_20_rows(client, request, user, fresnes):
    client.force_login(request.getfixturevalue(user))

    def populate(count):
        for _ in range(count):
            ProfileTransmissionFactory(agreement=AgreementFactory(detainee__establishment=fresnes))

    populate(2)
    with_two = {m: _changelist_queries(client, m) for m in (Agreement, ProfileTransmission)}
    populate(18)
    with_twenty = {m: _changelist_queries(client, m) for m in (Agreement, ProfileTransmission)}
    assert with_twenty == with_two


def test_a_company_deactivated_in_the_back_office_is_dated(operator_client, fresnes):
    company = CompanyFactory(establishments=[fresnes])
    url = _url(Company, "change", company.pk)
    data = admin_form_data(operator_client.get(url))
    data.pop("active")
    before = timezone.now()
    response = operator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    company.refresh_from_db()
    assert not company.active and company.deactivated_at >= before

    data["active"] = "on"
    assert operator_client.post(url, data).status_code == 302
    company.refresh_from_db()
    assert company.active and company.deactivated_at is None
