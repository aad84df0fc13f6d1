from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    CPIP = "cpip", "CPIP"
    INTERVIEWER = "interviewer", "Intervenant Afpa"
    PRISON_TEAM = "prison_team", "Équipe de l'établissement"
    MANAGER = "manager", "Encadrement"
    NATIONAL = "national", "Pilotage national"
    PARTNERSHIPS = "partnerships", "Relations entreprises"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address, with one role and their establishments."""

    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    role = models.CharField(
        "rôle",
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text="Vide pour un compte uniquement administrateur.",
    )
    establishments = models.ManyToManyField(
        "establishments.Establishment",
        related_name="staff",
        blank=True,
        verbose_name="établissements",
    )
    probation_service = models.ForeignKey(
        "establishments.ProbationService",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name="SPIP",
    )
    is_staff = models.BooleanField("accès au back-office", default=False)
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("créé le", default=timezone.now)
    charter_accepted_at = models.DateTimeField(
        "charte d'utilisation acceptée le",
        null=True,
        blank=True,
        help_text="Vide : la charte est présentée à la prochaine connexion.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["", *Role.values]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def sees_all_establishments(self) -> bool:
        """National steering reads aggregates of every establishment (never a named person)."""
        return self.role == Role.NATIONAL

    @cached_property
    def establishment_ids(self) -> list[int]:
        """Cached for the request: scoping reads it on every query of the page."""
        return list(self.establishments.values_list("pk", flat=True))
