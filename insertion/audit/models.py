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
    object_id = models.PositiveBigIntegerField("identifiant", null=True, blank=True)
    detainee_id = models.PositiveBigIntegerField("personne", null=True, blank=True)
    establishment_id = models.PositiveBigIntegerField("établissement", null=True, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    at = models.DateTimeField("le", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # "Has this user read this synthesis / interview?" (the dashboard's unread count).
            models.Index(
                fields=["user", "object_type", "object_id"], name="accesslog_user_object_idx"
            ),
        ]
        verbose_name = "accès à des données personnelles"
        verbose_name_plural = "journal des accès"

    def __str__(self) -> str:
        target = f"{self.object_type} n° {self.object_id}" if self.object_id else self.object_type
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {target}"


def access_record(
    *, request, action: str, obj=None, object_type="", detainee_id=None, establishment_id=None
):
    """Write one line of the access log for the request's user: about one object, or (obj None)
    about a kind of thing, e.g. an export (`object_type="export"`)."""
    return AccessLog.objects.create(
        user=request.user,
        action=action,
        object_type=obj._meta.model_name if obj is not None else object_type,
        object_id=obj.pk if obj is not None else None,
        detainee_id=detainee_id,
        establishment_id=establishment_id,
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
