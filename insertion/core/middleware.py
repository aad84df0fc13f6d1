"""Request id and Permissions-Policy for every response; NUL refused in every input."""

import itertools
import re
import uuid

from insertion.core.errors import invalid_character

# A request id given by the proxy in front (X-Request-ID) is kept if it looks like one.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Browser features the application never uses are turned off (Django sets the other headers).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


class RequestIdMiddleware:
    """`request.request_id`, written in the access log and sent back as X-Request-ID, so that a
    line of the log and of the proxy's log can be matched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


NUL = "\x00"


def _carries_nul(request) -> bool:
    texts = [request.path_info]
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            texts.append(key)
            texts.extend(values)
    texts.extend(itertools.chain.from_iterable(request.COOKIES.items()))
    texts.extend(value for key, value in request.META.items() if key.startswith("HTTP_"))
    return any(NUL in text for text in texts)


class RefuseNulMiddleware:
    """A NUL character in the path, the query string, a form body, a cookie or a header answers
    400 with the French error page, before anything reads it.

    PostgreSQL refuses NUL in text: a search for "a\\x00b" or a session cookie carrying one was
    a server error. Refused rather than removed: no browser sends NUL from what a person typed,
    and removing it would silently change a value (a password "a\\x00b" would log in as "ab").
    Placed before the session middleware, whose cookie goes to the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            return invalid_character(request)
        return self.get_response(request)
