"""The partner companies in figures (issue 16): what the steering pages show of them, by DISP
for national steering and by establishment for a manager, read live (a few small tables: no
nightly snapshot).

Counted by month, so that a page can hide a period's count that one of its months hides (the
rule of the indicators: insertion/dashboard/indicators/partners.py):
- `agreements`: the persons' agreements, by the month the person agreed (`agreed_on`), withdrawn
  since or not;
- `sent`: the profiles sent to a company, by the month they left (`sent_at`, French time);
- `referrals`: the people put forward for an offer, by the date of their step « proposé »;
- `hired`: the steps « embauché / entré en formation », by their date.
Each counts where the person is held now (their establishment, its DISP). And on the day, not
about people: the active companies tied to an establishment of the scope, and their open offers.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from insertion.partners.choices import ReferralStatus, TransmissionStatus
from insertion.partners.models import Agreement, Company, Offer, ProfileTransmission, ReferralEvent
from insertion.statistics.snapshot import shift_months

MEASURES = ("agreements", "sent", "referrals", "hired")
GROUP_FIELDS = {"region": "establishment__region_id", "establishment": "establishment_id"}


def _span(months: list[datetime.date]) -> tuple[datetime.date, datetime.date]:
    """The first day of the first month, and of the month after the last."""
    return min(months), shift_months(max(months), 1)


def _day(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def monthly_counts(
    establishment_ids, months: list[datetime.date], *, by: str
) -> dict[tuple[int, datetime.date], dict[str, int]]:
    """{(group, month): {measure: count}} over `months` (first days) for the people of these
    establishments; `by`: "region" (their DISP) or "establishment". A (group, month) without
    any count is absent. Three queries."""
    start, end = _span(months)
    group = GROUP_FIELDS[by]
    counts: dict = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    agreements = (
        Agreement.objects.filter(
            detainee__establishment_id__in=establishment_ids,
            agreed_on__gte=start,
            agreed_on__lt=end,
        )
        .values(group=F(f"detainee__{group}"), month=TruncMonth("agreed_on"))
        .annotate(agreements=Count("pk"))
        .order_by()
    )
    local = timezone.get_current_timezone()
    sent = (
        ProfileTransmission.objects.filter(
            agreement__detainee__establishment_id__in=establishment_ids,
            status=TransmissionStatus.SENT,
            sent_at__date__gte=start,
            sent_at__date__lt=end,
        )
        .values(group=F(f"agreement__detainee__{group}"), month=TruncMonth("sent_at", tzinfo=local))
        .annotate(sent=Count("pk"))
        .order_by()
    )
    steps = (
        ReferralEvent.objects.filter(
            referral__detainee__establishment_id__in=establishment_ids,
            status__in=[ReferralStatus.PROPOSED, ReferralStatus.HIRED],
            on__gte=start,
            on__lt=end,
        )
        .values(group=F(f"referral__detainee__{group}"), month=TruncMonth("on"))
        .annotate(
            referrals=Count("pk", filter=Q(status=ReferralStatus.PROPOSED)),
            hired=Count("pk", filter=Q(status=ReferralStatus.HIRED)),
        )
        .order_by()
    )
    for rows in (agreements, sent, steps):
        for row in rows:
            cell = counts[row["group"], _day(row["month"])]
            for measure in MEASURES:
                if measure in row:
                    cell[measure] += row[measure]
    return dict(counts)


def companies_and_offers(
    establishments, *, by: str, today: datetime.date
) -> dict[int | None, tuple[int, int]]:
    """{group: (active companies, open offers)} on `today`, for companies tied to one of
    `establishments`; the key None holds the scope's total (a company tied to two groups counts
    in each, once in the total). Two queries."""
    ids = [e.pk for e in establishments]
    group_of = {e.pk: (e.region_id if by == "region" else e.pk) for e in establishments}
    ties = (
        Company.establishments.through.objects.filter(
            establishment_id__in=ids, company__active=True
        )
        .values_list("company_id", "establishment_id")
        .order_by()
    )
    companies_of: dict = defaultdict(set)
    for company_id, establishment_id in ties:
        companies_of[group_of[establishment_id]].add(company_id)
        companies_of[None].add(company_id)
    open_offers = dict(
        Offer.objects.open_on(today)
        .filter(company_id__in=ties.values("company_id"))
        .values("company_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("company_id", "n")
    )
    return {
        group: (len(companies), sum(open_offers.get(pk, 0) for pk in companies))
        for group, companies in companies_of.items()
    }
