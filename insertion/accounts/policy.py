"""Who may open which page: one place for the role rules of the views.

Object scoping (which people a user reaches) lives in each model's `visible_to(user)`;
this module says which roles may open a kind of page at all. A wrong role gets 403.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from insertion.accounts.models import Role

# Roles that may open the person list and person pages (DESIGN.md §2).
PERSON_READERS = frozenset({Role.CPIP, Role.INTERVIEWER, Role.MANAGER})
# Roles that also see release dates, their history and sentence arrangements.
SENTENCE_READERS = frozenset({Role.CPIP, Role.MANAGER})
SYNTHESIS_READERS = frozenset({Role.PRISON_TEAM, Role.MANAGER})
# Interviewers create and edit the interviews of their establishments' arrivals; the others
# read validated interviews (national steering sees none).
INTERVIEW_WRITERS = frozenset({Role.INTERVIEWER})
INTERVIEW_READERS = frozenset({Role.CPIP, Role.MANAGER, Role.PRISON_TEAM})
ESTABLISHMENT_STATISTICS_READERS = frozenset({Role.MANAGER})
# Release preparation: the caseload dashboard and the plans are read by CPIP and managers; a plan
# is changed by the CPIP referent of the person only (`may_edit_plan`); managers reassign.
CASELOAD_READERS = frozenset({Role.CPIP, Role.MANAGER})
PLAN_READERS = frozenset({Role.CPIP, Role.MANAGER})
TEAM_MANAGERS = frozenset({Role.MANAGER})
NATIONAL_STATISTICS_READERS = frozenset({Role.NATIONAL})
# The steering indicators (issue 15): national steering (the country, statistical secrecy) and
# managers (their establishments, exact figures).
INDICATOR_READERS = NATIONAL_STATISTICS_READERS | ESTABLISHMENT_STATISTICS_READERS
# Offers and requests (issue 14): the prison teams and the managers keep the establishment's
# offers and work its requests (examine, waiting list, allocation); a CPIP also makes requests
# for the people of their establishments and records that a person withdrew one.
PLACEMENT_KEEPERS = frozenset({Role.PRISON_TEAM, Role.MANAGER})
# Partner companies and their offers (issue 16): the partnerships officers of a DISP or a SPIP,
# scoped to their establishments (administrators reach them in the back-office).
PARTNER_KEEPERS = frozenset({Role.PARTNERSHIPS})
# The person's agreement that their profile goes to a partner company is recorded, and withdrawn,
# by the CPIP and the managers of the person's establishment; the partnerships officers send the
# profile once it is given.
AGREEMENT_KEEPERS = frozenset({Role.CPIP, Role.MANAGER})
PROFILE_SENDERS = PARTNER_KEEPERS
# A person's referral to a partner offer, and each step of its outcome, is recorded by the
# partnerships officers and by the CPIP and managers of the person's establishment.
REFERRAL_KEEPERS = PARTNER_KEEPERS | AGREEMENT_KEEPERS
REQUEST_MAKERS = frozenset({Role.CPIP, Role.PRISON_TEAM, Role.MANAGER})

_LANDING_URL_NAMES = {
    Role.CPIP: "caseload:dashboard",
    Role.INTERVIEWER: "entretiens:worklist",
    Role.PRISON_TEAM: "placements:queue",
    Role.MANAGER: "dashboard:establishments",
    Role.NATIONAL: "dashboard:national",
    Role.PARTNERSHIPS: "partners:companies",
}


def has_role(user, roles) -> bool:
    return user.is_authenticated and user.role in roles


def landing_url(user) -> str | None:
    """The first page of a user after login; None when their account has no usable role."""
    name = _LANDING_URL_NAMES.get(user.role)
    if name:
        return reverse(name)
    if user.is_staff:
        return reverse("admin:index")
    return None


def may_edit_plan(user, detainee) -> bool:
    """The CPIP referent of a person held changes their release plan and records contacts."""
    return (
        user.is_authenticated
        and user.role == Role.CPIP
        and detainee.referent_id == user.pk
        and not detainee.is_released
    )


def may_record_release(user, detainee) -> bool:
    """The CPIP referent records the release, and so does a manager of the establishment (the
    person is reached through the user's establishments before this is asked)."""
    if detainee.is_released:
        return False
    return may_edit_plan(user, detainee) or (user.is_authenticated and user.role == Role.MANAGER)


def role_required(roles):
    """View decorator: 403 for a logged-in user whose role is not in `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, roles):
                raise PermissionDenied("Votre rôle ne donne pas accès à cette page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
