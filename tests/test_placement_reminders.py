"""Reminders of the requests left « à examiner » and the weekly digest emailed to the service:
the lateness rule at its boundary, the digest's figures on a hand-made world, an email that
names the late people but never a request's details, once per establishment and week, to the
establishment's service only."""

import datetime
import logging
import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from entretiens.choices import Priority
from insertion.establishments.models import RecipientRole, SynthesisRecipient
from insertion.placements import reminders
from insertion.placements.choices import (
    ClosingReason,
    OfferKind,
    RefusalReason,
    RequestOrigin,
    RequestStatus,
)
from insertion.placements.models import Offer, PlacementRequest, RequestEvent, WeeklyDigest
from insertion.placements.tasks import send_weekly_digests
from tests.factories import DetaineeFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)  # a Monday: the digest of the week of 30/11/2026
SENTINEL = "SENTINELLE-PRECONISATION-7f3a"


@pytest.fixture(autouse=True)
def _ten_days(settings):
    settings.PLACEMENT_REVIEW_REMINDER_DAYS = 10


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def days_ago(n: int, today: datetime.date = TODAY) -> datetime.date:
    return today - datetime.timedelta(days=n)


def make_request(
    establishment,
    *,
    kind=OfferKind.TRAINING,
    status=RequestStatus.TO_REVIEW,
    made=None,
    detainee=None,
    name=None,
    priority=Priority.MEDIUM,
    **fields,
):
    """A request as the services leave it, made at `made` (an aware datetime)."""
    detainee = detainee or DetaineeFactory(
        establishment=establishment, **({"last_name": name} if name else {})
    )
    request = PlacementRequest.objects.create(
        detainee=detainee,
        establishment=establishment,
        offer_kind=kind,
        priority=priority,
        origin=RequestOrigin.INTERVIEW,
        status=status,
        details=f"Préconisation : {SENTINEL}",
        status_note=f"Note : {SENTINEL}",
        **fields,
    )
    PlacementRequest.objects.filter(pk=request.pk).update(created_at=made or at(days_ago(1)))
    request.refresh_from_db()
    return request


def event(request, to_status, when, from_status=RequestStatus.WAITING):
    return RequestEvent.objects.create(
        request=request, from_status=from_status, to_status=to_status, at=when, note=SENTINEL
    )


def offer(establishment, kind, places):
    return Offer.objects.create(
        establishment=establishment,
        kind=kind,
        title=f"{OfferKind(kind).label} de test",
        service="Service de test",
        places=places,
        permanent=True,
    )


def recipients_of(establishment, *, team_email):
    UserFactory(prison_team=True, email=team_email, establishments=[establishment])


# --- Late to examine -------------------------------------------------------------------


def test_a_request_is_late_from_the_day_after_the_tenth(fresnes):
    exactly_ten_late = make_request(fresnes, made=at(days_ago(10), 23, 59))
    exactly_ten_early = make_request(fresnes, made=at(days_ago(10), 0, 0))
    eleven_late = make_request(fresnes, made=at(days_ago(11), 23, 59))
    eleven_early = make_request(fresnes, made=at(days_ago(11), 0, 0))
    waiting_old = make_request(
        fresnes, status=RequestStatus.WAITING, made=at(days_ago(40)), waiting_since=days_ago(30)
    )

    late = set(reminders.overdue_to_review(fresnes, TODAY))

    assert late == {eleven_late, eleven_early}
    for request in (exactly_ten_late, exactly_ten_early, eleven_late, eleven_early, waiting_old):
        # The SQL rule and its Python reading agree.
        assert reminders.is_review_overdue(request, TODAY) == (request in late)
    assert reminders.review_days(exactly_ten_early, TODAY) == 10
    assert reminders.review_days(eleven_late, TODAY) == 11
    # The next day, the tenth day's requests are late too.
    assert set(reminders.overdue_to_review(fresnes, TODAY + datetime.timedelta(days=1))) == {
        exactly_ten_late,
        exactly_ten_early,
        eleven_late,
        eleven_early,
    }


def test_the_setting_sets_the_delay(fresnes, settings):
    request = make_request(fresnes, made=at(days_ago(4)))
    assert not reminders.overdue_to_review(fresnes, TODAY).exists()
    settings.PLACEMENT_REVIEW_REMINDER_DAYS = 3
    assert list(reminders.overdue_to_review(fresnes, TODAY)) == [request]
    assert reminders.is_review_overdue(request, TODAY)


def test_late_requests_of_one_establishment_or_of_all(fresnes, lyon):
    ours = make_request(fresnes, made=at(days_ago(20)))
    theirs = make_request(lyon, made=at(days_ago(15)))
    assert list(reminders.overdue_to_review(fresnes, TODAY)) == [ours]
    assert list(reminders.overdue_to_review(lyon, TODAY)) == [theirs]
    assert list(reminders.overdue_to_review(today=TODAY)) == [ours, theirs]  # oldest first


# --- The digest's figures --------------------------------------------------------------


@pytest.fixture
def world(fresnes, lyon, detainee_fresnes):
    """Fresnes: training (8 places) with 3 to examine, 2 of them late, and 4 waiting; work
    (5 places) with 1 to examine and, the week before, an allocation, a refusal, a transfer
    and a withdrawal (and a refusal of two weeks ago, and an allocation of this Monday, which
    do not count); digital skills with 1 to examine, late, and no offer. Lyon: requests that
    must never show in Fresnes' digest."""
    last_week = days_ago(4)  # Thursday 26/11
    offer(fresnes, OfferKind.TRAINING, 8)
    work = offer(fresnes, OfferKind.WORK, 5)
    offer(fresnes, OfferKind.EDUCATION, 12)
    make_request(
        fresnes,
        detainee=detainee_fresnes,
        made=at(days_ago(12)),
        priority=Priority.HIGH,
    )
    make_request(fresnes, name="Bernard", made=at(days_ago(20)))
    make_request(fresnes, name="Petit", made=at(days_ago(2)))
    for n in range(4):
        make_request(
            fresnes,
            status=RequestStatus.WAITING,
            made=at(days_ago(60)),
            waiting_since=days_ago(50 - n),
        )
    make_request(fresnes, kind=OfferKind.WORK, name="Roux", made=at(days_ago(3)))
    allocated = make_request(
        fresnes,
        kind=OfferKind.WORK,
        status=RequestStatus.ALLOCATED,
        offer=work,
        start_date=last_week,
        made=at(days_ago(30)),
    )
    event(allocated, RequestStatus.ALLOCATED, at(last_week))
    refused = make_request(
        fresnes,
        kind=OfferKind.WORK,
        status=RequestStatus.REFUSED,
        refusal_reason=RefusalReason.SECURITY,
        made=at(days_ago(30)),
    )
    event(refused, RequestStatus.REFUSED, at(days_ago(7), 0, 0))  # Monday 23/11, first minute
    old_refusal = make_request(
        fresnes,
        kind=OfferKind.WORK,
        status=RequestStatus.REFUSED,
        refusal_reason=RefusalReason.OTHER,
        made=at(days_ago(30)),
    )
    event(old_refusal, RequestStatus.REFUSED, at(days_ago(8), 23, 59))  # Sunday 22/11
    closed = make_request(
        fresnes,
        kind=OfferKind.WORK,
        status=RequestStatus.CLOSED,
        closing_reason=ClosingReason.TRANSFER,
        made=at(days_ago(30)),
    )
    event(closed, RequestStatus.CLOSED, at(days_ago(1), 23, 59))  # Sunday 29/11, last minute
    withdrawn = make_request(
        fresnes, kind=OfferKind.WORK, status=RequestStatus.WITHDRAWN, made=at(days_ago(30))
    )
    event(withdrawn, RequestStatus.WITHDRAWN, at(last_week))
    this_monday = make_request(
        fresnes,
        kind=OfferKind.WORK,
        status=RequestStatus.ALLOCATED,
        offer=work,
        start_date=TODAY,
        made=at(days_ago(30)),
    )
    event(this_monday, RequestStatus.ALLOCATED, at(TODAY, 0, 1))
    make_request(fresnes, kind=OfferKind.DIGITAL, name="Moreau", made=at(days_ago(11)))

    offer(lyon, OfferKind.TRAINING, 3)
    make_request(lyon, name="Garnier", made=at(days_ago(40)))
    make_request(lyon, kind=OfferKind.WORK, name="Girard", made=at(days_ago(40)))
    lyon_refused = make_request(
        lyon,
        kind=OfferKind.WORK,
        status=RequestStatus.REFUSED,
        refusal_reason=RefusalReason.SECURITY,
        made=at(days_ago(30)),
    )
    event(lyon_refused, RequestStatus.REFUSED, at(last_week))
    return fresnes


def test_the_digest_counts_per_kind_of_offer(world, django_assert_num_queries):
    with django_assert_num_queries(5):
        digest = reminders.weekly_digest(world, TODAY)

    assert digest.week_start == TODAY
    assert (digest.period_start, digest.period_end) == (days_ago(7), days_ago(1))
    by_kind = {kind.offer_kind: kind for kind in digest.kinds}
    assert [kind.offer_kind for kind in digest.kinds] == [
        OfferKind.WORK,
        OfferKind.TRAINING,
        OfferKind.EDUCATION,
        OfferKind.DIGITAL,
    ]
    work, training = by_kind[OfferKind.WORK], by_kind[OfferKind.TRAINING]
    education, digital = by_kind[OfferKind.EDUCATION], by_kind[OfferKind.DIGITAL]
    assert (work.to_review, work.overdue, work.waiting, work.places) == (1, 0, 0, 5)
    assert (work.allocated, work.refused, work.closed) == (1, 1, 2)
    assert (training.to_review, training.overdue, training.waiting, training.places) == (3, 2, 4, 8)
    assert training.summary == "4 en attente pour 8 places"
    assert (training.allocated, training.refused, training.closed) == (0, 0, 0)
    assert (education.to_review, education.waiting, education.places, education.moved) == (
        0,
        0,
        12,
        0,
    )
    assert (digital.to_review, digital.overdue, digital.offers) == (1, 1, 0)
    assert digital.summary == "0 en attente, sans offre ouverte"
    assert (digest.to_review, digest.overdue_count, digest.waiting, digest.moved) == (5, 3, 4, 4)
    assert [(item.name, item.ecrou, item.kind, item.days) for item in digest.overdue] == [
        ("BERNARD Jean", digest.overdue[0].ecrou, "Formation professionnelle", 20),
        ("LEFÈVRE Hélène", "24001", "Formation professionnelle", 12),
        ("MOREAU Jean", digest.overdue[2].ecrou, "Numérique", 11),
    ]
    assert digest.overdue[1].priority == "Prioritaire"
    assert not digest.is_empty


def test_the_digest_reads_in_the_same_number_of_queries_with_many_requests(
    world, django_assert_num_queries
):
    for n in range(30):
        make_request(world, kind=OfferKind.EDUCATION, made=at(days_ago(15 + n)))
    with django_assert_num_queries(5):
        digest = reminders.weekly_digest(world, TODAY)
    assert digest.overdue_count == 33
    assert len(digest.overdue) == 33 and digest.overdue_more == 0


def test_the_email_names_at_most_fifty_late_requests(fresnes, monkeypatch):
    monkeypatch.setattr(reminders, "OVERDUE_LISTED", 2)
    for n in range(5):
        make_request(fresnes, kind=OfferKind.EDUCATION, made=at(days_ago(15 + n)))
    digest = reminders.weekly_digest(fresnes, TODAY)
    assert (digest.overdue_count, len(digest.overdue), digest.overdue_more) == (5, 2, 3)
    _, text, _ = reminders_email_parts(digest)
    assert "… et 3 autres." in text


def test_a_week_with_nothing_to_examine_nor_waiting_nor_moved_is_empty(fresnes):
    offer(fresnes, OfferKind.TRAINING, 8)
    old = make_request(
        fresnes,
        status=RequestStatus.REFUSED,
        refusal_reason=RefusalReason.SECURITY,
        made=at(days_ago(40)),
    )
    event(old, RequestStatus.REFUSED, at(days_ago(20)))
    digest = reminders.weekly_digest(fresnes, TODAY)
    assert digest.is_empty
    assert [(kind.offer_kind, kind.places) for kind in digest.kinds] == [(OfferKind.TRAINING, 8)]


# --- The email -------------------------------------------------------------------------


def assert_no_sentinel(message):
    for part in (message.subject, message.body, *(alt.content for alt in message.alternatives)):
        assert SENTINEL not in part


def reminders_email_parts(digest):
    message = reminders.weekly_digest_email(digest, to=["service@test.insertion.fr"])
    return message.subject, message.body, message.alternatives[0].content


def test_the_email_says_what_to_examine_and_names_the_late_people(world):
    subject, text, html = reminders_email_parts(reminders.weekly_digest(world, TODAY))

    assert subject == (
        "Demandes d'activité : 5 à examiner (dont 3 depuis plus de 10 jours) — "
        "semaine du 30/11/2026 — Centre pénitentiaire de Fresnes"
    )
    assert "5 demandes à examiner, dont 3 depuis plus de 10 jours." in text
    assert "4 personnes en liste d'attente." in text
    assert (
        "- Formation professionnelle : 3 à examiner (dont 2 en retard) ; "
        "4 en attente pour 8 places ; aucun mouvement." in text
    )
    assert (
        "- Poste de travail : 1 à examiner ; 0 en attente pour 5 places ; "
        "1 affectation, 1 refus, 2 clôtures ou retraits." in text
    )
    assert (
        "- Numérique : 1 à examiner (dont 1 en retard) ; 0 en attente, sans offre ouverte ; "
        "aucun mouvement." in text
    )
    assert "du 23 novembre au 29 novembre 2026" in text
    assert (
        "- LEFÈVRE Hélène, écrou 24001 — Formation professionnelle — depuis 12 jours "
        "(priorité : prioritaire)" in text
    )
    assert "LEFÈVRE Hélène" in html and "écrou 24001" in html
    assert "4 en attente pour 8 places" in html
    # Lyon's people are not Fresnes' business, nor a request's details anyone's.
    for part in (subject, text, html):
        assert SENTINEL not in part
        assert "GARNIER" not in part and "GIRARD" not in part
        assert "PETIT" not in part and "ROUX" not in part  # to examine, not late


def test_the_subject_says_when_nothing_is_to_examine(fresnes):
    make_request(
        fresnes, status=RequestStatus.WAITING, made=at(days_ago(30)), waiting_since=days_ago(20)
    )
    subject, text, _ = reminders_email_parts(reminders.weekly_digest(fresnes, TODAY))
    assert subject == (
        "Demandes d'activité : aucune à examiner — semaine du 30/11/2026 — "
        "Centre pénitentiaire de Fresnes"
    )
    assert "Aucune demande à examiner." in text
    assert "1 personne en liste d'attente." in text
    assert "depuis plus de" not in text


# --- Recipients and the outbox ---------------------------------------------------------


def test_the_service_is_the_services_recipients_and_the_prison_team(fresnes, lyon):
    for role, email in [
        (RecipientRole.WORK, "Travail.Fresnes@test.insertion.fr"),
        (RecipientRole.TRAINING, "rlf.fresnes@test.insertion.fr"),
        (RecipientRole.EDUCATION, "ule.fresnes@test.insertion.fr"),
        (RecipientRole.DIRECTION, "direction.fresnes@test.insertion.fr"),
        (RecipientRole.HEALTH, "usmp.fresnes@test.insertion.fr"),
    ]:
        SynthesisRecipient.objects.create(establishment=fresnes, role=role, email=email)
    SynthesisRecipient.objects.create(
        establishment=fresnes,
        role=RecipientRole.WORK,
        email="ancien@test.insertion.fr",
        active=False,
    )
    SynthesisRecipient.objects.create(
        establishment=lyon, role=RecipientRole.WORK, email="travail.lyon@test.insertion.fr"
    )
    recipients_of(fresnes, team_email="equipe.fresnes@test.insertion.fr")
    # Already a recipient: written to once.
    recipients_of(fresnes, team_email="ule.fresnes@test.insertion.fr")
    UserFactory(
        prison_team=True,
        email="partie@test.insertion.fr",
        is_active=False,
        establishments=[fresnes],
    )
    UserFactory(manager=True, email="chef.fresnes@test.insertion.fr", establishments=[fresnes])
    UserFactory(cpip=True, email="cpip.fresnes@test.insertion.fr", establishments=[fresnes])
    recipients_of(lyon, team_email="equipe.lyon@test.insertion.fr")

    assert reminders.digest_recipients(fresnes) == [
        "equipe.fresnes@test.insertion.fr",
        "rlf.fresnes@test.insertion.fr",
        "travail.fresnes@test.insertion.fr",
        "ule.fresnes@test.insertion.fr",
    ]


def test_sent_once_to_the_service_with_a_stable_message_id(world):
    recipients_of(world, team_email="equipe.fresnes@test.insertion.fr")

    owed = reminders.weekly_digests_prepare(today=TODAY)
    assert len(owed) == 1
    row = WeeklyDigest.objects.get()
    assert (row.establishment, row.week_start, row.sent_at) == (world, TODAY, None)
    assert reminders.weekly_digest_send(digest_id=row.pk, today=TODAY) is True
    assert reminders.weekly_digest_send(digest_id=row.pk, today=TODAY) is False
    # Preparing again in the same week makes nothing more, and nothing is owed.
    assert reminders.weekly_digests_prepare(today=TODAY + datetime.timedelta(days=3)) == []
    assert WeeklyDigest.objects.count() == 1

    [message] = mail.outbox
    assert message.to == ["equipe.fresnes@test.insertion.fr"]
    assert message.extra_headers["Message-ID"] == f"<point-hebdomadaire-{row.pk}@insertion.invalid>"
    assert message.subject.startswith("Demandes d'activité : 5 à examiner")
    assert_no_sentinel(message)
    row.refresh_from_db()
    assert row.sent_at and row.email_claimed_at


def test_a_failure_gives_the_claim_back_and_the_next_try_sends(world, monkeypatch):
    recipients_of(world, team_email="equipe.fresnes@test.insertion.fr")
    [digest_id] = reminders.weekly_digests_prepare(today=TODAY)

    def boom(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", boom)
    with pytest.raises(OSError):
        reminders.weekly_digest_send(digest_id=digest_id, today=TODAY)
    row = WeeklyDigest.objects.get()
    assert row.email_claimed_at is None and row.sent_at is None
    monkeypatch.undo()

    # Another worker's fresh claim is left alone.
    assert reminders.weekly_digest_claim(digest_id=digest_id, today=TODAY)
    assert reminders.weekly_digest_send(digest_id=digest_id, today=TODAY) is False
    WeeklyDigest.objects.update(email_claimed_at=None)
    # Still owed in the same week; sent by the next try.
    assert reminders.weekly_digests_prepare(today=TODAY) == [digest_id]
    assert reminders.weekly_digest_send(digest_id=digest_id, today=TODAY) is True
    assert len(mail.outbox) == 1


def test_a_digest_not_sent_in_its_week_is_dropped(world):
    recipients_of(world, team_email="equipe.fresnes@test.insertion.fr")
    [digest_id] = reminders.weekly_digests_prepare(today=TODAY)
    next_monday = TODAY + datetime.timedelta(days=7)
    assert reminders.weekly_digest_send(digest_id=digest_id, today=next_monday) is False
    assert mail.outbox == []
    # The new week has its own digest.
    owed = reminders.weekly_digests_prepare(today=next_monday)
    assert len(owed) == 1 and owed != [digest_id]


def test_no_recipient_nothing_is_made_nor_sent_and_it_is_logged(world, caplog):
    UserFactory(manager=True, email="chef.fresnes@test.insertion.fr", establishments=[world])
    SynthesisRecipient.objects.create(
        establishment=world, role=RecipientRole.DIRECTION, email="direction@test.insertion.fr"
    )
    with caplog.at_level(logging.INFO, logger="insertion.placements.reminders"):
        assert reminders.weekly_digests_prepare(today=TODAY) == []
    assert not WeeklyDigest.objects.exists()
    assert mail.outbox == []
    assert any(
        "aucun destinataire" in record.getMessage()
        and "Centre pénitentiaire de Fresnes" in record.getMessage()
        for record in caplog.records
    )


def test_an_establishment_with_nothing_to_say_gets_nothing(fresnes):
    recipients_of(fresnes, team_email="equipe.fresnes@test.insertion.fr")
    offer(fresnes, OfferKind.TRAINING, 8)
    make_request(
        fresnes,
        status=RequestStatus.DONE,
        offer=Offer.objects.get(),
        start_date=days_ago(60),
        ended_on=days_ago(20),
        made=at(days_ago(90)),
    )
    assert reminders.weekly_digests_prepare(today=TODAY) == []
    assert not WeeklyDigest.objects.exists()


def test_no_transaction_is_open_while_sending(world, monkeypatch):
    recipients_of(world, team_email="equipe.fresnes@test.insertion.fr")
    [digest_id] = reminders.weekly_digests_prepare(today=TODAY)
    seen = []
    original = mail.EmailMessage.send

    def spy(self, *args, **kwargs):
        # pytest's own transaction is the only atomic block: no savepoint of ours.
        seen.append(len(connection.savepoint_ids))
        return original(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", spy)
    reminders.weekly_digest_send(digest_id=digest_id, today=TODAY)
    assert seen == [0]


# --- The weekly task -------------------------------------------------------------------


def test_the_task_run_twice_in_a_week_sends_each_establishment_its_own_digest_once(
    fresnes, lyon, detainee_fresnes, detainee_lyon, celery_eager
):
    """The beat task, on today's date: Fresnes' service hears of Fresnes' late requests only,
    Lyon's of Lyon's; a second run the same week sends nothing."""
    today = timezone.localdate()
    make_request(fresnes, detainee=detainee_fresnes, made=at(days_ago(15, today)))
    make_request(lyon, detainee=detainee_lyon, made=at(days_ago(13, today)))
    recipients_of(fresnes, team_email="equipe.fresnes@test.insertion.fr")
    SynthesisRecipient.objects.create(
        establishment=lyon, role=RecipientRole.TRAINING, email="rlf.lyon@test.insertion.fr"
    )

    assert send_weekly_digests.apply().get() == 2
    assert send_weekly_digests.apply().get() == 0

    assert len(mail.outbox) == 2
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    ours = by_recipient[("equipe.fresnes@test.insertion.fr",)]
    theirs = by_recipient[("rlf.lyon@test.insertion.fr",)]
    assert "Centre pénitentiaire de Fresnes" in ours.subject
    assert "LEFÈVRE Hélène, écrou 24001" in ours.body and "GARNIER" not in ours.body
    assert "depuis 15 jours" in ours.body
    assert "GARNIER Louis, écrou 24001" in theirs.body and "LEFÈVRE" not in theirs.body
    for message in mail.outbox:
        assert_no_sentinel(message)
    assert WeeklyDigest.objects.filter(sent_at__isnull=False).count() == 2
