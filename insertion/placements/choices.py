"""The referentials of offers and requests (VOCABULARY.md, « Offers of the establishment and
requests»), and how the interview's orientations map to them."""

from django.db import models

from entretiens.choices import OrientationKind


class OfferKind(models.TextChoices):
    WORK = "travail", "Poste de travail"
    TRAINING = "formation_pro", "Formation professionnelle"
    EDUCATION = "enseignement", "Enseignement"
    LITERACY = "illettrisme", "Lutte contre l'illettrisme"
    DIGITAL = "numerique", "Numérique"
    OTHER = "autre", "Autre activité"


class WorkSetting(models.TextChoices):
    """Where a work post is (only for OfferKind.WORK)."""

    GENERAL_SERVICE = "service_general", "Service général"
    WORKSHOP = "atelier", "Atelier"
    CONCESSION = "concession", "Concession"


# The orientations of the interview that go to a service of the establishment: validating the
# interview turns each into a request of this kind (services.requests_from_interview).
ORIENTATION_TO_OFFER_KIND: dict[str, str] = {
    OrientationKind.PRISON_WORK: OfferKind.WORK,
    OrientationKind.VOCATIONAL_TRAINING: OfferKind.TRAINING,
    OrientationKind.EDUCATION: OfferKind.EDUCATION,
    OrientationKind.ILLITERACY: OfferKind.LITERACY,
    OrientationKind.DIGITAL: OfferKind.DIGITAL,
}

CPIP_ORIENTATIONS: frozenset[str] = frozenset(
    {
        OrientationKind.ARRANGEMENT,
        OrientationKind.EMPLOYMENT_SERVICES,
        OrientationKind.RIGHTS,
        OrientationKind.CARE,
        OrientationKind.ADDICTION,
        OrientationKind.SAS,
        OrientationKind.PARTNER_COMPANY,
    }
)
"""The orientations that are for the CPIP rather than a service of the establishment
(preparation of a sentence arrangement, France Travail / Mission locale / Cap emploi, access to
rights, care, addiction care, SAS, partner company). They create NO request: they land in the
CPIP's plan instead, as milestones — a later step of issue 14."""


class RequestStatus(models.TextChoices):
    TO_REVIEW = "a_examiner", "À examiner"
    WAITING = "liste_attente", "En liste d'attente"
    ALLOCATED = "affecte", "Affecté"
    DONE = "termine", "Terminé"
    REFUSED = "refuse", "Refusé"
    WITHDRAWN = "retire", "Retiré par la personne"
    CLOSED = "clos", "Clos"


# At most one open request per person and offer kind (a database constraint says it too).
OPEN_REQUEST_STATUSES = (RequestStatus.TO_REVIEW, RequestStatus.WAITING, RequestStatus.ALLOCATED)


class RequestOrigin(models.TextChoices):
    INTERVIEW = "entretien", "Entretien d'arrivée"
    CPIP = "cpip", "CPIP"
    TEAM = "equipe", "Équipe de l'établissement"
    PERSON = "personne", "À la demande de la personne"


class RefusalReason(models.TextChoices):
    NO_PLACE_BEFORE_RELEASE = "pas_de_place", "Pas de place avant la sortie"
    REQUIREMENTS = "prerequis", "Prérequis non remplis"
    TIMETABLE = "emploi_du_temps", "Incompatibilité avec l'emploi du temps"
    CPU = "cpu", "Décision de la commission pluridisciplinaire unique (CPU)"
    SECURITY = "securite", "Sécurité"
    OTHER = "autre", "Autre (précisez)"


class ClosingReason(models.TextChoices):
    TRANSFER = "transfert", "Transfert"
    RELEASE = "liberation", "Libération"
