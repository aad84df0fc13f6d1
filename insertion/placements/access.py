"""Which establishment a page of offers and requests shows, and who may do what there.

The prison teams and the managers keep the offers and work the requests of their own
establishments; a user of several establishments picks one with `?etablissement=<id>` (the
first by name otherwise). An establishment the user does not work in answers 404, like every
object out of reach.
"""

from django.http import Http404

from insertion.core.text import parse_id
from insertion.establishments.models import Establishment

ESTABLISHMENT_PARAMETER = "etablissement"


def establishments_of(user) -> list[Establishment]:
    """The establishments whose offers and requests the user works on, by name. National
    steering works on none (it reads aggregates elsewhere)."""
    if not user.is_authenticated or (user.sees_all_establishments and not user.is_superuser):
        return []
    return list(Establishment.objects.visible_to(user).order_by("name", "pk"))


def chosen_establishment(request, establishments: list[Establishment]) -> Establishment | None:
    """The establishment named by `?etablissement=` (POST data first), 404 when the user does
    not work there; the first of `establishments` when none is named; None when they are none."""
    raw = request.POST.get(ESTABLISHMENT_PARAMETER) or request.GET.get(ESTABLISHMENT_PARAMETER)
    if raw:
        wanted = parse_id(raw)
        for establishment in establishments:
            if establishment.pk == wanted:
                return establishment
        raise Http404
    return establishments[0] if establishments else None
