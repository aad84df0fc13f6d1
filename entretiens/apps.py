from django.apps import AppConfig


class EntretiensConfig(AppConfig):
    name = "entretiens"
    verbose_name = "Entretiens socio-professionnels"
