from django.apps import AppConfig


class PersonConfig(AppConfig):
    """What composes several apps around one person: the person page, admission, transfer and
    release, subject access and retention."""

    name = "insertion.person"
    label = "person"
    verbose_name = "Personne suivie"
