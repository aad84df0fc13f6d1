"""The release alert's email is an outbox of one row: claimed, sent outside any transaction,
then dated; sent once even if the task runs twice; a failure gives the claim back."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import connection

from insertion.person.services import release_date_change
from insertion.release import alerts
from insertion.release.models import ReleaseAlert
from insertion.release.services import referent_assign
from insertion.release.tasks import send_release_alert

pytestmark = pytest.mark.django_db


def _alert(detainee, cpip, capture):
    referent_assign(detainee=detainee, referent=cpip)
    with capture(execute=False):
        release_date_change(
            detainee=detainee,
            new_date=detainee.expected_release_date - datetime.timedelta(days=40),
            reason="reduction",
        )
    return ReleaseAlert.objects.get()


def test_sent_once_even_if_delivered_twice(
    detainee_fresnes, cpip_fresnes, django_capture_on_commit_callbacks
):
    alert = _alert(detainee_fresnes, cpip_fresnes, django_capture_on_commit_callbacks)
    assert alert.email_claimed_at is None and alert.emailed_at is None
    assert alerts.release_alert_send(alert_id=alert.pk) is True
    assert alerts.release_alert_send(alert_id=alert.pk) is False
    assert len(mail.outbox) == 1
    alert.refresh_from_db()
    assert alert.emailed_at and alert.email_claimed_at


def test_a_failure_gives_the_claim_back_and_a_claimed_row_is_left_alone(
    detainee_fresnes, cpip_fresnes, django_capture_on_commit_callbacks, monkeypatch, settings
):
    alert = _alert(detainee_fresnes, cpip_fresnes, django_capture_on_commit_callbacks)

    def boom(self, *a, **k):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", boom)
    with pytest.raises(OSError):
        alerts.release_alert_send(alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.email_claimed_at is None and alert.emailed_at is None
    monkeypatch.undo()
    assert alerts.release_alert_claim(alert_id=alert.pk)
    assert not alerts.release_alert_send(alert_id=alert.pk)  # another worker's claim
    assert len(mail.outbox) == 0


def test_no_transaction_is_open_while_sending(
    detainee_fresnes, cpip_fresnes, django_capture_on_commit_callbacks, monkeypatch
):
    alert = _alert(detainee_fresnes, cpip_fresnes, django_capture_on_commit_callbacks)
    seen = []
    original = mail.EmailMessage.send

    def spy(self, *a, **k):
        # pytest's own transaction is the only atomic block (depth 1): no savepoint of ours.
        seen.append(len(connection.savepoint_ids))
        return original(self, *a, **k)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", spy)
    send_release_alert.apply(args=[alert.pk])
    assert seen == [0]
    assert len(mail.outbox) == 1
