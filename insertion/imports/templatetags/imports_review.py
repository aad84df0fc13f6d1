"""`{% review_waiting as count %}`: how many items of the review queue wait for the user, for
the link « À examiner (N) » of the import pages (one query, insertion/imports/review.py)."""

from django import template

from insertion.imports.review import waiting_count

register = template.Library()


@register.simple_tag(takes_context=True)
def review_waiting(context) -> int:
    return waiting_count(context["request"].user)
