from django.shortcuts import render

from insertion.accounts.policy import SYNTHESIS_READERS, role_required
from insertion.establishments.models import Establishment


@role_required(SYNTHESIS_READERS)
def synthesis_list(request):
    """Syntheses received by the user's establishments.

    Syntheses are produced once interviews are validated (synthesis issue); until then the
    page names the establishments it covers and says that nothing has been received yet.
    """
    establishments = Establishment.objects.visible_to(request.user).order_by("name")
    return render(
        request,
        "entretiens/synthesis_list.html",
        {"establishments": establishments},
    )
