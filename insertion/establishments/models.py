from django.db import models
from django.db.models import Q


class Region(models.Model):
    """Direction interrégionale des services pénitentiaires (DISP), or the outre-mer mission."""

    code = models.CharField("code", max_length=10, unique=True)
    name = models.CharField("nom", max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "direction interrégionale (DISP)"
        verbose_name_plural = "directions interrégionales (DISP)"

    def __str__(self) -> str:
        return self.name


class ProbationService(models.Model):
    """Service pénitentiaire d'insertion et de probation (SPIP): one per département."""

    name = models.CharField("nom", max_length=160)
    department = models.CharField("département", max_length=3, unique=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="probation_services",
        verbose_name="direction interrégionale",
    )

    class Meta:
        ordering = ["department"]
        verbose_name = "SPIP"
        verbose_name_plural = "SPIP"

    def __str__(self) -> str:
        return self.name


class EstablishmentKind(models.TextChoices):
    MAISON_ARRET = "MA", "Maison d'arrêt"
    CENTRE_DETENTION = "CD", "Centre de détention"
    MAISON_CENTRALE = "MC", "Maison centrale"
    CENTRE_PENITENTIAIRE = "CP", "Centre pénitentiaire"
    CENTRE_SEMI_LIBERTE = "CSL", "Centre de semi-liberté"
    CENTRE_PEINES_AMENAGEES = "CPA", "Centre pour peines aménagées"
    EPM = "EPM", "Établissement pénitentiaire pour mineurs"


class EstablishmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EstablishmentQuerySet":
        """Establishments a user works in; every establishment for the national level."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.sees_all_establishments:
            return self
        return self.filter(pk__in=user.establishment_ids)


class Establishment(models.Model):
    name = models.CharField("nom", max_length=160, unique=True)
    code = models.CharField(
        "code établissement",
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text="Code de l'établissement dans l'extraction du système d'information "
        "pénitentiaire : il désigne l'établissement des fichiers importés.",
    )
    kind = models.CharField("type", max_length=3, choices=EstablishmentKind.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="establishments",
        verbose_name="direction interrégionale",
    )
    probation_service = models.ForeignKey(
        ProbationService,
        on_delete=models.PROTECT,
        related_name="establishments",
        verbose_name="SPIP",
        null=True,
        blank=True,
    )
    department = models.CharField("département", max_length=3)
    city = models.CharField("commune", max_length=120)
    capacity = models.PositiveIntegerField("capacité opérationnelle")
    interview_rollout_date = models.DateField(
        "déploiement des entretiens socio-professionnels",
        null=True,
        blank=True,
        help_text="Date à partir de laquelle chaque arrivant bénéficie d'un entretien.",
    )

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "établissement pénitentiaire"
        verbose_name_plural = "établissements pénitentiaires"
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gt=0), name="establishment_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RecipientRole(models.TextChoices):
    DIRECTION = "direction", "Direction de l'établissement"
    EDUCATION = "enseignement", "Responsable local de l'enseignement"
    WORK = "travail", "Responsable du travail"
    TRAINING = "formation", "Responsable de la formation professionnelle"
    SPIP = "spip", "SPIP"
    HEALTH = "sante", "Unité sanitaire"
    OTHER = "autre", "Autre"


class SynthesisRecipient(models.Model):
    """An email of the prison teams that receives every synthesis of the establishment."""

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="synthesis_recipients",
        verbose_name="établissement",
    )
    email = models.EmailField("adresse électronique")
    role = models.CharField("fonction", max_length=20, choices=RecipientRole.choices)
    name = models.CharField("nom ou service", max_length=150, blank=True)
    active = models.BooleanField("reçoit les synthèses", default=True)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)

    class Meta:
        ordering = ["establishment", "role", "email"]
        verbose_name = "destinataire des synthèses"
        verbose_name_plural = "destinataires des synthèses"
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "email"], name="synthesis_recipient_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
