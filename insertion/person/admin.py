"""The back-office page of a person: admission on add, DLP changes and the release through the
services on change, the subject-access export, the plan opened when a referent is named."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from insertion.audit.admin import PersonalDataAdminMixin
from insertion.audit.log import Action, record
from insertion.core.admin import (
    EstablishmentChoicesListFilter,
    EstablishmentScopedAdminMixin,
    NormalizedSearchMixin,
)
from insertion.detainees.admin import (
    _DETAINEE_SEARCH_HELP,
    IncarcerationInline,
    ReleaseDateChangeInline,
    SentenceArrangementInline,
)
from insertion.detainees.models import (
    Detainee,
    Incarceration,
    ReleaseDateChangeReason,
)
from insertion.detainees.services import release_date_change_check
from insertion.person.services import detainee_admit, detainee_release, release_date_change
from insertion.person.subject_access import subject_access_zip
from insertion.release.services import release_plan_create

_IDENTITY_FIELDSET = ("Identité", {"fields": ("last_name", "first_name", "birth_date", "sex")})
# Set at admission; a transfer (detainee_transfer) changes them, not a plain edit.
_STAY_FIELDS_SET_BY_SERVICES = ("establishment", "ecrou_number", "custody_start", "arrival_date")


class ReleaseStateListFilter(admin.SimpleListFilter):
    title = "situation"
    parameter_name = "situation"

    def lookups(self, request, model_admin):
        return [("detenue", "Détenue"), ("liberee", "Libérée")]

    def queryset(self, request, queryset):
        if self.value() == "detenue":
            return queryset.held()
        if self.value() == "liberee":
            return queryset.released()
        return queryset


class DetaineeAdminForm(forms.ModelForm):
    """Admission on add; on change, DLP changes and the release go through the services.

    The checks mirror the services' and the database constraints that Django cannot check
    itself here (their other field is read-only), so the operator reads a French error
    instead of a crash. No Meta: the admin builds the form with the fields of its fieldsets.
    """

    new_expected_release_date = forms.DateField(
        label="Nouvelle DLP",
        required=False,
        widget=AdminDateWidget,
        help_text="La DLP actuelle est conservée dans l'historique avec le motif.",
    )
    release_date_change_reason = forms.ChoiceField(
        label="Motif du changement",
        required=False,
        choices=[
            ("", "---------"),
            *(
                choice
                for choice in ReleaseDateChangeReason.choices
                if choice[0] != ReleaseDateChangeReason.INITIAL
            ),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Declared fields stay on every admin form: drop them where a DLP change cannot happen.
        if self.instance._state.adding or self.instance.is_released:
            del self.fields["new_expected_release_date"]
            del self.fields["release_date_change_reason"]

    def clean(self):
        cleaned_data = super().clean()
        if self.instance._state.adding:
            self._clean_admission(cleaned_data)
        else:
            self._clean_birth_date(cleaned_data, custody_start=self.instance.custody_start)
            self._clean_release_date_change(cleaned_data)
            self._clean_release(cleaned_data)
        return cleaned_data

    def _clean_birth_date(self, cleaned_data, *, custody_start):
        birth_date = cleaned_data.get("birth_date")
        if birth_date and custody_start and birth_date >= custody_start:
            self.add_error("birth_date", "La date de naissance doit précéder la date d'écrou.")

    def _clean_admission(self, cleaned_data):
        arrival_date = cleaned_data.get("arrival_date")
        self._clean_birth_date(cleaned_data, custody_start=arrival_date)
        expected = cleaned_data.get("expected_release_date")
        if arrival_date and expected and expected < arrival_date:
            self.add_error(
                "expected_release_date", "La DLP ne peut pas précéder la date d'arrivée."
            )
        establishment = cleaned_data.get("establishment")
        ecrou_number = cleaned_data.get("ecrou_number")
        # Past stays keep their écrou number, so a free Detainee row is not enough.
        if (
            establishment
            and ecrou_number
            and Incarceration.objects.filter(
                establishment=establishment, ecrou_number=ecrou_number
            ).exists()
        ):
            self.add_error(
                "ecrou_number", "Ce n° d'écrou est déjà attribué dans cet établissement."
            )

    def _clean_release_date_change(self, cleaned_data):
        detainee = self.instance
        new_date = cleaned_data.get("new_expected_release_date")
        reason = cleaned_data.get("release_date_change_reason")
        if not new_date:
            if reason:
                self.add_error("new_expected_release_date", "Indiquez la nouvelle DLP.")
            return
        try:
            release_date_change_check(detainee=detainee, new_date=new_date, reason=reason or "")
        except ValidationError as error:
            field = (
                "release_date_change_reason"
                if error.code == "reason_missing"
                else "new_expected_release_date"
            )
            self.add_error(field, error)

    def _clean_release(self, cleaned_data):
        if "release_date" not in self.fields:
            return
        release_date = cleaned_data.get("release_date")
        release_kind = cleaned_data.get("release_kind")
        if release_date and not release_kind:
            self.add_error("release_kind", "Indiquez le type de sortie.")
        if release_kind and not release_date:
            self.add_error("release_date", "Indiquez la date de libération.")
        if release_date and release_date < self.instance.arrival_date:
            self.add_error(
                "release_date", "La date de libération précède l'arrivée dans l'établissement."
            )


@admin.register(Detainee)
class DetaineeAdmin(
    PersonalDataAdminMixin, EstablishmentScopedAdminMixin, NormalizedSearchMixin, admin.ModelAdmin
):
    form = DetaineeAdminForm
    person_path = ""
    establishment_paths = ("establishment",)
    search_lookups = ("search_text__contains",)
    search_fields = ("search_text",)
    search_help_text = _DETAINEE_SEARCH_HELP
    list_display = (
        "last_name",
        "first_name",
        "ecrou_number",
        "establishment",
        "referent",
        "arrival_date",
        "expected_release_date",
        "release_date",
        "release_kind",
    )
    list_select_related = ("establishment", "referent")
    list_filter = (
        ("establishment", EstablishmentChoicesListFilter),
        ReleaseStateListFilter,
        "legal_status",
        "offence_category",
        "sex",
        "release_kind",
    )
    date_hierarchy = "arrival_date"
    autocomplete_fields = ("referent",)
    actions = ["export_subject_access"]

    @admin.action(description="Exporter toutes ses données (droit d'accès, PDF et JSON)")
    def export_subject_access(self, request, queryset):
        """One person at a time: the ZIP of insertion/person/subject_access.py, logged."""
        people = list(queryset.select_related("establishment", "referent")[:2])
        if len(people) != 1:
            self.message_user(
                request,
                "Sélectionnez une seule personne pour l'export de ses données.",
                messages.ERROR,
            )
            return None
        detainee = people[0]
        name, data = subject_access_zip(detainee)
        record(request=request, action=Action.PERSON_EXPORT, obj=detainee, person=detainee)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response

    # Counting every person of the country again on each page is a query we do not need.
    show_full_result_count = False

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                _IDENTITY_FIELDSET,
                (
                    "Écrou",
                    {
                        "fields": (
                            "establishment",
                            "ecrou_number",
                            "arrival_date",
                            "legal_status",
                            "offence_category",
                            "referent",
                        )
                    },
                ),
                ("Date de libération prévisible (DLP)", {"fields": ("expected_release_date",)}),
            ]
        release_date_fields = ["expected_release_date"]
        if self.has_change_permission(request, obj) and not obj.is_released:
            release_date_fields += ["new_expected_release_date", "release_date_change_reason"]
        return [
            _IDENTITY_FIELDSET,
            (
                "Écrou",
                {
                    "fields": (
                        *_STAY_FIELDS_SET_BY_SERVICES,
                        "legal_status",
                        "offence_category",
                        "referent",
                    ),
                    "description": "L'établissement et le n° d'écrou changent lors d'un "
                    "transfert, qui ne se saisit pas ici.",
                },
            ),
            (
                "Date de libération prévisible (DLP)",
                {
                    "fields": release_date_fields,
                    "description": "Chaque changement de DLP est conservé avec son motif "
                    "(historique plus bas).",
                },
            ),
            (
                "Libération",
                {
                    "fields": ("release_date", "release_kind"),
                    "description": "Une fois enregistrée, la libération clôt l'incarcération "
                    "en cours et ne se modifie plus.",
                },
            ),
            ("Suivi", {"fields": ("created_at", "updated_at")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = (
            *_STAY_FIELDS_SET_BY_SERVICES,
            "expected_release_date",
            "created_at",
            "updated_at",
        )
        if obj.is_released:
            readonly += ("release_date", "release_kind")
        return readonly

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [IncarcerationInline, ReleaseDateChangeInline, SentenceArrangementInline]

    def save_model(self, request, obj, form, change):
        if not change:
            self._admit(request, obj)
            return
        releasing = "release_date" in form.changed_data and obj.release_date is not None
        release_date, release_kind = obj.release_date, obj.release_kind
        if releasing:
            # detainee_release refuses a person already marked released: it records it.
            obj.release_date, obj.release_kind = None, ""
        super().save_model(request, obj, form, change)
        if "referent" in form.changed_data and obj.referent_id:
            # Naming a referent opens the release plan (as everywhere else).

            release_plan_create(detainee=obj, by=request.user)
        new_date = form.cleaned_data.get("new_expected_release_date")
        if new_date:
            release_date_change(
                detainee=obj,
                new_date=new_date,
                reason=form.cleaned_data.get("release_date_change_reason", ""),
                by=request.user,
            )
        if releasing:
            detainee_release(detainee=obj, on_date=release_date, kind=release_kind, by=request.user)
        if new_date or releasing:
            obj.refresh_from_db()

    def _admit(self, request, obj):
        """Admission through the service, so the open stay and the first DLP exist too."""
        admitted = detainee_admit(
            establishment=obj.establishment,
            ecrou_number=obj.ecrou_number,
            last_name=obj.last_name,
            first_name=obj.first_name,
            birth_date=obj.birth_date,
            sex=obj.sex,
            arrival_date=obj.arrival_date,
            legal_status=obj.legal_status,
            offence_category=obj.offence_category,
            expected_release_date=obj.expected_release_date,
            referent=obj.referent,
            by=request.user,
        )
        # The admin goes on with the form's instance (log entry, redirect): make it that row.
        obj.pk = admitted.pk
        obj._state.adding = False
        obj.refresh_from_db()
