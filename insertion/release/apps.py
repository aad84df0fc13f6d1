from django.apps import AppConfig


class ReleaseConfig(AppConfig):
    name = "insertion.release"
    label = "release"
    verbose_name = "Préparation à la sortie"
