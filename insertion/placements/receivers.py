"""What the offers and requests do when something happens in an app below them."""

from insertion.placements.services import requests_from_interview


def requests_follow_interview(sender, *, interview, by, **kwargs) -> None:
    """A validated interview's orientations become requests to the services in charge."""
    requests_from_interview(interview=interview, by=by)
