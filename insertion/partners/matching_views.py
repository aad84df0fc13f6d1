"""The people a partner offer fits (issue 16), for the partnerships officers (PARTNER_KEEPERS).

The offer is fetched through `Offer.objects.visible_to(request.user)`: an offer of a company tied
to none of the user's establishments answers 404. The page shows only what matching needs: first
name and initial, establishment, release month, score and reasons; never the offence, the
n° d'écrou, the barriers nor the exact release date. Like the other lists of people, it writes no
line in the access log (tests/test_audit_coverage.py, PEOPLE_LISTS).

Each person of the page whose active agreement covers the offer gets « Envoyer le profil »
(transmission_views.py); the others « Accord de la personne requis ». One query for the page.

The page ranks every person the offer considers (thousands over a DISP) to show 25: the matches
live until the page is written, so the cyclic collector is paused for the view, as for a PDF's
layout (core/collector.py): otherwise it walks the whole heap every other request for nothing
(100 ms and more on the national data set, the page's p95 going from 170 ms to 340 ms).
"""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from insertion.accounts.policy import PARTNER_KEEPERS, role_required
from insertion.core.collector import cyclic_gc_paused
from insertion.core.lists import page_of
from insertion.partners.matching import people_for_offer
from insertion.partners.models import Agreement, Offer

PER_PAGE = 25


@require_GET
@role_required(PARTNER_KEEPERS)
@cyclic_gc_paused()
def offer_matches(request, pk: int):
    offer = get_object_or_404(
        Offer.objects.visible_to(request.user).select_related("company", "establishment"), pk=pk
    )
    today = timezone.localdate()
    matches = people_for_offer(offer, user=request.user, today=today)
    page_obj = page_of(request, matches, per_page=PER_PAGE)
    on_page = [match.person.pk for match in page_obj.object_list]
    agreed = set(
        Agreement.objects.visible_to(request.user)
        .active()
        .covering(offer)
        .filter(detainee_id__in=on_page)
        .values_list("detainee_id", flat=True)
        .order_by()
    )
    for match in page_obj.object_list:
        match.agreed = match.person.pk in agreed
    return render(request, "partners/offer_matches.html", {"offer": offer, "page_obj": page_obj})
