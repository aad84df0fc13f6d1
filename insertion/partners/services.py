"""Writes on partner companies, their contacts and their offers: named service functions,
keyword-only, one transaction each. The rules of a company or an offer stay in their model's
`clean` (SIRET key, dates, place of the offer); a refusal is a ValidationError whose keys are
the form's fields, so that the page shows it next to what was typed.

No line goes to the access log (insertion/audit/log.py): it records who read or changed a
detained person's data, and companies and offers are none (the establishments' own offers,
placements/services.py, record nothing either).
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from insertion.partners.choices import OfferSetting
from insertion.partners.models import Company, CompanyContact, Offer
from insertion.partners.siret import normalise_siret

SIRET_TAKEN = "Une entreprise est déjà enregistrée avec ce numéro SIRET."


def _check_siret_free(siret: str, *, company: Company | None = None) -> None:
    others = Company.objects.filter(siret=siret)
    if company is not None:
        others = others.exclude(pk=company.pk)
    if others.exists():
        raise ValidationError({"siret": [SIRET_TAKEN]})


def _full_clean(obj, *, exclude: Iterable[str] = ()) -> None:
    # Uniqueness of the SIRET is checked above, with a message of our own.
    obj.full_clean(exclude=list(exclude), validate_unique=False)


@transaction.atomic
def company_create(
    *,
    name: str,
    siret: str,
    sector: str,
    engagement: str,
    establishments: Iterable,
    departments: Iterable[str] = (),
    notes: str = "",
    by=None,
) -> Company:
    """A new partner company, active, tied to `establishments` (at least one)."""
    establishments = list(establishments)
    if not establishments:
        raise ValidationError(
            {"establishments": ["Choisissez au moins un établissement partenaire."]}
        )
    company = Company(
        name=name.strip(),
        siret=normalise_siret(siret),
        sector=sector,
        engagement=engagement,
        departments=list(departments),
        notes=notes.strip(),
        created_by=by,
        active=True,
    )
    _full_clean(company)
    _check_siret_free(company.siret)
    company.save()
    company.establishments.set(establishments)
    return company


@transaction.atomic
def company_update(
    *,
    company: Company,
    name: str,
    siret: str,
    sector: str,
    engagement: str,
    establishments: Iterable,
    departments: Iterable[str] = (),
    notes: str = "",
    by=None,
) -> Company:
    """Changes what the company is (not its active flag: `company_set_active`).

    `establishments` are the ties chosen among `by`'s establishments: the company's ties to
    establishments `by` does not work in are kept (another officer's partnership is theirs)."""
    establishments = list(establishments)
    if not establishments:
        raise ValidationError(
            {"establishments": ["Choisissez au moins un établissement partenaire."]}
        )
    company = Company.objects.select_for_update().get(pk=company.pk)
    company.name = name.strip()
    company.siret = normalise_siret(siret)
    company.sector = sector
    company.engagement = engagement
    company.departments = list(departments)
    company.notes = notes.strip()
    _full_clean(company)
    _check_siret_free(company.siret, company=company)
    company.save()
    kept = company.establishments.all()
    if by is not None and not by.is_superuser:
        kept = kept.exclude(pk__in=by.establishment_ids)
    company.establishments.set([*kept, *establishments])
    return company


@transaction.atomic
def company_set_active(*, company: Company, active: bool) -> Company:
    """Deactivates (its offers are no longer open: `Offer.objects.open_on`) or reactivates a
    company. Nothing is deleted: its offers keep their own state. The date of the deactivation
    is kept: PARTNER_CONTACT_RETENTION_MONTHS later, the company's contacts are deleted
    (retention.py) unless it was reactivated."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if company.active == active:
        raise ValidationError(
            "Cette entreprise est déjà active."
            if active
            else "Cette entreprise est déjà désactivée.",
            code="active",
        )
    company.active = active
    # The contacts' retention counts from this moment (retention.py).
    company.deactivated_at = None if active else timezone.now()
    company.save(update_fields=["active", "deactivated_at", "updated_at"])
    return company


@transaction.atomic
def contact_add(
    *, company: Company, name: str, email: str, function: str = "", phone: str = ""
) -> CompanyContact:
    contact = CompanyContact(
        company=company,
        name=name.strip(),
        email=email.strip(),
        function=function.strip(),
        phone=phone.strip(),
    )
    _full_clean(contact, exclude=["company"])
    contact.save()
    return contact


@transaction.atomic
def contact_remove(*, contact: CompanyContact) -> None:
    contact.delete()


def _offer_place(setting: str, establishment, nationwide: bool, department: str, city: str) -> dict:
    """Inside, the establishment is the place; at release, the département (or all France)."""
    if setting == OfferSetting.INSIDE:
        return {"establishment": establishment, "nationwide": False, "department": "", "city": ""}
    return {
        "establishment": None,
        "nationwide": nationwide,
        "department": department.strip().upper(),
        "city": city.strip(),
    }


@transaction.atomic
def offer_create(
    *,
    company: Company,
    kind: str,
    title: str,
    sector: str,
    setting: str,
    places: int,
    opens_on: datetime.date,
    closes_on: datetime.date | None = None,
    establishment=None,
    nationwide: bool = False,
    department: str = "",
    city: str = "",
    description: str = "",
    driving_licences: Iterable[str] = (),
    professional_licences: Iterable[str] = (),
    diploma_level: str = "",
    french: str = "",
    by=None,
) -> Offer:
    """A new offer of an active company, active at once."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if not company.active:
        raise ValidationError(
            "Cette entreprise est désactivée : réactivez-la avant de lui ajouter une offre.",
            code="company",
        )
    offer = Offer(
        company=company,
        kind=kind,
        title=title.strip(),
        sector=sector,
        description=description.strip(),
        setting=setting,
        places=places,
        opens_on=opens_on,
        closes_on=closes_on,
        driving_licences=list(driving_licences),
        professional_licences=list(professional_licences),
        diploma_level=diploma_level,
        french=french,
        created_by=by,
        active=True,
        **_offer_place(setting, establishment, nationwide, department, city),
    )
    _full_clean(offer)
    offer.save()
    return offer


@transaction.atomic
def offer_update(
    *,
    offer: Offer,
    kind: str,
    title: str,
    sector: str,
    setting: str,
    places: int,
    opens_on: datetime.date,
    closes_on: datetime.date | None = None,
    establishment=None,
    nationwide: bool = False,
    department: str = "",
    city: str = "",
    description: str = "",
    driving_licences: Iterable[str] = (),
    professional_licences: Iterable[str] = (),
    diploma_level: str = "",
    french: str = "",
) -> Offer:
    """Changes what the offer is (not its company, nor its active flag: `offer_set_active`)."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    offer.kind = kind
    offer.title = title.strip()
    offer.sector = sector
    offer.description = description.strip()
    offer.setting = setting
    offer.places = places
    offer.opens_on = opens_on
    offer.closes_on = closes_on
    offer.driving_licences = list(driving_licences)
    offer.professional_licences = list(professional_licences)
    offer.diploma_level = diploma_level
    offer.french = french
    for name, value in _offer_place(setting, establishment, nationwide, department, city).items():
        setattr(offer, name, value)
    _full_clean(offer)
    offer.save()
    return offer


@transaction.atomic
def offer_set_active(*, offer: Offer, active: bool) -> Offer:
    """Deactivates (no longer proposed: `Offer.objects.open_on`) or reactivates an offer."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.active == active:
        raise ValidationError(
            "Cette offre est déjà active." if active else "Cette offre est déjà désactivée.",
            code="active",
        )
    offer.active = active
    offer.save(update_fields=["active", "updated_at"])
    return offer
