from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "insertion.placements"
    label = "placements"
    verbose_name = "Offres et demandes"

    def ready(self):
        from entretiens.signals import interview_validated
        from insertion.placements.receivers import requests_follow_interview

        # The interviews app sits below this one and cannot call it: it says it validated.
        interview_validated.connect(
            requests_follow_interview, dispatch_uid="placements-requests-interview"
        )
