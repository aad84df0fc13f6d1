from django.contrib import admin

from insertion.core.admin import EstablishmentScopedAdminMixin, relation_choices_register
from insertion.establishments.models import (
    Establishment,
    ProbationService,
    Region,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(ProbationService)
class ProbationServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "region")
    list_select_related = ("region",)
    list_filter = ("region",)
    search_fields = ("name", "department")


@admin.register(Establishment)
class EstablishmentAdmin(EstablishmentScopedAdminMixin, admin.ModelAdmin):
    establishment_paths = ("pk",)
    list_display = (
        "name",
        "kind",
        "region",
        "probation_service",
        "department",
        "city",
        "capacity",
        "interview_rollout_date",
    )
    list_select_related = ("region", "probation_service")
    list_filter = (
        "kind",
        "region",
        ("interview_rollout_date", admin.EmptyFieldListFilter),
    )
    search_fields = ("name", "city", "department")
    fieldsets = (
        (None, {"fields": ("name", "kind", "city", "department", "capacity")}),
        ("Rattachements", {"fields": ("region", "probation_service")}),
        ("Entretiens socio-professionnels", {"fields": ("interview_rollout_date",)}),
    )


relation_choices_register(
    Establishment, lambda user: Establishment.objects.filter(pk__in=user.establishment_ids)
)
