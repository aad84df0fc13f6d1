"""Every write on personal data goes to the access log, in one place: a POST answered below 400
on a URL that changes a person's file — done, or refused with the form shown again (htmx answers
200 with the errors: the attempt is logged too). The line names the URL (the action) and the
object of its address; reads are logged by the views that show personal data."""

from django.urls import resolve
from django.urls.exceptions import Resolver404

from insertion.audit.models import access_record

# URL namespaces whose POSTs change personal data (release plans, interviews, referents).
WRITE_NAMESPACES = {"release", "entretiens"}
WRITE_URL_NAMES = {"caseload:reassign"}


class WriteAccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "POST" or response.status_code >= 400:
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return response
        if match.namespace not in WRITE_NAMESPACES and match.view_name not in WRITE_URL_NAMES:
            return response
        pk = match.kwargs.get("pk")
        is_person = match.namespace == "release"
        access_record(
            request=request,
            action=f"ecriture.{match.view_name}"[:40],
            object_type="detainee" if is_person else match.namespace,
            object_id=pk,
            detainee_id=pk if is_person else None,
        )
        return response
