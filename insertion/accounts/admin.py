from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    ReadOnlyPasswordHashWidget,
    UserChangeForm,
)
from django.db.models import QuerySet
from django.urls import reverse

from insertion.accounts.models import User
from insertion.core.admin import (
    EstablishmentChoicesListFilter,
    EstablishmentScopedAdminMixin,
    relation_choices_register,
)


def colleagues_of(user) -> QuerySet:
    """Users who share at least one establishment with `user`, without duplicates.

    A subquery rather than `.distinct()`: admin bulk deletion refuses distinct querysets.
    """
    sharing = User.objects.filter(establishments__in=user.establishment_ids).values("pk")
    return User.objects.filter(pk__in=sharing)


relation_choices_register(User, colleagues_of)

_EMAIL_TAKEN = "Un compte existe déjà avec cette adresse électronique."


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")
        error_messages = {"email": {"unique": _EMAIL_TAKEN}}

    def clean_email(self):
        # Lower-cased before the uniqueness check, as User.save() stores it.
        return self.cleaned_data["email"].lower()


class PasswordHashWidget(ReadOnlyPasswordHashWidget):
    """Gives Django's widget template the `password_url` it otherwise falls back from.

    The template reads `{{ password_url|default:"../password/" }}`, an undefined variable
    that the test suite (--fail-on-template-vars) rightly refuses.
    """

    def __init__(self, *, password_url: str, **kwargs):
        super().__init__(**kwargs)
        self.password_url = password_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["password_url"] = self.password_url
        return context


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        error_messages = {"email": {"unique": _EMAIL_TAKEN}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        password = self.fields.get("password")
        if password and self.instance.pk:
            password.widget = PasswordHashWidget(
                password_url=reverse("admin:auth_user_password_change", args=[self.instance.pk])
            )

    def clean_email(self):
        return self.cleaned_data["email"].lower()


@admin.register(User)
class UserAdmin(EstablishmentScopedAdminMixin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Affectation", {"fields": ("role", "establishments", "probation_service")}),
        (
            "Droits d'accès",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Dates importantes", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = (
        "email",
        "last_name",
        "first_name",
        "role",
        "probation_service",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_select_related = ("probation_service",)
    list_filter = (
        "role",
        "is_staff",
        "is_superuser",
        "is_active",
        ("establishments", EstablishmentChoicesListFilter),
    )
    search_fields = ("email", "first_name", "last_name")
    ordering = ("last_name", "first_name", "email")
    filter_horizontal = ("establishments", "groups", "user_permissions")
    readonly_fields = ("last_login", "date_joined")

    def scope_queryset(self, queryset, user):
        # A staff member who could open a superuser's page could reset its password.
        return queryset.filter(pk__in=colleagues_of(user).values("pk"), is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        # Only superusers hand out rights: staff could otherwise grant themselves anything.
        return (*readonly, "is_superuser", "groups", "user_permissions")

    def save_related(self, request, form, formsets, change):
        # The form offers only the operator's establishments; without this, saving would
        # silently detach the user from the establishments the operator cannot see.
        kept = []
        if change and not request.user.is_superuser and "establishments" in form.fields:
            kept = list(form.instance.establishments.exclude(pk__in=request.user.establishment_ids))
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.establishments.add(*kept)
