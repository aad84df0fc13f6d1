from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.templatetags.static import static

from insertion.accounts.policy import landing_url


def home(request):
    """Send each user to the first page of their role."""
    url = landing_url(request.user)
    if url is None:
        raise PermissionDenied(
            "Votre compte n'a pas encore de rôle : contactez l'administrateur de l'application."
        )
    return redirect(url)


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico on pages that declare none (the admin): the DSFR one.

    Resolved per request, not at import: the hashed name exists only after collectstatic.
    """
    return redirect(static("dsfr/dist/favicon/favicon.ico"), permanent=True)
