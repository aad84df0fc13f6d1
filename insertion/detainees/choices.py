"""The choices of the people's records (labels from VOCABULARY.md)."""

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"


class LegalStatus(models.TextChoices):
    PRETRIAL = "prevenu", "Prévenu"
    SENTENCED = "condamne", "Condamné"
    SENTENCED_AND_PRETRIAL = "condamne_prevenu", "Condamné prévenu"


class OffenceCategory(models.TextChoices):
    MISDEMEANOUR = "delit", "Délit"
    FELONY = "crime", "Crime"


class ArrangementKind(models.TextChoices):
    LSC = "lsc", "Libération sous contrainte (LSC)"
    DDSE = "ddse", "Détention à domicile sous surveillance électronique (DDSE)"
    SEMI_LIBERTE = "semi_liberte", "Semi-liberté (SL)"
    PLACEMENT_EXTERIEUR = "placement_exterieur", "Placement à l'extérieur (PE)"
    LIBERATION_CONDITIONNELLE = "liberation_conditionnelle", "Libération conditionnelle (LC)"


class ArrangementStatus(models.TextChoices):
    REQUESTED = "requested", "Demandé"
    GRANTED = "granted", "Accordé"
    REFUSED = "refused", "Refusé"
    REVOKED = "revoked", "Révoqué"
    LAPSED = "lapsed", "Caduc"


class Authority(models.TextChoices):
    JAP = "jap", "Juge de l'application des peines (JAP)"
    TAP = "tap", "Tribunal de l'application des peines (TAP)"


class ReleaseKind(models.TextChoices):
    DRY = "sortie_seche", "Sortie sèche (fin de peine sans aménagement)"
    LSC = "lsc", "Sortie en LSC"
    DDSE = "ddse", "Sortie en DDSE"
    SEMI_LIBERTE = "semi_liberte", "Sortie en semi-liberté"
    PLACEMENT_EXTERIEUR = "placement_exterieur", "Sortie en placement à l'extérieur"
    LIBERATION_CONDITIONNELLE = "liberation_conditionnelle", "Libération conditionnelle"
    AT_HEARING = "liberation_audience", "Libération à l'audience"


class ReleaseDateChangeReason(models.TextChoices):
    INITIAL = "initial", "Date initiale"
    REDUCTION = "reduction", "Réduction de peine"
    WITHDRAWAL = "retrait", "Retrait de réduction"
    NEW_SENTENCE = "nouvelle_condamnation", "Nouvelle condamnation"
    MERGER = "jonction", "Jonction / confusion de peines"
    CORRECTION = "erreur_saisie", "Erreur de saisie"
    EXTRACTION = "extraction", "Modification constatée dans l'extraction pénitentiaire"


class DepartureReason(models.TextChoices):
    TRANSFER = "transfert", "Transfert"
    RELEASE = "liberation", "Libération"


class ContactKind(models.TextChoices):
    INTERVIEW = "entretien", "Entretien"
    LETTER = "courrier", "Courrier"
    PHONE = "telephone", "Téléphone"
    VIDEO = "visioconference", "Visioconférence"
