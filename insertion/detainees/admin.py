from django import forms
from django.contrib import admin

from insertion.audit.admin import PersonalDataAdminMixin
from insertion.core.admin import (
    EstablishmentChoicesListFilter,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    relation_choices_register,
)
from insertion.detainees.models import (
    ArrangementStatus,
    Contact,
    Detainee,
    Incarceration,
    ReleaseDateChange,
    SentenceArrangement,
)

_DETAINEE_SEARCH_HELP = (
    "Nom, prénom ou n° d'écrou, sans tenir compte des accents ni des majuscules."
)


class StayStateListFilter(admin.SimpleListFilter):
    title = "séjour"
    parameter_name = "sejour"

    def lookups(self, request, model_admin):
        return [("en_cours", "En cours"), ("termine", "Terminé")]

    def queryset(self, request, queryset):
        if self.value() == "en_cours":
            return queryset.filter(departure_date__isnull=True)
        if self.value() == "termine":
            return queryset.filter(departure_date__isnull=False)
        return queryset


class SentenceArrangementAdminForm(forms.ModelForm):
    """The database constraints of an arrangement, said in French."""

    def clean(self):
        cleaned_data = super().clean()
        status = cleaned_data.get("status")
        requested_on = cleaned_data.get("requested_on")
        decided_on = cleaned_data.get("decided_on")
        revoked_on = cleaned_data.get("revoked_on")
        if status and status != ArrangementStatus.REQUESTED and not decided_on:
            self.add_error("decided_on", "Indiquez la date de la décision.")
        if requested_on and decided_on and decided_on < requested_on:
            self.add_error("decided_on", "La décision ne peut pas précéder la demande.")
        if status == ArrangementStatus.REVOKED and not revoked_on:
            self.add_error("revoked_on", "Indiquez la date de la révocation.")
        if revoked_on and not decided_on:
            self.add_error("revoked_on", "Une mesure révoquée doit avoir été décidée.")
        elif revoked_on and decided_on and revoked_on < decided_on:
            self.add_error("revoked_on", "La révocation ne peut pas précéder la décision.")
        return cleaned_data


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class IncarcerationInline(ReadOnlyInline):
    model = Incarceration
    fields = ("establishment", "ecrou_number", "arrival_date", "departure_date", "departure_reason")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("establishment")


class ReleaseDateChangeInline(ReadOnlyInline):
    model = ReleaseDateChange
    verbose_name_plural = "historique de la DLP"
    fields = ("changed_on", "previous_date", "new_date", "reason", "changed_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class SentenceArrangementInline(admin.TabularInline):
    model = SentenceArrangement
    form = SentenceArrangementAdminForm
    extra = 0
    show_change_link = True
    fields = (
        "kind",
        "status",
        "authority",
        "requested_on",
        "decided_on",
        "start_date",
        "revoked_on",
    )


@admin.register(Incarceration)
class IncarcerationAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """Stays are opened and closed by admission, transfer and release only."""

    # A past stay in one of the operator's prisons stays visible after a transfer elsewhere.
    person_path = "detainee"
    establishment_paths = ("establishment", "detainee__establishment")
    search_lookups = ("detainee__search_text__contains", "ecrou_number__icontains")
    search_fields = ("detainee__search_text", "ecrou_number")
    search_help_text = _DETAINEE_SEARCH_HELP
    list_display = (
        "detainee",
        "establishment",
        "ecrou_number",
        "arrival_date",
        "departure_date",
        "departure_reason",
    )
    list_select_related = ("detainee", "establishment")
    list_filter = (
        ("establishment", EstablishmentChoicesListFilter),
        StayStateListFilter,
        "departure_reason",
    )
    date_hierarchy = "arrival_date"
    show_full_result_count = False


@admin.register(ReleaseDateChange)
class ReleaseDateChangeAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """The history of the DLP: written by release_date_change only."""

    person_path = "detainee"
    establishment_paths = ("detainee__establishment",)
    search_lookups = ("detainee__search_text__contains",)
    search_fields = ("detainee__search_text",)
    search_help_text = _DETAINEE_SEARCH_HELP
    list_display = (
        "detainee",
        "changed_on",
        "previous_date",
        "new_date",
        "shift",
        "reason",
        "changed_by",
        "created_at",
    )
    list_select_related = ("detainee", "changed_by")
    list_filter = ("reason", ("detainee__establishment", EstablishmentChoicesListFilter))
    date_hierarchy = "changed_on"
    show_full_result_count = False

    @admin.display(description="écart (jours)")
    def shift(self, obj):
        days = obj.shift_days
        return None if days is None else f"{days:+d}"


@admin.register(SentenceArrangement)
class SentenceArrangementAdmin(
    PersonalDataAdminMixin, EstablishmentScopedAdminMixin, NormalizedSearchMixin, admin.ModelAdmin
):
    form = SentenceArrangementAdminForm
    person_path = "detainee"
    establishment_paths = ("detainee__establishment",)
    search_lookups = ("detainee__search_text__contains",)
    search_fields = ("detainee__search_text",)
    search_help_text = _DETAINEE_SEARCH_HELP
    list_display = (
        "detainee",
        "establishment",
        "kind",
        "status",
        "authority",
        "requested_on",
        "decided_on",
        "start_date",
    )
    list_select_related = ("detainee__establishment",)
    list_filter = (
        "kind",
        "status",
        "authority",
        ("detainee__establishment", EstablishmentChoicesListFilter),
    )
    date_hierarchy = "requested_on"
    autocomplete_fields = ("detainee",)
    show_full_result_count = False

    @admin.display(description="établissement", ordering="detainee__establishment__name")
    def establishment(self, obj):
        return obj.detainee.establishment


@admin.register(Contact)
class ContactAdmin(
    PersonalDataAdminMixin,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """Contacts are recorded by the CPIP on the person page (contact_record)."""

    person_path = "detainee"
    establishment_paths = ("detainee__establishment",)
    search_lookups = ("detainee__search_text__contains", "detainee__ecrou_number__icontains")
    search_fields = ("detainee__search_text", "detainee__ecrou_number")
    search_help_text = _DETAINEE_SEARCH_HELP
    list_display = ("on_date", "detainee", "kind", "subject", "by")
    list_select_related = ("detainee", "by")
    list_filter = ("kind",)
    ordering = ("-on_date", "-pk")


relation_choices_register(Detainee, lambda user: Detainee.objects.visible_to(user))
