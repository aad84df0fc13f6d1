from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from insertion.accounts.policy import landing_url


def home(request):
    """Send each user to the first page of their role."""
    url = landing_url(request.user)
    if url is None:
        raise PermissionDenied(
            "Votre compte n'a pas encore de rôle : contactez l'administrateur de l'application."
        )
    return redirect(url)
