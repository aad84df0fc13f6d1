"""Back-office of the partner companies (with their contacts) and their offers, scoped to the
operator's establishments as the partnerships officers' pages are (`visible_to`).

The people's agreements, the profiles sent and the referrals are shown, never added, changed or
deleted here: they are written by the services (agreements.py, transmissions.py, referrals.py),
which check the agreement, cancel what is owed on a withdrawal and the steps of a referral, and
the transmissions are the log of what left. All are the person's data: scoped to the person's
establishment and access-logged.
"""

from django.contrib import admin
from django.utils import timezone

from insertion.audit.admin import PersonalDataAdminMixin
from insertion.core.admin import (
    EstablishmentChoicesListFilter,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
)
from insertion.partners.models import (
    Agreement,
    Company,
    CompanyContact,
    Offer,
    ProfileTransmission,
    Referral,
    ReferralEvent,
)

_PERSON_SEARCH = ("agreement__detainee__search_text", "agreement__detainee__ecrou_number")
_PERSON_SEARCH_HELP = "Nom, prénom ou n° d'écrou de la personne (sans tenir compte des accents)."


class CompanyContactInline(admin.TabularInline):
    model = CompanyContact
    extra = 0
    fields = ("name", "function", "email", "phone")


@admin.register(Company)
class CompanyAdmin(EstablishmentScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "siret", "sector", "engagement", "active")
    list_filter = (
        "active",
        "engagement",
        "sector",
        ("establishments", EstablishmentChoicesListFilter),
    )
    search_fields = ("name", "siret")
    inlines = (CompanyContactInline,)
    fields = (
        "name",
        "siret",
        "sector",
        "engagement",
        "establishments",
        "departments",
        "notes",
        "active",
        "deactivated_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("deactivated_at", "created_by", "created_at", "updated_at")
    filter_horizontal = ("establishments",)

    def save_model(self, request, obj, form, change):
        # As `company_set_active` does: the contacts' retention counts from the deactivation.
        if "active" in form.changed_data or not change:
            obj.deactivated_at = None if obj.active else timezone.now()
        super().save_model(request, obj, form, change)

    def scope_queryset(self, queryset, user):
        # Through the model's own rule: a company tied to two of the operator's establishments
        # is one row, not two (a join on the ties would repeat it).
        return queryset.filter(pk__in=Company.objects.visible_to(user).values("pk"))

    def has_delete_permission(self, request, obj=None):
        # A company with offers is protected by the database; deactivating it is the way.
        if obj is not None and obj.offers.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Offer)
class OfferAdmin(EstablishmentScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "company", "kind", "setting", "places", "opens_on", "active")
    list_select_related = ("company",)
    list_filter = ("kind", "setting", "active", "sector")
    search_fields = ("title", "company__name")
    autocomplete_fields = ("company",)
    fields = (
        "company",
        "kind",
        "title",
        "sector",
        "description",
        "setting",
        "establishment",
        "nationwide",
        "department",
        "city",
        "places",
        "driving_licences",
        "professional_licences",
        "diploma_level",
        "french",
        "opens_on",
        "closes_on",
        "active",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("created_by", "created_at", "updated_at")

    def scope_queryset(self, queryset, user):
        return queryset.filter(pk__in=Offer.objects.visible_to(user).values("pk"))


class TransmissionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProfileTransmission
    extra = 0
    can_delete = False
    fields = ("created_at", "offer", "contact_name", "email", "status", "sent_at")
    readonly_fields = fields
    ordering = ("created_at", "pk")


@admin.register(Agreement)
class AgreementAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """Recorded and withdrawn in the application only (by the CPIP or a manager)."""

    person_path = "detainee"
    establishment_paths = ("detainee__establishment",)
    search_lookups = ("detainee__search_text__contains", "detainee__ecrou_number__icontains")
    search_fields = ("detainee__search_text", "detainee__ecrou_number")
    search_help_text = _PERSON_SEARCH_HELP
    list_display = ("detainee", "company", "offer", "agreed_on", "recorded_by", "withdrawn_at")
    list_select_related = ("detainee", "company", "offer__company", "recorded_by")
    list_filter = (("detainee__establishment", EstablishmentChoicesListFilter),)
    date_hierarchy = "agreed_on"
    inlines = (TransmissionInline,)
    fields = (
        "detainee",
        "company",
        "offer",
        "shares",
        "agreed_on",
        "recorded_by",
        "recorded_at",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawal_note",
    )
    readonly_fields = fields


@admin.register(ProfileTransmission)
class ProfileTransmissionAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """The log of the profiles sent: never added nor deleted here (the outbox sends them)."""

    establishment_paths = ("agreement__detainee__establishment",)
    search_lookups = (
        "agreement__detainee__search_text__contains",
        "agreement__detainee__ecrou_number__icontains",
    )
    search_fields = _PERSON_SEARCH
    search_help_text = _PERSON_SEARCH_HELP
    list_display = ("created_at", "person", "offer", "contact_name", "email", "status", "sent_at")
    list_select_related = ("agreement__detainee", "offer__company")
    list_filter = ("status",)
    date_hierarchy = "created_at"
    fields = (
        "agreement",
        "offer",
        "contact_name",
        "email",
        "shared_items",
        "sent_by",
        "created_at",
        "status",
        "attempts",
        "sent_at",
        "cancelled_at",
        "sha256",
        "last_error",
    )
    readonly_fields = fields

    def person_of(self, obj):
        return obj.agreement.detainee

    @admin.display(description="personne", ordering="agreement__detainee__last_name")
    def person(self, obj):
        return obj.agreement.detainee


class ReferralEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    fields = ("on", "status", "note", "recorded_by", "recorded_at")
    readonly_fields = fields
    ordering = ("on", "recorded_at", "pk")


@admin.register(Referral)
class ReferralAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """The referrals to partner offers and their dated steps: shown only, written step by step
    in the application (referrals.py checks the transitions and the dates)."""

    person_path = "detainee"
    establishment_paths = ("detainee__establishment",)
    search_lookups = ("detainee__search_text__contains", "detainee__ecrou_number__icontains")
    search_fields = ("detainee__search_text", "detainee__ecrou_number")
    search_help_text = _PERSON_SEARCH_HELP
    list_display = ("detainee", "offer", "status", "created_by", "updated_at")
    list_select_related = ("detainee", "offer__company", "created_by")
    list_filter = ("status", ("detainee__establishment", EstablishmentChoicesListFilter))
    date_hierarchy = "created_at"
    inlines = (ReferralEventInline,)
    fields = ("detainee", "agreement", "offer", "status", "created_by", "created_at", "updated_at")
    readonly_fields = fields
