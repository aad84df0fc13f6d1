"""The one place that logs refused attempts on personal data.

Reads and writes are logged by the views that do them (`record`, insertion/audit/log.py). A POST
on a URL that changes a person's file and that wrote no line was refused — a form sent back
with its errors (htmx answers those with 200), a service refusal, 403 or 404 — and leaves one
line `tentative.refusee` naming the URL's object.
"""

from django.urls import resolve
from django.urls.exceptions import Resolver404

from insertion.audit.log import Action, lines_written, record
from insertion.core.text import parse_id

# The application's URLs whose POSTs change a person's file; `pk` names the person in "person".
PERSONAL_DATA_NAMESPACES = {"person", "entretiens"}
PERSONAL_DATA_URL_NAMES = {
    "caseload:reassign",
    "imports:review_row",
    "imports:review_divergence",
    # A person's requests for work, training, classes (`pk` names the request).
    "placements:request_create",
    "placements:request_examine",
    "placements:request_allocate",
    "placements:request_refuse",
    "placements:request_withdraw",
    "placements:request_finish",
    "placements:request_rank",
}


def _target(match) -> dict | None:
    """What the URL is about, or None when it holds no personal data."""
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is not None:
        # The back-office: the admins of personal data declare how to find the person.
        person_path = getattr(model_admin, "person_path", None)
        if person_path is None:
            return None
        object_id = parse_id(match.kwargs.get("object_id", ""))
        return {
            "object_type": model_admin.opts.model_name,
            "object_id": object_id,
            "detainee_id": object_id if person_path == "" else None,
        }
    if match.namespace not in PERSONAL_DATA_NAMESPACES and (
        match.view_name not in PERSONAL_DATA_URL_NAMES
    ):
        return None
    pk = match.kwargs.get("pk")
    is_person = match.namespace == "person"
    return {
        "object_type": "detainee" if is_person else match.namespace,
        "object_id": pk,
        "detainee_id": pk if is_person else None,
    }


class RefusedAttemptLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "POST" or lines_written(request):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return response
        target = _target(match)
        if target is not None:
            record(request=request, action=Action.REFUSED, **target)
        return response
