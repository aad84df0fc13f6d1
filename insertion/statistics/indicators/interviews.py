"""Indicators 1 to 3 — does the arrival interview happen, how soon, and does its synthesis reach
the prison teams within five days.

Each `compute` reads one query whatever the number of establishments; the counts are made by the
database (conditional aggregates), only the quantiles of the delays are computed in Python from
one column of days, through their distribution (`common.distribution_figures`, portable between
PostgreSQL and SQLite).

Additivity (the monthly snapshot adds results kept per establishment and month): every count —
numerator, denominator, `parts` — and the delay's `distribution` add up across establishments
and months (an interview belongs to one establishment, is due on one day and first validated
on one day). `value` and the figures are recomputed from them: the rates from the counts, the
delay's median and 9th decile from the distribution. Nothing here is a « today » figure, but
the counts that depend on `today` (still open, not yet due, still sending) change until every
due date of the period is past.

« Échu » follows the worklist and the deadline watch (InterviewQuerySet.state_conditions,
SynthesisQuerySet.late): a due date is past from the day after it, `due_date < today`; on the due
date itself the work is still on time. Dates of moments (validation, sending) are read in the
project's time zone.
"""

import datetime

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q

from entretiens.choices import DeliveryStatus, InterviewStatus, NotDoneReason, SynthesisStatus
from entretiens.models import (
    Interview,
    InterviewQuerySet,
    InterviewVersion,
    Synthesis,
    SynthesisDelivery,
)
from insertion.detainees.choices import DepartureReason
from insertion.statistics.definitions import Definition, Period, Result
from insertion.statistics.indicators.common import (
    distribution_figures,
    distribution_of,
    validated_in_period,
)


def compute(establishment_ids: list[int], period: Period, *, today: datetime.date) -> list[Result]:
    """[coverage, delay, synthesis on time]. Three queries."""
    return [
        coverage(establishment_ids, period, today=today),
        delay(establishment_ids, period, today=today),
        synthesis(establishment_ids, period, today=today),
    ]


# --- 1. Interview coverage -------------------------------------------------------------

COVERAGE = Definition(
    code="interview_coverage",
    title="Couverture des entretiens d'arrivée",
    numerator="Entretiens validés (au moins une version validée, quelle qu'en soit la date), "
    "parmi les arrivants du dénominateur. Part « dans le délai » : première validation au plus "
    "tard le jour de l'échéance.",
    denominator="Arrivants dont l'échéance de l'entretien "
    f"({settings.INTERVIEW_DUE_DAYS} jours après l'arrivée, ou la date de report accordée avant "
    "l'échéance) tombe dans la période et est passée, et qui étaient "
    "encore présents dans l'établissement à cette échéance.",
    exclusions="Les personnes transférées ou libérées au plus tard le jour de l'échéance sont "
    "exemptées : elles ne comptent ni au numérateur ni au dénominateur et sont dénombrées à part, "
    "par motif de départ. Les entretiens déclarés « non réalisé » restent au dénominateur et sont "
    "détaillés par motif. Un entretien rectifié compte une fois. Les arrivées antérieures au "
    "déploiement des entretiens dans l'établissement n'ouvrent pas d'entretien et ne comptent pas.",
)

VALIDATED_ON_TIME = "validated_on_time"
VALIDATED_LATE = "validated_late"
NOT_DONE = "not_done"  # "not_done:<NotDoneReason>"
STILL_OPEN = "still_open"
EXEMPT = "exempt"  # "exempt:<DepartureReason>"

COVERAGE_PARTS = {
    VALIDATED_ON_TIME: "Validés dans le délai",
    VALIDATED_LATE: "Validés après l'échéance",
    **{f"{NOT_DONE}:{value}": f"Non réalisés : {label}" for value, label in NotDoneReason.choices},
    STILL_OPEN: "Toujours à réaliser (en retard)",
    **{f"{EXEMPT}:{value}": f"Exemptés : {label}" for value, label in DepartureReason.choices},
}


def owed_in_period(establishment_ids: list[int], period: Period, today: datetime.date):
    """The interviews of these establishments whose due date is in the period and past."""
    last_due = min(period.end, today - datetime.timedelta(days=1))
    return Interview.objects.filter(
        establishment_id__in=establishment_ids,
        due_date__gte=period.start,
        due_date__lte=last_due,
    ).order_by()


def coverage(establishment_ids: list[int], period: Period, *, today: datetime.date) -> Result:
    """`parts`: the denominator split into validated on time / late, « non réalisé » by reason and
    still open (they add up to the denominator); and the exempted by departure reason, apart.
    `figures["on_time_rate"]`: validated on time ÷ denominator. One query."""
    departed = Q(incarceration__departure_date__lte=F("due_date"))
    present = Q(incarceration__departure_date__isnull=True) | Q(
        incarceration__departure_date__gt=F("due_date")
    )
    first_validation_on_time = Exists(
        InterviewVersion.objects.filter(
            interview_id=OuterRef("pk"), number=1, validated_at__date__lte=OuterRef("due_date")
        )
    )
    validated = present & Q(version__gte=1)
    conditions = {
        "denominator": present,
        "numerator": validated,
        VALIDATED_ON_TIME: validated & Q(first_validation_on_time),
        STILL_OPEN: present & InterviewQuerySet.open_condition(),
        **{
            f"{NOT_DONE}:{reason}": present
            & Q(status=InterviewStatus.NOT_DONE, not_done_reason=reason)
            for reason in NotDoneReason.values
        },
        **{
            f"{EXEMPT}:{reason}": departed & Q(incarceration__departure_reason=reason)
            for reason in DepartureReason.values
        },
    }
    counts = owed_in_period(establishment_ids, period, today).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )
    numerator, denominator = counts.pop("numerator"), counts.pop("denominator")
    on_time = counts[VALIDATED_ON_TIME]
    parts = {VALIDATED_ON_TIME: on_time, VALIDATED_LATE: numerator - on_time, **counts}
    return Result(
        definition=COVERAGE,
        numerator=numerator,
        denominator=denominator,
        value=Result.rate(numerator, denominator),
        parts={key: parts[key] for key in COVERAGE_PARTS},
        figures={"on_time_rate": Result.rate(on_time, denominator)},
    )


# --- 2. Delay from arrival to interview --------------------------------------------------

DELAY = Definition(
    code="interview_delay",
    title="Délai entre l'arrivée et l'entretien",
    numerator=f"Entretiens réalisés au plus tard {settings.INTERVIEW_DUE_DAYS} jours après "
    "l'arrivée (date de l'entretien moins date d'arrivée dans l'établissement).",
    denominator="Entretiens validés pour la première fois dans la période. Sont aussi donnés la "
    "médiane du délai et son 9ᵉ décile (9 entretiens sur 10 ont eu lieu dans ce délai ou moins), "
    "en jours (jours entiers, calculés sur la répartition des délais).",
    exclusions="Un entretien rectifié compte une fois, dans la période de sa première validation, "
    "avec sa date d'entretien actuelle. Les entretiens non réalisés n'ont pas de délai et ne "
    "comptent pas (voir la couverture). Le délai court depuis l'arrivée dans l'établissement, "
    "pas depuis l'écrou initial.",
)


def delay(establishment_ids: list[int], period: Period, *, today: datetime.date) -> Result:
    """`figures`: "median_days", "ninth_decile_days" (None when nothing was measured), computed
    from `distribution`: {whole days from arrival to interview: interviews}. One query: the days
    of every interview, the quantiles in Python. `today` is not needed (a validation is always
    past); it is kept so that every indicator is called alike."""
    rows = (
        validated_in_period(establishment_ids, period)
        .filter(conducted_on__isnull=False)
        .values_list("arrival_date", "conducted_on")
    )
    distribution = distribution_of((conducted - arrival).days for arrival, conducted in rows)
    measured = sum(distribution.values())
    within = sum(n for days, n in distribution.items() if days <= settings.INTERVIEW_DUE_DAYS)
    quantiles = distribution_figures(distribution)
    return Result(
        definition=DELAY,
        numerator=within,
        denominator=measured,
        value=Result.rate(within, measured),
        figures={
            "median_days": quantiles["median"],
            "ninth_decile_days": quantiles["ninth_decile"],
        },
        distribution=distribution,
    )


# --- 3. Synthesis delivered within five days ----------------------------------------------

SYNTHESIS = Definition(
    code="synthesis_on_time",
    title=f"Synthèse transmise dans les {settings.SYNTHESIS_DUE_DAYS} jours",
    numerator="Synthèses envoyées à tous leurs destinataires au plus tard le jour de leur "
    f"échéance ({settings.SYNTHESIS_DUE_DAYS} jours après la validation de l'entretien).",
    denominator="Premières synthèses des entretiens validés pour la première fois dans la "
    "période, envoyées ou dont l'échéance est passée.",
    exclusions="Les synthèses des rectifications ne comptent pas : la promesse porte sur la "
    "première transmission (elles sont dénombrées à part). Une synthèse pas encore envoyée dont "
    "l'échéance n'est pas passée n'est pas comptée (dénombrée à part). Les synthèses hors délai "
    "sont détaillées : envoyées en retard, échec de génération du PDF, envoi refusé ou abandonné "
    "pour au moins un destinataire, aucun destinataire, encore en cours.",
)

DELIVERED_LATE = "delivered_late"
RENDER_FAILED = "render_failed"
DELIVERY_FAILED = "delivery_failed"
NO_RECIPIENT = "no_recipient"
PENDING = "pending"
NOT_YET_DUE = "not_yet_due"
RECTIFICATIONS = "rectifications"

SYNTHESIS_PARTS = {
    DELIVERED_LATE: "Envoyées après l'échéance",
    RENDER_FAILED: "Échec de la génération du PDF",
    DELIVERY_FAILED: "Envoi refusé ou abandonné (au moins un destinataire)",
    NO_RECIPIENT: "Aucun destinataire dans l'établissement",
    PENDING: "Envoi encore en cours, échéance passée",
    NOT_YET_DUE: "Pas encore envoyées, échéance à venir (non comptées)",
    RECTIFICATIONS: "Synthèses de rectifications (non comptées)",
}


def synthesis(establishment_ids: list[int], period: Period, *, today: datetime.date) -> Result:
    """`parts`: the first syntheses of the denominator not delivered on time, by the first cause
    that applies in the order of SYNTHESIS_PARTS (they add up to denominator − numerator); then,
    apart, those not yet due and the rectifications' syntheses. One query."""
    deliveries = SynthesisDelivery.objects.filter(synthesis_id=OuterRef("pk"))
    first = Q(number=1)
    delivered = Q(status=SynthesisStatus.DELIVERED)
    overdue = first & ~delivered & Q(due_date__lt=today)
    not_failed = ~Q(status=SynthesisStatus.FAILED)
    has_failed_delivery = Q(Exists(deliveries.filter(status=DeliveryStatus.FAILED)))
    conditions = {
        "numerator": first & delivered & Q(delivered_at__date__lte=F("due_date")),
        "denominator": first & (delivered | Q(due_date__lt=today)),
        DELIVERED_LATE: first & delivered & Q(delivered_at__date__gt=F("due_date")),
        RENDER_FAILED: overdue & Q(status=SynthesisStatus.FAILED),
        DELIVERY_FAILED: overdue & not_failed & has_failed_delivery,
        NO_RECIPIENT: overdue & not_failed & ~Q(Exists(deliveries)),
        PENDING: overdue & not_failed & Q(Exists(deliveries)) & ~has_failed_delivery,
        NOT_YET_DUE: first & ~delivered & Q(due_date__gte=today),
        RECTIFICATIONS: Q(number__gt=1),
    }
    counts = (
        Synthesis.objects.filter(interview__in=validated_in_period(establishment_ids, period))
        .order_by()
        .aggregate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    )
    numerator, denominator = counts.pop("numerator"), counts.pop("denominator")
    return Result(
        definition=SYNTHESIS,
        numerator=numerator,
        denominator=denominator,
        value=Result.rate(numerator, denominator),
        parts={key: counts[key] for key in SYNTHESIS_PARTS},
    )
