"""The French labels of the interview's referentials (VOCABULARY.md, "Interview")."""

from django.db import models


class InterviewStatus(models.TextChoices):
    TO_DO = "a_realiser", "À réaliser"
    DRAFT = "brouillon", "Brouillon"
    VALIDATED = "valide", "Validé"
    NOT_DONE = "non_realise", "Non réalisé"


class NotDoneReason(models.TextChoices):
    REFUSAL = "refus", "Refus de la personne"
    TRANSFER = "transfert", "Transfert"
    RELEASE = "liberation", "Libération"
    HEALTH = "sante", "État de santé"
    LANGUAGE = "langue", "Barrière de la langue sans interprète"
    UNAVAILABLE = (
        "indisponibilite",
        "Indisponibilité (audience, extraction, quartier disciplinaire)",
    )
    OTHER = "autre", "Autre motif"


class Tool(models.TextChoices):
    PHOTOLANGAGE = "photolangage", "Photolangage"
    TIMELINE = "frise", "Frise chronologique"
    OTHER = "autre", "Autre outil"


class Section(models.TextChoices):
    """The sections of the form; the ones below Déroulement may be kept out of the synthesis."""

    CONDUCT = "deroulement", "Déroulement"
    EDUCATION = "scolarite", "Parcours scolaire et formation"
    WORK = "professionnel", "Parcours professionnel"
    SKILLS = "competences", "Compétences mobilisables"
    PROJECTS = "projets", "Projets envisageables"
    BARRIERS = "freins", "Freins"
    RECOMMENDATIONS = "preconisations", "Préconisations"


WITHHOLDABLE_SECTIONS = [
    (value, label) for value, label in Section.choices if value != Section.CONDUCT
]


class EducationLevel(models.TextChoices):
    NEVER_SCHOOLED = "jamais_scolarise", "Jamais scolarisé"
    NONE = "aucun", "Aucun diplôme"
    LEVEL_3 = "niveau_3", "Niveau 3 (CAP, BEP)"
    LEVEL_4 = "niveau_4", "Niveau 4 (baccalauréat, BP)"
    LEVEL_5 = "niveau_5", "Niveau 5 (bac+2 : BTS, DUT)"
    LEVEL_6 = "niveau_6", "Niveau 6 (licence, bac+3)"
    LEVEL_7 = "niveau_7", "Niveau 7 (master, bac+5)"
    LEVEL_8 = "niveau_8", "Niveau 8 (doctorat)"
    ABROAD = "etranger", "Scolarité à l'étranger"
    UNKNOWN = "inconnu", "Inconnu"


class DiplomaLevel(models.TextChoices):
    LEVEL_3 = "niveau_3", "Niveau 3 (CAP, BEP)"
    LEVEL_4 = "niveau_4", "Niveau 4 (baccalauréat, BP)"
    LEVEL_5 = "niveau_5", "Niveau 5 (bac+2)"
    LEVEL_6 = "niveau_6", "Niveau 6 (bac+3)"
    LEVEL_7 = "niveau_7", "Niveau 7 (bac+5)"
    LEVEL_8 = "niveau_8", "Niveau 8 (doctorat)"
    CERTIFICATE = "certification", "Certification, titre professionnel"
    UNKNOWN = "inconnu", "Niveau inconnu"


class Proficiency(models.TextChoices):
    AT_EASE = "a_laise", "À l'aise"
    DIFFICULTIES = "difficultes", "Difficultés"
    NOT_MASTERED = "non", "Non maîtrisé"


class DigitalSkills(models.TextChoices):
    NONE = "aucune", "Aucune pratique"
    BASIC = "base", "Usages de base (smartphone)"
    AUTONOMOUS = "autonome", "Autonome (démarches en ligne)"


class DrivingLicence(models.TextChoices):
    B = "permis_b", "Permis B"
    C_D = "permis_cd", "Permis C / D"
    CODE = "code", "Code obtenu"
    SUSPENDED = "suspendu", "Permis suspendu"


class ProfessionalLicence(models.TextChoices):
    CACES = "caces", "CACES"
    SST = "sst", "SST (sauveteur secouriste du travail)"
    ELECTRICAL = "habilitation_electrique", "Habilitation électrique"
    HACCP = "haccp", "HACCP"
    PROFESSIONAL_CARD = "carte_pro", "Carte professionnelle"


class WorkHistory(models.TextChoices):
    YES = "oui", "Oui"
    NO = "non", "Non"
    NOT_APPLICABLE = "sans_objet", "Sans objet"


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", "Agriculture et espaces verts"
    CONSTRUCTION = "btp", "Bâtiment et travaux publics"
    INDUSTRY = "industrie", "Industrie et production"
    LOGISTICS = "logistique", "Logistique, transport et magasinage"
    RETAIL = "commerce", "Commerce et vente"
    HOSPITALITY = "hotellerie", "Hôtellerie, restauration"
    CLEANING = "proprete", "Propreté et services aux entreprises"
    PERSONAL_SERVICES = "services_personne", "Services à la personne"
    HEALTH_SOCIAL = "sante_social", "Santé et social"
    MECHANICS = "mecanique", "Mécanique et automobile"
    DIGITAL = "numerique", "Informatique et numérique"
    OFFICE = "administration", "Administration et bureau"
    CRAFTS = "artisanat", "Artisanat"
    CULTURE_SPORT = "culture_sport", "Culture, sport et animation"
    OTHER = "autre", "Autre"


class Contract(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    TEMPORARY = "interim", "Intérim"
    SEASONAL = "saisonnier", "Saisonnier"
    SUBSIDISED = "contrat_aide", "Contrat aidé / insertion"
    SELF_EMPLOYED = "independant", "Indépendant"
    UNDECLARED = "non_declare", "Non déclaré"
    PRISON_WORK = "travail_detention", "Travail en détention"
    VOLUNTEER = "benevolat", "Bénévolat"
    APPRENTICESHIP = "apprentissage", "Apprentissage"


class SoftSkill(models.TextChoices):
    COMMUNICATION = "communication", "Communication"
    TEAMWORK = "travail_equipe", "Travail en équipe"
    RELIABILITY = "fiabilite", "Fiabilité et ponctualité"
    ADAPTABILITY = "adaptabilite", "Adaptabilité"
    AUTONOMY = "autonomie", "Autonomie"
    PERSEVERANCE = "perseverance", "Persévérance"
    STRESS = "gestion_stress", "Gestion du stress"
    INITIATIVE = "initiative", "Prise d'initiative"
    ORGANISATION = "organisation", "Organisation"
    INSTRUCTIONS = "respect_consignes", "Respect des consignes"


class Confidence(models.TextChoices):
    NOT = "pas_confiant", "Pas confiant"
    LITTLE = "peu_confiant", "Peu confiant"
    FAIRLY = "plutot_confiant", "Plutôt confiant"
    VERY = "tres_confiant", "Très confiant"


class ProjectKind(models.TextChoices):
    EMPLOYMENT = "emploi", "Emploi"
    QUALIFYING_TRAINING = "formation", "Formation qualifiante"
    BUSINESS = "creation", "Création d'activité"
    STUDIES = "etudes", "Reprise d'études"
    PRISON_WORK = "travail_detention", "Travail en détention"
    BASIC_SKILLS = "remise_niveau", "Remise à niveau"


class Horizon(models.TextChoices):
    DURING = "detention", "Pendant la détention"
    AT_RELEASE = "sortie", "À la sortie"
    LATER = "plus_tard", "Plus tard"


class Maturity(models.TextChoices):
    IDEA = "idee", "Idée"
    TO_BUILD = "a_construire", "À construire"
    DEFINED = "defini", "Défini"
    VALIDATED = "valide", "Validé"


class BarrierCategory(models.TextChoices):
    HOUSING = "logement", "Logement"
    PAPERS = "papiers", "Pièces d'identité et documents"
    RIGHTS = "droits", "Droits sociaux et couverture santé"
    PHYSICAL_HEALTH = "sante_physique", "Santé physique"
    MENTAL_HEALTH = "sante_mentale", "Santé mentale"
    ADDICTIONS = "addictions", "Addictions"
    FRENCH = "francais", "Maîtrise du français"
    LITERACY = "lecture_ecriture", "Lecture-écriture"
    DIGITAL = "numerique", "Numérique"
    MOBILITY = "mobilite", "Mobilité"
    DEBTS = "dettes", "Dettes et ressources"
    FAMILY = "famille", "Situation familiale et garde d'enfants"
    RESIDENCE = "titre_sejour", "Situation administrative (titre de séjour)"
    LEGAL = "mesures_judiciaires", "Mesures judiciaires restrictives"
    MOTIVATION = "confiance", "Confiance et motivation"
    OTHER = "autre", "Autre"


class BarrierLevel(models.TextChoices):
    NONE = "aucun", "Aucun"
    LIGHT = "leger", "Léger"
    SIGNIFICANT = "important", "Important"
    BLOCKING = "bloquant", "Bloquant"


class OrientationKind(models.TextChoices):
    PRISON_WORK = "travail_detention", "Travail en détention"
    VOCATIONAL_TRAINING = "formation_pro", "Formation professionnelle"
    EDUCATION = "enseignement", "Enseignement / remise à niveau"
    ILLITERACY = "illettrisme", "Lutte contre l'illettrisme"
    DIGITAL = "numerique", "Accompagnement au numérique"
    RIGHTS = "acces_droits", "Accès aux droits"
    CARE = "soins", "Soins"
    ADDICTION = "addictologie", "Addictologie"
    SAS = "sas", "Structure d'accompagnement vers la sortie (SAS)"
    ARRANGEMENT = "amenagement", "Préparation d'un aménagement de peine"
    EMPLOYMENT_SERVICES = "service_emploi", "France Travail / Mission locale / Cap emploi"
    PARTNER_COMPANY = "entreprise", "Entreprise partenaire"


class Priority(models.TextChoices):
    HIGH = "prioritaire", "Prioritaire"
    MEDIUM = "importante", "Importante"
    LOW = "a_envisager", "À envisager"


class SynthesisStatus(models.TextChoices):
    PENDING = "en_attente", "En attente de génération"
    RENDERED = "generee", "Générée, envoi en cours"
    DELIVERED = "envoyee", "Envoyée"
    FAILED = "echec", "Échec"


class DeliveryStatus(models.TextChoices):
    PENDING = "a_envoyer", "À envoyer"
    SENDING = "envoi", "Envoi en cours"
    SENT = "envoye", "Envoyé"
    FAILED = "echec", "Échec"
