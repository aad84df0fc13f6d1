import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from insertion.core.scoping import scoped_to_establishments
from insertion.core.text import normalize_search, search_condition
from insertion.detainees.choices import (
    ArrangementKind,
    ArrangementStatus,
    Authority,
    ContactKind,
    DepartureReason,
    LegalStatus,
    OffenceCategory,
    ReleaseDateChangeReason,
    ReleaseKind,
    Sex,
)


def release_within(days: int, today: datetime.date) -> Q:
    """Held, with a DLP at most `days` days away (a DLP already past counts as imminent)."""
    return Q(
        release_date__isnull=True,
        expected_release_date__lte=today + datetime.timedelta(days=days),
    )


class DetaineeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DetaineeQuerySet":
        return scoped_to_establishments(self, user, "establishment")

    def held(self) -> "DetaineeQuerySet":
        return self.filter(release_date__isnull=True)

    def released(self) -> "DetaineeQuerySet":
        return self.filter(release_date__isnull=False)

    def search(self, text: str) -> "DetaineeQuerySet":
        """Accent- and case-insensitive match of every word on names and n° d'écrou."""
        return self.filter(search_condition(text, "search_text__contains"))

    def followed_by(self, user) -> "DetaineeQuerySet":
        return self.filter(referent=user)


class Detainee(models.Model):
    """A person held (or once held). The current stay is denormalised here from Incarceration.

    `establishment`, `ecrou_number` and `arrival_date` describe the current (or last) stay;
    every stay, transfers included, is kept in Incarceration.
    """

    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="detainees",
        verbose_name="établissement",
    )
    national_id = models.CharField(
        "identifiant national",
        max_length=30,
        unique=True,
        null=True,
        blank=True,
        help_text="Identifiant stable de la personne dans le système d'information "
        "pénitentiaire ; vide pour une personne saisie à la main et jamais importée.",
    )
    ecrou_number = models.CharField("n° d'écrou", max_length=20)
    last_name = models.CharField("nom", max_length=150)
    usage_name = models.CharField("nom d'usage", max_length=150, blank=True)
    first_name = models.CharField("prénom", max_length=150)
    birth_date = models.DateField("date de naissance")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name="CPIP référent",
        limit_choices_to={"role": "cpip"},
    )
    legal_status = models.CharField("statut", max_length=20, choices=LegalStatus.choices)
    offence_category = models.CharField(
        "catégorie d'infraction", max_length=10, choices=OffenceCategory.choices
    )
    custody_start = models.DateField("date d'écrou initial")
    arrival_date = models.DateField("arrivée dans l'établissement")
    expected_release_date = models.DateField(
        "date de libération prévisible (DLP)", null=True, blank=True
    )
    release_date = models.DateField("date de libération effective", null=True, blank=True)
    release_kind = models.CharField(
        "type de sortie", max_length=30, choices=ReleaseKind.choices, blank=True
    )
    search_text = models.CharField(max_length=400, editable=False, db_index=False)
    # What the last import wrote, field by field (ISO dates, choice values): a field whose value
    # differs from it was corrected by hand since, and the next import opens a divergence
    # instead of overwriting it (insertion/imports/).
    source_values = models.JSONField(default=dict, blank=True, editable=False)
    anonymised_on = models.DateField(
        "anonymisée le",
        null=True,
        blank=True,
        help_text="Fin de la durée de conservation : identité effacée, chiffres conservés.",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = DetaineeQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = "personne détenue"
        verbose_name_plural = "personnes détenues"
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "ecrou_number"],
                name="detainee_unique_ecrou_per_establishment",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__lt=F("custody_start")), name="detainee_born_before_custody"
            ),
            models.CheckConstraint(
                condition=Q(arrival_date__gte=F("custody_start")),
                name="detainee_arrival_after_custody_start",
            ),
            models.CheckConstraint(
                condition=Q(expected_release_date__isnull=True)
                | Q(expected_release_date__gte=F("custody_start")),
                name="detainee_expected_release_after_custody_start",
            ),
            models.CheckConstraint(
                condition=Q(release_date__isnull=True) | Q(release_date__gte=F("arrival_date")),
                name="detainee_release_after_arrival",
            ),
            models.CheckConstraint(
                condition=(Q(release_date__isnull=True) & Q(release_kind=""))
                | (Q(release_date__isnull=False) & ~Q(release_kind="")),
                name="detainee_release_date_and_kind_together",
            ),
        ]
        indexes = [
            models.Index(
                fields=["establishment", "expected_release_date"], name="detainee_estab_release_idx"
            ),
            models.Index(
                fields=["establishment", "arrival_date"], name="detainee_estab_arrival_idx"
            ),
            models.Index(
                fields=["referent", "expected_release_date"], name="detainee_referent_release_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name} ({self.ecrou_number})"

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text(
            last_name=self.last_name, first_name=self.first_name, ecrou_number=self.ecrou_number
        )
        super().save(*args, **kwargs)

    @staticmethod
    def build_search_text(*, last_name: str, first_name: str, ecrou_number: str) -> str:
        return normalize_search(f"{last_name} {first_name} {ecrou_number}")

    @property
    def is_released(self) -> bool:
        return self.release_date is not None

    @property
    def full_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


class IncarcerationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "IncarcerationQuerySet":
        return scoped_to_establishments(self, user, "detainee__establishment")


class Incarceration(models.Model):
    """One stay in one establishment, under that establishment's n° d'écrou."""

    detainee = models.ForeignKey(
        Detainee, on_delete=models.CASCADE, related_name="incarcerations", verbose_name="personne"
    )
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="incarcerations",
        verbose_name="établissement",
    )
    ecrou_number = models.CharField("n° d'écrou", max_length=20)
    arrival_date = models.DateField("date d'arrivée")
    departure_date = models.DateField("date de départ", null=True, blank=True)
    departure_reason = models.CharField(
        "motif du départ", max_length=20, choices=DepartureReason.choices, blank=True
    )

    objects = IncarcerationQuerySet.as_manager()

    class Meta:
        ordering = ["detainee", "arrival_date", "pk"]
        verbose_name = "incarcération"
        verbose_name_plural = "incarcérations"
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "ecrou_number"],
                name="incarceration_unique_ecrou_per_establishment",
            ),
            models.UniqueConstraint(
                fields=["detainee"],
                condition=Q(departure_date__isnull=True),
                name="incarceration_one_open_stay_per_detainee",
            ),
            models.CheckConstraint(
                condition=Q(departure_date__isnull=True) | Q(departure_date__gte=F("arrival_date")),
                name="incarceration_departure_after_arrival",
            ),
            models.CheckConstraint(
                condition=(Q(departure_date__isnull=True) & Q(departure_reason=""))
                | (Q(departure_date__isnull=False) & ~Q(departure_reason="")),
                name="incarceration_departure_date_and_reason_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.establishment} — écrou {self.ecrou_number}"


class ReleaseDateChangeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReleaseDateChangeQuerySet":
        return scoped_to_establishments(self, user, "detainee__establishment")


class ReleaseDateChange(models.Model):
    """Every value the expected release date (DLP) has taken, with why and by whom."""

    detainee = models.ForeignKey(
        Detainee,
        on_delete=models.CASCADE,
        related_name="release_date_changes",
        verbose_name="personne",
    )
    changed_on = models.DateField("date du changement")
    previous_date = models.DateField("DLP précédente", null=True, blank=True)
    new_date = models.DateField("nouvelle DLP")
    reason = models.CharField("motif", max_length=30, choices=ReleaseDateChangeReason.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisi par",
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    objects = ReleaseDateChangeQuerySet.as_manager()

    class Meta:
        ordering = ["detainee", "changed_on", "pk"]
        verbose_name = "changement de DLP"
        verbose_name_plural = "changements de DLP"
        constraints = [
            models.CheckConstraint(
                condition=Q(previous_date__isnull=True, reason="initial")
                | (Q(previous_date__isnull=False) & ~Q(reason="initial")),
                name="release_date_change_initial_has_no_previous",
            ),
        ]

    def __str__(self) -> str:
        return f"DLP {self.new_date:%d/%m/%Y} ({self.get_reason_display()})"

    @property
    def shift_days(self) -> int | None:
        """Positive when the release moves later, negative when it comes earlier."""
        if self.previous_date is None:
            return None
        return (self.new_date - self.previous_date).days

    @property
    def shift_label(self) -> str:
        shift = self.shift_days
        if shift is None:
            return "—"
        days = f"{abs(shift)} jour{'s' if abs(shift) > 1 else ''}"
        return f"avancée de {days}" if shift < 0 else f"reculée de {days}"


class SentenceArrangementQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SentenceArrangementQuerySet":
        return scoped_to_establishments(self, user, "detainee__establishment")


class SentenceArrangement(models.Model):
    detainee = models.ForeignKey(
        Detainee, on_delete=models.CASCADE, related_name="arrangements", verbose_name="personne"
    )
    kind = models.CharField("aménagement", max_length=30, choices=ArrangementKind.choices)
    status = models.CharField(
        "décision",
        max_length=20,
        choices=ArrangementStatus.choices,
        default=ArrangementStatus.REQUESTED,
    )
    authority = models.CharField("autorité", max_length=5, choices=Authority.choices, blank=True)
    requested_on = models.DateField("demandé le")
    decided_on = models.DateField("décidé le", null=True, blank=True)
    start_date = models.DateField("début de la mesure", null=True, blank=True)
    revoked_on = models.DateField("révoqué le", null=True, blank=True)
    notes = models.TextField("observations", blank=True)

    objects = SentenceArrangementQuerySet.as_manager()

    class Meta:
        ordering = ["detainee", "requested_on", "pk"]
        verbose_name = "aménagement de peine"
        verbose_name_plural = "aménagements de peine"
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("requested_on")),
                name="arrangement_decided_after_requested",
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(decided_on__isnull=False),
                name="arrangement_decision_has_date",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=F("decided_on")),
                name="arrangement_revoked_after_decision",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_on__isnull=False),
                name="arrangement_revocation_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_status_display()}"


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ContactQuerySet":
        return scoped_to_establishments(self, user, "detainee__establishment")


class Contact(models.Model):
    """A dated contact of the CPIP with the person ("entretien de suivi"): the last one says
    when the person was last seen."""

    detainee = models.ForeignKey(
        Detainee, on_delete=models.CASCADE, related_name="contacts", verbose_name="personne"
    )
    on_date = models.DateField("date")
    kind = models.CharField("type", max_length=20, choices=ContactKind.choices)
    subject = models.CharField("objet", max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["detainee", "-on_date", "-pk"]
        verbose_name = "contact avec la personne"
        verbose_name_plural = "contacts avec les personnes"
        indexes = [models.Index(fields=["detainee", "on_date"], name="contact_detainee_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.on_date:%d/%m/%Y} — {self.subject}"
