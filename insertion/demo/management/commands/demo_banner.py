"""`manage.py demo_banner`: the address of the demo and its accounts, printed by `make run`."""

from django.core.management.base import BaseCommand
from django.db.models import Prefetch

from insertion.accounts.models import Role, User
from insertion.demo.accounts import DEMO_ACCOUNTS, DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from insertion.establishments.models import Establishment


def role_label(user: User) -> str:
    if user.role:
        return Role(user.role).label
    return "Administrateur (back-office)" if user.is_superuser else "—"


def establishments_label(user: User) -> str:
    if user.role == Role.NATIONAL:
        return "Tous (statistiques agrégées)"
    return ", ".join(establishment.name for establishment in user.establishments.all()) or "—"


class Command(BaseCommand):
    help = "Affiche l'adresse de la démonstration, ses comptes et leur mot de passe."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="adresse à laquelle la démonstration répond",
        )

    def handle(self, *args, url, **options):
        emails = [account.email for account in DEMO_ACCOUNTS]
        users = {
            user.email: user
            for user in User.objects.filter(email__in=emails).prefetch_related(
                Prefetch("establishments", queryset=Establishment.objects.order_by("name"))
            )
        }
        if not users:
            self.stdout.write("Aucun compte de démonstration : lancez « manage.py seed_demo ».")
            return
        rows = [("Identifiant", "Rôle", "Établissements")]
        rows.extend(
            (email, role_label(users[email]), establishments_label(users[email]))
            for email in emails
            if email in users
        )
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        lines = [
            f"  {email:<{widths[0]}}   {role:<{widths[1]}}   {places}"
            for email, role, places in rows
        ]
        others = (
            User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
            .exclude(email__in=emails)
            .count()
        )
        rule = "─" * max(len(line) for line in lines)

        self.stdout.write(rule)
        self.stdout.write(self.style.SUCCESS(f"  Démonstration : {url}"))
        self.stdout.write(f"  Mot de passe de tous les comptes : {DEMO_PASSWORD}")
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
        if others:
            count = f"{others:,}".replace(",", "\u202f")
            self.stdout.write(
                f"  … et {count} autres comptes fictifs en prenom.nom@{DEMO_EMAIL_DOMAIN}, "
                "même mot de passe."
            )
        self.stdout.write("")
        self.stdout.write("  Toutes les personnes et tous les comptes sont fictifs.")
        self.stdout.write(rule)
