"""Reminders of the requests left « à examiner », and the weekly digest emailed to the service.

Late to examine: a request still « à examiner » more than PLACEMENT_REVIEW_REMINDER_DAYS days
after it was made, in calendar days of the establishment's time zone (made on the 1st with 10
days: on time on the 11th, late on the 12th). `overdue_to_review` says it in SQL, `review_days`
and `is_review_overdue` in Python; a test checks that both agree at the boundary. Callers that
answer a user scope the result themselves (`PlacementRequest.objects.visible_to`).

The weekly digest (`weekly_digest`), per kind of offer: the requests to examine and how many are
late, the people waiting against the places (waiting.demand_vs_places), and what moved during the
week before the digest's (the ISO week ending on the Sunday): allocations, refusals, closings
and withdrawals, read from the requests' history. Then the late requests by name. Five queries
per establishment, whatever the numbers. An establishment with nothing to examine, nobody waiting
and nothing that moved gets no digest.

Who receives it, « le service » (`digest_recipients`):
- the establishment's synthesis recipients (establishments.SynthesisRecipient, active) whose
  function is a service that examines requests: responsable du travail, responsable de la
  formation professionnelle (RLF), responsable local de l'enseignement. They are the services'
  addresses the establishment already declared, and they already receive the same names in the
  syntheses. Not the direction, the SPIP, the health unit nor « autre »: they receive the
  syntheses, they do not examine requests;
- the prison team's accounts of the establishment (role `prison_team`, active): they keep the
  offers and work the queue in the application.
Managers and CPIPs are not written to (the CPIP sees the requests on the person page). One
message to all of them: they are colleagues of the same establishment. No recipient: nothing is
made nor sent, and it is logged.

What the email never carries: a request's `details` (they may come from the interview's
« Préconisations »), its status note, the reason of a fixed rank, nor anything of the interview.
Only counts, and for the late requests the name, écrou number, kind, priority and days waited —
what the same staff see on their page. The templates receive plain dataclasses holding just
that, never a request.

The email is an outbox row (WeeklyDigest, one per establishment and ISO week, as the release
alerts of release/alerts.py): made by `weekly_digests_prepare`, claimed by a conditional UPDATE
of `email_claimed_at`, sent outside any transaction, then dated `sent_at`. Preparing twice in a
week makes nothing twice, and a row sent is never sent again; a failed send gives the claim back
(the task retries the SMTP errors). A digest not sent by the end of its week is dropped: the next
one replaces it. As everywhere across SMTP, a worker killed between the SMTP reply and the last
UPDATE means a second copy (same Message-ID): at least once, never silently lost.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from entretiens.choices import Priority
from insertion.accounts.models import Role, User
from insertion.core.emails import email_message
from insertion.establishments.models import Establishment, RecipientRole, SynthesisRecipient
from insertion.placements.choices import OfferKind, RequestStatus
from insertion.placements.models import PlacementRequest, RequestEvent, WeeklyDigest
from insertion.placements.waiting import demand_vs_places

logger = logging.getLogger(__name__)

# A claim older than this is a dead worker's: the message delivered again takes it over.
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
# The late requests named in the email; beyond, the email says how many more there are.
OVERDUE_LISTED = 50
# The functions of synthesis recipients that are services examining requests.
SERVICE_ROLES = (RecipientRole.WORK, RecipientRole.TRAINING, RecipientRole.EDUCATION)
# What moved during the week: the history's states that end a wait or a review.
CLOSING_STATUSES = (RequestStatus.CLOSED, RequestStatus.WITHDRAWN)
MOVED_STATUSES = (RequestStatus.ALLOCATED, RequestStatus.REFUSED, *CLOSING_STATUSES)


def reminder_days() -> int:
    return settings.PLACEMENT_REVIEW_REMINDER_DAYS


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of `day` in the current (the establishments') time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def week_start_of(day: datetime.date) -> datetime.date:
    """The Monday of the ISO week of `day`."""
    return day - datetime.timedelta(days=day.weekday())


# --- Late to examine -------------------------------------------------------------------


def review_cutoff(today: datetime.date | None = None) -> datetime.datetime:
    """A request made before this instant and still to examine is late."""
    today = today or timezone.localdate()
    return _midnight(today - datetime.timedelta(days=reminder_days()))


def overdue_to_review(establishment=None, today: datetime.date | None = None):
    """The requests still « à examiner » more than PLACEMENT_REVIEW_REMINDER_DAYS days after
    they were made, oldest first (of one establishment, or of all)."""
    requests = PlacementRequest.objects.filter(
        status=RequestStatus.TO_REVIEW, created_at__lt=review_cutoff(today)
    )
    if establishment is not None:
        requests = requests.filter(establishment=establishment)
    return requests.order_by("created_at", "pk")


def review_days(request: PlacementRequest, today: datetime.date | None = None) -> int:
    """Calendar days since the request was made."""
    return ((today or timezone.localdate()) - timezone.localdate(request.created_at)).days


def is_review_overdue(request: PlacementRequest, today: datetime.date | None = None) -> bool:
    """The Python reading of `overdue_to_review`, for one request already loaded."""
    late = review_days(request, today) > reminder_days()
    return request.status == RequestStatus.TO_REVIEW and late


# --- The weekly digest -----------------------------------------------------------------


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """« 0 affectation », « 1 affectation », « 2 affectations »: French takes the singular
    below two (the template filter `pluralize` would write « 0 affectations »)."""
    return f"{number} {singular if number < 2 else (plural or singular + 's')}"


@dataclass(frozen=True)
class OverdueRequest:
    """A late request as the email names it: nothing else of the request (module docstring)."""

    name: str
    ecrou: str
    kind: str
    priority: str
    days: int


@dataclass(frozen=True)
class KindDigest:
    offer_kind: str
    to_review: int
    overdue: int
    waiting: int
    places: int
    offers: int
    allocated: int
    refused: int
    closed: int  # closed (transfer, release) or withdrawn by the person

    @property
    def label(self) -> str:
        return OfferKind(self.offer_kind).label

    @property
    def summary(self) -> str:
        """« 34 en attente pour 8 places »; « sans offre ouverte » without a current offer."""
        if not self.offers:
            return f"{self.waiting} en attente, sans offre ouverte"
        plural = "s" if self.places > 1 else ""
        return f"{self.waiting} en attente pour {self.places} place{plural}"

    @property
    def moved(self) -> int:
        return self.allocated + self.refused + self.closed

    @property
    def moves(self) -> str:
        """« 1 affectation, 0 refus, 2 clôtures ou retraits »; « aucun mouvement »."""
        if not self.moved:
            return "aucun mouvement"
        return ", ".join(
            [
                counted(self.allocated, "affectation"),
                counted(self.refused, "refus", "refus"),
                counted(self.closed, "clôture ou retrait", "clôtures ou retraits"),
            ]
        )


@dataclass(frozen=True)
class Digest:
    establishment_name: str
    today: datetime.date
    week_start: datetime.date
    reminder_days: int
    kinds: tuple[KindDigest, ...]
    overdue: tuple[OverdueRequest, ...]  # the first OVERDUE_LISTED, oldest first

    @property
    def period_start(self) -> datetime.date:
        """The Monday of the week before: « la semaine écoulée »."""
        return self.week_start - datetime.timedelta(days=7)

    @property
    def period_end(self) -> datetime.date:
        return self.week_start - datetime.timedelta(days=1)

    @property
    def to_review(self) -> int:
        return sum(kind.to_review for kind in self.kinds)

    @property
    def overdue_count(self) -> int:
        return sum(kind.overdue for kind in self.kinds)

    @property
    def overdue_more(self) -> int:
        """The late requests the email does not name."""
        return self.overdue_count - len(self.overdue)

    @property
    def waiting(self) -> int:
        return sum(kind.waiting for kind in self.kinds)

    @property
    def waiting_summary(self) -> str:
        """« 4 personnes en liste d'attente »; « aucune personne… »."""
        if not self.waiting:
            return "aucune personne en liste d'attente"
        return f"{counted(self.waiting, 'personne')} en liste d'attente"

    @property
    def moved(self) -> int:
        return sum(kind.moved for kind in self.kinds)

    @property
    def is_empty(self) -> bool:
        """Nothing to examine, nobody waiting, nothing moved: no digest."""
        return not (self.to_review or self.waiting or self.moved)


def _person_name(detainee) -> str:
    return f"{detainee.last_name.upper()} {detainee.first_name}".strip()


def weekly_digest(establishment: Establishment, today: datetime.date | None = None) -> Digest:
    """The establishment's digest for the week of `today` (module docstring): five queries."""
    today = today or timezone.localdate()
    week_start = week_start_of(today)
    cutoff = review_cutoff(today)
    demand = {row.offer_kind: row for row in demand_vs_places(establishment, today=today)}
    to_review = {
        row["offer_kind"]: row
        for row in PlacementRequest.objects.filter(
            establishment=establishment, status=RequestStatus.TO_REVIEW
        )
        .values("offer_kind")
        .annotate(to_review=Count("pk"), overdue=Count("pk", filter=Q(created_at__lt=cutoff)))
        .order_by()
    }
    moved = {
        row["request__offer_kind"]: row
        for row in RequestEvent.objects.filter(
            request__establishment=establishment,
            to_status__in=MOVED_STATUSES,
            at__gte=_midnight(week_start - datetime.timedelta(days=7)),
            at__lt=_midnight(week_start),
        )
        .values("request__offer_kind")
        .annotate(
            allocated=Count("request", distinct=True, filter=Q(to_status=RequestStatus.ALLOCATED)),
            refused=Count("request", distinct=True, filter=Q(to_status=RequestStatus.REFUSED)),
            closed=Count("request", distinct=True, filter=Q(to_status__in=CLOSING_STATUSES)),
        )
        .order_by()
    }
    kinds = []
    for kind in OfferKind.values:
        if kind not in demand and kind not in to_review and kind not in moved:
            continue
        places, review, events = demand.get(kind), to_review.get(kind, {}), moved.get(kind, {})
        kinds.append(
            KindDigest(
                offer_kind=kind,
                to_review=review.get("to_review", 0),
                overdue=review.get("overdue", 0),
                waiting=places.waiting if places else 0,
                places=places.places if places else 0,
                offers=places.offers if places else 0,
                allocated=events.get("allocated", 0),
                refused=events.get("refused", 0),
                closed=events.get("closed", 0),
            )
        )
    # Only the fields the email names are even read (never `details`).
    late = (
        overdue_to_review(establishment, today)
        .select_related("detainee")
        .only(
            "created_at",
            "offer_kind",
            "priority",
            "detainee__last_name",
            "detainee__first_name",
            "detainee__ecrou_number",
        )[:OVERDUE_LISTED]
    )
    overdue = tuple(
        OverdueRequest(
            name=_person_name(request.detainee),
            ecrou=request.detainee.ecrou_number,
            kind=request.get_offer_kind_display(),
            priority=Priority(request.priority).label if request.priority else "",
            days=review_days(request, today),
        )
        for request in late
    )
    return Digest(
        establishment_name=establishment.name,
        today=today,
        week_start=week_start,
        reminder_days=reminder_days(),
        kinds=tuple(kinds),
        overdue=overdue,
    )


def digest_recipients(establishment: Establishment) -> list[str]:
    """The addresses of « le service » (module docstring), sorted, each once: one query."""
    services = (
        SynthesisRecipient.objects.filter(
            establishment=establishment, active=True, role__in=SERVICE_ROLES
        )
        .values_list("email", flat=True)
        .order_by()
    )
    team = (
        User.objects.filter(role=Role.PRISON_TEAM, is_active=True, establishments=establishment)
        .exclude(email="")
        .values_list("email", flat=True)
        .order_by()
    )
    return sorted({email.strip().lower() for email in services.union(team) if email.strip()})


def weekly_digest_email(
    digest: Digest, *, to: list[str], headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    return email_message(
        "placements/emails/weekly_digest", {"digest": digest}, to=to, headers=headers
    )


# --- The outbox ------------------------------------------------------------------------


def _with_something_to_say(today: datetime.date):
    """The establishments where someone is to examine or waiting, or something moved during
    the week before (a first sieve: `Digest.is_empty` has the last word)."""
    week_start = week_start_of(today)
    open_requests = PlacementRequest.objects.filter(
        establishment=OuterRef("pk"),
        status__in=(RequestStatus.TO_REVIEW, RequestStatus.WAITING),
    )
    moved = RequestEvent.objects.filter(
        request__establishment=OuterRef("pk"),
        to_status__in=MOVED_STATUSES,
        at__gte=_midnight(week_start - datetime.timedelta(days=7)),
        at__lt=_midnight(week_start),
    )
    return Establishment.objects.filter(Exists(open_requests) | Exists(moved))


def weekly_digests_prepare(*, today: datetime.date | None = None) -> list[int]:
    """Make this week's digest row of every establishment with something to say and someone to
    tell (once: a row made is not made again); returns the rows of this week still owed."""
    today = today or timezone.localdate()
    week_start = week_start_of(today)
    made = WeeklyDigest.objects.filter(week_start=week_start).values("establishment_id")
    for establishment in (
        _with_something_to_say(today).exclude(pk__in=made).order_by("name", "pk").iterator()
    ):
        if weekly_digest(establishment, today).is_empty:
            continue
        if not digest_recipients(establishment):
            logger.info(
                "Point hebdomadaire des demandes du %s : aucun destinataire pour %s, "
                "rien n'est envoyé.",
                f"{week_start:%d/%m/%Y}",
                establishment.name,
            )
            continue
        WeeklyDigest.objects.get_or_create(establishment=establishment, week_start=week_start)
    return list(
        WeeklyDigest.objects.filter(week_start=week_start, sent_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def weekly_digest_claim(
    *,
    digest_id: int,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> bool:
    """Take the email of a digest of this week; False when it is sent, of a past week, or
    another worker's (one UPDATE: two workers cannot both get it)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    return bool(
        WeeklyDigest.objects.filter(
            Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - CLAIM_TIMEOUT),
            pk=digest_id,
            week_start=week_start_of(today),
            sent_at__isnull=True,
        ).update(email_claimed_at=now)
    )


def weekly_digest_send(*, digest_id: int, today: datetime.date | None = None) -> bool:
    """Email the digest to the service, once; True when this call sent it. A failure to send
    gives the claim back and propagates (the task retries the SMTP ones)."""
    today = today or timezone.localdate()
    claimed_at = timezone.now()
    if not weekly_digest_claim(digest_id=digest_id, today=today, now=claimed_at):
        return False
    row = WeeklyDigest.objects.select_related("establishment").get(pk=digest_id)
    mine = WeeklyDigest.objects.filter(pk=digest_id, sent_at__isnull=True)
    recipients = digest_recipients(row.establishment)
    if not recipients:
        logger.warning(
            "Point hebdomadaire des demandes %s (%s) : plus aucun destinataire, rien n'est envoyé.",
            row.pk,
            row.establishment.name,
        )
        mine.filter(email_claimed_at=claimed_at).update(email_claimed_at=None)
        return False
    digest = weekly_digest(row.establishment, today)
    message = weekly_digest_email(digest, to=recipients, headers={"Message-ID": row.message_id})
    try:
        message.send()
    except Exception:
        mine.filter(email_claimed_at=claimed_at).update(email_claimed_at=None)
        raise
    # Dated even if our claim went stale meanwhile: the email has gone, it is not owed any more.
    mine.update(sent_at=timezone.now())
    return True
