"""The referentials of the partner companies (VOCABULARY.md, « Partner companies »)."""

from django.db import models


class EngagementKind(models.TextChoices):
    CONVENTION = "convention", "Convention avec l'établissement"
    DISP_PARTNER = "partenaire_disp", "Partenaire de la DISP"
    CONCESSION = "concession", "Concession en détention"
    SIAE = "siae", "Entreprise adaptée ou d'insertion (SIAE)"
    ASSOCIATION = "association", "Association partenaire"


class OfferKind(models.TextChoices):
    JOB = "emploi", "Emploi (CDI, CDD, intérim)"
    WORK_STUDY = "alternance", "Contrat d'apprentissage ou de professionnalisation"
    IMMERSION = "pmsmp", "Immersion professionnelle (PMSMP)"
    TRAINING = "formation", "Formation qualifiante"
    PRISON_WORK = "concession", "Travail en détention (concession)"


class OfferSetting(models.TextChoices):
    INSIDE = "detention", "En détention"
    AT_RELEASE = "sortie", "À la sortie"


class FrenchRequirement(models.TextChoices):
    """The French an offer asks for, matched with the interview's oral and reading answers."""

    ORAL = "oral", "Comprendre et parler le français"
    READING = "lecture", "Lire le français"
    READING_WRITING = "ecrit", "Lire et écrire le français"


class SharedItem(models.TextChoices):
    """What of a person's profile an agreement lets go to a company (the profile PDF,
    insertion/partners/profile.py). The first name always goes: a profile names its person."""

    SKILLS = "savoir_faire", "Savoir-faire"
    DIPLOMAS = "diplomes", "Diplômes et certifications"
    LICENCES = "permis", "Permis et habilitations"
    PROJECTS = "projets", "Projets professionnels"
    AVAILABILITY = "disponibilite", "Période de disponibilité (en mois, jamais la date exacte)"
    ESTABLISHMENT = "etablissement", "Nom de l'établissement"


# Shared unless the person declines: everything but the establishment's name.
DEFAULT_SHARED_ITEMS = [item for item in SharedItem.values if item != SharedItem.ESTABLISHMENT]


class TransmissionStatus(models.TextChoices):
    PENDING = "a_envoyer", "À envoyer"
    SENDING = "envoi", "Envoi en cours"
    SENT = "envoye", "Envoyé"
    FAILED = "echec", "Échec"
    CANCELLED = "annule", "Annulé (accord retiré)"


class ReferralStatus(models.TextChoices):
    """Where a person's referral to a partner offer stands (VOCABULARY.md, « Referral
    statuses »); the allowed steps are `REFERRAL_TRANSITIONS` (referrals.py)."""

    PROPOSED = "propose", "Proposé"
    INTERVIEW = "entretien_prevu", "Entretien prévu"
    RETAINED = "retenu", "Retenu"
    NOT_RETAINED = "non_retenu", "Non retenu"
    HIRED = "embauche", "Embauché / entré en formation"
    ABANDONED_BY_PERSON = "abandon_personne", "Abandonné par la personne"
    ABANDONED_BY_COMPANY = "abandon_entreprise", "Abandonné par l'entreprise"


# Still under way: one such referral per person and offer at most.
OPEN_REFERRAL_STATUSES = (
    ReferralStatus.PROPOSED,
    ReferralStatus.INTERVIEW,
    ReferralStatus.RETAINED,
)
