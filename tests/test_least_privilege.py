"""Least privilege (issue 11, point 6): interviewers read identity and arrival data only; an
email's subject names no person (the écrou number and the establishment are enough)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from insertion.establishments.models import SynthesisRecipient
from insertion.person.services import release_date_change
from insertion.release.services import referent_assign
from tests.factories import validated_interview

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "sees"), [("interviewer", False), ("cpip", True), ("manager", True)]
)
def test_only_cpip_and_managers_read_the_legal_status_and_offence(
    who, sees, client, detainee_fresnes, interviewer_fresnes, cpip_fresnes, manager_fresnes
):
    user = {"interviewer": interviewer_fresnes, "cpip": cpip_fresnes, "manager": manager_fresnes}
    client.force_login(user[who])
    page = client.get(reverse("person:detail", args=[detainee_fresnes.pk])).content.decode()
    assert "Lefèvre".upper() in page  # identity stays
    assert ("Condamné" in page) is sees
    assert ("Délit" in page) is sees


def test_the_synthesis_email_subject_names_no_person(
    celery_eager, django_capture_on_commit_callbacks, fresnes, detainee_fresnes, interviewer_fresnes
):
    SynthesisRecipient.objects.create(establishment=fresnes, email="direction@fresnes.test")
    with django_capture_on_commit_callbacks(execute=True):
        validated_interview(
            by=interviewer_fresnes, detainee=detainee_fresnes, interviewer=interviewer_fresnes
        )
    message = mail.outbox[0]
    assert "Lefèvre".lower() not in message.subject.lower()
    assert "Hélène".lower() not in message.subject.lower()
    assert "écrou 24001" in message.subject and fresnes.name in message.subject
    assert "LEFÈVRE Hélène" in message.body  # the body may name them


def test_the_release_date_alert_subject_names_no_person(
    celery_eager,
    django_capture_on_commit_callbacks,
    milestone_kinds,
    detainee_fresnes,
    cpip_fresnes,
):
    referent_assign(detainee=detainee_fresnes, referent=cpip_fresnes)
    with django_capture_on_commit_callbacks(execute=True):
        release_date_change(
            detainee=detainee_fresnes,
            new_date=detainee_fresnes.expected_release_date - datetime.timedelta(days=40),
            reason="reduction",
        )
    message = mail.outbox[0]
    assert "avancée de 40 jours" in message.subject
    assert "lefèvre" not in message.subject.lower() and "hélène" not in message.subject.lower()
    assert "écrou 24001" in message.subject
    assert "LEFÈVRE Hélène" in message.body
