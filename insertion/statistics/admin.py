"""The runs of the statistics snapshot, for the administrators (read-only): when the nightly
refresh last ran, how long it took, over what. The figures themselves are read in the pages."""

from django.contrib import admin

from insertion.core.admin import ReadOnlyAdminMixin
from insertion.statistics.models import Refresh


@admin.register(Refresh)
class RefreshAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "today",
        "first_month",
        "last_month",
        "establishment_count",
        "everywhere",
        "rows",
    )
    list_filter = ("everywhere",)
    date_hierarchy = "started_at"
    fields = list_display
