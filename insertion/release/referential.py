"""The milestone kinds the referential starts with (VOCABULARY.md, "Release-preparation
actions"); the back-office edits them afterwards. Read by the data migration that seeds them.

(code, label, category, days before the DLP, essential, in every plan, barriers answered)
"""

KINDS = [
    (
        "hebergement",
        "Demande d'hébergement (SIAO) ou solution de logement",
        "logement",
        120,
        True,
        True,
        ["logement"],
    ),
    ("piece-identite", "Pièce d'identité valide", "papiers", 150, True, True, ["papiers"]),
    (
        "titre-sejour",
        "Titre de séjour (demande ou renouvellement)",
        "papiers",
        180,
        True,
        False,
        ["titre_sejour"],
    ),
    ("domiciliation", "Domiciliation", "papiers", 60, False, True, ["logement", "papiers"]),
    (
        "couverture-sante",
        "Couverture santé (CSS, AME, carte Vitale)",
        "droits",
        90,
        True,
        True,
        ["droits", "sante_physique"],
    ),
    (
        "ouverture-droits",
        "Ouverture de droits (RSA, AAH, prime d'activité)",
        "droits",
        60,
        True,
        True,
        ["droits", "dettes"],
    ),
    ("compte-bancaire", "Ouverture d'un compte bancaire", "droits", 60, False, True, ["dettes"]),
    (
        "dettes",
        "Dettes et parties civiles (échéancier, surendettement)",
        "droits",
        90,
        False,
        False,
        ["dettes"],
    ),
    (
        "numerique",
        "Accès au numérique (adresse électronique, démarches en ligne)",
        "droits",
        60,
        False,
        False,
        ["numerique"],
    ),
    (
        "inscription-emploi",
        "Inscription France Travail, Mission locale ou Cap emploi",
        "emploi_formation",
        45,
        False,
        True,
        ["confiance"],
    ),
    ("cv", "CV à jour", "emploi_formation", 90, False, True, []),
    (
        "projet-emploi",
        "Promesse d'embauche ou projet d'emploi",
        "emploi_formation",
        30,
        False,
        True,
        [],
    ),
    (
        "formation-sortie",
        "Formation à la sortie",
        "emploi_formation",
        60,
        False,
        True,
        ["lecture_ecriture", "francais"],
    ),
    ("permis-conduire", "Permis de conduire", "emploi_formation", 90, False, False, ["mobilite"]),
    (
        "continuite-soins",
        "Continuité des soins (médecin traitant, CMP)",
        "sante",
        45,
        False,
        True,
        ["sante_physique", "sante_mentale"],
    ),
    ("addictologie", "Suivi en addictologie (CSAPA)", "sante", 45, False, False, ["addictions"]),
    (
        "liens-familiaux",
        "Liens familiaux (reprise de contact, parloirs, médiation)",
        "famille",
        90,
        False,
        True,
        ["famille"],
    ),
    ("permission-sortir", "Permission de sortir pour démarches", "justice", 60, False, True, []),
    (
        "demande-amenagement",
        "Demande d'aménagement de peine déposée",
        "justice",
        180,
        True,
        True,
        ["mesures_judiciaires"],
    ),
    (
        "obligations-sortie",
        "Obligations de la sortie expliquées",
        "justice",
        15,
        False,
        True,
        ["mesures_judiciaires"],
    ),
    # Called for by an orientation of the interview (insertion/release/orientations.py) rather
    # than by a barrier: work and training in detention follow the person's requests, due by
    # the release itself (a place depends on the waiting list, not on a countdown).
    (
        "orientation-sas",
        "Orientation vers une structure d'accompagnement vers la sortie (SAS)",
        "justice",
        180,
        False,
        False,
        [],
    ),
    ("travail-detention", "Travail en détention", "emploi_formation", 0, False, False, []),
    (
        "formation-detention",
        "Formation professionnelle en détention",
        "emploi_formation",
        0,
        False,
        False,
        [],
    ),
]


def load_kinds(model) -> int:
    """Create the kinds of KINDS missing from the table of `model` (the migration's historical
    model, or MilestoneKind); returns how many were created."""
    present = set(model.objects.values_list("code", flat=True))
    created = model.objects.bulk_create(
        model(
            code=code,
            label=label,
            category=category,
            offset_days=offset,
            essential=essential,
            for_everyone=for_everyone,
            barriers=barriers,
            position=position,
        )
        for position, (code, label, category, offset, essential, for_everyone, barriers) in (
            enumerate(KINDS, start=1)
        )
        if code not in present
    )
    return len(created)
