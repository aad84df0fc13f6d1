"""Statistical secrecy in the figures national steering reads."""

from django import template

register = template.Library()

# One mark for every hidden count: a small count and a count hidden so that a small one cannot
# be recomputed must look alike (insertion/core/secrecy.py).
HIDDEN_MARK = "secret"


@register.filter
def figure(counts, measure):
    """`{{ row|figure:"held" }}`: the count, or the mark when `measure` is in `row.secret`."""
    if measure in counts.secret:
        return HIDDEN_MARK
    return getattr(counts, measure)


@register.filter
def label(key, labels):
    """`{{ key|label:labels }}`: the French label of a data key (the key itself if none)."""
    return labels.get(key, key) if isinstance(labels, dict) else key
