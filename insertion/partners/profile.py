"""The profile sent to a partner company (issue 16): one A4 page made for an employer.

What it shows, and only when the person's agreement shares it (`Agreement.shares`):
- the first name (always: a profile names its person), never the last name;
- know-how (« Compétences mobilisables »), diplomas and certifications, licences (« Parcours
  scolaire et formation »), projects (« Projets envisageables »), read from the latest validated
  interview through the sharing gate (`entretiens.sharing.shared_employer_profile`): a section
  the person withheld is never read, whatever the agreement says;
- the availability window (`availability_text`): for an offer in detention « disponible en
  détention »; for an offer at release a range of three months around the month of the expected
  release date (the month before to the month after, never before the current month), such as
  « disponible de mars à mai 2027 » — never the exact date;
- the establishment's name, only if the agreement shares it.
What it never shows, whatever the agreement: the last name, the n° d'écrou, the exact release
date, the offence or the sentence, the barriers, anything about health, the French levels, the
interviewer's conclusion and points of attention, the experiences' details, the interview's
recommendations. The context below holds plain texts only: the template cannot reach a person.

Rendered by insertion/core/pdf.py with static/css/profile-print.css and the Marianne fonts,
nothing else (`render_profile_pdf`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from entretiens.sharing import shared_employer_profile
from insertion.core.frise import month_names
from insertion.core.pdf import PrintStyles, render_pdf, trim_block_ends
from insertion.partners.choices import OfferSetting, SharedItem
from insertion.partners.models import Agreement, Offer

TEMPLATE = "partners/pdf/profile.html"
_print_styles = PrintStyles("css/profile-print.css")

# Months before and after the month of the expected release date in the availability window.
WINDOW_BEFORE = relativedelta(months=1)
WINDOW_AFTER = relativedelta(months=1)
VOWELS = tuple("aeiouyàâéèêîôûh")


def _month(day: datetime.date) -> str:
    return month_names()[day.month - 1]


def _from(word: str) -> str:
    """« de mars », « d'avril », « d'octobre »."""
    return f"d'{word}" if word.startswith(VOWELS) else f"de {word}"


def availability_text(
    expected_release_date: datetime.date | None, *, offer: Offer, today: datetime.date
) -> str:
    """The availability window as the profile says it (module docstring); empty when the
    release date is not known."""
    if offer.setting == OfferSetting.INSIDE:
        return "Disponible en détention"
    if expected_release_date is None:
        return ""
    month = expected_release_date.replace(day=1)
    start = max(month - WINDOW_BEFORE, today.replace(day=1))
    end = max(month + WINDOW_AFTER, start)
    if start.year == end.year:
        return f"Disponible {_from(_month(start))} à {_month(end)} {end.year}"
    return f"Disponible {_from(_month(start))} {start.year} à {_month(end)} {end.year}"


@dataclass
class EmployerProfile:
    """Everything the PDF and the preview show, as texts (module docstring)."""

    first_name: str
    offer_title: str
    offer_kind: str
    company_name: str
    items: list[str]  # the SharedItem codes the agreement shares
    know_how: list[str] | None = None
    diplomas: list[tuple[str, str]] | None = None
    licences: list[str] | None = None
    projects: list[tuple[str, str]] | None = None
    availability: str = ""
    establishment: str = ""
    sender_name: str = ""
    made_on: datetime.date = field(default_factory=timezone.localdate)

    @property
    def shared_labels(self) -> list[str]:
        return [label for value, label in SharedItem.choices if value in self.items]

    @property
    def is_empty(self) -> bool:
        return not (
            self.know_how
            or self.diplomas
            or self.licences
            or self.projects
            or self.availability
            or self.establishment
        )


def employer_profile(
    *, agreement: Agreement, offer: Offer, sender=None, today: datetime.date | None = None
) -> EmployerProfile:
    """The profile of the agreement's person for `offer`, filtered by what the agreement shares.
    `agreement.detainee` (with its establishment) and `offer.company` should be loaded; reads
    the interview through the sharing gate (four queries at most)."""
    today = today or timezone.localdate()
    detainee = agreement.detainee
    shares = set(agreement.shares or ())
    answers = shared_employer_profile(detainee_id=detainee.pk)
    profile = EmployerProfile(
        first_name=detainee.first_name.strip(),
        offer_title=offer.title,
        offer_kind=offer.get_kind_display(),
        company_name=offer.company.name,
        items=[item for item in SharedItem.values if item in shares],
        sender_name=sender.get_full_name() if sender is not None else "",
        made_on=today,
    )
    if SharedItem.SKILLS in shares:
        profile.know_how = answers.know_how
    if SharedItem.DIPLOMAS in shares:
        profile.diplomas = answers.diplomas
    if SharedItem.LICENCES in shares:
        profile.licences = answers.licences
    if SharedItem.PROJECTS in shares:
        profile.projects = answers.projects
    if SharedItem.AVAILABILITY in shares:
        profile.availability = availability_text(
            detainee.expected_release_date, offer=offer, today=today
        )
    if SharedItem.ESTABLISHMENT in shares:
        profile.establishment = detainee.establishment.name
    return profile


def profile_context(profile: EmployerProfile) -> dict:
    return {
        "profile": profile,
        "title": f"Profil de {profile.first_name} — {profile.offer_title}",
        "subject": (
            f"Profil proposé à l'entreprise {profile.company_name} pour l'offre "
            f"« {profile.offer_title} », avec l'accord de la personne"
        ),
        "created_iso": profile.made_on.isoformat(),
    }


def render_profile_pdf(profile: EmployerProfile) -> bytes:
    """The one-page PDF of a profile, as bytes. Reads nothing from the database."""
    html = trim_block_ends(render_to_string(TEMPLATE, profile_context(profile)))
    return render_pdf(html, styles=_print_styles)


def profile_filename(profile: EmployerProfile) -> str:
    """« profil-candidat-helene.pdf »: the first name only, without accents."""
    return f"profil-candidat-{slugify(profile.first_name) or 'personne'}.pdf"
