"""Back-office view of the interviews: their life cycle only, read-only.

The answers belong to the interviewer's page and its readers; operators see where an interview
stands (due date, state, versions), not what the person said.
"""

from django.contrib import admin

from entretiens.models import Interview
from insertion.audit.admin import PersonalDataAdminMixin
from insertion.core.admin import (
    EstablishmentChoicesListFilter,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
)


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
