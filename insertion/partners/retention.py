"""How long the partner companies' data is kept (issue 16: « partner contacts and referrals follow a
documented rule »), and the purge that applies it.

The rule
- **Contacts of a company**: a company's contacts (name, function, address, telephone) are
  deleted when the company has been deactivated for more than PARTNER_CONTACT_RETENTION_MONTHS
  months (24 by default), counted from `Company.deactivated_at` (set by `company_set_active`,
  cleared by a reactivation). The company itself stays, with its offers: they are not personal
  data, and the agreements and transmissions that remain point to them. The transmissions sent
  to a deleted contact keep the name and address copied when they were sent (the log of what left
  about the person), until the person's own records go (below).
- **What concerns a person**: their agreements (`Agreement`), the profiles sent with them
  (`ProfileTransmission`, outbox and log) and their referrals to an offer with their history
  (`Referral`, `ReferralEvent`) are deleted when the person was released more than
  PARTNER_RECORD_RETENTION_MONTHS months ago (24 by default), and in any case when the person is
  anonymised (insertion/person/retention.py calls `person_records_purge` in the anonymisation's
  transaction; the purge here also takes the people anonymised before). The profile PDF is never
  stored (rendered when sent, only its SHA-256 is kept): there is no file to delete.
  Everything goes by deleting the agreements: the transmissions and the referrals hang on them
  (`on_delete=CASCADE`), so whatever comes to hang on an agreement goes with it, and is counted
  by its name (a relation that protected the agreement would stop the purge, dry run included).

`partners_purge(apply=False)` counts what would go, by kind, without changing anything; the
command `purge_partners` (dry run unless --apply) and the daily beat job `partners-retention`
(with apply) call it. It works in batches, each in its own transaction, and a second run finds
nothing left to do.
"""

import calendar
import datetime
import logging
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.db import router, transaction
from django.db.models import Q, QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone

from insertion.partners.models import Agreement, CompanyContact, ProfileTransmission

logger = logging.getLogger(__name__)

BATCH = 500
COMPANIES = "entreprises désactivées concernées"
PEOPLE = "personnes concernées"


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the month's last day when it has fewer days)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def contact_limit(today: datetime.date) -> datetime.date:
    """Companies deactivated before this day (local time) lose their contacts."""
    return months_before(today, settings.PARTNER_CONTACT_RETENTION_MONTHS)


def record_limit(today: datetime.date) -> datetime.date:
    """People released before this day lose their agreements, transmissions and referrals."""
    return months_before(today, settings.PARTNER_RECORD_RETENTION_MONTHS)


def contacts_due(today: datetime.date) -> QuerySet:
    limit = timezone.make_aware(datetime.datetime.combine(contact_limit(today), datetime.time()))
    return CompanyContact.objects.filter(
        company__active=False, company__deactivated_at__lt=limit
    ).order_by("pk")


def agreements_due(today: datetime.date) -> QuerySet:
    return Agreement.objects.filter(
        Q(detainee__release_date__lt=record_limit(today)) | Q(detainee__anonymised_on__isnull=False)
    ).order_by("pk")


# « contacts » alone would read as the CPIP's contacts with the person.
_LABELS = {CompanyContact: "contacts d'entreprise"}


def _label(model) -> str:
    return _LABELS.get(model) or str(model._meta.verbose_name_plural)


def _purge(queryset: QuerySet, *, apply: bool) -> Counter:
    """Delete `queryset` with everything that cascades from it (or, dry run, count it): the
    rows by kind, named by their models' plural names."""
    collector = Collector(using=router.db_for_write(queryset.model))
    collector.collect(queryset)
    if apply:
        _, by_label = collector.delete()
        return Counter(
            {_label(apps.get_model(label)): count for label, count in by_label.items() if count}
        )
    counts = Counter()
    for model, instances in collector.data.items():
        counts[_label(model)] += len(instances)
    for fast in collector.fast_deletes:
        counts[_label(fast.model)] += fast.count()
    return +counts


def _empty() -> Counter:
    # The main kinds are printed even at zero, so that the output reads the same every day.
    return Counter(
        {
            COMPANIES: 0,
            _label(CompanyContact): 0,
            PEOPLE: 0,
            _label(Agreement): 0,
            _label(ProfileTransmission): 0,
        }
    )


def person_records_purge(detainee_ids: list[int], *, apply: bool) -> Counter:
    """The agreements of these people and what hangs on them: deleted (or counted). Called by
    the anonymisation of insertion/person/retention.py, inside its transaction."""
    return _purge(Agreement.objects.filter(detainee_id__in=detainee_ids), apply=apply)


def partners_purge(*, apply: bool = False, today: datetime.date | None = None) -> Counter:
    """Apply the rule of the module docstring (or, dry run, count what would go), by kind."""
    today = today or timezone.localdate()
    counts = _empty()
    contacts = list(contacts_due(today).values_list("pk", "company_id"))
    counts[COMPANIES] = len({company_id for _, company_id in contacts})
    for start in range(0, len(contacts), BATCH):
        batch = [pk for pk, _ in contacts[start : start + BATCH]]
        with transaction.atomic():
            counts.update(_purge(CompanyContact.objects.filter(pk__in=batch), apply=apply))
    agreements = list(agreements_due(today).values_list("pk", "detainee_id"))
    counts[PEOPLE] = len({detainee_id for _, detainee_id in agreements})
    for start in range(0, len(agreements), BATCH):
        batch = [pk for pk, _ in agreements[start : start + BATCH]]
        with transaction.atomic():
            counts.update(_purge(Agreement.objects.filter(pk__in=batch), apply=apply))
    if apply and (counts[COMPANIES] or counts[PEOPLE]):
        logger.info(
            "Conservation des partenaires : %s",
            ", ".join(f"{count} {label}" for label, count in counts.items()),
        )
    return counts
