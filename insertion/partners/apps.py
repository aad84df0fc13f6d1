from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "insertion.partners"
    label = "partners"
    verbose_name = "Entreprises partenaires"
