"""Back-office view of the interviews: their life cycle only, read-only.

The answers belong to the interviewer's page and its readers; operators see where an interview
stands (due date, state, versions), not what the person said.
"""

from django.contrib import admin

from entretiens.models import Interview
from entretiens.synthesis import synthesis_recipient_catch_up
from insertion.audit.admin import PersonalDataAdminMixin
from insertion.core.admin import (
    EstablishmentChoicesListFilter,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
)
from insertion.establishments.admin import EstablishmentAdmin
from insertion.establishments.models import Establishment, SynthesisRecipient


@admin.register(Interview)
class InterviewAdmin(
    PersonalDataAdminMixin,
    ReadOnlyAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    admin.ModelAdmin,
):
    person_path = "detainee"
    establishment_paths = ("establishment",)
    search_fields = ("detainee__search_text",)
    search_lookups = ("detainee__search_text__contains",)
    search_help_text = "Nom, prénom ou n° d'écrou, sans tenir compte des accents."
    list_display = ("detainee", "establishment", "arrival_date", "due_date", "status", "version")
    list_filter = ("status", ("establishment", EstablishmentChoicesListFilter))
    list_select_related = ("detainee", "establishment")
    ordering = ("due_date", "pk")
    fields = (
        "detainee",
        "establishment",
        "arrival_date",
        "due_date",
        "planned_on",
        "status",
        "not_done_reason",
        "not_done_on",
        "interviewer",
        "started_at",
        "version",
        "validated_at",
        "validated_by",
        "updated_at",
    )


# --- Synthesis recipients: saving one sends it the syntheses it is owed ------------------------


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


admin.site.unregister(Establishment)


@admin.register(Establishment)
class EstablishmentWithRecipientsAdmin(EstablishmentAdmin):
    """The establishment's page with its recipients, who are sent what they are owed."""

    inlines = (SynthesisRecipientInline,)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is SynthesisRecipient:
            for recipient in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                synthesis_recipient_catch_up(recipient=recipient)
