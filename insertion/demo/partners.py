"""Partner companies of the demo (issue 16): four fictional companies tied to Fresnes and Melun,
the establishments of partenariats@, each with a contact at a `.test` address, and six offers
(jobs, an immersion, a training, a concession inside Fresnes). One person of Fresnes followed by
cpip@, with a validated interview, has agreed that their profile goes to the kitchens' company
(any of its offers; the establishment's name not shared), so that « Envoyer le profil » can be
tried from the offer's people.

The names are made up and the SIRET numbers too: a stem starting with 99, completed by its Luhn
key (`siret.luhn_ok`), never a real company's number.
"""

import datetime
from collections import Counter

from entretiens.choices import InterviewStatus
from entretiens.models import Interview
from insertion.demo import accounts as demo_accounts
from insertion.establishments.models import Establishment
from insertion.partners.choices import EngagementKind, OfferKind, OfferSetting
from insertion.partners.models import Agreement, Company, CompanyContact, Offer
from insertion.partners.siret import luhn_ok


def fictional_siret(number: int) -> str:
    stem = f"99{number:011d}"
    return next(stem + str(key) for key in range(10) if luhn_ok(stem + str(key)))


# name, sector, engagement, départements, establishments, contact (name, function, address)
COMPANIES = (
    (
        "Les Cuisines de l'Orge (fictive)",
        "hotellerie",
        EngagementKind.CONVENTION,
        ["94", "91"],
        (demo_accounts.FRESNES,),
        ("Claire Morvan", "Chargée de recrutement", "recrutement@cuisines-orge.test"),
    ),
    (
        "Logistique Val-de-Seine (fictive)",
        "logistique",
        EngagementKind.DISP_PARTNER,
        ["77", "94"],
        (demo_accounts.FRESNES, demo_accounts.MELUN),
        ("Karim Benali", "Responsable d'entrepôt", "emploi@logistique-vds.test"),
    ),
    (
        "Atelier Conditionnement Sud (fictif)",
        "industrie",
        EngagementKind.CONCESSION,
        [],
        (demo_accounts.FRESNES,),
        ("Paul Deschamps", "Responsable de production", "contact@atelier-sud.test"),
    ),
    (
        "Bâtir Ensemble 77 (fictive)",
        "btp",
        EngagementKind.SIAE,
        ["77"],
        (demo_accounts.MELUN,),
        ("Émilie Robin", "Encadrante technique", "insertion@batir-ensemble.test"),
    ),
)


def seed_partners(*, today: datetime.date) -> Counter:
    names = {name for *_, places, _ in COMPANIES for name in places}
    establishments = {e.name: e for e in Establishment.objects.filter(name__in=names)}
    companies = []
    for number, (name, sector, engagement, departments, places, contact) in enumerate(
        COMPANIES, start=1
    ):
        company = Company.objects.create(
            name=name,
            siret=fictional_siret(number),
            sector=sector,
            engagement=engagement,
            departments=departments,
        )
        company.establishments.set([establishments[place] for place in places])
        contact_name, function, email = contact
        CompanyContact.objects.create(
            company=company, name=contact_name, function=function, email=email
        )
        companies.append(company)
    kitchens, logistics, workshop, building = companies
    fresnes = establishments[demo_accounts.FRESNES]
    at_release = {"setting": OfferSetting.AT_RELEASE}
    offers = [
        Offer(
            company=kitchens,
            kind=OfferKind.JOB,
            title="Commis de cuisine (CDD 6 mois)",
            sector="hotellerie",
            department="94",
            city="Créteil",
            places=2,
            professional_licences=["haccp"],
            opens_on=today - datetime.timedelta(days=20),
            **at_release,
        ),
        Offer(
            company=kitchens,
            kind=OfferKind.IMMERSION,
            title="Immersion en restauration collective (PMSMP)",
            sector="hotellerie",
            department="94",
            city="Rungis",
            places=3,
            opens_on=today - datetime.timedelta(days=5),
            closes_on=today + datetime.timedelta(days=90),
            **at_release,
        ),
        Offer(
            company=logistics,
            kind=OfferKind.JOB,
            title="Préparateur ou préparatrice de commandes",
            sector="logistique",
            department="77",
            city="Lieusaint",
            places=4,
            driving_licences=["permis_b"],
            professional_licences=["caces"],
            opens_on=today - datetime.timedelta(days=10),
            **at_release,
        ),
        Offer(
            company=logistics,
            kind=OfferKind.TRAINING,
            title="Titre professionnel agent magasinier",
            sector="logistique",
            nationwide=True,
            places=6,
            opens_on=today + datetime.timedelta(days=30),
            closes_on=today + datetime.timedelta(days=240),
            **at_release,
        ),
        Offer(
            company=workshop,
            kind=OfferKind.PRISON_WORK,
            title="Opérateur de conditionnement (concession)",
            sector="industrie",
            setting=OfferSetting.INSIDE,
            establishment=fresnes,
            places=12,
            opens_on=today - datetime.timedelta(days=60),
        ),
        Offer(
            company=building,
            kind=OfferKind.WORK_STUDY,
            title="Contrat de professionnalisation maçon",
            sector="btp",
            department="77",
            city="Melun",
            places=2,
            opens_on=today,
            **at_release,
        ),
    ]
    for offer in offers:
        offer.full_clean()
    Offer.objects.bulk_create(offers)
    counts = Counter(
        partner_companies=len(companies),
        partner_contacts=len(companies),
        partner_offers=len(offers),
    )
    if _seed_agreement(kitchens, fresnes, today=today):
        counts["partner_agreements"] = 1
    return counts


def _seed_agreement(company: Company, fresnes: Establishment, *, today: datetime.date) -> bool:
    """The agreement of the first person of Fresnes followed by cpip@ with a validated interview
    and a release within the year; none when there is no such person."""
    interview = (
        Interview.objects.filter(
            detainee__establishment=fresnes,
            detainee__release_date__isnull=True,
            detainee__referent__email=demo_accounts.DEMO_ACCOUNTS[0].email,
            detainee__expected_release_date__gt=today,
            detainee__expected_release_date__lte=today + datetime.timedelta(days=365),
            version__gte=1,
        )
        .exclude(status=InterviewStatus.NOT_DONE)
        .select_related("detainee__referent")
        .order_by("detainee_id")
        .first()
    )
    if interview is None:
        return False
    Agreement.objects.create(
        detainee=interview.detainee,
        company=company,
        agreed_on=today - datetime.timedelta(days=3),
        recorded_by=interview.detainee.referent,
    )
    return True
