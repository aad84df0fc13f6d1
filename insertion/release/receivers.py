"""What the release plan does when something happens in an app below it."""

from insertion.release.services import release_plan_apply_interview


def plan_follows_interview(sender, *, interview, by, **kwargs) -> None:
    """A validated interview's barriers add or flag the milestones of the person's plan."""
    release_plan_apply_interview(detainee=interview.detainee)
