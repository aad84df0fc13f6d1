from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "insertion.audit"
    label = "audit"
    verbose_name = "Journal des accès"
