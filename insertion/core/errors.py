"""French error pages in the DSFR layout. A stack trace never reaches a user."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the 500 page must render even when the database is down.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
