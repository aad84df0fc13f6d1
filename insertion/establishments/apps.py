from django.apps import AppConfig


class EstablishmentsConfig(AppConfig):
    name = "insertion.establishments"
    label = "establishments"
    verbose_name = "Établissements"
