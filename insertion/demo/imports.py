"""One past import in the demo's history: a « Mouvements » file of the Centre de détention de
Melun, received and applied a few days ago by the demo manager (direction@demo.insertion.fr).

The committed samples (insertion/imports/samples/) stay untouched for the people who try the
import: the same file twice shows the earlier report and changes nothing, and the samples are
of Fresnes, so a past run of Fresnes would also make their « présents à date » older than the
last one applied there. This run is of Melun, from a file written here in a temporary folder,
received and applied through the import's own code (`receive_file`, `apply_run`), as the upload
page does: the stored copy is kept by the runs' storage, the temporary file is deleted.

What the file says, so that the report and the « À examiner » queue have something to show:
- two people who came in (an arrival, a transfer from Fleury-Mérogis): created, each owed an
  interview;
- a release date moved by a reduction of sentence (a person without referent) and a request
  of LSC, for two demo people given a national identifier here (as if an earlier extraction
  had named them);
- a release date change for a person typed by hand (no identifier) whose identity the file
  repeats: held, a proposed link to confirm in « À examiner »;
- an arrival whose birth date does not exist (31/02): rejected, in the CSV of rejected rows.

Deterministic: the draws come from a generator seeded by the world's seed, the people are
chosen by n° d'écrou, every date is relative to `today`.
"""

import csv
import datetime
import random
import tempfile
from collections import Counter
from pathlib import Path

from django.utils import timezone

from entretiens.models import Interview
from insertion.accounts.models import Role, User
from insertion.demo import accounts as demo_accounts
from insertion.demo.establishments import DEMO_CODES
from insertion.demo.names import LAST_NAMES, MALE_FIRST_NAMES
from insertion.detainees.models import (
    Detainee,
    Incarceration,
    LegalStatus,
    ReleaseDateChange,
    SentenceArrangement,
)
from insertion.establishments.models import Establishment
from insertion.imports.applying import apply_run
from insertion.imports.models import ImportRun, RunSource, RunStatus
from insertion.imports.planning import OWNED_FIELDS
from insertion.imports.runs import receive_file
from insertion.release.models import Milestone, ReleaseAlert, ReleasePlan

ESTABLISHMENT = demo_accounts.MELUN
# The movements happened MOVED_DAYS_AGO; the extraction was taken the next morning, and the
# manager sent it and applied it that morning.
MOVED_DAYS_AGO = 4
EXTRACTED_AT = datetime.time(6, 0)
RECEIVED_AT = datetime.time(8, 40)
APPLY_MINUTES = 3
# A DLP change of three weeks: brought forward by less than RELEASE_DATE_ALERT_DAYS (30 by
# default), it raises no alert, hence no email printed while the demo loads.
REDUCTION_DAYS = 21
LINK_REDUCTION_DAYS = 14
# National identifiers of the people this file names (GEN7700001…): apart from those of the
# samples (GEN0000001…).
NATIONAL_ID = "GEN77{:05d}"

# The rows the import adds to the demo world, by the keys of the counts `seed_demo` prints:
# added to them, so that the counts printed are those of the database.
ADDED_ROWS = {
    "detainees": Detainee,
    "incarcerations": Incarceration,
    "release_date_changes": ReleaseDateChange,
    "arrangements": SentenceArrangement,
    "release_plans": ReleasePlan,
    "milestones": Milestone,
    "release_alerts": ReleaseAlert,
    "interviews": Interview,
}

HEADER = (
    "Identifiant national",
    "Numéro d'écrou",
    "Nom",
    "Prénom",
    "Nom d'usage",
    "Date de naissance",
    "Code établissement",
    "Date d'extraction",
    "Type de mouvement",
    "Date du mouvement",
    "Sexe",
    "Statut",
    "Catégorie d'infraction",
    "Date de l'écrou initial",
    "DLP",
    "Motif de modification de la DLP",
    "Établissement de provenance",
    "Type d'aménagement",
    "Statut de l'aménagement",
    "Date de demande",
)


def _day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


def _demo_manager() -> User:
    email = next(
        account.email
        for account in demo_accounts.DEMO_ACCOUNTS
        if account.role == Role.MANAGER and ESTABLISHMENT in account.establishments
    )
    return User.objects.get(email=email)


def _next_ecrous(establishment: Establishment, day: datetime.date, count: int) -> list[str]:
    """The next n° d'écrou of the establishment in the year of `day`, in the demo's format
    ("26B0042": year, the establishment's letter, number)."""
    known = list(
        Incarceration.objects.filter(establishment=establishment).values_list(
            "ecrou_number", flat=True
        )
    )
    letter = known[0][2] if known else "Z"
    prefix = f"{day.year % 100:02d}{letter}"
    last = max((int(number[3:]) for number in known if number.startswith(prefix)), default=0)
    return [f"{prefix}{last + offset:04d}" for offset in range(1, count + 1)]


def _chosen_people(establishment: Establishment, today: datetime.date) -> list[Detainee]:
    """The people the file names, held at the establishment, the first by n° d'écrou:
    - whose DLP moves: a person without referent, hence without a plan, whose milestones done
      would otherwise keep their dates away from the rule's (the DLP minus their offset);
    - who asks for an LSC, and who was typed by hand: sentenced, followed by a referent,
      released in more than four months, without any arrangement yet."""
    held = (
        Detainee.objects.held()
        .filter(establishment=establishment, national_id__isnull=True)
        .exclude(expected_release_date=None)
        .order_by("ecrou_number")
    )
    moving = held.filter(referent__isnull=True).first() or held.first()
    others = list(
        held.exclude(pk=getattr(moving, "pk", None)).filter(
            legal_status=LegalStatus.SENTENCED,
            referent__isnull=False,
            expected_release_date__gt=today + datetime.timedelta(days=120),
            arrangements__isnull=True,
        )[:2]
    )
    if moving is None or len(others) < 2:
        raise RuntimeError(f"{establishment} : trop peu de personnes pour l'import de la démo.")
    return [moving, *others]


def _moved_release_date(detainee: Detainee, today: datetime.date) -> tuple[datetime.date, str]:
    """A reduction of sentence when the DLP stays well ahead, else a withdrawal of one."""
    earlier = detainee.expected_release_date - datetime.timedelta(days=REDUCTION_DAYS)
    if earlier > today + datetime.timedelta(days=30):
        return earlier, "Réduction de peine"
    later = detainee.expected_release_date + datetime.timedelta(days=REDUCTION_DAYS)
    return later, "Retrait de réduction"


def _identify(detainee: Detainee, national_id: str) -> None:
    """The person as an earlier extraction left them: their identifier and what it said."""
    detainee.national_id = national_id
    detainee.source_values = {
        column: value.isoformat() if isinstance(value, datetime.date) else (value or "")
        for column, name in OWNED_FIELDS.items()
        for value in [getattr(detainee, name)]
    }
    detainee.save(update_fields=["national_id", "source_values"])


def _identity(detainee: Detainee, national_id: str) -> dict:
    return {
        "Identifiant national": national_id,
        "Numéro d'écrou": detainee.ecrou_number,
        "Nom": detainee.last_name.upper(),
        "Prénom": detainee.first_name,
        "Nom d'usage": detainee.usage_name,
        "Date de naissance": _day(detainee.birth_date),
    }


def _newcomer(rng: random.Random, national_id: str, ecrou: str, birth: str) -> dict:
    return {
        "Identifiant national": national_id,
        "Numéro d'écrou": ecrou,
        "Nom": rng.choice(LAST_NAMES).upper(),
        "Prénom": rng.choice(MALE_FIRST_NAMES),
        "Date de naissance": birth,
        "Sexe": "M",
        "Statut": "Condamné",
        "Catégorie d'infraction": "Délit",
    }


def _rows(
    rng: random.Random, establishment: Establishment, *, today: datetime.date, moved_on
) -> list[dict]:
    """The lines of the file, in the order a reader meets them in the report."""
    reduced, requesting, typed_by_hand = _chosen_people(establishment, today)
    _identify(reduced, NATIONAL_ID.format(1))
    _identify(requesting, NATIONAL_ID.format(2))
    arriving, transferred, misdated = _next_ecrous(establishment, moved_on, 3)
    new_date, reason = _moved_release_date(reduced, today)

    def birth(low: int, high: int) -> datetime.date:
        return datetime.date(today.year - rng.randint(low, high), 1, 1) + datetime.timedelta(
            days=rng.randint(0, 364)
        )

    return [
        {
            **_newcomer(rng, NATIONAL_ID.format(3), arriving, _day(birth(22, 45))),
            "Type de mouvement": "Arrivée",
            "Date de l'écrou initial": _day(moved_on),
            "DLP": _day(moved_on + datetime.timedelta(days=rng.randint(300, 600))),
        },
        {
            **_newcomer(rng, NATIONAL_ID.format(4), transferred, _day(birth(25, 55))),
            "Type de mouvement": "Transfert entrant",
            "Date de l'écrou initial": _day(
                moved_on - datetime.timedelta(days=rng.randint(90, 300))
            ),
            "DLP": _day(moved_on + datetime.timedelta(days=rng.randint(400, 700))),
            "Établissement de provenance": DEMO_CODES["Maison d'arrêt de Fleury-Mérogis"],
        },
        {
            **_identity(reduced, NATIONAL_ID.format(1)),
            "Type de mouvement": "Modification de la DLP",
            "DLP": _day(new_date),
            "Motif de modification de la DLP": reason,
        },
        {
            **_identity(requesting, NATIONAL_ID.format(2)),
            "Type de mouvement": "Aménagement de peine",
            "Type d'aménagement": "LSC",
            "Statut de l'aménagement": "Demandé",
            "Date de demande": _day(moved_on),
        },
        {
            **_identity(typed_by_hand, NATIONAL_ID.format(5)),
            "Type de mouvement": "Modification de la DLP",
            "DLP": _day(
                typed_by_hand.expected_release_date - datetime.timedelta(days=LINK_REDUCTION_DAYS)
            ),
            "Motif de modification de la DLP": "Réduction de peine",
        },
        {
            # A day that does not exist, as a spreadsheet typed by hand may hold.
            **_newcomer(rng, NATIONAL_ID.format(6), misdated, f"31/02/{today.year - 30}"),
            "Type de mouvement": "Arrivée",
            "Date de l'écrou initial": _day(moved_on),
        },
    ]


def _write(path: Path, rows: list[dict], *, code: str, extracted_at, moved_on) -> None:
    """A CSV as the extraction writes it: UTF-8 with its BOM, « ; », CRLF."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=HEADER, delimiter=";", lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    "Code établissement": code,
                    "Date d'extraction": f"{extracted_at:%d/%m/%Y %H:%M}",
                    "Date du mouvement": _day(moved_on),
                    **row,
                }
            )


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def seed_past_import(*, seed: int, today: datetime.date) -> Counter:
    """Receive and apply the demo's past « Mouvements » file; its run dated a few days back.
    The counts: the run, and the rows its effects added (`ADDED_ROWS`)."""
    before = {key: model.objects.count() for key, model in ADDED_ROWS.items()}
    rng = random.Random(f"demo-import-{seed}")
    establishment = Establishment.objects.get(name=ESTABLISHMENT)
    manager = _demo_manager()
    moved_on = today - datetime.timedelta(days=MOVED_DAYS_AGO)
    extraction_day = moved_on + datetime.timedelta(days=1)
    extracted_at = _at(extraction_day, EXTRACTED_AT)
    rows = _rows(rng, establishment, today=today, moved_on=moved_on)
    filename = f"mouvements_{establishment.code}_{extraction_day:%Y%m%d}.csv"
    with tempfile.TemporaryDirectory(prefix="demo-import-") as folder:
        path = Path(folder) / filename
        _write(path, rows, code=establishment.code, extracted_at=extracted_at, moved_on=moved_on)
        run = receive_file(
            path=path,
            filename=filename,
            source=RunSource.UPLOAD,
            by=manager,
            allowed=manager.establishment_ids,
        )
    if run.status != RunStatus.PREVIEWED:
        raise RuntimeError(f"L'import de la démo n'a pas pu être lu : {run.refusal}")
    run = apply_run(run=run, by=manager)
    received = _at(extraction_day, RECEIVED_AT)
    applied = received + datetime.timedelta(minutes=APPLY_MINUTES)
    ImportRun.objects.filter(pk=run.pk).update(
        created_at=received,
        apply_started_at=applied,
        finished_at=applied + datetime.timedelta(seconds=2),
    )
    run.rows.exclude(applied_at=None).update(applied_at=applied + datetime.timedelta(seconds=1))
    added = Counter({key: model.objects.count() - before[key] for key, model in ADDED_ROWS.items()})
    return added + Counter(import_runs=1)
