"""Back-office of the partner companies (with their contacts) and their offers, scoped to the
operator's establishments as the partnerships officers' pages are (`visible_to`)."""

from django.contrib import admin

from insertion.core.admin import EstablishmentChoicesListFilter, EstablishmentScopedAdminMixin
from insertion.partners.models import Company, CompanyContact, Offer


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
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("created_by", "created_at", "updated_at")
    filter_horizontal = ("establishments",)

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
