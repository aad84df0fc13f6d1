"""Release plans of the demo world and of the national data set: a step of
`generate.PEOPLE_STEPS`, after the interviews (the plan reads their barriers).

Every person with a referent has a plan. A person held has the milestones the referential and
their interview's barriers call for (`release.services.plan_milestones`, the rule the application
applies), dated from their DLP, and advanced as far as the time since their arrival suggests:
milestones whose target date has passed are mostly done, some still open (late); later ones are
sometimes done ahead. A few are set aside ("sans objet", with a reason). Each milestone that left
"à faire" has the change in its history. A released person's plan is closed; the seed keeps of it
only its final state (what the statistics read), not the milestones.

Contacts with the CPIP are spread over the stay, the last one mostly recent: some people have
not been seen for six months or more, a few never. A DLP brought forward by more than
RELEASE_DATE_ALERT_DAYS in the last two months leaves an alert for the referent, mostly unread.

Draws come from a generator seeded by one draw of the world's generator (as the interviews do).
"""

import datetime
import random
from collections import Counter, defaultdict

from django.conf import settings
from django.db import connection
from django.utils import timezone

from entretiens.sharing import shared_barriers, shared_orientations
from insertion.demo.generate import BATCH_SIZE, PEOPLE_STEPS, PeopleRows, Weighted, days
from insertion.detainees.models import Contact, ContactKind, Detainee, ReleaseKind
from insertion.release.models import (
    CRITICAL_CATEGORIES,
    Milestone,
    MilestoneChange,
    MilestoneStatus,
    ReleaseAlert,
    ReleasePlan,
)
from insertion.release.orientations import (
    made_essential,
    milestones_called_for,
    orientation_note,
)
from insertion.release.services import active_kinds, milestone_plan_rows, target_date_for

# What became of a milestone whose target date has passed, and of one still ahead.
PAST_DUE = Weighted(
    {
        MilestoneStatus.DONE: 68,
        MilestoneStatus.IN_PROGRESS: 14,
        MilestoneStatus.TO_DO: 9,
        MilestoneStatus.BLOCKED: 5,
        MilestoneStatus.NOT_APPLICABLE: 4,
    }
)
# Housing, papers and rights come first: when their date has passed, they are mostly done.
PAST_DUE_CRITICAL = Weighted(
    {
        MilestoneStatus.DONE: 93,
        MilestoneStatus.IN_PROGRESS: 4,
        MilestoneStatus.TO_DO: 1,
        MilestoneStatus.BLOCKED: 2,
    }
)
AHEAD = Weighted(
    {
        MilestoneStatus.TO_DO: 55,
        MilestoneStatus.IN_PROGRESS: 22,
        MilestoneStatus.DONE: 18,
        MilestoneStatus.BLOCKED: 2,
        MilestoneStatus.NOT_APPLICABLE: 3,
    }
)
NOT_APPLICABLE_REASONS = [
    "Déjà en règle à l'arrivée",
    "Ne correspond pas au projet de la personne",
    "Pris en charge par la famille",
    "Prévu par la structure d'accueil",
]
OWNERS = Weighted(
    {"": 40, "CPIP": 25, "La personne": 15, "SIAO": 5, "France Travail": 5, "Association": 10}
)
CONTACT_SUBJECTS = {
    ContactKind.INTERVIEW: [
        "Point sur le projet de sortie",
        "Préparation de la demande d'aménagement",
        "Point sur l'hébergement",
        "Entretien d'accueil",
        "Bilan des démarches en cours",
    ],
    ContactKind.LETTER: ["Courrier de la personne", "Réponse à un courrier"],
    ContactKind.PHONE: ["Appel de la famille", "Échange avec le SIAO", "Appel de l'employeur"],
    ContactKind.VIDEO: ["Visioconférence avec France Travail", "Visioconférence avec le CHRS"],
}
CONTACT_KINDS = Weighted(
    {ContactKind.INTERVIEW: 70, ContactKind.LETTER: 12, ContactKind.PHONE: 10, ContactKind.VIDEO: 8}
)
# Days since the last contact (people held long enough): most seen lately, some not for long.
LAST_SEEN = Weighted({(0, 60): 60, (61, 182): 26, (183, 400): 10, None: 4})
ALERT_WINDOW_DAYS = 60
ALERT_SEEN_SHARE = 0.3


MILESTONE_COLUMNS = (
    "plan_id",
    "kind_id",
    "label",
    "category",
    "essential",
    "barrier_note",
    "orientation_note",
    "status",
    "target_date",
    "owner",
    "done_on",
    "not_applicable_reason",
    "position",
    "created_at",
    "updated_at",
)
CONTACT_COLUMNS = ("detainee_id", "on_date", "kind", "subject", "by_id", "created_at")


def plans_step(rng: random.Random, rows: PeopleRows, today: datetime.date) -> Counter:
    rng = random.Random(rng.getrandbits(64))
    kinds = active_kinds()
    followed = [d for d in rows.detainees if d.referent_id]
    if not kinds or not followed:
        return Counter()
    # The application's own gate: a withheld "Freins" section shapes no plan.
    barriers = shared_barriers(detainee_ids=[d.pk for d in followed])
    orientations = shared_orientations(detainee_ids=[d.pk for d in followed])
    kinds_by_code = {kind.code: kind for kind in kinds}
    changes = defaultdict(list)
    for change in rows.release_date_changes:
        changes[change.detainee_id].append(change)

    plans = []
    for detainee in followed:
        plan = ReleasePlan(detainee=detainee, created_by_id=detainee.referent_id)
        if detainee.release_date is not None:
            _close(rng, plan, detainee)
        plans.append(plan)
    ReleasePlan.objects.bulk_create(plans, batch_size=BATCH_SIZE)

    now = timezone.now()
    milestones, contacts = [], []
    for plan, detainee in zip(plans, followed, strict=True):
        if detainee.release_date is not None:
            continue
        rules = milestone_plan_rows(
            kinds=kinds,
            barriers=barriers.get(detainee.pk, {}),
            expected_release_date=detainee.expected_release_date,
        )
        # The orientations the person shares land in the plan as the application lands them.
        wanted = milestones_called_for(orientations.get(detainee.pk, {}))
        rules = list(rules)
        present = {kind.code for kind, *_ in rules}
        for code in wanted:
            kind = kinds_by_code.get(code)
            if kind is not None and code not in present:
                target = target_date_for(detainee.expected_release_date, kind.offset_days)
                rules.append((kind, kind.essential, "", target))
        for position, (kind, essential, note, target_date) in enumerate(rules):
            priority = wanted.get(kind.code)
            essential = essential or made_essential(kind.code, priority)
            called = orientation_note(priority) if priority else ""
            critical = essential and kind.category in CRITICAL_CATEGORIES
            status, done_on, reason, owner = _advance(
                rng, target_date, detainee, today, critical=critical
            )
            milestones.append(
                (
                    *(plan.pk, kind.pk, kind.label, kind.category, essential, note, called),
                    status,
                    *(target_date, owner, done_on, reason, position, now, now),
                )
            )
        contacts.extend(_contacts(rng, detainee, today, now))
    insert_rows(Milestone, MILESTONE_COLUMNS, milestones)
    history = _history([plan.pk for plan in plans], now)
    insert_rows(Contact, CONTACT_COLUMNS, contacts)
    alerts = _alerts(rng, followed, changes, today)
    ReleaseAlert.objects.bulk_create(alerts, batch_size=BATCH_SIZE)
    return Counter(
        release_plans=len(plans),
        milestones=len(milestones),
        milestone_changes=history,
        contacts=len(contacts),
        release_alerts=len(alerts),
    )


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain rows: COPY on PostgreSQL (the national data set's 1.5 million milestones),
    batched INSERTs elsewhere (the demo on SQLite)."""
    if not rows:
        return
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608 - names only
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])


def _history(plan_ids: list[int], now) -> int:
    """Each milestone that left "à faire" has that change in its history (one INSERT … SELECT
    for the chunk)."""
    if not plan_ids:
        return 0
    change = MilestoneChange._meta.db_table
    milestone = Milestone._meta.db_table
    plan = ReleasePlan._meta.db_table
    detainee = Detainee._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} (milestone_id, by_id, at, from_status, to_status) "  # noqa: S608
            f"SELECT m.id, d.referent_id, %s, %s, m.status FROM {milestone} m "
            f"JOIN {plan} p ON p.id = m.plan_id JOIN {detainee} d ON d.id = p.detainee_id "
            "WHERE p.id BETWEEN %s AND %s AND m.status <> %s",
            [now, MilestoneStatus.TO_DO, min(plan_ids), max(plan_ids), MilestoneStatus.TO_DO],
        )
        return cursor.rowcount


def _advance(
    rng: random.Random, target, detainee, today: datetime.date, *, critical: bool
) -> tuple:
    """(status, done on, "sans objet" reason, owner) of a milestone today, by its target date."""
    past_due = target is not None and target < today
    if past_due:
        status = (PAST_DUE_CRITICAL if critical else PAST_DUE).pick(rng)
    else:
        status = AHEAD.pick(rng)
    if status == MilestoneStatus.DONE and detainee.arrival_date >= today:
        status = MilestoneStatus.TO_DO  # arrived today: nothing done yet
    done_on, reason, owner = None, "", ""
    if status == MilestoneStatus.DONE:
        latest = min(today, target + days(10)) if target else today
        done_on = _between(rng, detainee.arrival_date, latest)
    elif status == MilestoneStatus.NOT_APPLICABLE:
        reason = rng.choice(NOT_APPLICABLE_REASONS)
    if status != MilestoneStatus.TO_DO:
        owner = OWNERS.pick(rng)
    return status, done_on, reason, owner


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + days(rng.randint(0, (end - start).days))


def _close(rng: random.Random, plan: ReleasePlan, detainee) -> None:
    """The final state of the plan of a person released (more often complete when released
    under an arrangement than at the end of a sentence)."""
    total = rng.randint(4, 7)
    prepared = detainee.release_kind != ReleaseKind.DRY
    share = rng.uniform(0.5, 1.0) if prepared else rng.uniform(0.0, 0.7)
    plan.closed_on = detainee.release_date
    plan.final_release_kind = detainee.release_kind
    plan.final_essential_total = total
    plan.final_essential_done = round(total * share)
    plan.final_late = rng.randint(0, 4 if prepared else 8)


def _contacts(rng: random.Random, detainee, today: datetime.date, now) -> list[tuple]:
    held_days = (today - detainee.arrival_date).days
    if held_days < 7:
        return []
    window = LAST_SEEN.pick(rng)
    if window is None:
        return []  # never seen by their CPIP
    low, high = window
    last = today - days(min(rng.randint(low, high), held_days))
    count = 1 + min(held_days // 75, rng.randint(0, 5))
    dates = sorted({last} | {_between(rng, detainee.arrival_date, last) for _ in range(count - 1)})
    rows = []
    for day in dates:
        kind = CONTACT_KINDS.pick(rng)
        subject = rng.choice(CONTACT_SUBJECTS[kind])
        rows.append((detainee.pk, day, kind, subject, detainee.referent_id, now))
    return rows


def _alerts(rng: random.Random, followed, changes, today: datetime.date) -> list[ReleaseAlert]:
    """A DLP brought forward lately by more than the alert threshold: the alert it raised."""
    alerts = []
    threshold = settings.RELEASE_DATE_ALERT_DAYS
    for detainee in followed:
        if detainee.release_date is not None:
            continue
        for change in changes.get(detainee.pk, []):
            shift = change.shift_days
            if shift is None or -shift <= threshold:
                continue
            if (today - change.changed_on).days > ALERT_WINDOW_DAYS:
                continue
            seen = rng.random() < ALERT_SEEN_SHARE
            alerts.append(
                ReleaseAlert(
                    detainee=detainee,
                    change=change,
                    referent_id=detainee.referent_id,
                    days_earlier=-shift,
                    seen_at=timezone.now() if seen else None,
                    emailed_at=timezone.now(),
                )
            )
    return alerts


PEOPLE_STEPS.append(plans_step)
