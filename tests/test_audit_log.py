"""The access log: append-only, with the request id and the address, purged after its
retention; the back-office filters it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from insertion.audit.log import Action
from insertion.audit.models import AccessLog, AppendOnlyError
from insertion.audit.tasks import purge_access_log
from tests.factories import validated_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(client, prison_team_fresnes, detainee_fresnes, interviewer_fresnes):
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    client.force_login(prison_team_fresnes)
    client.get(
        reverse("entretiens:interview", args=[interview.pk]),
        headers={"X-Request-ID": "proxy-0123456789"},
        REMOTE_ADDR="10.1.2.3",
    )
    return AccessLog.objects.get()


def test_a_read_is_logged_with_who_what_where_and_the_request_id(line, prison_team_fresnes):
    assert line.user == prison_team_fresnes
    assert line.action == "entretien.consultation"
    assert line.ip_address == "10.1.2.3"
    assert line.request_id == "proxy-0123456789"


def test_every_response_carries_its_request_id(client, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(reverse("detainees:list"), headers={"X-Request-ID": "bad id!"})
    assert len(response["X-Request-ID"]) == 32  # not the client's malformed one
    assert "camera=()" in response["Permissions-Policy"]


def test_the_log_is_append_only(line):
    line.action = "autre"
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        line.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=line.pk).update(action="autre")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().action == "entretien.consultation"


def test_the_purge_removes_what_is_older_than_the_retention(line, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 365
    assert purge_access_log() == 0
    later = timezone.now() + datetime.timedelta(days=366)
    assert AccessLog.objects.purge_older_than(days=365, now=later) == 1
    assert not AccessLog.objects.exists()


def test_the_back_office_shows_the_log_read_only_with_its_filters(client, superuser, line):
    client.force_login(superuser)
    changelist = reverse("admin:audit_accesslog_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [line]
    found = client.get(changelist, {"q": str(line.detainee_id)})
    assert list(found.context["cl"].result_list) == [line]
    assert client.get(changelist, {"action": "portefeuille.export"}).context["cl"].result_count == 0
    assert client.get(changelist, {"q": "proxy-0123456789"}).context["cl"].result_count == 1
    change = client.get(reverse("admin:audit_accesslog_change", args=[line.pk]))
    assert b'type="submit"' not in change.content or b"_save" not in change.content


def test_reading_a_person_page_is_logged_and_managers_reads_are_shown(
    client, cpip_fresnes, manager_fresnes, detainee_fresnes
):
    url = reverse("person:detail", args=[detainee_fresnes.pk])
    client.force_login(manager_fresnes)
    client.get(url)
    client.force_login(cpip_fresnes)
    page = client.get(url).content.decode()
    lines = AccessLog.objects.filter(action="personne.consultation").order_by("pk")
    assert [(line.user, line.detainee_id) for line in lines] == [
        (manager_fresnes, detainee_fresnes.pk),
        (cpip_fresnes, detainee_fresnes.pk),
    ]
    assert "Consultations par l'encadrement" in page
    assert manager_fresnes.get_full_name() in page


def test_a_write_and_a_refused_attempt_on_a_person_are_logged_once_each(
    client, cpip_fresnes, detainee_fresnes
):
    """The contact recorded is logged by its view; the attempt refused over htmx (which
    answers 200 with the form's errors) by the middleware, once."""
    client.force_login(cpip_fresnes)
    url = reverse("person:contact_create", args=[detainee_fresnes.pk])
    refused = client.post(
        url, {"on_date": "", "kind": "", "subject": ""}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 200
    client.post(
        url,
        {"on_date": timezone.localdate().isoformat(), "kind": "entretien", "subject": "Point"},
    )
    lines = AccessLog.objects.order_by("pk")
    assert [(line.action, line.detainee_id, line.user) for line in lines] == [
        (Action.REFUSED, detainee_fresnes.pk, cpip_fresnes),
        (Action.CONTACT_ADD, detainee_fresnes.pk, cpip_fresnes),
    ]
    assert lines.last().object_type == "contact"
    # A read-only page writes no such line.
    client.get(reverse("caseload:dashboard"))
    assert lines.count() == 2
