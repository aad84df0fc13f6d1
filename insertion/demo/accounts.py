"""The demo accounts: one per role, all with the same published password."""

from dataclasses import dataclass

from django.conf import settings

from insertion.accounts.models import Role

DEMO_PASSWORD = "insertion-demo-2026"  # noqa: S105 - published on purpose, DEBUG only
DEMO_EMAIL_DOMAIN = settings.DEMO_EMAIL_DOMAIN

FRESNES = "Centre pénitentiaire de Fresnes"
MELUN = "Centre de détention de Melun"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    role: str
    establishments: tuple[str, ...] = ()
    superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("cpip@demo.insertion.fr", "Camille", "Rousseau", Role.CPIP, (FRESNES,)),
    DemoAccount("afpa@demo.insertion.fr", "Nadia", "Lambert", Role.INTERVIEWER, (FRESNES,)),
    DemoAccount("equipe@demo.insertion.fr", "Julien", "Marchand", Role.PRISON_TEAM, (FRESNES,)),
    DemoAccount("direction@demo.insertion.fr", "Sophie", "Girard", Role.MANAGER, (FRESNES, MELUN)),
    DemoAccount("national@demo.insertion.fr", "Thomas", "Mercier", Role.NATIONAL),
    DemoAccount(
        "partenariats@demo.insertion.fr", "Inès", "Fabre", Role.PARTNERSHIPS, (FRESNES, MELUN)
    ),
    DemoAccount("admin@demo.insertion.fr", "Alex", "Admin", "", superuser=True),
)
DEMO_EMAILS = tuple(account.email for account in DEMO_ACCOUNTS)
