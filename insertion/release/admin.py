"""Back-office of release preparation: the referential of milestone kinds (edited here), and the
plans, alerts and contacts shown read-only, scoped to the operator's establishments (they are
written by the CPIP through the application's services, with their history)."""

from django import forms
from django.contrib import admin

from entretiens.choices import BarrierCategory
from insertion.audit.admin import PersonalDataAdminMixin
from insertion.core.admin import (
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
)
from insertion.release.models import Milestone, MilestoneKind, ReleaseAlert, ReleasePlan

_DETAINEE_SEARCH = ("detainee__search_text__contains", "detainee__ecrou_number__icontains")


class MilestoneKindForm(forms.ModelForm):
    barriers = forms.MultipleChoiceField(
        label="Freins auxquels il répond",
        choices=BarrierCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Un frein relevé à l'entretien ajoute ce jalon au plan de la personne (s'il "
        "n'est pas dans chaque plan) ; important ou bloquant, il le rend essentiel.",
    )

    class Meta:
        model = MilestoneKind
        fields = (
            "label",
            "code",
            "category",
            "offset_days",
            "essential",
            "for_everyone",
            "barriers",
            "position",
            "active",
        )


@admin.register(MilestoneKind)
class MilestoneKindAdmin(admin.ModelAdmin):
    """The referential: a change applies to the plans opened afterwards (existing milestones
    keep their label and dates)."""

    form = MilestoneKindForm
    list_display = (
        "label",
        "category",
        "offset_days",
        "essential",
        "for_everyone",
        "position",
        "active",
    )
    list_editable = ("position", "active")
    list_filter = ("category", "essential", "for_everyone", "active")
    search_fields = ("label", "code")
    ordering = ("position", "label")
    prepopulated_fields = {"code": ("label",)}

    def has_delete_permission(self, request, obj=None):
        # A kind used by plans is protected by the database; deactivating it is the way.
        if obj is not None and obj.milestones.exists():
            return False
        return super().has_delete_permission(request, obj)


class MilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Milestone
    extra = 0
    can_delete = False
    fields = ("position", "label", "category", "essential", "status", "target_date", "done_on")
    readonly_fields = fields
    ordering = ("position", "pk")


@admin.register(ReleasePlan)
class ReleasePlanAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    person_path = "detainee"
    establishment_paths = ("detainee__establishment",)
    search_lookups = _DETAINEE_SEARCH
    search_fields = ("detainee__search_text", "detainee__ecrou_number")
    search_help_text = "Nom, prénom ou n° d'écrou (sans tenir compte des accents)."
    list_display = ("detainee", "created_at", "closed_on", "final_release_kind")
    list_select_related = ("detainee",)
    list_filter = (("closed_on", admin.EmptyFieldListFilter),)
    inlines = (MilestoneInline,)
    fields = (
        "detainee",
        "created_at",
        "created_by",
        "closed_on",
        "final_release_kind",
        "final_essential_done",
        "final_essential_total",
        "final_late",
    )
    readonly_fields = fields


@admin.register(ReleaseAlert)
class ReleaseAlertAdmin(
    PersonalDataAdminMixin, EstablishmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    person_path = "detainee"
    establishment_paths = ("detainee__establishment",)
    list_display = ("detainee", "days_earlier", "referent", "created_at", "emailed_at", "seen_at")
    list_select_related = ("detainee", "referent")
    list_filter = (("seen_at", admin.EmptyFieldListFilter),)
    ordering = ("-created_at", "-pk")
