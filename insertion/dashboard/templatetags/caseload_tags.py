"""What a cell of the caseload table says (the wording is caseload/labels.py's, shared with the
CSV)."""

from django import template

from insertion.dashboard.caseload import labels

register = template.Library()


@register.filter
def days_left(expected_release_date, today):
    return labels.days_left_label(expected_release_date, today)


@register.filter
def interview_label(person):
    return labels.interview_label(person.interview_status, person.interview_version)


@register.filter
def synthesis_label(person):
    return labels.synthesis_label(person.synthesis_status)


@register.filter
def arrangement_abbreviation(person):
    return labels.arrangement_abbreviation(person.arrangement_kind)


@register.filter
def arrangement_status_label(person):
    return labels.arrangement_status_label(person.arrangement_status)


@register.filter
def requests_label(person):
    return labels.requests_label(
        person.requests_to_review, person.requests_waiting, person.requests_allocated
    )
