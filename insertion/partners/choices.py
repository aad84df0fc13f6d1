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
