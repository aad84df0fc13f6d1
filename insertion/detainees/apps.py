from django.apps import AppConfig


class DetaineesConfig(AppConfig):
    name = "insertion.detainees"
    label = "detainees"
    verbose_name = "Personnes détenues"
