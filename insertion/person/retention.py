"""End of the retention period: people released more than RETENTION_YEARS_AFTER_RELEASE years
ago are anonymised, with everything the application holds on them.

What goes: identity (names, n° d'écrou, day and month of birth), interviews with their versions,
syntheses, PDF files and deliveries, contacts, milestones with their notes and history, DLP
history, release alerts, the notes of sentence arrangements, the agreements given to partner
companies with the profiles sent and the referrals (insertion/partners/retention.py, whose own
purge takes them earlier, PARTNER_RECORD_RETENTION_MONTHS after the release). What stays, for
the statistics: the establishment, sex, year of birth, legal status, offence category, dates of
custody, arrival, release and kind of release, the kind and decision of arrangements, the
plan's final state (essential milestones done, late). The access log is not touched: it has its
own retention (ACCESS_LOG_RETENTION_DAYS) and records identifiers only.

`retention_purge(wet_run=False)` counts without changing anything; the management command
`purge_retention` and the weekly beat job call it (the job with wet_run=True).
"""

import datetime
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from entretiens.models import Interview, Synthesis, SynthesisDelivery
from insertion.detainees.models import (
    Contact,
    Detainee,
    Incarceration,
    ReleaseDateChange,
    SentenceArrangement,
)
from insertion.partners.retention import person_records_purge
from insertion.person.signals import people_anonymised
from insertion.placements.models import PlacementRequest, RequestEvent
from insertion.release.models import Milestone, ReleaseAlert


def retention_limit(today: datetime.date) -> datetime.date:
    years = settings.RETENTION_YEARS_AFTER_RELEASE
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def due_for_anonymisation(today: datetime.date):
    return (
        Detainee.objects.released()
        .filter(release_date__lt=retention_limit(today), anonymised_on__isnull=True)
        .order_by("pk")
    )


def _owned(detainee_ids: list[int]) -> dict:
    """What the people hold, table by table (querysets, not yet evaluated)."""
    return {
        "entretiens": Interview.objects.filter(detainee_id__in=detainee_ids),
        "synthèses": Synthesis.objects.filter(interview__detainee_id__in=detainee_ids),
        "envois de synthèse": SynthesisDelivery.objects.filter(
            synthesis__interview__detainee_id__in=detainee_ids
        ),
        "contacts": Contact.objects.filter(detainee_id__in=detainee_ids),
        "jalons": Milestone.objects.filter(plan__detainee_id__in=detainee_ids),
        "historique de DLP": ReleaseDateChange.objects.filter(detainee_id__in=detainee_ids),
        "alertes de DLP": ReleaseAlert.objects.filter(detainee_id__in=detainee_ids),
        "demandes d'activité (textes effacés)": PlacementRequest.objects.filter(
            detainee_id__in=detainee_ids
        ),
    }


BATCH = 500


def retention_purge(*, wet_run: bool = False, today: datetime.date | None = None) -> Counter:
    """Anonymise the people past their retention (or, dry run, count what would go)."""
    today = today or timezone.localdate()
    ids = list(due_for_anonymisation(today).values_list("pk", flat=True))
    counts = Counter({"personnes": len(ids)})
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        for label, queryset in _owned(batch).items():
            counts[label] += queryset.count()
        counts.update(person_records_purge(batch, apply=False))
        if wet_run:
            _anonymise(batch, today)
    return counts


@transaction.atomic
def _anonymise(detainee_ids: list[int], today: datetime.date) -> None:
    owned = _owned(detainee_ids)
    files = [
        name
        for name in Synthesis.objects.filter(interview__detainee_id__in=detainee_ids)
        .exclude(pdf="")
        .values_list("pdf", flat=True)
    ]
    # Syntheses and their rows go with the interviews (cascade); the files after the commit.
    for label in ("entretiens", "contacts", "jalons", "historique de DLP", "alertes de DLP"):
        owned[label].delete()
    SentenceArrangement.objects.filter(detainee_id__in=detainee_ids).update(notes="")
    # The requests stay for the statistics (kind, dates, outcome); what was typed about the
    # person goes.
    owned["demandes d'activité (textes effacés)"].update(
        details="", status_note="", override_reason="", manual_rank=None
    )
    RequestEvent.objects.filter(request__detainee_id__in=detainee_ids).update(note="")
    # Agreements, profiles sent and referrals: deleted, with what hangs on them.
    person_records_purge(detainee_ids, apply=True)
    people = list(Detainee.objects.filter(pk__in=detainee_ids))
    for person in people:
        person.last_name = "Personne anonymisée"
        person.first_name = ""
        person.ecrou_number = f"ANON-{person.pk}"
        person.birth_date = person.birth_date.replace(month=1, day=1)
        person.search_text = ""
        person.national_id = None
        person.usage_name = ""
        person.source_values = {}
        person.referent = None
        person.anonymised_on = today
    Detainee.objects.bulk_update(
        people,
        [
            "last_name",
            "first_name",
            "ecrou_number",
            "birth_date",
            "search_text",
            "national_id",
            "usage_name",
            "source_values",
            "referent",
            "anonymised_on",
        ],
    )
    stays = list(Incarceration.objects.filter(detainee_id__in=detainee_ids).order_by("pk"))
    for number, stay in enumerate(stays):
        stay.ecrou_number = f"ANON-{stay.detainee_id}-{number}"
    Incarceration.objects.bulk_update(stays, ["ecrou_number"])
    people_anonymised.send(sender=Detainee, detainee_ids=list(detainee_ids))
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    storage = Synthesis._meta.get_field("pdf").storage
    for name in names:
        # The seed's stand-in PDF is shared by many syntheses: it may still be in use.
        if not Synthesis.objects.filter(pdf=name).exists():
            storage.delete(name)
