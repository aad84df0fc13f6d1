"""Access log of personal data: who read, exported or changed what, when, from where, in which
request.

Append-only: the application writes rows (`record`, insertion/audit/log.py) and never changes
nor deletes one — `save()` refuses an existing row, the queryset refuses `update()` and
`delete()`. The only deletion is the retention purge (`AccessLog.objects.purge_older_than`,
ACCESS_LOG_RETENTION_DAYS, a daily beat job), which removes whole days past the retention.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """The access log is append-only."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Le journal des accès ne se modifie pas.")

    def delete(self):
        raise AppendOnlyError("Le journal des accès ne se supprime pas (purge de conservation).")

    def for_detainee(self, detainee_id: int) -> "AccessLogQuerySet":
        return self.filter(detainee_id=detainee_id)

    def purge_older_than(self, *, days: int, now=None) -> int:
        """The retention purge: rows older than `days` days, deleted in one statement."""
        limit = (now or timezone.now()) - datetime.timedelta(days=days)
        old = AccessLog.objects.filter(at__lt=limit)
        return old._raw_delete(old.db)


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
    request_id = models.CharField("requête", max_length=64, blank=True)
    at = models.DateTimeField("le", auto_now_add=True, db_index=True)

    objects = AccessLogQuerySet.as_manager()

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

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Le journal des accès ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Le journal des accès ne se supprime pas.")
