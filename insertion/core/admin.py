"""Back-office pieces shared by the apps' admins: establishment scoping and accent-free search.

Non-superuser staff reach only what belongs to their establishments (DESIGN.md §2): in lists,
change pages, autocompletes, list filters and the choices of relation fields alike.
"""

from django.contrib import admin
from django.db.models import Q, QuerySet

from insertion.accounts.models import User
from insertion.core.text import normalize_search
from insertion.detainees.models import Detainee
from insertion.establishments.models import Establishment


def colleagues_of(user) -> QuerySet:
    """Users who share at least one establishment with `user`, without duplicates.

    A subquery rather than `.distinct()`: admin bulk deletion refuses distinct querysets.
    """
    sharing = User.objects.filter(establishments__in=user.establishment_ids).values("pk")
    return User.objects.filter(pk__in=sharing)


def choices_visible_to(model, user) -> QuerySet | None:
    """What a non-superuser may pick for a relation to `model`; None when nothing to restrict."""
    if user.is_superuser:
        return None
    if model is Establishment:
        return Establishment.objects.filter(pk__in=user.establishment_ids)
    if model is Detainee:
        return Detainee.objects.visible_to(user)
    if model is User:
        return colleagues_of(user)
    return None


class EstablishmentScopedAdminMixin:
    """Rows and relation choices limited to the operator's establishments; superusers see all.

    `establishment_paths` lead from the model to an Establishment; a row is visible when any
    of them is one of the operator's establishments. Override `scope_queryset` when a path
    alone cannot say it.
    """

    establishment_paths: tuple[str, ...] = ()

    def scope_queryset(self, queryset: QuerySet, user) -> QuerySet:
        condition = Q()
        for path in self.establishment_paths:
            condition |= Q(**{f"{path}__in": user.establishment_ids})
        # An admin that forgot its paths must show nothing rather than everything.
        return queryset.filter(condition) if condition else queryset.none()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(queryset, request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = choices_visible_to(db_field.related_model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = choices_visible_to(db_field.related_model, request.user)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class NormalizedSearchMixin:
    """Accent- and case-insensitive search: every word of the term must match one lookup.

    Names are matched on `Detainee.search_text` (already normalised), so the term is normalised
    the same way instead of relying on a database collation that SQLite lacks.
    `search_fields` must still be set: Django shows the search box and allows autocompletes
    only when it is.
    """

    search_lookups: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        for word in normalize_search(search_term).split():
            condition = Q()
            for lookup in self.search_lookups:
                condition |= Q(**{lookup: word})
            queryset = queryset.filter(condition)
        return queryset, False


class EstablishmentChoicesListFilter(admin.RelatedFieldListFilter):
    """Offers only the operator's establishments: the others would always list nothing.

    Cheaper than RelatedOnlyFieldListFilter, which scans the whole table for distinct values.
    """

    def field_choices(self, field, request, model_admin):
        if request.user.is_superuser:
            return super().field_choices(field, request, model_admin)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": request.user.establishment_ids},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


class ReadOnlyAdminMixin:
    """History kept by the service functions: shown, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
