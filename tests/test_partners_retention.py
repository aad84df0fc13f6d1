"""Retention of the partner companies' data (issue 16, insertion/partners/retention.py): the
contacts of a company deactivated more than 24 months ago, the agreements, profiles sent and
referrals of a person released more than 24 months ago or anonymised; dry run unless --apply,
counted by kind, idempotent, daily in the beat; and the anonymisation of a person takes them in
the same transaction."""

import datetime
import importlib
import io
import logging

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from insertion.detainees.models import Detainee, ReleaseKind
from insertion.partners import tasks
from insertion.partners.models import (
    Agreement,
    Company,
    CompanyContact,
    ProfileTransmission,
    Referral,
    ReferralEvent,
)
from insertion.partners.retention import months_before, partners_purge
from insertion.partners.services import company_set_active
from insertion.person.retention import retention_purge
from tests.factories import (
    AgreementFactory,
    CompanyContactFactory,
    CompanyFactory,
    DetaineeFactory,
    ProfileTransmissionFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db


def released(person: Detainee, on: datetime.date) -> Detainee:
    Detainee.objects.filter(pk=person.pk).update(release_date=on, release_kind=ReleaseKind.DRY)
    person.refresh_from_db()
    return person


def held_since(establishment, released_on: datetime.date | None = None) -> Detainee:
    arrival = (released_on or timezone.localdate()) - datetime.timedelta(days=300)
    return DetaineeFactory(
        establishment=establishment, arrival_date=arrival, expected_release_date=arrival
    )


def months_ago(months: int, days: int = 0) -> datetime.date:
    return months_before(timezone.localdate(), months) - datetime.timedelta(days=days)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def world(fresnes):
    """Companies deactivated 25 and 1 months ago and an active one, each with a contact (two
    for the old one); people released 25 and 1 months ago and one held, each with an agreement
    and a profile sent; the old release has a referral too."""
    old = CompanyFactory(name="Ancienne fictive", establishments=[fresnes], active=False)
    Company.objects.filter(pk=old.pk).update(deactivated_at=at(months_ago(24, days=1)))
    recent = CompanyFactory(name="Récente fictive", establishments=[fresnes], active=False)
    Company.objects.filter(pk=recent.pk).update(deactivated_at=at(months_ago(1)))
    active = CompanyFactory(name="Active fictive", establishments=[fresnes])
    contacts = {
        "old": CompanyContactFactory.create_batch(2, company=old),
        "recent": CompanyContactFactory(company=recent),
        "active": CompanyContactFactory(company=active),
    }
    people = {
        "old": held_since(fresnes, months_ago(24, days=1)),
        "recent": held_since(fresnes, months_ago(1)),
        "held": held_since(fresnes),
    }
    agreements = {
        key: AgreementFactory(detainee=person, company=active) for key, person in people.items()
    }
    # The profile of the person released long ago went to a contact of the old company.
    sent = ProfileTransmissionFactory(
        agreement=AgreementFactory(detainee=people["old"], company=old),
        contact=contacts["old"][0],
    )
    for agreement in agreements.values():
        ProfileTransmissionFactory(agreement=agreement)
    referral = ReferralFactory(agreement=agreements["old"])
    released(people["old"], months_ago(24, days=1))
    released(people["recent"], months_ago(1))
    return {
        "companies": (old, recent, active),
        "contacts": contacts,
        "people": people,
        "agreements": agreements,
        "sent_to_old_contact": sent,
        "referral": referral,
    }


def test_the_rule_has_its_settings_with_24_months_by_default():
    from django.conf import settings

    assert settings.PARTNER_CONTACT_RETENTION_MONTHS == 24
    assert settings.PARTNER_RECORD_RETENTION_MONTHS == 24


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 12, 6), 24, datetime.date(2024, 12, 6)),
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 3, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 1, 15), 13, datetime.date(2024, 12, 15)),
    ],
)
def test_months_before_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert months_before(day, months) == expected


def test_the_dry_run_counts_by_kind_and_changes_nothing(world):
    out = io.StringIO()
    call_command("purge_partners", stdout=out)
    printed = out.getvalue()
    assert printed.startswith("Simulation (rien n'est supprimé) : contacts des entreprises")
    assert "(24 mois de conservation)" in printed and "ou anonymisées." in printed
    for line in (
        "       1 entreprises désactivées concernées",
        "       2 contacts d'entreprise",
        "       1 personnes concernées",
        "       2 accords des personnes",
        "       2 envois de profils",
        "       1 orientations vers les offres partenaires",
        "       1 étapes des orientations",
    ):
        assert line in printed, line
    assert "Relancez avec --apply pour supprimer." in printed
    assert CompanyContact.objects.filter(company=world["companies"][0]).count() == 2
    assert Agreement.objects.count() == 4 and ProfileTransmission.objects.count() == 4
    assert Referral.objects.count() == 1


def test_apply_deletes_what_the_rule_says_and_nothing_else(world, caplog):
    old, recent, active = world["companies"]
    people = world["people"]
    with caplog.at_level(logging.INFO, logger="insertion.partners.retention"):
        out = io.StringIO()
        call_command("purge_partners", "--apply", stdout=out)
    assert out.getvalue().startswith("Suppression effectuée : ")
    assert "Relancez" not in out.getvalue()
    assert "Conservation des partenaires : 1 entreprises désactivées concernées" in caplog.text

    # The old company keeps its row (its offers, the agreements that remain point to it).
    assert Company.objects.filter(pk=old.pk).exists()
    assert not CompanyContact.objects.filter(company=old).exists()
    assert CompanyContact.objects.filter(company=recent).count() == 1
    assert world["contacts"]["active"] in CompanyContact.objects.filter(company=active)
    # The person released long ago: agreements, transmissions, referral and its history gone.
    assert not Agreement.objects.filter(detainee=people["old"]).exists()
    assert not ProfileTransmission.objects.filter(agreement__detainee=people["old"]).exists()
    assert not Referral.objects.exists() and not ReferralEvent.objects.exists()
    # The others keep theirs; the person's row itself is the person retention's business.
    for key in ("recent", "held"):
        assert Agreement.objects.filter(detainee=people[key]).count() == 1
        assert ProfileTransmission.objects.filter(agreement__detainee=people[key]).count() == 1
    assert Detainee.objects.filter(pk=people["old"].pk, last_name=people["old"].last_name)


def test_a_second_run_finds_nothing_to_do(world):
    first = partners_purge(apply=True)
    assert first["contacts d'entreprise"] == 2 and first["accords des personnes"] == 2
    out = io.StringIO()
    call_command("purge_partners", "--apply", stdout=out)
    printed = out.getvalue()
    assert "       0 contacts d'entreprise" in printed
    assert "       0 accords des personnes" in printed
    assert "       0 personnes concernées" in printed


def test_wet_run_is_the_same_as_apply(world):
    call_command("purge_partners", "--wet-run", stdout=io.StringIO())
    assert not CompanyContact.objects.filter(company=world["companies"][0]).exists()


def test_a_transmission_to_a_deleted_contact_keeps_the_recipient_in_its_log(world, fresnes):
    # Another person, still held, had a profile sent to the old company's second contact.
    old = world["companies"][0]
    contact = world["contacts"]["old"][1]
    sent = ProfileTransmissionFactory(
        agreement=AgreementFactory(detainee=held_since(fresnes), company=old), contact=contact
    )
    partners_purge(apply=True)
    sent.refresh_from_db()
    assert sent.contact is None
    assert (sent.contact_name, sent.email) == (contact.name, contact.email)


def test_the_settings_move_the_limits(world, settings):
    settings.PARTNER_CONTACT_RETENTION_MONTHS = 36
    settings.PARTNER_RECORD_RETENTION_MONTHS = 36
    counts = partners_purge(apply=True)
    assert counts["contacts d'entreprise"] == 0 and counts["accords des personnes"] == 0
    settings.PARTNER_CONTACT_RETENTION_MONTHS = 1
    settings.PARTNER_RECORD_RETENTION_MONTHS = 1
    counts = partners_purge(apply=True)
    # Deactivated or released exactly a month ago: not yet past the limit.
    assert counts["contacts d'entreprise"] == 2
    assert counts["accords des personnes"] == 2


def test_a_reactivated_company_keeps_its_contacts(world):
    old = world["companies"][0]
    company_set_active(company=old, active=True)
    old.refresh_from_db()
    assert old.active and old.deactivated_at is None
    partners_purge(apply=True)
    assert CompanyContact.objects.filter(company=old).count() == 2


def test_deactivation_is_dated_and_counts_from_then(fresnes):
    company = CompanyFactory(establishments=[fresnes])
    CompanyContactFactory(company=company)
    before = timezone.now()
    company_set_active(company=company, active=False)
    company.refresh_from_db()
    assert company.deactivated_at >= before
    assert partners_purge(apply=True)["contacts d'entreprise"] == 0


def test_the_records_of_an_anonymised_person_go_whatever_the_months(world, settings):
    settings.PARTNER_RECORD_RETENTION_MONTHS = 600
    person = world["people"]["recent"]
    Detainee.objects.filter(pk=person.pk).update(anonymised_on=timezone.localdate())
    counts = partners_purge(apply=True)
    assert counts["personnes concernées"] == 1
    assert not Agreement.objects.filter(detainee=person).exists()
    assert Agreement.objects.filter(detainee=world["people"]["old"]).exists()


def test_the_anonymisation_deletes_the_partner_records_at_the_same_time(fresnes, settings):
    settings.PARTNER_RECORD_RETENTION_MONTHS = 600  # the partners' purge would not take them
    today = timezone.localdate()
    long_ago = today.replace(year=today.year - 5) - datetime.timedelta(days=1)
    person = held_since(fresnes, long_ago)
    agreement = AgreementFactory(detainee=person)
    ProfileTransmissionFactory(agreement=agreement)
    ReferralFactory(agreement=agreement)
    released(person, long_ago)

    dry = retention_purge(wet_run=False)
    assert (dry["accords des personnes"], dry["envois de profils"]) == (1, 1)
    assert Agreement.objects.filter(detainee=person).exists()

    out = io.StringIO()
    call_command("purge_retention", "--wet-run", stdout=out)
    assert "       1 accords des personnes" in out.getvalue()
    person.refresh_from_db()
    assert person.anonymised_on == today
    assert not Agreement.objects.filter(detainee=person).exists()
    assert not ProfileTransmission.objects.exists() and not Referral.objects.exists()


def test_the_migration_dates_the_companies_already_inactive(fresnes):
    migration = importlib.import_module("insertion.partners.migrations.0004_retention")
    inactive = CompanyFactory(establishments=[fresnes], active=False)
    active = CompanyFactory(establishments=[fresnes])
    migration.date_the_inactive_companies(apps, None)
    inactive.refresh_from_db()
    active.refresh_from_db()
    assert inactive.deactivated_at == inactive.updated_at
    assert active.deactivated_at is None


def test_the_beat_runs_the_purge_every_day(settings, world):
    entry = settings.CELERY_BEAT_SCHEDULE["partners-retention"]
    assert entry["task"] == tasks.purge_partners.name
    assert entry["schedule"] == 24 * 3600.0
    done = tasks.purge_partners()
    assert done["contacts d'entreprise"] == 2 and done["accords des personnes"] == 2
    assert not CompanyContact.objects.filter(company=world["companies"][0]).exists()
