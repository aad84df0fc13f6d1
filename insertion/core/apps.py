from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "insertion.core"
    label = "core"
    verbose_name = "Socle"
