from django.apps import AppConfig


class PersonConfig(AppConfig):
    """What composes several apps around one person: the person page, admission, transfer and
    release, subject access and retention."""

    name = "insertion.person"
    label = "person"
    verbose_name = "Personne suivie"

    def ready(self):
        from insertion.partners.signals import referral_outcome
        from insertion.person.receivers import plan_follows_referral, plan_follows_request
        from insertion.placements.signals import request_changed

        # The requests and the referrals sit beside the plans and cannot call them: they say
        # what changed.
        request_changed.connect(plan_follows_request, dispatch_uid="person-plan-request")
        referral_outcome.connect(plan_follows_referral, dispatch_uid="person-plan-referral")
