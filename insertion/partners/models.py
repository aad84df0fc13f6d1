"""Partner companies and their offers (issue 16): employers, training bodies and associations
engaged with establishments, and the jobs, work-study contracts, immersions and trainings they
offer, inside the prison or at release.

A company is tied to the establishments it works with: the partnerships officers of those
establishments manage it and its offers (`visible_to`), as administrators do. The offers'
requirements are fields, so that matching reads them (matching.py).

Nothing about a person leaves for a company without their agreement (`Agreement`, recorded by
their CPIP or a manager of their establishment: agreements.py), and every profile sent is a row
of `ProfileTransmission`, the outbox of the emails and their log (transmissions.py).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from entretiens.choices import DiplomaLevel, DrivingLicence, ProfessionalLicence, Sector
from insertion.core.scoping import scoped_to_establishments
from insertion.partners.choices import (
    DEFAULT_SHARED_ITEMS,
    OPEN_REFERRAL_STATUSES,
    EngagementKind,
    FrenchRequirement,
    OfferKind,
    OfferSetting,
    ReferralStatus,
    SharedItem,
    TransmissionStatus,
)
from insertion.partners.siret import normalise_siret, siret_error

SHORT_TEXT = 200
LONG_TEXT = 4000


def validate_siret(value: str) -> None:
    error = siret_error(value)
    if error:
        raise ValidationError(error, code="siret")


class CompanyQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CompanyQuerySet":
        """The companies tied to one of the user's establishments; every company for an
        administrator; none for national steering or an anonymous user."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.sees_all_establishments:
            return self.none()
        ties = Company.establishments.through.objects.filter(
            company=OuterRef("pk"), establishment__in=user.establishment_ids
        )
        return self.filter(Exists(ties))

    def active(self) -> "CompanyQuerySet":
        return self.filter(active=True)


class Company(models.Model):
    name = models.CharField("raison sociale", max_length=SHORT_TEXT)
    siret = models.CharField(
        "SIRET",
        max_length=14,
        unique=True,
        validators=[validate_siret],
        help_text="14 chiffres, contrôlés par leur clé.",
    )
    sector = models.CharField("secteur", max_length=30, choices=Sector.choices)
    departments = models.JSONField(
        "départements où elle recrute",
        default=list,
        blank=True,
        help_text="Codes des départements (75, 2A, 971…) ; vide : toute la France.",
    )
    engagement = models.CharField(
        "type d'engagement", max_length=20, choices=EngagementKind.choices
    )
    establishments = models.ManyToManyField(
        "establishments.Establishment",
        related_name="partner_companies",
        verbose_name="établissements partenaires",
    )
    active = models.BooleanField("active", default=True)
    # Set by `company_set_active` when deactivated, cleared when reactivated: the contacts of a
    # company deactivated long enough are deleted (retention.py).
    deactivated_at = models.DateTimeField("désactivée le", null=True, blank=True, editable=False)
    notes = models.TextField("remarques", max_length=LONG_TEXT, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = "entreprise partenaire"
        verbose_name_plural = "entreprises partenaires"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        self.siret = normalise_siret(self.siret or "")


class CompanyContact(models.Model):
    """A person to write to at the company: the profiles are sent to a contact's address."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="contacts", verbose_name="entreprise"
    )
    name = models.CharField("nom", max_length=SHORT_TEXT)
    function = models.CharField("fonction", max_length=SHORT_TEXT, blank=True)
    email = models.EmailField("adresse électronique")
    phone = models.CharField("téléphone", max_length=30, blank=True)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})"


class OfferQuerySet(models.QuerySet):
    def visible_to(self, user) -> "OfferQuerySet":
        """The offers of the companies the user reaches."""
        return self.filter(company__in=Company.objects.visible_to(user))

    def open_on(self, day) -> "OfferQuerySet":
        """Active offers of active companies, opened and not closed on `day`."""
        return self.filter(
            Q(closes_on__isnull=True) | Q(closes_on__gte=day),
            active=True,
            company__active=True,
            opens_on__lte=day,
        )


class Offer(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="offers", verbose_name="entreprise"
    )
    kind = models.CharField("type d'offre", max_length=20, choices=OfferKind.choices)
    title = models.CharField("intitulé", max_length=SHORT_TEXT)
    sector = models.CharField("secteur", max_length=30, choices=Sector.choices)
    description = models.TextField("description", max_length=LONG_TEXT, blank=True)
    setting = models.CharField("où", max_length=20, choices=OfferSetting.choices)
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_offers",
        verbose_name="établissement (offre en détention)",
    )
    nationwide = models.BooleanField("partout en France", default=False)
    department = models.CharField("département", max_length=3, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    places = models.PositiveSmallIntegerField("places")
    driving_licences = models.JSONField("permis demandés", default=list, blank=True)
    professional_licences = models.JSONField("habilitations demandées", default=list, blank=True)
    diploma_level = models.CharField(
        "diplôme minimum", max_length=20, choices=DiplomaLevel.choices, blank=True
    )
    french = models.CharField(
        "français demandé", max_length=20, choices=FrenchRequirement.choices, blank=True
    )
    opens_on = models.DateField("ouverte le")
    closes_on = models.DateField("close le", null=True, blank=True)
    active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = "offre partenaire"
        verbose_name_plural = "offres partenaires"
        ordering = ["-opens_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True) | Q(closes_on__gte=models.F("opens_on")),
                name="partner_offer_closes_after_opening",
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="partner_offer_has_places"),
            models.CheckConstraint(
                condition=~Q(setting=OfferSetting.INSIDE) | Q(establishment__isnull=False),
                name="partner_offer_inside_has_establishment",
            ),
            models.CheckConstraint(
                condition=~Q(setting=OfferSetting.AT_RELEASE)
                | Q(nationwide=True)
                | ~Q(department=""),
                name="partner_offer_at_release_has_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.company}"

    def clean(self):
        super().clean()
        errors = {}
        if self.closes_on and self.opens_on and self.closes_on < self.opens_on:
            errors["closes_on"] = "La date de clôture suit la date d'ouverture."
        if self.setting == OfferSetting.INSIDE and not self.establishment_id:
            errors["establishment"] = "Une offre en détention a lieu dans un établissement."
        if self.setting == OfferSetting.AT_RELEASE and not (self.nationwide or self.department):
            errors["department"] = (
                "Indiquez le département de l'offre, ou cochez « partout en France »."
            )
        unknown = set(self.driving_licences or ()) - set(DrivingLicence.values)
        unknown |= set(self.professional_licences or ()) - set(ProfessionalLicence.values)
        if unknown:
            errors["driving_licences"] = "Permis ou habilitation inconnus."
        if errors:
            raise ValidationError(errors)


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AgreementQuerySet":
        """The agreements of the people of the user's establishments."""
        return scoped_to_establishments(self, user, "detainee__establishment")

    def active(self) -> "AgreementQuerySet":
        return self.filter(withdrawn_at__isnull=True)

    def covering(self, offer: "Offer") -> "AgreementQuerySet":
        """The agreements that let a profile go for `offer`: for that offer, or for any offer of
        its company (`Agreement.covers` says the same of one agreement)."""
        return self.filter(Q(offer__isnull=True) | Q(offer=offer), company_id=offer.company_id)


def default_shares() -> list[str]:
    return list(DEFAULT_SHARED_ITEMS)


def validate_shared_items(value) -> None:
    if not isinstance(value, list) or set(value) - set(SharedItem.values):
        raise ValidationError("Élément partagé inconnu.", code="shares")


class Agreement(models.Model):
    """The person's agreement that their profile goes to a company: for one offer, or for any
    offer of the company (`offer` empty), with what may be shared. Withdrawn at any time: it
    then lets nothing more go, and the profiles still waiting to be sent are cancelled."""

    detainee = models.ForeignKey(
        "detainees.Detainee",
        on_delete=models.CASCADE,
        related_name="partner_agreements",
        verbose_name="personne",
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="agreements", verbose_name="entreprise"
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name="offre",
        help_text="Vide : toute offre de l'entreprise.",
    )
    shares = models.JSONField(
        "éléments partagés",
        default=default_shares,
        validators=[validate_shared_items],
        help_text="Codes de SharedItem.",
    )
    agreed_on = models.DateField("accord donné le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="enregistré par",
    )
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="retrait enregistré par",
    )
    withdrawal_note = models.CharField("motif du retrait", max_length=SHORT_TEXT, blank=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "accord de la personne"
        verbose_name_plural = "accords des personnes"
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("recorded_at")),
                name="partner_agreement_withdrawn_after_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"Accord n° {self.pk} — {self.company}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    def covers(self, offer: "Offer") -> bool:
        """Whether a profile may go for `offer` under this agreement: the reading of
        `AgreementQuerySet.active().covering(offer)` for an agreement already read."""
        return (
            self.is_active
            and self.company_id == offer.company_id
            and self.offer_id in (None, offer.pk)
        )

    def shares_item(self, item: str) -> bool:
        return item in (self.shares or ())

    @property
    def shared_labels(self) -> list[str]:
        return [label for value, label in SharedItem.choices if value in (self.shares or ())]

    @property
    def scope_label(self) -> str:
        """« Toute offre de Cuisines du Val », « Offre « Commis de cuisine » »."""
        if self.offer_id:
            return f"offre « {self.offer.title} »"
        return "toute offre de l'entreprise"


class ProfileTransmissionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProfileTransmissionQuerySet":
        """The transmissions of the people of the user's establishments."""
        return scoped_to_establishments(self, user, "agreement__detainee__establishment")


class ProfileTransmission(models.Model):
    """One profile sent to one company contact for one offer: the outbox row of its email
    (status, attempts, claim: transmissions.py) and the log of what left (who sent it, to whom,
    what was shared, when, the PDF's SHA-256). The contact's name and address are copied: the
    log stays whole if the contact is removed."""

    # Deleted with the person's data (their agreement goes with them): the log is about them.
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="transmissions",
        verbose_name="accord",
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="transmissions", verbose_name="offre"
    )
    contact = models.ForeignKey(
        CompanyContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transmissions",
        verbose_name="contact",
    )
    contact_name = models.CharField("destinataire", max_length=SHORT_TEXT)
    email = models.EmailField("adresse du destinataire")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="envoyé par",
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    status = models.CharField(
        "état",
        max_length=20,
        choices=TransmissionStatus.choices,
        default=TransmissionStatus.PENDING,
    )
    shared_items = models.JSONField("éléments partagés", default=list)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    sha256 = models.CharField("empreinte SHA-256 du PDF", max_length=64, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)

    objects = ProfileTransmissionQuerySet.as_manager()

    class Meta:
        verbose_name = "envoi de profil"
        verbose_name_plural = "envois de profils"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="partner_transmission_owed",
                condition=Q(status__in=["a_envoyer", "envoi"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Envoi de profil n° {self.pk} à {self.email}"

    @property
    def message_id(self) -> str:
        """Stable across retries: a receiving server can recognise a message sent twice."""
        return f"<profil-{self.agreement_id}-envoi-{self.pk}@insertion.invalid>"

    @property
    def shared_labels(self) -> list[str]:
        return [label for value, label in SharedItem.choices if value in (self.shared_items or ())]


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReferralQuerySet":
        """The referrals of the people of the user's establishments."""
        return scoped_to_establishments(self, user, "detainee__establishment")

    def open(self) -> "ReferralQuerySet":
        return self.filter(status__in=OPEN_REFERRAL_STATUSES)

    def with_history(self) -> "ReferralQuerySet":
        """With their offer, company, person and dated steps (two queries whatever their
        number), those under way first, then the latest changed."""
        open_first = models.Case(
            models.When(status__in=OPEN_REFERRAL_STATUSES, then=models.Value(0)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
        return (
            self.select_related("offer__company", "detainee")
            .prefetch_related(
                models.Prefetch(
                    "events",
                    queryset=ReferralEvent.objects.select_related("recorded_by").order_by(
                        "on", "recorded_at", "pk"
                    ),
                )
            )
            .order_by(open_first, "-updated_at", "-pk")
        )


# The DSFR badge of each step, on the offer's page and the person page.
REFERRAL_BADGES = {
    ReferralStatus.PROPOSED: "fr-badge--new",
    ReferralStatus.INTERVIEW: "fr-badge--info",
    ReferralStatus.RETAINED: "fr-badge--info",
    ReferralStatus.NOT_RETAINED: "fr-badge--warning",
    ReferralStatus.HIRED: "fr-badge--success",
    ReferralStatus.ABANDONED_BY_PERSON: "fr-badge--no-icon",
    ReferralStatus.ABANDONED_BY_COMPANY: "fr-badge--no-icon",
}
REFERRAL_NOTE_HELP = (
    "Quelques mots au plus (un horaire, un lieu, un motif donné par l'entreprise). "
    "Rien sur l'infraction, la peine ou la santé de la personne."
)


class Referral(models.Model):
    """A person put forward for one partner offer, and what came of it (referrals.py): proposé →
    entretien prévu → retenu / non retenu → embauché / entré en formation, or abandonné by the
    person or the company. The current status is the last step of its history
    (`ReferralEvent`); one referral still under way per person and offer."""

    # Deleted with the person's data, as the agreement and its transmissions.
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="referrals", verbose_name="accord"
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="referrals", verbose_name="offre"
    )
    # The agreement's person, kept here so that scoping and the person page need no join.
    detainee = models.ForeignKey(
        "detainees.Detainee",
        on_delete=models.CASCADE,
        related_name="partner_referrals",
        verbose_name="personne",
    )
    status = models.CharField(
        "étape", max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="enregistrée par",
    )
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation vers une offre partenaire"
        verbose_name_plural = "orientations vers les offres partenaires"
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="partner_referral_status_valid"
            ),
            models.UniqueConstraint(
                fields=["detainee", "offer"],
                condition=Q(status__in=OPEN_REFERRAL_STATUSES),
                name="partner_referral_one_open_per_person_and_offer",
            ),
        ]

    def __str__(self) -> str:
        return f"Orientation n° {self.pk} — {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @property
    def badge_class(self) -> str:
        return REFERRAL_BADGES.get(self.status, "")


class ReferralEvent(models.Model):
    """One dated step of a referral: its history, never changed once written."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="events", verbose_name="orientation"
    )
    status = models.CharField("étape", max_length=20, choices=ReferralStatus.choices)
    on = models.DateField("date de l'étape")
    note = models.CharField("note", max_length=SHORT_TEXT, blank=True, help_text=REFERRAL_NOTE_HELP)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="enregistrée par",
    )
    recorded_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "étape d'une orientation"
        verbose_name_plural = "étapes des orientations"
        ordering = ["referral", "on", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values),
                name="partner_referral_event_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} le {self.on:%d/%m/%Y}"
