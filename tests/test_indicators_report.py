"""The steering report (issue 15): the PDF of a level's page (insertion/dashboard/indicators/
report.py), downloaded from the page or emailed on the first of the month to the national
steering users who subscribed.

The world is the page's (tests/test_indicators_page.py), over the last full month M:

DISP de Paris  Fresnes  3 arrivals on M+0: 2 validated on M+5 (interviewed M+4), one synthesis
                        delivered on time, one late; 1 still to do; 2 people released dry on M+3
               Melun    6 arrivals, all validated and delivered on time
DISP de Lyon   Lyon     8 arrivals: 7 validated (logement bloquant; 2 also papiers important),
                        1 still to do; 6 syntheses on time, 1 delivered late; 6 people released
                        under LSC on M+3

Coverage 15 of 17 (88,2 %); syntheses on time 13 of 15 (86,7 %); dry releases « secret sur 8 »
(the 2 hidden, and its rate 25,0 %); Fresnes' 2 of 3 and Melun's 6 of 6 secret nationally; the
manager of Fresnes reads their own 2 of 3 (66,7 %).
"""

import datetime
import io
import smtplib

import pypdf
import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.celery import app
from insertion.dashboard import tasks
from insertion.dashboard.indicators import report
from insertion.dashboard.indicators.pages import page_for
from insertion.dashboard.indicators.period import PeriodForm, month_label
from insertion.statistics import snapshot
from insertion.statistics.models import MonthlyReport, MonthlyReportDelivery, ReportSubscription
from insertion.statistics.snapshot import shift_months
from tests import indicators_world
from tests.conftest import VerifiedClient
from tests.factories import (
    EstablishmentFactory,
    RegionFactory,
    UserFactory,
)
from tests.indicators_world import (
    SURNAME,
    TODAY,
    M,
    arrival,
)

# The world of the steering tests (tests/indicators_world.py), as fixtures of this module.
melun = indicators_world.melun
world = indicators_world.world

URL = reverse("dashboard:indicators_report")
PAGE_URL = reverse("dashboard:indicators")
SUBSCRIPTION_URL = reverse("dashboard:indicators_subscription")


def month_query() -> dict:
    return {"periode": f"{M:%Y-%m}"}


def flat(text: str) -> str:
    """Spaces collapsed (the French numbers' no-break spaces included)."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return flat(" ".join(page.extract_text() for page in reader.pages))


def download(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return response


def cells_of(page) -> list[str]:
    """Every line of every table of the page, as the PDF writes it: its header then its cells."""
    lines = []
    for table in page.tables():
        for group in table.groups:
            lines += [flat(" ".join([row.label, *row.cells])) for row in group.rows]
    return lines


# --- The PDF -----------------------------------------------------------------------------------


def test_the_pdf_shows_the_pages_headline_figures_and_every_table_line(
    client, national_user, world
):
    page = page_for(national_user, PeriodForm(month_query(), today=TODAY))
    text = pdf_text(download(client, national_user, **month_query()).content)

    assert f"Période : {month_label(M)}" in text
    assert "France entière" in text
    assert f"Données au {TODAY:%d/%m/%Y}" in text
    assert "page 1 / " in text  # the footer
    for headline in page.headlines:
        assert flat(headline.definition.title) in text
        assert flat(f"{headline.value}") in text
        assert flat(headline.counts_text) in text
    # Every line of every table of the page, cell for cell, charts' data tables included.
    lines = cells_of(page)
    assert len(lines) > 40
    missing = [line for line in lines if line not in text]
    assert missing == []
    # The figures the page test writes down, as the PDF writes them.
    assert "secret sur 17" in text and "secret sur 15" in text
    assert "Total national secret 17 secret secret 15 secret" in text
    assert "Total DISP de Paris 8 9 88,9 % 7 8 87,5 %" in text
    assert "Maison d'arrêt de Lyon-Corbas secret 8 secret secret 7 secret" in text
    # Every definition of « À propos des indicateurs ».
    for definition in page.definitions:
        assert flat(definition.title) in text


def test_the_pdf_hides_what_the_page_hides(client, national_user, world):
    text = pdf_text(download(client, national_user, **month_query()).content)
    # Fresnes' 2 of 3 and Melun's 6 of 6 (which would give Fresnes' away) are secret.
    assert "Centre pénitentiaire de Fresnes " + " ".join(["secret"] * 6) in text
    assert "Centre de détention de Melun " + " ".join(["secret"] * 6) in text
    assert "66,7 %" not in text  # Fresnes' 2 of 3
    # 2 dry releases of 8: the 2 and its rate.
    assert "secret sur 8" in text and "25,0 %" not in text
    # Papers, important, for 2 of 15 interviews: neither the share nor the count is drawn.
    assert "13,3 %" not in text
    assert "un effectif de 1 à 4 n'est jamais affiché" in text


def test_no_person_is_named_in_the_pdf(client, national_user, world):
    text = pdf_text(download(client, national_user, **month_query()).content)
    assert SURNAME not in text
    assert "Jean" not in text  # the factory's first name


def test_a_manager_downloads_their_own_exact_figures(client, manager_fresnes, world):
    response = download(client, manager_fresnes, **month_query())
    text = pdf_text(response.content)
    assert "Centre pénitentiaire de Fresnes" in text
    # 2 validated of 3 due (66,7 %), 1 synthesis on time of 2 (50,0 %): exact, no secrecy.
    assert "Centre pénitentiaire de Fresnes 2 3 66,7 % 1 2 50,0 %" in text
    assert "2 sur 3" in text
    assert "Lyon-Corbas" not in text and "Melun" not in text
    assert SURNAME not in text


def test_the_pdf_is_an_attachment_named_after_its_months(client, national_user, world):
    response = download(client, national_user, **month_query())
    assert response["Content-Disposition"] == (
        f'attachment; filename="rapport-indicateurs-{M:%Y-%m}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    twelve = download(client, national_user)  # the last 12 months, the default
    first = shift_months(M, -11)
    assert twelve["Content-Disposition"] == (
        f'attachment; filename="rapport-indicateurs-{first:%Y-%m}-a-{M:%Y-%m}.pdf"'
    )
    assert pypdf.PdfReader(io.BytesIO(twelve.content)).metadata.title == (
        "Indicateurs de pilotage — 12 derniers mois"
    )


# --- Access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["cpip", "interviewer", "prison_team"])
def test_every_other_role_is_forbidden(client, fresnes, role):
    client.force_login(UserFactory(**{role: True}, establishments=[fresnes]))
    assert client.get(URL).status_code == 403


def test_a_download_is_access_logged(client, national_user, world):
    download(client, national_user, **month_query())
    line = AccessLog.objects.get()
    assert (line.user, line.action, line.object_type) == (
        national_user,
        Action.STATISTICS_REPORT,
        "rapport",
    )


def test_before_the_first_refresh_the_page_says_when_figures_come(client, national_user, fresnes):
    client.force_login(national_user)
    response = client.get(URL, month_query())
    assert response.status_code == 302
    assert response.url == f"{PAGE_URL}?periode={M:%Y-%m}"
    content = client.get(response.url).content.decode()
    assert "le rapport ne peut pas être téléchargé" in content
    assert "Télécharger le rapport (PDF)" not in content
    assert not AccessLog.objects.filter(action=Action.STATISTICS_REPORT).exists()


@pytest.mark.parametrize("count", [1, 3])
def test_the_query_count_of_the_download_does_not_grow_with_establishments(
    client, national_user, django_assert_num_queries, count
):
    regions = RegionFactory.create_batch(2)
    for index in range(count):
        establishment = EstablishmentFactory(region=regions[index % 2])
        for _ in range(index + 1):
            arrival(establishment)
    snapshot.refresh([M], today=TODAY)
    client.force_login(national_user)
    client.get(URL)  # the first one after a refresh stores what each month hides
    with django_assert_num_queries(DOWNLOAD_QUERIES):  # the same for 1 and for 3
        response = client.get(URL)
    assert response.status_code == 200


# Session, user, OTP device; the last refresh; the establishments; what each month hides
# (pages.months_secrecy); the national figures; the figures by establishment; the 13 months of
# the trends; the partners' section (5); the access log line.
DOWNLOAD_QUERIES = 15


# --- The page's link and form ------------------------------------------------------------------


def test_the_page_links_to_the_report_of_its_period(client, national_user, world):
    client.force_login(national_user)
    content = client.get(PAGE_URL, month_query()).content.decode()
    assert f'href="{URL}?periode={M:%Y-%m}">Télécharger le rapport (PDF)</a>' in content
    assert "Recevoir le rapport mensuel par courriel" in content
    assert "Vous ne recevez pas le rapport mensuel" in content
    fragment = client.get(PAGE_URL, month_query(), HTTP_HX_REQUEST="true").content.decode()
    assert f'href="{URL}?periode={M:%Y-%m}"' in fragment  # a new period redraws it


def test_a_manager_downloads_but_cannot_subscribe(client, manager_fresnes, world):
    client.force_login(manager_fresnes)
    content = client.get(PAGE_URL).content.decode()
    assert "Télécharger le rapport (PDF)" in content
    assert "rapport mensuel par courriel" not in content
    assert SUBSCRIPTION_URL not in content
    response = client.post(SUBSCRIPTION_URL, {"abonnement": "1"})
    assert response.status_code == 403
    assert not ReportSubscription.objects.exists()


@pytest.mark.parametrize("role", ["cpip", "interviewer", "prison_team"])
def test_no_other_role_may_subscribe(client, fresnes, role):
    client.force_login(UserFactory(**{role: True}, establishments=[fresnes]))
    assert client.post(SUBSCRIPTION_URL, {"abonnement": "1"}).status_code == 403
    assert not ReportSubscription.objects.exists()


def test_a_national_user_subscribes_then_unsubscribes(client, national_user, world):
    client.force_login(national_user)
    response = client.post(f"{SUBSCRIPTION_URL}?periode={M:%Y-%m}", {"abonnement": "1"})
    assert response.status_code == 302
    assert response.url == f"{PAGE_URL}?periode={M:%Y-%m}"
    assert ReportSubscription.objects.get().user == national_user
    content = client.get(response.url).content.decode()
    assert "Vous recevrez par courriel le rapport mensuel de pilotage" in content  # the message
    assert "fr-alert--success" in content
    assert "Ne plus recevoir le rapport mensuel par courriel" in content
    assert "Vous recevez par courriel, le 1er de chaque mois" in content

    client.post(SUBSCRIPTION_URL, {"abonnement": "1"})  # twice: still one
    assert ReportSubscription.objects.count() == 1

    response = client.post(SUBSCRIPTION_URL, {"abonnement": "0"})
    assert response.url.split("?")[0] == PAGE_URL
    assert not ReportSubscription.objects.exists()
    content = client.get(PAGE_URL).content.decode()
    assert "Vous ne recevrez plus le rapport mensuel de pilotage par courriel" in content
    assert "Recevoir le rapport mensuel par courriel" in content
    lines = AccessLog.objects.filter(action=Action.STATISTICS_SUBSCRIPTION)
    assert lines.count() == 3 and {line.user for line in lines} == {national_user}


def test_the_subscription_answers_post_only_with_a_csrf_token(national_user):
    client = VerifiedClient(enforce_csrf_checks=True)
    client.force_login(national_user)
    assert client.get(SUBSCRIPTION_URL).status_code == 405
    assert client.post(SUBSCRIPTION_URL, {"abonnement": "1"}).status_code == 403
    assert not ReportSubscription.objects.exists()


def test_the_page_adds_one_query_for_the_subscription_state_of_national_users_only(
    client, national_user, manager_fresnes, django_assert_num_queries, world
):
    client.force_login(national_user)
    client.get(PAGE_URL)  # the first one after a refresh stores what each month hides
    with django_assert_num_queries(PAGE_QUERIES + 1):
        client.get(PAGE_URL)
    client.force_login(manager_fresnes)
    with django_assert_num_queries(PAGE_QUERIES_MANAGER):
        client.get(PAGE_URL)


# The page (tests/test_indicators_page.py QUERIES) but the subscription; a manager's reads their
# establishments' ids and every establishment's id (the national median), not the subscription
# nor the months' secrecy.
PAGE_QUERIES = 14
PAGE_QUERIES_MANAGER = 15


# --- The monthly email -------------------------------------------------------------------------


def test_beat_sends_the_report_on_the_first_of_each_month_at_seven():
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-monthly-report"]
    assert entry["task"] == "insertion.dashboard.tasks.send_monthly_reports"
    assert entry["schedule"] == crontab(minute=0, hour=7, day_of_month=1)
    sweep = settings.CELERY_BEAT_SCHEDULE["statistics-monthly-report-sweep"]
    assert sweep["task"] == "insertion.dashboard.tasks.sweep_monthly_reports"
    app.loader.import_default_modules()  # what a worker does: autodiscovery
    assert entry["task"] in app.tasks and sweep["task"] in app.tasks
    assert "insertion.dashboard.tasks.send_monthly_report" in app.tasks


@pytest.fixture
def subscribers(national_user, manager_fresnes):
    """Two national users who subscribed; one who did not; one who subscribed and left (an
    inactive account); a manager with a subscription row (made by hand: the page refuses it)."""
    other = UserFactory(national=True, email="pilotage.bis@test.insertion.fr")
    UserFactory(national=True, email="pas.abonne@test.insertion.fr")
    gone = UserFactory(national=True, email="parti@test.insertion.fr", is_active=False)
    for user in (national_user, other, gone, manager_fresnes):
        ReportSubscription.objects.create(user=user)
    return [national_user, other]


def test_the_monthly_task_emails_each_subscriber_the_national_report_once(
    world, subscribers, celery_eager, monkeypatch
):
    renderings = []
    render = report.render_report_pdf

    def counted(page):
        renderings.append(page.period_label)
        return render(page)

    monkeypatch.setattr(report, "render_report_pdf", counted)

    assert tasks.send_monthly_reports.apply().get() == 2
    assert tasks.send_monthly_reports.apply().get() == 0  # a second run sends nothing more
    assert tasks.sweep_monthly_reports.apply().get() == 0

    assert renderings == [month_label(M)]  # once for the month, not once per subscriber
    assert MonthlyReport.objects.get().month == M
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        user.email for user in subscribers
    )
    rows = MonthlyReportDelivery.objects.filter(month=M)
    assert sorted(rows.values_list("user__email", flat=True)) == sorted(
        user.email for user in subscribers
    )
    assert all(row.sent_at and row.attempts == 1 and not row.last_error for row in rows)
    for message in mail.outbox:
        assert message.subject == f"Rapport mensuel de pilotage — {month_label(M).lower()}"
        assert "Bonjour" in message.body and month_label(M).lower() in message.body
        assert message.extra_headers["Message-ID"].startswith("<rapport-mensuel-")
        [(name, data, mimetype)] = message.attachments
        assert name == f"rapport-indicateurs-{M:%Y-%m}.pdf" and mimetype == "application/pdf"
        text = pdf_text(data)
        assert f"Période : {month_label(M)}" in text and "France entière" in text
        assert "Total DISP de Paris 8 9 88,9 % 7 8 87,5 %" in text
        assert "secret sur 8" in text and "66,7 %" not in text and SURNAME not in text


def test_before_the_months_figures_nothing_is_sent_and_the_rows_wait(
    fresnes, subscribers, celery_eager
):
    assert tasks.send_monthly_reports.apply().get() == 2
    assert mail.outbox == []
    assert not MonthlyReport.objects.exists()
    rows = MonthlyReportDelivery.objects.filter(month=M)
    assert rows.count() == 2
    assert all(row.sent_at is None and row.attempts == 0 for row in rows)
    assert all(row.email_claimed_at is None for row in rows)

    arrival(fresnes)
    snapshot.refresh([M], today=TODAY)  # the night after
    assert tasks.sweep_monthly_reports.apply().get() == 2
    assert len(mail.outbox) == 2
    assert tasks.sweep_monthly_reports.apply().get() == 0


def test_a_report_refreshed_before_the_month_ended_waits(fresnes, national_user):
    """Figures computed on the last day of the month do not describe the whole month."""
    ReportSubscription.objects.create(user=national_user)
    run = snapshot.refresh([M], today=TODAY)
    last_day = timezone.make_aware(datetime.datetime.combine(TODAY.replace(day=1), datetime.time()))
    type(run).objects.filter(pk=run.pk).update(started_at=last_day - datetime.timedelta(hours=1))
    assert report.monthly_page(M) is None
    [delivery_id] = report.monthly_reports_prepare(today=TODAY)
    assert report.monthly_report_send(delivery_id=delivery_id, today=TODAY) is False
    assert mail.outbox == []


def test_a_failed_send_keeps_its_error_and_the_row_is_sent_later(world, national_user, monkeypatch):
    ReportSubscription.objects.create(user=national_user)
    [delivery_id] = report.monthly_reports_prepare(today=TODAY)

    def refused(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connexion perdue")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refused)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            report.monthly_report_send(delivery_id=delivery_id, today=TODAY)
    row = MonthlyReportDelivery.objects.get()
    assert row.sent_at is None and row.email_claimed_at is None  # the claim is given back
    assert row.attempts == 1
    assert row.last_error == "SMTPServerDisconnected: Connexion perdue"
    assert report.monthly_reports_owed(today=TODAY) == [delivery_id]

    assert report.monthly_report_send(delivery_id=delivery_id, today=TODAY) is True
    assert report.monthly_report_send(delivery_id=delivery_id, today=TODAY) is False  # once
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2 and row.last_error == ""
    assert len(mail.outbox) == 1


def test_a_row_claimed_by_another_worker_is_not_sent_twice(world, national_user):
    ReportSubscription.objects.create(user=national_user)
    [delivery_id] = report.monthly_reports_prepare(today=TODAY)
    assert report.monthly_report_claim(delivery_id=delivery_id, today=TODAY)
    assert report.monthly_report_send(delivery_id=delivery_id, today=TODAY) is False
    assert report.monthly_reports_owed(today=TODAY) == []
    assert mail.outbox == []


def test_who_unsubscribes_before_the_email_goes_gets_nothing(world, national_user):
    ReportSubscription.objects.create(user=national_user)
    [delivery_id] = report.monthly_reports_prepare(today=TODAY)
    report.report_unsubscribe(user=national_user)
    assert report.monthly_report_send(delivery_id=delivery_id, today=TODAY) is False
    assert report.monthly_reports_owed(today=TODAY) == []
    assert mail.outbox == []


def test_last_months_rows_are_not_sent_this_month(world, national_user):
    ReportSubscription.objects.create(user=national_user)
    [delivery_id] = report.monthly_reports_prepare(today=TODAY)
    next_month = shift_months(TODAY.replace(day=1), 1)
    assert report.monthly_report_send(delivery_id=delivery_id, today=next_month) is False
    assert mail.outbox == []
