from django.conf import settings
from django.core.checks import Error, register


@register("security", deploy=False)
def demo_second_factor_exemption(app_configs, **kwargs):
    """The demo may skip the second factor for its fictional accounts; production never."""
    if settings.DEMO_SKIP_2FA and not settings.DEBUG:
        return [
            Error(
                "DEMO_SKIP_2FA est activé alors que DJANGO_DEBUG est désactivé : la double "
                "authentification est obligatoire en production.",
                hint="Retirez DEMO_SKIP_2FA de l'environnement.",
                id="insertion.E001",
            )
        ]
    return []
