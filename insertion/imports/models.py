"""A run of an extraction file: what was received, what it would do (the preview), what it did
(the report), and what a person must decide (conflicts, proposed links, divergences).

A run is stored before anything is written. Its rows are planned once, at the preview, each
with the event it carries; the apply then walks the planned rows in line order, each in its own
transaction that also marks the row done, so a run stopped mid-way (worker killed) is resumed
by applying the rows still pending: nothing is done twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from insertion.core.scoping import scoped_to_establishments
from insertion.core.storage import StorageByAlias
from insertion.imports import contract

IMPORT_STORAGE = StorageByAlias("imports")


def import_storage() -> StorageByAlias:
    """Private storage of the received files (settings.STORAGES["imports"], read at each use).
    The migrations name this callable: keep its name."""
    return IMPORT_STORAGE


class FileKind(models.TextChoices):
    SNAPSHOT = contract.SNAPSHOT, contract.KIND_LABELS[contract.SNAPSHOT]
    MOVEMENTS = contract.MOVEMENTS, contract.KIND_LABELS[contract.MOVEMENTS]


class RunSource(models.TextChoices):
    UPLOAD = "upload", "Dépôt sur le site"
    COMMAND = "command", "Commande"
    FOLDER = "folder", "Dossier de dépôt"


class RunStatus(models.TextChoices):
    REFUSED = "refused", "Fichier refusé"
    PREVIEWED = "previewed", "Aperçu prêt"
    APPLYING = "applying", "Application en cours"
    APPLIED = "applied", "Appliqué"
    CANCELLED = "cancelled", "Abandonné"


class RunQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RunQuerySet":
        """The runs of the user's establishments, and the files they sent themselves that were
        refused before any establishment could be read from them (an unknown code, a file that
        cannot be opened): their sender finds them in the history with the reason."""
        scoped = scoped_to_establishments(self, user, "establishment_id")
        if not user.is_authenticated or user.is_superuser:
            return scoped
        return scoped | self.filter(establishment__isnull=True, created_by=user)


class ImportRun(models.Model):
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_runs",
        verbose_name="établissement",
        help_text="Vide quand le fichier a été refusé avant d'être lu.",
    )
    kind = models.CharField("type de fichier", max_length=12, choices=FileKind.choices, blank=True)
    source = models.CharField("origine", max_length=10, choices=RunSource.choices)
    status = models.CharField("état", max_length=12, choices=RunStatus.choices)
    file = models.FileField("fichier", storage=import_storage, upload_to="%Y/%m/", blank=True)
    filename = models.CharField("nom du fichier", max_length=255)
    size = models.PositiveBigIntegerField("taille (octets)", default=0)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    extracted_at = models.DateTimeField("date de l'extraction", null=True, blank=True)
    refusal = models.TextField("motif du refus", blank=True)
    unknown_columns = models.JSONField("colonnes inconnues", default=list, blank=True)
    # {"arrival": 12, "transfer_in": 3, …, "error": 4}: the preview's counts by event.
    counts = models.JSONField("décompte par événement", default=dict, blank=True)
    closes_share = models.FloatField(
        "part des séjours fermés", default=0, help_text="Pour un fichier « présents à date »."
    )
    closing_confirmed = models.BooleanField("fermetures confirmées", default=False)
    rows_total = models.PositiveIntegerField("lignes à appliquer", default=0)
    rows_done = models.PositiveIntegerField("lignes appliquées", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposé par",
    )
    created_at = models.DateTimeField("reçu le", auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="appliqué par",
    )
    apply_started_at = models.DateTimeField("application commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # Set by the retention job (insertion/imports/retention.py) when it deletes the file and
    # empties the rows' cells: the run page then says so instead of offering an empty CSV.
    purged_at = models.DateTimeField("fichier et cellules effacés le", null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "import d'extraction"
        verbose_name_plural = "imports d'extraction"
        constraints = [
            # The same file twice is the same run: it shows the first report, changes nothing.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=~Q(status="refused"),
                name="import_run_unique_file",
            ),
        ]
        indexes = [models.Index(fields=["establishment", "-created_at"], name="import_run_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class RowEvent(models.TextChoices):
    ARRIVAL = "arrival", "Arrivée"
    TRANSFER_IN = "transfer_in", "Transfert entrant"
    TRANSFER_OUT = "transfer_out", "Transfert sortant"
    RELEASE = "release", "Libération"
    DEPARTURE = "departure", "Départ constaté"
    RELEASE_DATE = "release_date", "DLP modifiée"
    ARRANGEMENT = "arrangement", "Aménagement de peine"
    IDENTITY = "identity", "Identité mise à jour"
    UNCHANGED = "unchanged", "Sans changement"
    CONFLICT = "conflict", "Conflit d'identité"
    LINK = "link", "Rapprochement à confirmer"
    ERROR = "error", "Ligne en erreur"


class RowStatus(models.TextChoices):
    PENDING = "pending", "À appliquer"
    APPLIED = "applied", "Appliquée"
    REJECTED = "rejected", "Rejetée"
    HELD = "held", "En attente de décision"


class RowDecision(models.TextChoices):
    """What a manager or an administrator decided on a held row (insertion/imports/review.py)."""

    LINK = "link", "Même personne : rattachée à la fiche existante"
    NEW_PERSON = "new_person", "Personne différente : nouvelle fiche"
    TAKE_IDENTITY = "take_identity", "Identité de l'extraction reprise"
    RELEASE = "release", "Libération confirmée"
    TRANSFER = "transfer", "Transfert confirmé"
    STILL_PRESENT = "still_present", "Personne toujours présente"
    DISMISSED = "dismissed", "Ligne écartée"
    SUPERSEDED = "superseded", "Tranchée sur une extraction plus récente"


class ImportRow(models.Model):
    """One planned effect: a line of the file, or a departure the snapshot implies (no line)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField("ligne", null=True, blank=True)
    event = models.CharField("événement", max_length=14, choices=RowEvent.choices)
    status = models.CharField("état", max_length=10, choices=RowStatus.choices)
    national_id = models.CharField("identifiant national", max_length=30, blank=True)
    detainee = models.ForeignKey(
        "detainees.Detainee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="personne",
    )
    values = models.JSONField("valeurs lues", default=dict, blank=True)
    raw = models.JSONField("cellules du fichier", default=dict, blank=True)
    message = models.TextField("résultat", blank=True)
    applied_at = models.DateTimeField("appliquée le", null=True, blank=True)
    # The decision on a held row, who took it and when (empty for the rows nobody had to
    # decide). `db_default`: the planning stores rows by COPY, naming its own columns only.
    decision = models.CharField(
        "décision",
        max_length=14,
        choices=RowDecision.choices,
        blank=True,
        default="",
        db_default="",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)

    class Meta:
        ordering = ["run", "line", "pk"]
        verbose_name = "ligne d'import"
        verbose_name_plural = "lignes d'import"
        indexes = [
            models.Index(fields=["run", "status", "line"], name="import_row_run_status_idx"),
            # The review queue: the few rows waiting for a decision, and the newer row of the
            # same person and event that supersedes one (insertion/imports/review.py).
            models.Index(
                fields=["national_id", "event"],
                condition=Q(status="held"),
                name="import_row_held_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · ligne {self.line or '—'} · {self.get_event_display()}"


class DivergenceStatus(models.TextChoices):
    OPEN = "open", "À examiner"
    KEPT_LOCAL = "kept_local", "Correction locale conservée"
    TOOK_SOURCE = "took_source", "Valeur de l'extraction reprise"


class Divergence(models.Model):
    """A value the import would write, where a person corrected the record by hand since the
    last import: nothing is overwritten until a manager or an administrator decides."""

    detainee = models.ForeignKey(
        "detainees.Detainee",
        on_delete=models.CASCADE,
        related_name="import_divergences",
        verbose_name="personne",
    )
    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="divergences", verbose_name="import"
    )
    field = models.CharField("donnée", max_length=40)
    source_value = models.CharField("valeur de l'extraction", max_length=200, blank=True)
    local_value = models.CharField("valeur locale", max_length=200, blank=True)
    local_changed_by = models.CharField("corrigée par", max_length=200, blank=True)
    status = models.CharField(
        "état", max_length=12, choices=DivergenceStatus.choices, default=DivergenceStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tranchée par",
    )
    resolved_at = models.DateTimeField("tranchée le", null=True, blank=True)
    created_at = models.DateTimeField("ouverte le", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "divergence"
        verbose_name_plural = "divergences"
        constraints = [
            models.UniqueConstraint(
                fields=["detainee", "field"],
                condition=Q(status="open"),
                name="divergence_one_open_per_field",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.detainee_id} · {self.field}"
