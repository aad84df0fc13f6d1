"""Back-office pieces shared by the apps' admins: establishment scoping and accent-free search.

Non-superuser staff reach only what belongs to their establishments (DESIGN.md §2): in lists,
change pages, autocompletes, list filters and the choices of relation fields alike.
"""

from collections.abc import Callable

from django.contrib import admin
from django.db.models import Q, QuerySet

from insertion.core.text import search_condition

# What a non-superuser may pick for a relation to a model, registered by the app of the model
# (`relation_choices_register`); models not registered are not restricted.
_RELATION_CHOICES: dict[type, Callable[[object], QuerySet]] = {}


def relation_choices_register(model: type, choices: Callable[[object], QuerySet]) -> None:
    """Declare `choices(user)`: the rows of `model` a non-superuser may pick in a form."""
    _RELATION_CHOICES[model] = choices


def choices_visible_to(model, user) -> QuerySet | None:
    """What a non-superuser may pick for a relation to `model`; None when nothing to restrict."""
    if user.is_superuser or model not in _RELATION_CHOICES:
        return None
    return _RELATION_CHOICES[model](user)


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
        return queryset.filter(search_condition(search_term, *self.search_lookups)), False


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
