"""The access log in the back-office: read only, scoped to the operator's establishments; and
the mixin that writes the back-office's own reads and writes of personal data into it."""

from django.contrib import admin
from django.contrib.admin.utils import unquote

from insertion.audit.log import Action, record
from insertion.audit.models import AccessLog
from insertion.core.admin import EstablishmentScopedAdminMixin, ReadOnlyAdminMixin


class PersonalDataAdminMixin:
    """A person's data read or changed in the back-office goes to the access log, like in the
    application: the change page and the history (reads), and every addition, change and
    deletion where Django writes its own admin history (after the inlines are saved).

    `person_path` leads from the object to its Detainee: "" for the Detainee itself,
    "detainee" for what belongs to one. Custom actions record what they do themselves.
    """

    person_path: str | None = None

    def person_of(self, obj):
        return obj if self.person_path == "" else getattr(obj, self.person_path)

    def _record(self, request, action: str, obj) -> None:
        record(request=request, action=action, obj=obj, person=self.person_of(obj))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A POST shown again with its errors is a refused attempt (the middleware logs it).
        if change and obj is not None and request.method == "GET":
            self._record(request, Action.ADMIN_READ, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            self._record(request, Action.ADMIN_HISTORY_READ, obj)
        return response

    def log_addition(self, request, obj, message):
        self._record(request, Action.ADMIN_ADD, obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._record(request, Action.ADMIN_CHANGE, obj)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # Called before the rows go, so the person is still there to be named.
        for obj in queryset:
            self._record(request, Action.ADMIN_DELETE, obj)
        return super().log_deletions(request, queryset)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, EstablishmentScopedAdminMixin, admin.ModelAdmin):
    establishment_paths = ("establishment_id",)
    list_display = (
        "at",
        "user",
        "action",
        "object_type",
        "object_id",
        "detainee_id",
        "establishment_id",
        "ip_address",
        "request_id",
    )
    list_select_related = ("user",)
    # Filters by action and kind of object; the period by the date bar; a user by their email,
    # a person by their number (the `personne` column).
    list_filter = ("action", "object_type")
    search_fields = ("user__email", "=detainee_id", "=request_id")
    search_help_text = "Adresse électronique de l'utilisateur, n° de la personne ou de la requête."
    date_hierarchy = "at"
    ordering = ("-at", "-pk")
    fields = list_display
