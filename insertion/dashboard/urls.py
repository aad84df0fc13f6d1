from django.urls import path

from insertion.dashboard import views
from insertion.dashboard.indicators import exports, report_views
from insertion.dashboard.indicators import views as indicators_views

app_name = "dashboard"
urlpatterns = [
    path("etablissements/", views.establishments_overview, name="establishments"),
    path("national/", views.national_overview, name="national"),
    path("indicateurs/", indicators_views.indicators, name="indicators"),
    path(
        "indicateurs/export/<slug:slug>.<str:file_format>",
        exports.export_table,
        name="indicators_export",
    ),
    path("indicateurs/rapport.pdf", report_views.report_pdf, name="indicators_report"),
    path(
        "indicateurs/abonnement/",
        report_views.subscription,
        name="indicators_subscription",
    ),
]
