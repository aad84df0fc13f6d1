from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo data set and its commands (seed_demo, demo_banner)."""

    name = "insertion.demo"
    label = "demo"
    verbose_name = "Données de démonstration"
