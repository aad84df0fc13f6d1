from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """The people come in from the prison information system's extraction: the files received,
    their runs (preview, apply, report) and the review of conflicts and divergences."""

    name = "insertion.imports"
    label = "imports"
    verbose_name = "Imports de l'extraction pénitentiaire"

    def ready(self):
        from insertion.imports.receivers import erase_anonymised_people
        from insertion.person.signals import people_anonymised

        people_anonymised.connect(erase_anonymised_people, dispatch_uid="imports_anonymised")
