"""Statistical secrecy in the figures national steering reads."""

from django import template

register = template.Library()

# A count from 1 to 4 could point at a person: shown as "< 5" (0 stays 0).
MASK_BELOW = 5


@register.filter
def masked(value, enabled=True):
    """`{{ n|masked }}`: "< 5" for 1 to 4 when masking is on (`{{ n|masked:mask }}`)."""
    if not enabled or not isinstance(value, int):
        return value
    if 0 < value < MASK_BELOW:
        return f"< {MASK_BELOW}"
    return value


@register.filter
def label(key, labels):
    """`{{ key|label:labels }}`: the French label of a data key (the key itself if none)."""
    return labels.get(key, key) if isinstance(labels, dict) else key
