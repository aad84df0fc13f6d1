from django.contrib import admin

from entretiens.synthesis import synthesis_recipient_catch_up
from insertion.core.admin import EstablishmentChoicesListFilter, EstablishmentScopedAdminMixin
from insertion.establishments.models import (
    Establishment,
    ProbationService,
    Region,
    SynthesisRecipient,
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


class SynthesisRecipientInline(admin.TabularInline):
    model = SynthesisRecipient
    fields = ("email", "role", "name", "active")
    extra = 0
    verbose_name = "destinataire des synthèses"


@admin.register(SynthesisRecipient)
class SynthesisRecipientAdmin(EstablishmentScopedAdminMixin, admin.ModelAdmin):
    establishment_paths = ("establishment",)
    list_display = ("email", "role", "name", "establishment", "active", "created_at")
    list_select_related = ("establishment",)
    list_filter = ("active", "role", ("establishment", EstablishmentChoicesListFilter))
    search_fields = ("email", "name")
    ordering = ("establishment__name", "role", "email", "pk")
    fields = ("establishment", "email", "role", "name", "active")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        synthesis_recipient_catch_up(recipient=obj)


@admin.register(Establishment)
class EstablishmentAdmin(EstablishmentScopedAdminMixin, admin.ModelAdmin):
    establishment_paths = ("pk",)
    inlines = (SynthesisRecipientInline,)
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

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is SynthesisRecipient:
            for recipient in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                synthesis_recipient_catch_up(recipient=recipient)
