"""The access log in the back-office: read only, scoped to the operator's establishments."""

from django.contrib import admin

from insertion.audit.models import AccessLog
from insertion.core.admin import EstablishmentScopedAdminMixin, ReadOnlyAdminMixin


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, EstablishmentScopedAdminMixin, admin.ModelAdmin):
    establishment_paths = ("establishment_id",)
    list_display = (
        "at",
        "user",
        "action",
        "object_type",
        "object_id",
        "detainee_id",
        "establishment_id",
        "ip_address",
        "request_id",
    )
    list_select_related = ("user",)
    # Filters by action and kind of object; the period by the date bar; a user by their email,
    # a person by their number (the `personne` column).
    list_filter = ("action", "object_type")
    search_fields = ("user__email", "=detainee_id", "=request_id")
    search_help_text = "Adresse électronique de l'utilisateur, n° de la personne ou de la requête."
    date_hierarchy = "at"
    ordering = ("-at", "-pk")
    fields = list_display
