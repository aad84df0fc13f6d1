"""The socio-professional interviews of the demo world and of the national data set.

A step of `generate.PEOPLE_STEPS`: after each chunk of people is inserted, every stay that owes
an interview gets one (the rule of `entretiens.owed.interview_owed_for_stay`): a stay that
began on or after its establishment's rollout date, unless the person already has a validated
interview from an earlier stay. Its outcome depends on the stay:

- a stay that is over (transfer, release): validated before leaving, or "non réalisé" for the
  reason of the departure (what was typed in a draft is kept, as `interview_close_for_departure`
  does);
- the current stay of a person held: by the age of the arrival. Within the due window, mostly
  to do, some drafts, a few validated; past it, mostly validated, some not done, the rest
  still open — late, unless a postponement asked in time moved the due date.

Validated interviews carry complete answers (everything `interview_validate` requires) and
their version 1, whose content is `interview_summary` computed from the objects in memory: the
rows are handed to the summary as prefetched relations, so it makes no query. Drafts carry part
of the answers. Answers are assembled from small lists of French fragments: all fictional.

The establishment of the demo interviewer (afpa@, Fresnes) is given a worklist with a few
items of each kind (see `SHOWCASE`), whatever the seed.

Draws come from a generator seeded by one draw of the world's generator, so the people of the
following chunks do not depend on how many draws the interviews take.
"""

import dataclasses
import datetime
import random
from collections import Counter, defaultdict

from django.db.models import DateTimeField, F, JSONField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    Confidence,
    Contract,
    DigitalSkills,
    DiplomaLevel,
    DrivingLicence,
    EducationLevel,
    Horizon,
    InterviewStatus,
    Maturity,
    NotDoneReason,
    OrientationKind,
    Priority,
    ProfessionalLicence,
    Proficiency,
    ProjectKind,
    Sector,
    SoftSkill,
    Tool,
    WorkHistory,
)
from entretiens.models import (
    BarrierAssessment,
    Diploma,
    Experience,
    Interview,
    InterviewVersion,
    KnowHow,
    Orientation,
    Postponement,
    Project,
    SoftSkillRating,
)
from entretiens.owed import interview_due_date
from entretiens.summary import interview_summary, month_year
from insertion.accounts.models import Role, User
from insertion.core.collector import cyclic_gc_paused
from insertion.demo import accounts as demo_accounts
from insertion.demo.generate import (
    BATCH_SIZE,
    PEOPLE_STEPS,
    PeopleRows,
    Weighted,
    days,
    random_date,
)
from insertion.detainees.models import Detainee, Incarceration, Sex
from insertion.establishments.models import Establishment

Status = InterviewStatus

# The demo accounts of interviewers: their establishment gets the SHOWCASE worklist.
DEMO_INTERVIEWERS = {
    account.email for account in demo_accounts.DEMO_ACCOUNTS if account.role == Role.INTERVIEWER
}
# At least this many interviews of each kind of the worklist, among the people held there.
SHOWCASE = {"to_do": 4, "overdue": 4, "draft": 3, "not_done": 2, "validated_recently": 3}
RECENT_DAYS = 29  # "validated in the last 30 days", with a day to spare

# Status of the interview of a person held, by the age of the arrival.
WITHIN_DUE = Weighted(
    {Status.TO_DO: 68, Status.DRAFT: 20, Status.VALIDATED: 10, Status.NOT_DONE: 2}
)
JUST_LATE = Weighted({Status.VALIDATED: 60, Status.NOT_DONE: 5, Status.TO_DO: 21, Status.DRAFT: 14})
SETTLED = Weighted({Status.VALIDATED: 78, Status.NOT_DONE: 7, Status.TO_DO: 9, Status.DRAFT: 6})
# After a few months, the backlog has mostly been dealt with.
OLD = Weighted({Status.VALIDATED: 84, Status.NOT_DONE: 8, Status.TO_DO: 5, Status.DRAFT: 3})
SETTLED_AFTER_DAYS = 25
OLD_AFTER_DAYS = 90
OPEN_POSTPONED_SHARE = 0.3
VALIDATED_POSTPONED_SHARE = 0.04
CLOSED_STARTED_SHARE = 0.3

VALIDATION_DELAY = Weighted({0: 40, 1: 25, 2: 15, 3: 12, 4: 8})
STAY_REASONS = Weighted(
    {
        NotDoneReason.REFUSAL: 40,
        NotDoneReason.HEALTH: 14,
        NotDoneReason.LANGUAGE: 12,
        NotDoneReason.UNAVAILABLE: 19,
        NotDoneReason.OTHER: 15,
    }
)
NOT_DONE_DETAILS = {
    NotDoneReason.REFUSAL: [
        "",
        "Ne souhaite pas d'accompagnement pour le moment.",
        "Refuse de se présenter à l'entretien.",
        "Dit ne pas avoir besoin d'aide pour sa sortie.",
    ],
    NotDoneReason.HEALTH: [
        "",
        "Hospitalisation en cours.",
        "Entretien déconseillé par l'unité sanitaire pour le moment.",
    ],
    NotDoneReason.LANGUAGE: [
        "Langue parlée : tamoul ; aucun interprète disponible.",
        "Langue parlée : pachto ; interprétariat par téléphone sans réponse.",
        "",
    ],
    NotDoneReason.UNAVAILABLE: [
        "Extractions judiciaires répétées.",
        "Placement au quartier disciplinaire.",
        "",
    ],
    NotDoneReason.OTHER: [
        "Placement à l'isolement.",
        "Changement de bâtiment en cours.",
        "Demande de report sans date par la personne.",
    ],
}
POSTPONEMENT_REASONS = [
    "Extraction judiciaire le jour prévu.",
    "Parloir famille au même horaire.",
    "Attente d'un interprète.",
    "Rendez-vous médical à l'unité sanitaire.",
    "Absence de l'intervenant (formation).",
    "Placement au quartier disciplinaire.",
    "La personne a demandé à décaler l'entretien.",
    "Salle d'entretien indisponible.",
    "Changement de bâtiment de la personne.",
    "Mouvement social : les mouvements en détention sont suspendus.",
]

# --- Answers: small lists of fragments ---------------------------------------------------

PLACES = [
    "Bureau d'entretien du quartier arrivants",
    "Bureau du SPIP en détention",
    "Salle de formation",
    "Bibliothèque",
    "Salle d'activités du bâtiment",
]
TOOLS = Weighted(
    {
        (): 40,
        (Tool.TIMELINE,): 30,
        (Tool.PHOTOLANGAGE,): 15,
        (Tool.PHOTOLANGAGE, Tool.TIMELINE): 10,
        (Tool.OTHER,): 5,
    }
)
OTHER_TOOLS = ["Questionnaire d'intérêts professionnels", "Cartes métiers"]
INTERPRETER_SHARE = 0.04
INTERPRETER_LANGUAGES = ["arabe", "roumain", "géorgien", "albanais", "russe", "anglais", "tamoul"]
OTHER_LANGUAGES = [
    "arabe",
    "anglais",
    "espagnol",
    "portugais",
    "roumain",
    "turc",
    "wolof",
    "créole",
    "berbère",
]
WITHHELD = Weighted({(): 96, ("freins",): 2, ("projets",): 1, ("competences",): 1})

ADULT_EDUCATION = Weighted(
    {
        EducationLevel.NEVER_SCHOOLED: 3,
        EducationLevel.NONE: 30,
        EducationLevel.LEVEL_3: 28,
        EducationLevel.LEVEL_4: 14,
        EducationLevel.LEVEL_5: 5,
        EducationLevel.LEVEL_6: 2,
        EducationLevel.LEVEL_7: 1,
        EducationLevel.ABROAD: 11,
        EducationLevel.UNKNOWN: 6,
    }
)
MINOR_EDUCATION = Weighted(
    {
        EducationLevel.NONE: 75,
        EducationLevel.NEVER_SCHOOLED: 3,
        EducationLevel.ABROAD: 12,
        EducationLevel.UNKNOWN: 10,
    }
)
SCHOOLING_END_AGE = {
    EducationLevel.NONE: (14, 17),
    EducationLevel.LEVEL_3: (17, 19),
    EducationLevel.LEVEL_4: (18, 20),
    EducationLevel.LEVEL_5: (20, 22),
    EducationLevel.LEVEL_6: (21, 23),
    EducationLevel.LEVEL_7: (23, 25),
    EducationLevel.ABROAD: (12, 18),
}
DIPLOMAS = {
    EducationLevel.LEVEL_3: [
        "CAP Maçon",
        "CAP Cuisine",
        "CAP Peintre applicateur de revêtements",
        "BEP Logistique et transport",
        "CAP Employé de vente",
        "CAP Mécanicien automobile",
    ],
    EducationLevel.LEVEL_4: [
        "Baccalauréat professionnel Commerce",
        "Baccalauréat STMG",
        "Brevet professionnel Boulanger",
        "Baccalauréat professionnel Logistique",
    ],
    EducationLevel.LEVEL_5: ["BTS Négociation et relation client", "DUT Génie électrique"],
    EducationLevel.LEVEL_6: ["Licence d'histoire", "Licence professionnelle Logistique"],
    EducationLevel.LEVEL_7: ["Master de droit des affaires"],
}
DIPLOMA_LEVEL = {
    EducationLevel.LEVEL_3: DiplomaLevel.LEVEL_3,
    EducationLevel.LEVEL_4: DiplomaLevel.LEVEL_4,
    EducationLevel.LEVEL_5: DiplomaLevel.LEVEL_5,
    EducationLevel.LEVEL_6: DiplomaLevel.LEVEL_6,
    EducationLevel.LEVEL_7: DiplomaLevel.LEVEL_7,
}
CERTIFICATES = [
    "Titre professionnel Agent de propreté et d'hygiène",
    "Titre professionnel Préparateur de commandes",
    "Certificat de formation générale (CFG)",
    "Titre professionnel Agent de restauration",
]
DIGITAL = Weighted({DigitalSkills.BASIC: 50, DigitalSkills.AUTONOMOUS: 30, DigitalSkills.NONE: 20})
DRIVING = Weighted(
    {
        (): 55,
        (DrivingLicence.B,): 25,
        (DrivingLicence.CODE,): 8,
        (DrivingLicence.SUSPENDED,): 8,
        (DrivingLicence.B, DrivingLicence.C_D): 4,
    }
)
PROFESSIONAL = Weighted(
    {
        (): 75,
        (ProfessionalLicence.CACES,): 10,
        (ProfessionalLicence.SST,): 6,
        (ProfessionalLicence.HACCP,): 5,
        (ProfessionalLicence.ELECTRICAL,): 4,
    }
)
ADULT_WORK = Weighted({WorkHistory.YES: 72, WorkHistory.NO: 24, WorkHistory.NOT_APPLICABLE: 4})
MINOR_WORK = Weighted({WorkHistory.NOT_APPLICABLE: 60, WorkHistory.NO: 30, WorkHistory.YES: 10})

SECTORS = Weighted(
    {
        Sector.CONSTRUCTION: 18,
        Sector.LOGISTICS: 18,
        Sector.HOSPITALITY: 12,
        Sector.RETAIL: 10,
        Sector.CLEANING: 9,
        Sector.INDUSTRY: 8,
        Sector.AGRICULTURE: 5,
        Sector.MECHANICS: 5,
        Sector.CRAFTS: 4,
        Sector.PERSONAL_SERVICES: 3,
        Sector.OTHER: 3,
        Sector.HEALTH_SOCIAL: 2,
        Sector.OFFICE: 2,
        Sector.DIGITAL: 1,
        Sector.CULTURE_SPORT: 1,
    }
)
# Job titles by sector, "masculine|feminine" when they differ.
JOBS = {
    Sector.AGRICULTURE: [
        "Ouvrier agricole|Ouvrière agricole",
        "Saisonnier aux vendanges|Saisonnière aux vendanges",
        "Paysagiste",
    ],
    Sector.CONSTRUCTION: [
        "Maçon|Maçonne",
        "Manœuvre",
        "Plaquiste",
        "Peintre en bâtiment",
        "Carreleur|Carreleuse",
        "Coffreur|Coffreuse",
    ],
    Sector.INDUSTRY: [
        "Opérateur de production|Opératrice de production",
        "Agent de conditionnement|Agente de conditionnement",
        "Soudeur|Soudeuse",
    ],
    Sector.LOGISTICS: [
        "Préparateur de commandes|Préparatrice de commandes",
        "Cariste",
        "Manutentionnaire",
        "Chauffeur-livreur|Chauffeuse-livreuse",
        "Magasinier|Magasinière",
    ],
    Sector.RETAIL: [
        "Vendeur|Vendeuse",
        "Employé de libre-service|Employée de libre-service",
        "Caissier|Caissière",
        "Vendeur sur les marchés|Vendeuse sur les marchés",
    ],
    Sector.HOSPITALITY: [
        "Commis de cuisine",
        "Plongeur|Plongeuse",
        "Serveur|Serveuse",
        "Équipier en restauration rapide|Équipière en restauration rapide",
        "Cuisinier|Cuisinière",
    ],
    Sector.CLEANING: [
        "Agent de propreté|Agente de propreté",
        "Agent de sécurité|Agente de sécurité",
        "Laveur de vitres|Laveuse de vitres",
    ],
    Sector.PERSONAL_SERVICES: ["Aide à domicile", "Garde d'enfants", "Auxiliaire de vie"],
    Sector.HEALTH_SOCIAL: [
        "Agent de service hospitalier|Agente de service hospitalier",
        "Aide-soignant|Aide-soignante",
    ],
    Sector.MECHANICS: [
        "Mécanicien automobile|Mécanicienne automobile",
        "Carrossier|Carrossière",
        "Monteur de pneumatiques|Monteuse de pneumatiques",
    ],
    Sector.DIGITAL: [
        "Technicien de maintenance informatique|Technicienne de maintenance informatique",
        "Développeur web|Développeuse web",
    ],
    Sector.OFFICE: [
        "Agent administratif|Agente administrative",
        "Téléconseiller|Téléconseillère",
    ],
    Sector.CRAFTS: [
        "Boulanger|Boulangère",
        "Boucher|Bouchère",
        "Coiffeur|Coiffeuse",
        "Menuisier|Menuisière",
    ],
    Sector.CULTURE_SPORT: [
        "Animateur sportif|Animatrice sportive",
        "Technicien du spectacle|Technicienne du spectacle",
    ],
    Sector.OTHER: ["Livreur à vélo|Livreuse à vélo", "Agent d'accueil|Agente d'accueil"],
}
CONTRACTS = Weighted(
    {
        Contract.TEMPORARY: 28,
        Contract.CDD: 22,
        Contract.UNDECLARED: 15,
        Contract.CDI: 12,
        Contract.SEASONAL: 5,
        Contract.SUBSIDISED: 5,
        Contract.APPRENTICESHIP: 5,
        Contract.SELF_EMPLOYED: 4,
        Contract.PRISON_WORK: 3,
        Contract.VOLUNTEER: 1,
    }
)
JOB_MONTHS = [2, 3, 4, 6, 8, 12, 18, 24, 36, 60]
EXPERIENCE_COUNTS = Weighted({1: 35, 2: 30, 3: 20, 4: 15})
EXPERIENCE_DETAILS = [
    "",
    "",
    "",
    "Missions successives pour la même agence.",
    "Fin de contrat.",
    "Démission pour raisons familiales.",
    "Activité arrêtée à l'incarcération.",
    "Emploi trouvé avec la Mission locale.",
    "Travail de nuit.",
]
KNOW_HOW = {
    Sector.CONSTRUCTION: ["Lecture de plans simples", "Pose de plaques de plâtre", "Maçonnerie"],
    Sector.LOGISTICS: [
        "Conduite de chariot élévateur",
        "Préparation de commandes au scanner",
        "Gestion des stocks",
    ],
    Sector.HOSPITALITY: [
        "Préparations froides",
        "Service en salle",
        "Règles d'hygiène en cuisine",
    ],
    Sector.RETAIL: ["Tenue de caisse", "Mise en rayon", "Accueil de la clientèle"],
    Sector.CLEANING: ["Utilisation d'une autolaveuse", "Dosage des produits d'entretien"],
    Sector.INDUSTRY: ["Réglage de machine", "Contrôle qualité visuel"],
    Sector.AGRICULTURE: ["Taille de haies", "Conduite de tracteur"],
    Sector.MECHANICS: ["Vidange et entretien courant", "Diagnostic de pannes simples"],
    Sector.CRAFTS: ["Découpe de viande", "Fabrication de pain", "Travail du bois"],
}
GENERAL_KNOW_HOW = [
    "Bricolage",
    "Cuisine familiale",
    "Entretien de deux-roues",
    "Montage de meubles",
    "Utilisation d'un tableur",
    "Coupe de cheveux",
    "Peinture intérieure",
]
INTERESTS = [
    "football",
    "musculation",
    "cuisine",
    "musique",
    "dessin",
    "lecture",
    "jeux vidéo",
    "pêche",
    "mécanique",
    "boxe",
    "jardinage",
    "cinéma",
    "course à pied",
    "échecs",
    "bricolage",
]
CONFIDENCE = Weighted(
    {Confidence.NOT: 10, Confidence.LITTLE: 25, Confidence.FAIRLY: 45, Confidence.VERY: 20}
)
NO_WORK_ACTIVITY = [
    "Sans activité professionnelle ; hébergement chez la famille.",
    "Sans emploi depuis plusieurs années, revenus du RSA.",
    "Petits travaux non déclarés.",
    "Scolarité interrompue, sans activité depuis.",
]

PROJECT_COUNTS = Weighted({0: 15, 1: 45, 2: 30, 3: 10})
PROJECT_KINDS = Weighted(
    {
        ProjectKind.EMPLOYMENT: 35,
        ProjectKind.QUALIFYING_TRAINING: 25,
        ProjectKind.PRISON_WORK: 20,
        ProjectKind.BASIC_SKILLS: 10,
        ProjectKind.BUSINESS: 6,
        ProjectKind.STUDIES: 4,
    }
)
PROJECT_TARGETS = {
    ProjectKind.EMPLOYMENT: [
        "Logistique (cariste)",
        "Bâtiment, second œuvre",
        "Restauration collective",
        "Propreté",
        "Transport routier",
        "Vente en magasin",
        "Espaces verts",
    ],
    ProjectKind.QUALIFYING_TRAINING: [
        "CAP Cuisine",
        "Titre professionnel Agent de propreté et d'hygiène",
        "CACES R489",
        "Titre professionnel Maçon",
        "Formation en soudure",
        "Permis C (poids lourd)",
    ],
    ProjectKind.BUSINESS: [
        "Entreprise de nettoyage",
        "Camion de restauration",
        "Micro-entreprise de peinture en bâtiment",
    ],
    ProjectKind.STUDIES: ["DAEU (accès à l'université)", "Reprise du baccalauréat"],
    ProjectKind.PRISON_WORK: [
        "Service général",
        "Atelier de production",
        "Cuisine de l'établissement",
        "Buanderie",
    ],
    ProjectKind.BASIC_SKILLS: [
        "Savoirs de base (lecture, écriture)",
        "Français langue étrangère",
        "Préparation du CFG",
    ],
}
PROJECT_HORIZON = {
    ProjectKind.PRISON_WORK: Horizon.DURING,
    ProjectKind.BASIC_SKILLS: Horizon.DURING,
    ProjectKind.BUSINESS: Horizon.LATER,
}
HORIZONS = Weighted({Horizon.DURING: 30, Horizon.AT_RELEASE: 50, Horizon.LATER: 20})
MATURITIES = Weighted(
    {Maturity.IDEA: 35, Maturity.TO_BUILD: 35, Maturity.DEFINED: 22, Maturity.VALIDATED: 8}
)
NEXT_STEPS = [
    "Candidature à déposer auprès de la commission pluridisciplinaire unique.",
    "Inscription à la prochaine information collective.",
    "Rencontre avec le responsable local de l'enseignement pour un positionnement.",
    "Chercher un organisme de formation proche du lieu de sortie.",
    "Travailler le CV avec le CPIP.",
    "Se renseigner sur les aides à la création d'entreprise.",
    "Demander un rendez-vous avec le conseiller France Travail en détention.",
    "",
]

# Levels of barriers: mostly none or light; housing, papers and rights more often important.
USUAL_LEVELS = Weighted(
    {
        BarrierLevel.NONE: 56,
        BarrierLevel.LIGHT: 28,
        BarrierLevel.SIGNIFICANT: 12,
        BarrierLevel.BLOCKING: 4,
    }
)
HEAVY_LEVELS = Weighted(
    {
        BarrierLevel.NONE: 30,
        BarrierLevel.LIGHT: 30,
        BarrierLevel.SIGNIFICANT: 30,
        BarrierLevel.BLOCKING: 10,
    }
)
RARE_LEVELS = Weighted(
    {
        BarrierLevel.NONE: 90,
        BarrierLevel.LIGHT: 4,
        BarrierLevel.SIGNIFICANT: 4,
        BarrierLevel.BLOCKING: 2,
    }
)
FOREIGN_LEVELS = Weighted(
    {
        BarrierLevel.NONE: 35,
        BarrierLevel.LIGHT: 15,
        BarrierLevel.SIGNIFICANT: 35,
        BarrierLevel.BLOCKING: 15,
    }
)
HEAVY_BARRIERS = {BarrierCategory.HOUSING, BarrierCategory.PAPERS, BarrierCategory.RIGHTS}
SERIOUS = {BarrierLevel.SIGNIFICANT, BarrierLevel.BLOCKING}
PROFICIENCY_BARRIER = {
    Proficiency.AT_EASE: BarrierLevel.NONE,
    Proficiency.DIFFICULTIES: BarrierLevel.SIGNIFICANT,
    Proficiency.NOT_MASTERED: BarrierLevel.BLOCKING,
}
DIGITAL_BARRIER = {
    DigitalSkills.AUTONOMOUS: BarrierLevel.NONE,
    DigitalSkills.BASIC: BarrierLevel.LIGHT,
    DigitalSkills.NONE: BarrierLevel.SIGNIFICANT,
}
BARRIER_DETAILS = {
    BarrierCategory.HOUSING: [
        "Sans solution d'hébergement à la sortie.",
        "Hébergement chez un proche avant l'incarcération ; retour incertain.",
        "Logement social perdu pendant la détention.",
        "Demande au SIAO à faire avant la sortie.",
    ],
    BarrierCategory.PAPERS: [
        "Carte d'identité périmée.",
        "Aucune pièce d'identité en détention.",
        "Carte Vitale perdue.",
        "Acte de naissance à demander.",
    ],
    BarrierCategory.RIGHTS: [
        "Pas de complémentaire santé.",
        "Droits CAF suspendus.",
        "Ouverture des droits au RSA à préparer pour la sortie.",
    ],
    BarrierCategory.PHYSICAL_HEALTH: [
        "Douleurs dorsales : pas de port de charges lourdes.",
        "Suivi médical régulier à l'unité sanitaire.",
        "Reconnaissance de la qualité de travailleur handicapé à envisager.",
    ],
    BarrierCategory.MENTAL_HEALTH: [
        "Suivi psychologique en cours.",
        "Troubles du sommeil signalés.",
        "Suivi au SMPR à poursuivre.",
    ],
    BarrierCategory.ADDICTIONS: [
        "Consommation de cannabis déclarée.",
        "Consommation d'alcool importante avant l'incarcération.",
        "Traitement de substitution en cours.",
    ],
    BarrierCategory.FRENCH: [
        "Comprend le français oral, difficultés à l'écrit.",
        "Souhaite suivre des cours de français.",
    ],
    BarrierCategory.LITERACY: [
        "Lit difficilement, n'écrit pas.",
        "Déchiffre lentement ; besoin d'aide pour les courriers.",
    ],
    BarrierCategory.DIGITAL: [
        "N'a jamais utilisé d'ordinateur.",
        "Utilise un smartphone mais n'a pas d'adresse électronique.",
    ],
    BarrierCategory.MOBILITY: [
        "Pas de permis de conduire.",
        "Lieu de sortie mal desservi par les transports.",
    ],
    BarrierCategory.DEBTS: [
        "Dettes de loyer.",
        "Amendes et frais de justice à régler.",
        "Parties civiles à indemniser.",
        "Aucune ressource prévue à la sortie.",
    ],
    BarrierCategory.FAMILY: [
        "Deux enfants en bas âge ; garde à organiser.",
        "Liens familiaux distendus.",
    ],
    BarrierCategory.RESIDENCE: [
        "Titre de séjour expiré.",
        "Démarches de régularisation à engager.",
        "Récépissé de demande de titre en cours.",
    ],
    BarrierCategory.LEGAL: [
        "Interdiction de paraître dans le département de résidence.",
        "Obligation de soins.",
    ],
    BarrierCategory.MOTIVATION: [
        "Peu de confiance dans ses capacités.",
        "Motivation fluctuante.",
        "Découragement après des échecs précédents.",
    ],
    BarrierCategory.OTHER: [
        "Situation à préciser avec le CPIP.",
        "Procédure de divorce en cours.",
        "Animal de compagnie à faire garder.",
    ],
}
# The orientation a serious barrier calls for.
BARRIER_ORIENTATION = {
    BarrierCategory.HOUSING: OrientationKind.RIGHTS,
    BarrierCategory.PAPERS: OrientationKind.RIGHTS,
    BarrierCategory.RIGHTS: OrientationKind.RIGHTS,
    BarrierCategory.DEBTS: OrientationKind.RIGHTS,
    BarrierCategory.RESIDENCE: OrientationKind.RIGHTS,
    BarrierCategory.PHYSICAL_HEALTH: OrientationKind.CARE,
    BarrierCategory.MENTAL_HEALTH: OrientationKind.CARE,
    BarrierCategory.ADDICTIONS: OrientationKind.ADDICTION,
    BarrierCategory.LITERACY: OrientationKind.ILLITERACY,
    BarrierCategory.FRENCH: OrientationKind.EDUCATION,
    BarrierCategory.DIGITAL: OrientationKind.DIGITAL,
}
PROJECT_ORIENTATION = {
    ProjectKind.EMPLOYMENT: OrientationKind.EMPLOYMENT_SERVICES,
    ProjectKind.QUALIFYING_TRAINING: OrientationKind.VOCATIONAL_TRAINING,
    ProjectKind.BUSINESS: OrientationKind.EMPLOYMENT_SERVICES,
    ProjectKind.STUDIES: OrientationKind.EDUCATION,
    ProjectKind.PRISON_WORK: OrientationKind.PRISON_WORK,
    ProjectKind.BASIC_SKILLS: OrientationKind.EDUCATION,
}
DEFAULT_ORIENTATIONS = [
    OrientationKind.PRISON_WORK,
    OrientationKind.EDUCATION,
    OrientationKind.EMPLOYMENT_SERVICES,
    OrientationKind.VOCATIONAL_TRAINING,
    OrientationKind.PARTNER_COMPANY,
]
ORIENTATION_COUNTS = Weighted({1: 20, 2: 40, 3: 28, 4: 12})
ORIENTATION_DETAILS = {
    OrientationKind.PRISON_WORK: [
        "Inscription sur la liste d'attente des ateliers.",
        "Candidature au service général.",
    ],
    OrientationKind.VOCATIONAL_TRAINING: [
        "Positionnement sur la prochaine session de formation qualifiante.",
        "Information collective à prévoir.",
    ],
    OrientationKind.EDUCATION: [
        "Test de positionnement avec le responsable local de l'enseignement.",
        "Préparation du CFG.",
    ],
    OrientationKind.ILLITERACY: ["Atelier savoirs de base."],
    OrientationKind.DIGITAL: ["Ateliers numériques de l'établissement."],
    OrientationKind.RIGHTS: [
        "Rendez-vous au point d'accès au droit.",
        "Renouvellement des papiers d'identité avec le CPIP.",
    ],
    OrientationKind.CARE: ["Signalement à l'unité sanitaire, avec l'accord de la personne."],
    OrientationKind.ADDICTION: ["Rencontre avec le CSAPA référent."],
    OrientationKind.SAS: ["Candidature à la SAS à étudier avec le CPIP."],
    OrientationKind.ARRANGEMENT: ["Projet de sortie à construire pour une demande d'aménagement."],
    OrientationKind.EMPLOYMENT_SERVICES: [
        "Rendez-vous avec le conseiller France Travail en détention.",
        "Inscription à France Travail avant la sortie.",
    ],
    OrientationKind.PARTNER_COMPANY: ["Présentation à une entreprise partenaire à la sortie."],
}
POINTS_OF_ATTENTION = {
    BarrierCategory.LITERACY: "Difficultés de lecture : privilégier l'oral et vérifier la "
    "compréhension des courriers.",
    BarrierCategory.FRENCH: "Prévoir un interprète pour les rendez-vous importants.",
    BarrierCategory.MENTAL_HEALTH: "Fragilité psychologique : relayer toute inquiétude à "
    "l'unité sanitaire.",
    BarrierCategory.ADDICTIONS: "Suivi en addictologie à ne pas interrompre.",
    BarrierCategory.HOUSING: "Hébergement à la sortie non trouvé : à anticiper dès maintenant.",
    BarrierCategory.FAMILY: "Situation familiale sensible : aborder le sujet avec tact.",
    BarrierCategory.DEBTS: "Situation financière à traiter avant la sortie.",
    BarrierCategory.RESIDENCE: "Situation administrative à clarifier avant toute démarche "
    "d'emploi.",
}
NO_POINT_OF_ATTENTION = "Aucun point de vigilance particulier."
OPENINGS = [
    "Entretien mené dans un climat de confiance.",
    "Personne d'abord réservée, qui s'est ouverte au fil de l'entretien.",
    "Échange constructif : la personne a participé activement.",
    "Entretien court mais riche en informations.",
    "La personne a posé de nombreuses questions sur les activités proposées en détention.",
]
NO_PROJECT = [
    "Aucun projet précis à ce stade, mais l'envie de travailler est là.",
    "Pas de projet défini : un travail d'orientation est à mener.",
]
CLOSINGS = [
    "Un point d'étape avec le CPIP référent est à prévoir.",
    "Synthèse à partager avec l'équipe pluridisciplinaire.",
    "À revoir dans trois mois pour faire le point sur les démarches.",
    "La personne est d'accord avec les orientations proposées.",
]

# Referentials read for every interview, computed once.
LABELS = {
    choices: dict(choices.choices)
    for choices in (BarrierCategory, Contract, Maturity, OrientationKind)
}
BARRIER_CATEGORIES = BarrierCategory.values
SOFT_SKILLS = SoftSkill.values
DEPARTURES = {NotDoneReason.TRANSFER, NotDoneReason.RELEASE}

ROW_MODELS = {
    "diplomas": Diploma,
    "experiences": Experience,
    "know_hows": KnowHow,
    "soft_skills": SoftSkillRating,
    "projects": Project,
    "barriers": BarrierAssessment,
    "orientations": Orientation,
}


# --- Which interviews, in which state ----------------------------------------------------


@dataclasses.dataclass(slots=True)
class Owed:
    """One interview before insertion: its state and dates (answers are drawn later)."""

    stay: Incarceration
    detainee: Detainee
    establishment: Establishment
    interviewer: User | None
    due_date: datetime.date
    status: str = Status.TO_DO
    started_on: datetime.date | None = None
    conducted_on: datetime.date | None = None
    validated_on: datetime.date | None = None
    not_done_reason: str = ""
    not_done_details: str = ""
    not_done_on: datetime.date | None = None
    # (asked on, new date, reason, was overdue)
    postponement: tuple[datetime.date, datetime.date, str, bool] | None = None
    fill: str = ""  # "", "partial", "rich" (a draft nearly complete) or "full"
    interview: Interview | None = None  # built at insertion, with its rows by relation
    related: dict[str, list] = dataclasses.field(default_factory=dict)

    @property
    def arrival(self) -> datetime.date:
        return self.stay.arrival_date

    @property
    def held(self) -> bool:
        return self.stay.departure_date is None

    def reset(self) -> None:
        self.status = Status.TO_DO
        self.due_date = interview_due_date(self.arrival)
        self.started_on = self.conducted_on = self.validated_on = self.not_done_on = None
        self.not_done_reason = self.not_done_details = ""
        self.postponement = None
        self.fill = ""

    def kind(self, today: datetime.date) -> str:
        """The list of the worklist the interview appears in."""
        if self.status == Status.VALIDATED:
            recent = self.validated_on >= today - days(RECENT_DAYS)
            return "validated_recently" if recent else "validated"
        if self.status == Status.NOT_DONE:
            return "not_done"
        if self.due_date < today:
            return "overdue"
        return "to_do" if self.status == Status.TO_DO else "draft"


def validate(rng: random.Random, owed: Owed, *, last_day: datetime.date) -> None:
    """Conducted between the arrival and the due date, validated 0–4 days later: never after
    last_day (today, or the eve of the departure)."""
    latest = min(owed.due_date, last_day)
    if owed.postponement:
        owed.conducted_on = min(owed.postponement[1], latest)
    else:
        owed.conducted_on = random_date(rng, min(owed.arrival + days(1), latest), latest)
    owed.started_on = owed.conducted_on
    owed.validated_on = min(owed.conducted_on + days(VALIDATION_DELAY.pick(rng)), last_day)
    owed.status = Status.VALIDATED
    owed.fill = "full"


def start(rng: random.Random, owed: Owed, *, last_day: datetime.date) -> None:
    """A draft: begun between the arrival and last_day; the meeting held or not yet."""
    owed.started_on = random_date(rng, owed.arrival, last_day)
    owed.conducted_on = owed.started_on if rng.random() < 0.5 else None
    owed.fill = "partial"


def declare_not_done(rng: random.Random, owed: Owed, today: datetime.date) -> None:
    owed.status = Status.NOT_DONE
    owed.not_done_reason = STAY_REASONS.pick(rng)
    owed.not_done_details = rng.choice(NOT_DONE_DETAILS[owed.not_done_reason])
    owed.not_done_on = random_date(rng, owed.arrival, min(owed.due_date + days(10), today))


def postpone(
    rng: random.Random, owed: Owed, asked_on: datetime.date, new_date: datetime.date
) -> None:
    """As `interview_postpone`: the due date moves unless the interview was already late."""
    was_overdue = owed.due_date < asked_on
    owed.postponement = (asked_on, new_date, rng.choice(POSTPONEMENT_REASONS), was_overdue)
    if not was_overdue and new_date > owed.due_date:
        owed.due_date = new_date


def plan_held(rng: random.Random, owed: Owed, today: datetime.date) -> None:
    """The interview of a person held now, by the age of the arrival."""
    arrival, due = owed.arrival, owed.due_date
    age = (today - arrival).days
    if due >= today:
        mix = WITHIN_DUE
    elif age <= SETTLED_AFTER_DAYS:
        mix = JUST_LATE
    elif age <= OLD_AFTER_DAYS:
        mix = SETTLED
    else:
        mix = OLD
    status = mix.pick(rng)
    if status == Status.VALIDATED:
        if rng.random() < VALIDATED_POSTPONED_SHARE and due > arrival:
            asked_on = random_date(rng, arrival, min(due, today) - days(1))
            new_date = asked_on + days(rng.randint(2, 20))
            if new_date <= today:
                postpone(rng, owed, asked_on, new_date)
        validate(rng, owed, last_day=today)
    elif status == Status.NOT_DONE:
        declare_not_done(rng, owed, today)
    else:
        owed.status = status
        if status == Status.DRAFT:  # begun in the first weeks, when it was late
            start(rng, owed, last_day=min(today, due + days(30)))
        if rng.random() < OPEN_POSTPONED_SHARE:
            if due >= today:  # within the window: asked any day since the arrival
                asked_on = random_date(rng, arrival, today)
                postpone(rng, owed, asked_on, asked_on + days(rng.randint(3, 30)))
            elif rng.random() < 0.6:  # asked in time, for a date that may have passed too
                asked_on = random_date(rng, arrival, due - days(1))
                postpone(rng, owed, asked_on, asked_on + days(rng.randint(7, 45)))
            else:  # asked once late: the due date does not move
                asked_on = random_date(rng, due + days(1), min(due + days(60), today))
                postpone(rng, owed, asked_on, asked_on + days(rng.randint(1, 21)))


def plan_closed(rng: random.Random, owed: Owed) -> None:
    """A stay that is over: validated before leaving, or not done for the departure."""
    departure = owed.stay.departure_date
    length = (departure - owed.arrival).days
    share = 0 if length < 2 else min(0.85, 0.1 + 0.04 * length)
    if rng.random() < share:
        validate(rng, owed, last_day=departure - days(1))
        return
    owed.status = Status.NOT_DONE
    reason = owed.stay.departure_reason
    owed.not_done_reason = reason if reason in DEPARTURES else NotDoneReason.RELEASE
    owed.not_done_on = departure
    if length >= 3 and rng.random() < CLOSED_STARTED_SHARE:
        start(rng, owed, last_day=min(departure - days(1), owed.due_date))


def plan_interviews(
    rng: random.Random,
    detainees: list[Detainee],
    stays: dict[int, list[Incarceration]],
    today: datetime.date,
    establishments: dict[int, Establishment],
    interviewers: dict[int, list[User]],
) -> list[Owed]:
    """The interviews owed, stay after stay: none after a validated one."""
    owed_list = []
    for detainee in detainees:
        validated = False
        for stay in stays[detainee.pk]:
            establishment = establishments[stay.establishment_id]
            rollout = establishment.interview_rollout_date
            if validated or rollout is None or stay.arrival_date < rollout:
                continue
            staff = interviewers.get(establishment.pk)
            owed = Owed(
                stay=stay,
                detainee=detainee,
                establishment=establishment,
                interviewer=rng.choice(staff) if staff else None,
                due_date=interview_due_date(stay.arrival_date),
            )
            if owed.held:
                plan_held(rng, owed, today)
            else:
                plan_closed(rng, owed)
            validated = owed.status == Status.VALIDATED
            owed_list.append(owed)
    return owed_list


def showcase(rng: random.Random, owed_list: list[Owed], today: datetime.date) -> None:
    """Give one establishment's worklist at least SHOWCASE[kind] items of each kind.

    Recent arrivals (the only ones that can have been validated in the last 30 days) are
    validated first; the other kinds are then taken from interviews validated long ago, the
    most recent arrivals first (a postponement asked in time keeps an item to do in time). The
    draft with the most recent arrival gets nearly complete answers, to continue in the demo.
    """
    counts = Counter(owed.kind(today) for owed in owed_list)
    missing = SHOWCASE["validated_recently"] - counts["validated_recently"]
    for owed in sorted(owed_list, key=lambda owed: owed.arrival, reverse=True):
        if missing <= 0:
            break
        if owed.status == Status.VALIDATED:
            continue
        earliest = max(owed.arrival + days(1), today - days(RECENT_DAYS - 4))
        if interview_due_date(owed.arrival) < earliest or owed.arrival >= today:
            continue
        owed.reset()
        owed.conducted_on = random_date(rng, earliest, min(owed.due_date, today))
        owed.started_on = owed.conducted_on
        owed.validated_on = min(owed.conducted_on + days(VALIDATION_DELAY.pick(rng)), today)
        owed.status, owed.fill = Status.VALIDATED, "full"
        missing -= 1

    donors = [
        owed
        for owed in sorted(owed_list, key=lambda owed: owed.arrival, reverse=True)
        if owed.kind(today) == "validated" and (today - owed.arrival).days >= 2 * RECENT_DAYS
    ]
    counts = Counter(owed.kind(today) for owed in owed_list)
    for kind in ("to_do", "draft", "overdue", "not_done"):
        for _ in range(SHOWCASE[kind] - counts[kind]):
            postponed = kind in ("to_do", "draft")  # asked in time, for a date still to come
            # A postponement spans six months at most.
            fits = [o for o in donors if not postponed or (today - o.arrival).days <= 150]
            if not fits:
                break
            owed = fits[0]
            donors.remove(owed)
            owed.reset()
            if postponed:
                asked_on = owed.arrival + days(rng.randint(3, 12))
                postpone(rng, owed, asked_on, today + days(rng.randint(3, 21)))
            if kind == "draft":
                owed.status = Status.DRAFT
                start(rng, owed, last_day=min(owed.due_date, today))
            elif kind == "overdue":
                owed.status = rng.choice((Status.TO_DO, Status.DRAFT))
                if owed.status == Status.DRAFT:
                    start(rng, owed, last_day=owed.due_date + days(30))
            elif kind == "not_done":
                declare_not_done(rng, owed, today)
    drafts = [owed for owed in owed_list if owed.status == Status.DRAFT]
    if drafts:
        richest = max(drafts, key=lambda owed: owed.arrival)
        richest.fill = "rich"
        richest.conducted_on = richest.started_on


# --- Answers -----------------------------------------------------------------------------


def gendered(title: str, sex: str) -> str:
    masculine, _, feminine = title.partition("|")
    return feminine if feminine and sex == Sex.FEMALE else masculine


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def draw_experiences(rng: random.Random, detainee: Detainee, arrival: datetime.date) -> list[dict]:
    """Jobs one after the other, the last one ending before the arrival, none before 16."""
    earliest = (detainee.birth_date.year + 16) * 12 + detainee.birth_date.month - 1
    cursor = arrival.year * 12 + arrival.month - 1 - rng.choice((0, 0, 1, 3, 6, 12, 24))
    jobs = []
    for _ in range(EXPERIENCE_COUNTS.pick(rng)):
        end = cursor
        start = end - rng.choice(JOB_MONTHS) + 1
        if start < earliest:
            break
        sector = SECTORS.pick(rng)
        contract = CONTRACTS.pick(rng)
        jobs.append(
            {
                "job_title": gendered(rng.choice(JOBS[sector]), detainee.sex),
                "sector": sector,
                "start_month": start % 12 + 1 if rng.random() < 0.9 else None,
                "start_year": start // 12,
                "end_month": end % 12 + 1,
                "end_year": end // 12,
                "contract": contract,
                "details": rng.choice(EXPERIENCE_DETAILS),
            }
        )
        cursor = start - 1 - rng.choice((0, 0, 1, 2, 4, 6, 12))
    jobs.reverse()
    return jobs


def draw_answers(rng: random.Random, owed: Owed, today: datetime.date) -> tuple[dict, dict]:
    """A complete set of answers, consistent with the person: (fields, rows by relation)."""
    detainee, arrival = owed.detainee, owed.arrival
    age = age_on(detainee.birth_date, arrival)
    minor = age < 18
    fields: dict = {
        "duration_minutes": rng.randint(45, 90),
        "place": rng.choice(PLACES),
        "tools": list(TOOLS.pick(rng)),
        "informed_of_sharing": rng.random() < 0.97,
        "withheld_sections": list(WITHHELD.pick(rng)),
    }
    if Tool.OTHER in fields["tools"]:
        fields["other_tool"] = rng.choice(OTHER_TOOLS)

    # Schooling and languages.
    foreign = rng.random() < INTERPRETER_SHARE
    education = (MINOR_EDUCATION if minor else ADULT_EDUCATION).pick(rng)
    if foreign:
        education = EducationLevel.ABROAD
        fields["interpreter_language"] = rng.choice(INTERPRETER_LANGUAGES)
    fields["education_level"] = education
    if education in SCHOOLING_END_AGE:
        low, high = SCHOOLING_END_AGE[education]
        fields["schooling_end_age"] = max(6, min(rng.randint(low, high), age))
    if foreign:
        speaking = rng.choice((Proficiency.NOT_MASTERED, Proficiency.DIFFICULTIES))
        reading = writing = Proficiency.NOT_MASTERED
    elif education in (EducationLevel.NEVER_SCHOOLED, EducationLevel.ABROAD):
        speaking = rng.choice((Proficiency.AT_EASE, Proficiency.DIFFICULTIES))
        reading = rng.choice((Proficiency.DIFFICULTIES, Proficiency.NOT_MASTERED))
        writing = Proficiency.NOT_MASTERED if reading == Proficiency.NOT_MASTERED else reading
    else:
        speaking = Proficiency.AT_EASE
        reading = Proficiency.DIFFICULTIES if rng.random() < 0.12 else Proficiency.AT_EASE
        writing = reading if rng.random() < 0.7 else Proficiency.DIFFICULTIES
    fields.update(french_speaking=speaking, french_reading=reading, french_writing=writing)
    languages = ["français"]
    if foreign:
        languages = [fields["interpreter_language"]]
    if rng.random() < 0.3:
        languages.append(rng.choice(OTHER_LANGUAGES))
    fields["languages"] = ", ".join(dict.fromkeys(languages)).capitalize()
    fields["digital_skills"] = DIGITAL.pick(rng)
    fields["driving_licences"] = [] if minor else list(DRIVING.pick(rng))
    fields["professional_licences"] = [] if minor else list(PROFESSIONAL.pick(rng))

    diplomas = []
    titles = DIPLOMAS.get(education)
    if titles:
        year = detainee.birth_date.year + fields.get("schooling_end_age", 18)
        diplomas.append(
            {
                "title": rng.choice(titles),
                "level": DIPLOMA_LEVEL[education],
                "year": min(year, arrival.year),
            }
        )
    if not minor and rng.random() < 0.2:
        diplomas.append(
            {
                "title": rng.choice(CERTIFICATES),
                "level": DiplomaLevel.CERTIFICATE,
                "year": rng.randint(min(detainee.birth_date.year + 18, arrival.year), arrival.year),
            }
        )
    if education == EducationLevel.ABROAD and rng.random() < 0.3:
        diplomas.append(
            {"title": "Diplôme de fin d'études secondaires", "level": DiplomaLevel.UNKNOWN}
        )

    # Work.
    work_history = (MINOR_WORK if minor else ADULT_WORK).pick(rng)
    experiences = (
        draw_experiences(rng, detainee, arrival) if work_history == WorkHistory.YES else []
    )
    if work_history == WorkHistory.YES and not experiences:
        work_history = WorkHistory.NO
    fields["work_history"] = work_history
    if experiences:
        last = experiences[-1]
        contract = lowered(LABELS[Contract][last["contract"]])
        until = month_year(last["end_month"], last["end_year"])
        fields["last_activity"] = f"{last['job_title']} ({contract}) jusqu'en {until}."
    elif work_history == WorkHistory.NOT_APPLICABLE:
        fields["last_activity"] = "Scolarité en cours avant l'incarcération."
    else:
        fields["last_activity"] = rng.choice(NO_WORK_ACTIVITY)

    # Skills.
    fields["interests"] = ", ".join(rng.sample(INTERESTS, rng.randint(1, 3))).capitalize()
    pool = list(GENERAL_KNOW_HOW)
    for job in experiences:
        pool.extend(KNOW_HOW.get(job["sector"], []))
    know_hows = [{"label": label} for label in rng.sample(pool, rng.randint(0, 3))]
    soft_skills = []
    if rng.random() < 0.7:
        skills = rng.sample(SOFT_SKILLS, rng.randint(2, 6))
        soft_skills = [{"skill": skill, "confidence": CONFIDENCE.pick(rng)} for skill in skills]

    # Projects.
    projects, kinds = [], set()
    for _ in range(PROJECT_COUNTS.pick(rng)):
        kind = PROJECT_KINDS.pick(rng)
        if kind in kinds:
            continue
        kinds.add(kind)
        projects.append(
            {
                "kind": kind,
                "target": rng.choice(PROJECT_TARGETS[kind]),
                "horizon": PROJECT_HORIZON.get(kind) or HORIZONS.pick(rng),
                "maturity": MATURITIES.pick(rng),
                "next_steps": rng.choice(NEXT_STEPS),
            }
        )

    # Barriers: every category, some follow the answers above.
    levels = {}
    for category in BARRIER_CATEGORIES:
        if category in HEAVY_BARRIERS:
            levels[category] = HEAVY_LEVELS.pick(rng)
        elif category in (BarrierCategory.RESIDENCE, BarrierCategory.LEGAL):
            levels[category] = (FOREIGN_LEVELS if foreign else RARE_LEVELS).pick(rng)
        elif category == BarrierCategory.OTHER:
            levels[category] = RARE_LEVELS.pick(rng)
        else:
            levels[category] = USUAL_LEVELS.pick(rng)
    levels[BarrierCategory.FRENCH] = PROFICIENCY_BARRIER[speaking]
    levels[BarrierCategory.LITERACY] = PROFICIENCY_BARRIER[reading]
    levels[BarrierCategory.DIGITAL] = DIGITAL_BARRIER[fields["digital_skills"]]
    if not fields["driving_licences"] and levels[BarrierCategory.MOBILITY] == BarrierLevel.NONE:
        levels[BarrierCategory.MOBILITY] = BarrierLevel.LIGHT
    barriers = []
    for category, level in levels.items():
        detailed = level in SERIOUS or (
            level == BarrierLevel.LIGHT
            and (category == BarrierCategory.OTHER or rng.random() < 0.3)
        )
        details = rng.choice(BARRIER_DETAILS[category]) if detailed else ""
        barriers.append({"category": category, "level": level, "details": details})
    serious = [category for category, level in levels.items() if level in SERIOUS]

    # Recommendations.
    wanted = [BARRIER_ORIENTATION[c] for c in serious if c in BARRIER_ORIENTATION]
    wanted += [PROJECT_ORIENTATION[project["kind"]] for project in projects]
    release = detainee.expected_release_date
    seen_on = owed.conducted_on or today
    if release and (release - seen_on).days < 240 and rng.random() < 0.5:
        wanted.append(rng.choice((OrientationKind.SAS, OrientationKind.ARRANGEMENT)))
    wanted += rng.sample(DEFAULT_ORIENTATIONS, 2)
    chosen = list(dict.fromkeys(wanted))[: ORIENTATION_COUNTS.pick(rng)]
    priorities = [Priority.HIGH, Priority.MEDIUM, Priority.MEDIUM, Priority.LOW]
    orientations = [
        {
            "kind": kind,
            "priority": priority,
            "details": rng.choice(ORIENTATION_DETAILS[kind]) if rng.random() < 0.7 else "",
        }
        for kind, priority in zip(chosen, priorities, strict=False)
    ]
    attention = [POINTS_OF_ATTENTION[c] for c in serious if c in POINTS_OF_ATTENTION]
    fields["points_of_attention"] = " ".join(attention[:3]) or NO_POINT_OF_ATTENTION
    sentences = [rng.choice(OPENINGS)]
    if projects:
        maturity = LABELS[Maturity][projects[0]["maturity"]].lower()
        sentences.append(f"Projet principal : {projects[0]['target']} (maturité : {maturity}).")
    else:
        sentences.append(rng.choice(NO_PROJECT))
    if serious:
        names = ", ".join(LABELS[BarrierCategory][c].lower() for c in serious[:3])
        sentences.append(f"Freins principaux : {names}.")
    else:
        sentences.append("Peu de freins repérés.")
    first = LABELS[OrientationKind][orientations[0]["kind"]]
    sentences.append(f"Orientation prioritaire : {first.lower()}.")
    sentences.append(rng.choice(CLOSINGS))
    fields["conclusion"] = " ".join(sentences)

    return fields, {
        "diplomas": diplomas,
        "experiences": experiences,
        "know_hows": know_hows,
        "soft_skills": soft_skills,
        "projects": projects,
        "barriers": barriers,
        "orientations": orientations,
    }


PARTIAL_FIELDS = {
    "duration_minutes",
    "place",
    "tools",
    "other_tool",
    "interpreter_language",
    "informed_of_sharing",
    "education_level",
    "schooling_end_age",
    "french_reading",
    "french_writing",
    "french_speaking",
    "languages",
    "digital_skills",
    "driving_licences",
    "work_history",
    "last_activity",
}


def trim(rng: random.Random, fill: str, fields: dict, rows: dict) -> None:
    """What a draft holds: the first sections (partial), or all but the end (rich)."""
    if fill == "rich":  # to finish: three barriers, the orientations, the conclusion
        fields["conclusion"] = ""
        rows["barriers"] = rows["barriers"][:-3]
        rows["orientations"] = rows["orientations"][:1]
    elif fill == "partial":
        for name in set(fields) - PARTIAL_FIELDS:
            del fields[name]
        rows["barriers"] = rows["barriers"][: rng.randint(0, 8)]
        for name in ("know_hows", "soft_skills", "projects", "orientations"):
            rows[name] = []
        if rng.random() < 0.5:
            rows["experiences"] = []


# --- Insertion ---------------------------------------------------------------------------


def at(rng: random.Random, day: datetime.date, hours: tuple[int, int], now) -> datetime.datetime:
    """An aware moment of the day during office hours, never after now."""
    moment = datetime.datetime.combine(
        day,
        datetime.time(rng.randint(*hours), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))),
        tzinfo=timezone.get_current_timezone(),
    )
    return min(moment, now)


def build_interview(rng: random.Random, owed: Owed, now: datetime.datetime) -> Interview:
    started = owed.started_on is not None
    interview = Interview(
        detainee=owed.detainee,
        incarceration=owed.stay,
        establishment=owed.establishment,
        arrival_date=owed.arrival,
        due_date=owed.due_date,
        status=owed.status,
        interviewer=owed.interviewer if started else None,
        planned_on=owed.postponement[1] if owed.postponement else None,
        not_done_reason=owed.not_done_reason,
        not_done_details=owed.not_done_details,
        not_done_on=owed.not_done_on,
        conducted_on=owed.conducted_on,
        version=1 if owed.status == Status.VALIDATED else 0,
        lock_version=rng.randint(3, 30) if started else 0,
        started_at=at(rng, owed.started_on, (8, 11), now) if started else None,
        updated_by=owed.interviewer if started or owed.not_done_reason else None,
    )
    if owed.status == Status.VALIDATED:
        interview.validated_at = at(rng, owed.validated_on, (13, 17), now)
        interview.validated_by = owed.interviewer
    if owed.not_done_reason in DEPARTURES:
        interview.updated_by = None  # closed by the departure, not by a person
    return interview


def interviews_step(rng: random.Random, rows: PeopleRows, today: datetime.date) -> Counter:
    """The interviews owed to the people of a chunk, with their answers and versions."""
    rng = random.Random(rng.getrandbits(64))
    now = timezone.now()
    ids = {stay.establishment_id for stay in rows.incarcerations}
    establishments = Establishment.objects.in_bulk(ids)
    interviewers: dict[int, list[User]] = defaultdict(list)
    showcased = set()
    links = (
        User.establishments.through.objects.filter(
            establishment_id__in=ids, user__role=Role.INTERVIEWER, user__is_active=True
        )
        .select_related("user")
        .order_by("establishment_id", "user_id")
    )
    for link in links:
        interviewers[link.establishment_id].append(link.user)
        if link.user.email in DEMO_INTERVIEWERS:
            showcased.add(link.establishment_id)

    stays = defaultdict(list)  # the stays of each person, oldest first
    for stay in sorted(rows.incarcerations, key=lambda stay: (stay.arrival_date, stay.pk)):
        stays[stay.detainee_id].append(stay)
    owed_list = plan_interviews(rng, rows.detainees, stays, today, establishments, interviewers)
    for establishment_id in sorted(showcased):
        showcase(
            rng,
            [o for o in owed_list if o.establishment.pk == establishment_id and o.held],
            today,
        )
    with cyclic_gc_paused():
        counts = insert_interviews(rng, owed_list, today, now)
        counts["interview_versions"] = insert_versions(owed_list, stays, establishments)
    return counts


def lowered(label: str) -> str:
    """A label inside a sentence: « intérim », « contrat aidé / insertion », but « CDD »."""
    first_word = label.split()[0]
    return label if first_word.isupper() else label[:1].lower() + label[1:]


def row_maker(model):
    """Build rows of `model` from dicts of values by position, Django's fast path (as rows read
    from the database are): keyword arguments cost several times more, per row."""
    fields = model._meta.concrete_fields

    def make(values: dict):
        return model(
            *[
                values[field.attname] if field.attname in values else field.get_default()
                for field in fields
            ]
        )

    return make


CONTENT_FIELD = JSONField()
ROW_MAKERS = {name: row_maker(model) for name, model in ROW_MODELS.items()}


def insert_interviews(
    rng: random.Random, owed_list: list[Owed], today: datetime.date, now
) -> Counter:
    """The interviews, their rows and postponements (kept on each Owed for the versions)."""
    answers = []
    for owed in owed_list:
        owed.interview = build_interview(rng, owed, now)
        if owed.fill:
            fields, rows = draw_answers(rng, owed, today)
            trim(rng, owed.fill, fields, rows)
            for name, value in fields.items():
                setattr(owed.interview, name, value)
            answers.append((owed, rows))
    interviews = [owed.interview for owed in owed_list]
    Interview.objects.bulk_create(interviews, batch_size=BATCH_SIZE)
    counts = Counter({"interviews": len(interviews)})
    if not interviews:
        return counts

    rows_by_model: dict[str, list] = {name: [] for name in ROW_MODELS}
    for owed, rows in answers:
        interview_id = owed.interview.pk
        for name, make in ROW_MAKERS.items():
            objects = []
            for values in rows[name]:
                values["interview_id"] = interview_id
                objects.append(make(values))
            rows_by_model[name].extend(objects)
            owed.related[name] = objects
    for name, model in ROW_MODELS.items():
        model.objects.bulk_create(rows_by_model[name], batch_size=BATCH_SIZE)
        counts[f"interview_{name}"] = len(rows_by_model[name])

    postponements = []
    for owed in owed_list:
        if owed.postponement:
            asked_on, new_date, reason, was_overdue = owed.postponement
            postponement = Postponement(
                interview=owed.interview,
                new_date=new_date,
                reason=reason,
                was_overdue=was_overdue,
                by=owed.interviewer,
            )
            postponements.append((postponement, at(rng, asked_on, (9, 16), now)))
    Postponement.objects.bulk_create([p for p, _ in postponements], batch_size=BATCH_SIZE)
    counts["interview_postponements"] = len(postponements)

    # Automatic timestamps say "now": give them the dates of the story. The interviews of the
    # chunk were inserted together: one UPDATE over their range of ids.
    pks = [interview.pk for interview in interviews]
    created = Cast("arrival_date", DateTimeField()) + Value(datetime.timedelta(hours=6))
    left = Cast("not_done_on", DateTimeField()) + Value(datetime.timedelta(hours=7))
    Interview.objects.filter(pk__gte=min(pks), pk__lte=max(pks)).update(
        created_at=created,
        updated_at=Coalesce(
            F("validated_at"), left, F("started_at"), created, output_field=DateTimeField()
        ),
    )
    for postponement, asked_at in postponements:
        postponement.created_at = asked_at
    Postponement.objects.bulk_update(
        [p for p, _ in postponements], ["created_at"], batch_size=BATCH_SIZE
    )
    return counts


def insert_versions(
    owed_list: list[Owed],
    stays: dict[int, list[Incarceration]],
    establishments: dict[int, Establishment],
) -> int:
    """Version 1 of each validated interview: its summary, from the objects in memory.

    The rows are handed to `interview_summary` as prefetched relations, and so are the stays of
    the person with their establishment (all built in the same chunk): it makes no query.
    Versions are inserted BATCH_SIZE at a time, their summaries are large.
    """
    versions, count = [], 0
    for owed in owed_list:
        if owed.status != Status.VALIDATED:
            continue
        interview, detainee = owed.interview, owed.detainee
        person_stays = stays[detainee.pk]
        for stay in person_stays:
            if not Incarceration.establishment.is_cached(stay):
                stay.establishment = establishments[stay.establishment_id]
        interview._prefetched_objects_cache = owed.related
        detainee._prefetched_objects_cache = {"incarcerations": person_stays}
        content = interview_summary(interview)
        del interview._prefetched_objects_cache, detainee._prefetched_objects_cache
        versions.append(
            InterviewVersion(
                interview_id=interview.pk,
                number=1,
                # As an expression, the document is sent as one parameter: PostgreSQL's bulk
                # insert would otherwise pack the column into an array (UNNEST), which psycopg
                # escapes character by character — 2.5 times slower for these documents.
                content=Value(content, output_field=CONTENT_FIELD),
                validated_at=interview.validated_at,
                validated_by_id=interview.validated_by_id,
            )
        )
        if len(versions) == BATCH_SIZE:
            count += len(InterviewVersion.objects.bulk_create(versions))
            versions = []
    count += len(InterviewVersion.objects.bulk_create(versions))
    return count


PEOPLE_STEPS.append(interviews_step)
