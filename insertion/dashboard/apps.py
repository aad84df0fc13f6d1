from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "insertion.dashboard"
    label = "dashboard"
    verbose_name = "Tableaux de bord"
