from django.apps import AppConfig


class ReleaseConfig(AppConfig):
    name = "insertion.release"
    label = "release"
    verbose_name = "Préparation à la sortie"

    def ready(self):
        from entretiens.signals import interview_validated
        from insertion.release.receivers import plan_follows_interview

        # The interviews app sits below this one and cannot call it: it says it validated.
        interview_validated.connect(plan_follows_interview, dispatch_uid="release-plan-interview")
