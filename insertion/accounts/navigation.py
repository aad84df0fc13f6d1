from django.urls import reverse

from insertion.accounts.models import Role
from insertion.accounts.policy import (
    PARTNER_KEEPERS,
    PERSON_READERS,
    PLACEMENT_KEEPERS,
    SYNTHESIS_READERS,
)


def navigation(request) -> dict:
    """Main navigation entries for the user's role (the header reads `nav_items`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.role == Role.CPIP:
        items.append(("Mon portefeuille", reverse("caseload:dashboard")))
    if user.role == Role.INTERVIEWER:
        items.append(("Entretiens", reverse("entretiens:worklist")))
    if user.role in PERSON_READERS:
        items.append(("Personnes détenues", reverse("detainees:list")))
    if user.role in PLACEMENT_KEEPERS:
        items.append(("Activités", reverse("placements:queue")))
        items.append(("Offres", reverse("placements:offers")))
    if user.role in SYNTHESIS_READERS:
        items.append(("Synthèses", reverse("entretiens:syntheses")))
    if user.role == Role.MANAGER:
        items.append(("Mes établissements", reverse("dashboard:establishments")))
        items.append(("Indicateurs", reverse("dashboard:indicators")))
        items.append(("Portefeuilles", reverse("caseload:dashboard")))
        items.append(("Équipe", reverse("caseload:team")))
        items.append(("Destinataires des synthèses", reverse("establishments:recipients")))
    if user.role == Role.MANAGER or user.is_superuser:
        items.append(("Imports", reverse("imports:list")))
    if user.role == Role.NATIONAL:
        items.append(("Statistiques nationales", reverse("dashboard:national")))
        items.append(("Indicateurs", reverse("dashboard:indicators")))
    if user.role in PARTNER_KEEPERS:
        items.append(("Entreprises partenaires", reverse("partners:companies")))
        items.append(("Offres partenaires", reverse("partners:offers")))
    if user.is_staff:
        items.append(("Back-office", reverse("admin:index")))
    # The entry whose address is the longest start of the page's: « Offres » (/activites/offres/)
    # rather than « Activités » (/activites/) on the offers' pages.
    matching = [url for _, url in items if request.path.startswith(url)]
    current = max(matching, key=len, default=None)
    return {
        "nav_items": [
            {"label": label, "url": url, "active": url == current} for label, url in items
        ]
    }
