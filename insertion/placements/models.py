"""Offers of the establishment (work posts, training, teaching...) and the requests ("demandes")
that lead a person to one of them, with their dated history.

A request is made for a kind of offer (the service in charge examines it, puts it on the waiting
list, then allocates a place in one offer); it is usually born from an orientation of the
validated arrival interview (services.requests_from_interview). At most one request per person
and kind is open at a time; a transfer or a release closes the open ones. The writes live in
`services.py`, the waiting lists in `waiting.py`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q
from django.utils import timezone

from entretiens.choices import Priority
from insertion.core.scoping import scoped_to_establishments
from insertion.placements.choices import (
    OPEN_REQUEST_STATUSES,
    ClosingReason,
    OfferKind,
    RefusalReason,
    RequestOrigin,
    RequestStatus,
    WorkSetting,
)


class OfferQuerySet(models.QuerySet):
    def visible_to(self, user) -> "OfferQuerySet":
        return scoped_to_establishments(self, user, "establishment")

    def active(self) -> "OfferQuerySet":
        return self.filter(active=True)

    def current(self, today) -> "OfferQuerySet":
        """Active, and permanent or not ended yet: what can still take people."""
        return self.active().filter(Q(permanent=True) | Q(end_date__gte=today))

    def with_taken(self) -> "OfferQuerySet":
        """Each offer with `taken` (the requests allocated to it now) and `free` (its places
        minus those; below zero when the team placed more people than places), counted in the
        query that reads the offers."""
        taken = Count("requests", filter=Q(requests__status=RequestStatus.ALLOCATED))
        return self.annotate(
            taken=taken,
            free=ExpressionWrapper(F("places") - taken, output_field=IntegerField()),
        )


class Offer(models.Model):
    """A work post, a training session, a class... that the establishment offers."""

    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name="établissement",
    )
    kind = models.CharField("type d'offre", max_length=20, choices=OfferKind.choices)
    work_setting = models.CharField(
        "cadre du poste",
        max_length=20,
        choices=WorkSetting.choices,
        blank=True,
        help_text="Pour un poste de travail : service général, atelier ou concession.",
    )
    title = models.CharField("intitulé", max_length=200)
    service = models.CharField(
        "service en charge",
        max_length=200,
        help_text="Par exemple : responsable local de formation, service d'enseignement.",
    )
    places = models.PositiveIntegerField("nombre de places")
    permanent = models.BooleanField(
        "permanente", default=False, help_text="Sans date de fin (poste, atelier ouvert)."
    )
    start_date = models.DateField("date de début", null=True, blank=True)
    end_date = models.DateField("date de fin", null=True, blank=True)
    requirements = models.TextField(
        "prérequis", blank=True, help_text="Niveau de français, permis, habilitations…"
    )
    active = models.BooleanField(
        "active", default=True, help_text="Décochée : ne reçoit plus d'affectation."
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["establishment", "kind", "title", "pk"]
        verbose_name = "offre de l'établissement"
        verbose_name_plural = "offres de l'établissement"
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="offer_has_places"),
            models.CheckConstraint(
                condition=Q(permanent=True) | Q(start_date__isnull=False, end_date__isnull=False),
                name="offer_dated_unless_permanent",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="offer_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind=OfferKind.WORK) | Q(work_setting=""),
                name="offer_work_setting_only_for_work",
            ),
        ]
        indexes = [
            models.Index(fields=["establishment", "kind", "active"], name="offer_estab_kind_idx")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()})"

    def clean(self):
        errors = {}
        if not self.permanent:
            if self.start_date is None:
                errors["start_date"] = "Indiquez la date de début, ou cochez « permanente »."
            if self.end_date is None:
                errors["end_date"] = "Indiquez la date de fin, ou cochez « permanente »."
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "La date de fin précède la date de début."
        if self.work_setting and self.kind != OfferKind.WORK:
            errors["work_setting"] = "Le cadre du poste ne concerne que les postes de travail."
        if self.places is not None and self.places < 1:
            errors["places"] = "Une offre a au moins une place."
        if errors:
            raise ValidationError(errors)


class PlacementRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PlacementRequestQuerySet":
        return scoped_to_establishments(self, user, "establishment")

    def open(self) -> "PlacementRequestQuerySet":
        return self.filter(status__in=OPEN_REQUEST_STATUSES)


class PlacementRequest(models.Model):
    """A request ("demande") that a person gets a place in an offer of a given kind."""

    detainee = models.ForeignKey(
        "detainees.Detainee",
        on_delete=models.CASCADE,
        related_name="placement_requests",
        verbose_name="personne",
    )
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="placement_requests",
        verbose_name="établissement",
        help_text="Celui de la personne quand la demande a été faite.",
    )
    offer_kind = models.CharField("type d'offre", max_length=20, choices=OfferKind.choices)
    offer = models.ForeignKey(
        Offer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name="offre",
    )
    priority = models.CharField("priorité", max_length=20, choices=Priority.choices)
    origin = models.CharField("origine", max_length=20, choices=RequestOrigin.choices)
    interview = models.ForeignKey(
        "entretiens.Interview",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placement_requests",
        verbose_name="entretien",
    )
    details = models.TextField("précisions", blank=True)
    status = models.CharField(
        "état", max_length=20, choices=RequestStatus.choices, default=RequestStatus.TO_REVIEW
    )
    waiting_since = models.DateField("en liste d'attente depuis", null=True, blank=True)
    start_date = models.DateField("début de l'affectation", null=True, blank=True)
    ended_on = models.DateField("date de fin", null=True, blank=True)
    refusal_reason = models.CharField(
        "motif du refus", max_length=20, choices=RefusalReason.choices, blank=True
    )
    closing_reason = models.CharField(
        "motif de clôture", max_length=20, choices=ClosingReason.choices, blank=True
    )
    status_note = models.TextField("commentaire du dernier changement", blank=True)
    manual_rank = models.PositiveIntegerField(
        "rang fixé par l'équipe",
        null=True,
        blank=True,
        help_text="Passe avant l'ordre habituel de la liste d'attente ; motif obligatoire.",
    )
    override_reason = models.TextField("motif du rang fixé", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="faite par",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = PlacementRequestQuerySet.as_manager()

    class Meta:
        ordering = ["establishment", "offer_kind", "created_at", "pk"]
        verbose_name = "demande"
        verbose_name_plural = "demandes"
        constraints = [
            models.UniqueConstraint(
                fields=["detainee", "offer_kind"],
                condition=Q(status__in=OPEN_REQUEST_STATUSES),
                name="placement_request_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.ALLOCATED)
                | Q(offer__isnull=False, start_date__isnull=False),
                name="placement_request_allocated_has_offer_and_start",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.REFUSED) | ~Q(refusal_reason=""),
                name="placement_request_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.CLOSED) | ~Q(closing_reason=""),
                name="placement_request_closing_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(manual_rank__isnull=True) | ~Q(override_reason=""),
                name="placement_request_rank_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["establishment", "offer_kind", "status"],
                name="placement_request_list_idx",
            ),
            models.Index(fields=["detainee", "status"], name="placement_request_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_offer_kind_display()} — {self.status_label}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    @property
    def status_label(self) -> str:
        """« Clos (transfert) », « Refusé (sécurité) »: the state as the teams say it."""
        if self.status == RequestStatus.CLOSED and self.closing_reason:
            return f"Clos ({self.get_closing_reason_display().lower()})"
        if self.status == RequestStatus.REFUSED and self.refusal_reason:
            if self.refusal_reason == RefusalReason.OTHER:
                return "Refusé (autre motif)"
            reason = self.get_refusal_reason_display()
            return f"Refusé ({reason[:1].lower()}{reason[1:]})"
        return self.get_status_display()

    def waiting_days(self, today=None) -> int | None:
        if self.waiting_since is None:
            return None
        return ((today or timezone.localdate()) - self.waiting_since).days


class RequestEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RequestEventQuerySet":
        return scoped_to_establishments(self, user, "request__establishment")


class RequestEvent(models.Model):
    """One change of a request's state, with its date and author: the request's history."""

    request = models.ForeignKey(
        PlacementRequest, on_delete=models.CASCADE, related_name="events", verbose_name="demande"
    )
    from_status = models.CharField(
        "état précédent", max_length=20, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField("nouvel état", max_length=20, choices=RequestStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    at = models.DateTimeField("le", default=timezone.now)
    note = models.TextField("commentaire", blank=True)

    objects = RequestEventQuerySet.as_manager()

    class Meta:
        ordering = ["request", "at", "pk"]
        verbose_name = "historique de la demande"
        verbose_name_plural = "historiques des demandes"

    def __str__(self) -> str:
        before = self.get_from_status_display() or "Création"
        return f"{before} → {self.get_to_status_display()} ({self.at:%d/%m/%Y})"


class WeeklyDigest(models.Model):
    """The weekly digest of an establishment's requests (reminders.py): one row per
    establishment and week, made when the week has something to say and someone to tell, and
    the outbox of its email — claimed at `email_claimed_at`, sent outside any transaction, then
    dated `sent_at`, as the release alerts are."""

    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.CASCADE,
        related_name="placement_digests",
        verbose_name="établissement",
    )
    week_start = models.DateField("semaine du", help_text="Le lundi de la semaine.")
    created_at = models.DateTimeField("préparé le", auto_now_add=True)
    email_claimed_at = models.DateTimeField("courriel pris en charge le", null=True, blank=True)
    sent_at = models.DateTimeField("courriel envoyé le", null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "establishment", "pk"]
        verbose_name = "point hebdomadaire des demandes"
        verbose_name_plural = "points hebdomadaires des demandes"
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "week_start"], name="weekly_digest_once_per_week"
            ),
        ]

    def __str__(self) -> str:
        return f"Point hebdomadaire du {self.week_start:%d/%m/%Y} — {self.establishment_id}"

    @property
    def message_id(self) -> str:
        """Stable across retries: a receiving server can recognise a message sent twice."""
        return f"<point-hebdomadaire-{self.pk}@insertion.invalid>"
