"""French error pages in the DSFR layout. A stack trace never reaches a user."""

from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def invalid_character(request):
    """The answer to a request carrying a character no page accepts (a NUL, see the middleware).

    No request context: the request is refused before the session, the user and the CSP nonce
    exist, and nothing of it may reach the database.
    """
    page = loader.get_template("errors/400_invalid_character.html").render()
    return HttpResponseBadRequest(page)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the 500 page must render even when the database is down.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
