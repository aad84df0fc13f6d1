"""The runs of the statistics snapshot, for the administrators (read-only): when the nightly
refresh last ran, how long it took, over what. The figures themselves are read in the pages.

And the monthly report by email: who subscribed (a subscription may be deleted here, for an
account that should not receive it any more), the reports rendered and their emails (read-only:
the outbox is worked by dashboard/indicators/report.py)."""

from django.contrib import admin
from django.db.models.functions import Length

from insertion.core.admin import ReadOnlyAdminMixin
from insertion.statistics.models import (
    MonthlyReport,
    MonthlyReportDelivery,
    Refresh,
    ReportSubscription,
)


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


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__last_name")
    fields = list_display

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("month", "computed_at", "created_at", "size")
    fields = list_display

    def get_queryset(self, request):
        # The list shows the PDF's size, never loads it.
        return super().get_queryset(request).defer("pdf").annotate(pdf_size=Length("pdf"))

    @admin.display(description="taille (octets)")
    def size(self, report: MonthlyReport) -> int:
        return report.pdf_size


@admin.register(MonthlyReportDelivery)
class MonthlyReportDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("month", "user", "created_at", "sent_at", "attempts", "last_error")
    list_select_related = ("user",)
    list_filter = ("month",)
    search_fields = ("user__email",)
    fields = (
        "month",
        "user",
        "created_at",
        "email_claimed_at",
        "sent_at",
        "attempts",
        "last_error",
    )
