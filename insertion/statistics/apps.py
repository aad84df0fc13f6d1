from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "insertion.statistics"
    label = "statistics"
    verbose_name = "Statistiques de pilotage"
