"""Back-office of offers and requests, scoped to the operator's establishments. Offers are kept
here by the establishment; requests are shown read-only with their history (they are written by
the services, which keep that history and the one-open-request rule)."""

from django.contrib import admin

from insertion.audit.admin import PersonalDataAdminMixin
from insertion.core.admin import (
    EstablishmentChoicesListFilter,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
)
from insertion.placements.models import Offer, PlacementRequest, RequestEvent


@admin.register(Offer)
class OfferAdmin(EstablishmentScopedAdminMixin, admin.ModelAdmin):
    establishment_paths = ("establishment",)
    list_display = (
        "title",
        "kind",
        "establishment",
        "service",
        "places",
        "permanent",
        "start_date",
        "end_date",
        "active",
    )
    list_select_related = ("establishment",)
    list_filter = ("kind", "active", "permanent", ("establishment", EstablishmentChoicesListFilter))
    search_fields = ("title", "service")
    fields = (
        "establishment",
        "kind",
        "work_setting",
        "title",
        "service",
        "places",
        "permanent",
        "start_date",
        "end_date",
        "requirements",
        "active",
    )

    def has_delete_permission(self, request, obj=None):
        # An offer that received people is protected by the database; deactivating it is the way.
        if obj is not None and obj.requests.exists():
            return False
        return super().has_delete_permission(request, obj)


class RequestEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    ordering = ("at", "pk")


@admin.register(PlacementRequest)
class PlacementRequestAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    person_path = "detainee"
    establishment_paths = ("establishment",)
    search_lookups = ("detainee__search_text__contains", "detainee__ecrou_number__icontains")
    search_fields = ("detainee__search_text", "detainee__ecrou_number")
    search_help_text = "Nom, prénom ou n° d'écrou (sans tenir compte des accents)."
    list_display = ("detainee", "offer_kind", "priority", "status", "waiting_since", "created_at")
    list_select_related = ("detainee",)
    list_filter = ("status", "offer_kind", "priority", "origin")
    inlines = (RequestEventInline,)
    fields = (
        "detainee",
        "establishment",
        "offer_kind",
        "offer",
        "priority",
        "origin",
        "interview",
        "details",
        "status",
        "waiting_since",
        "start_date",
        "ended_on",
        "refusal_reason",
        "closing_reason",
        "status_note",
        "manual_rank",
        "override_reason",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
