"""Request id and Permissions-Policy for every response."""

import re
import uuid

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
