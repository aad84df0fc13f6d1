from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.templatetags.static import static


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico on pages that declare none (the admin): the DSFR one.

    Resolved per request, not at import: the hashed name exists only after collectstatic.
    """
    return redirect(static("dsfr/dist/favicon/favicon.ico"), permanent=True)
