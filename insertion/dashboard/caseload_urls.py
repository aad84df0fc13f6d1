from django.urls import path

from insertion.dashboard import caseload_views, team_views

app_name = "caseload"
urlpatterns = [
    path("portefeuille/", caseload_views.caseload_dashboard, name="dashboard"),
    path("portefeuille/export.csv", caseload_views.caseload_export, name="export"),
    path("equipe/", team_views.team_overview, name="team"),
    path("equipe/reattribuer/", team_views.team_reassign, name="reassign"),
]
