"""Access log of personal data: who opened or downloaded what, when.

Issue 6 extends it to every read of a person; the synthesis download already writes here.
"""

from django.conf import settings
from django.db import models


class AccessLog(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="utilisateur",
    )
    action = models.CharField("action", max_length=40)  # e.g. "synthese.telechargement"
    object_type = models.CharField("type d'objet", max_length=40)
    object_id = models.PositiveBigIntegerField("identifiant")
    detainee_id = models.PositiveBigIntegerField("personne", null=True, blank=True)
    establishment_id = models.PositiveBigIntegerField("établissement", null=True, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    at = models.DateTimeField("le", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "accès à des données personnelles"
        verbose_name_plural = "journal des accès"

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_type} n° {self.object_id}"


def access_record(*, request, action: str, obj, detainee_id=None, establishment_id=None):
    """Write one line of the access log for the request's user."""
    return AccessLog.objects.create(
        user=request.user,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        detainee_id=detainee_id,
        establishment_id=establishment_id,
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
