"""The project's admin site, Django's own with one root fix that every ModelAdmin gets, ours
and third-party ones (django-axes) alike: the date drill-down never answers a server error.

Django turns an impossible date of the drill-down (`?at__month=13`) into its "?e=1" redirect,
but not a year past what Python dates hold (`?at__year=99999999999999999999`, or 9999 whose
following year it computes): those raise OverflowError or ValueError outside its guard. Both
mean the same incorrect parameter.
"""

import functools

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class BoundedDateHierarchyChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


@functools.cache
def _bounded(changelist: type[ChangeList]) -> type[ChangeList]:
    if issubclass(changelist, BoundedDateHierarchyChangeList):
        return changelist
    return type(changelist.__name__, (BoundedDateHierarchyChangeList, changelist), {})


class BoundedDateHierarchyMixin:
    def get_changelist(self, request, **kwargs):
        return _bounded(super().get_changelist(request, **kwargs))


class InsertionAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        # Registration is the one door every ModelAdmin goes through, whoever wrote it.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, BoundedDateHierarchyMixin):
            admin_class = type(
                admin_class.__name__,
                (BoundedDateHierarchyMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)


class InsertionAdminConfig(AdminConfig):
    default_site = "insertion.core.admin_site.InsertionAdminSite"
