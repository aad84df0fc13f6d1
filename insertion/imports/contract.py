"""The file contract of the extraction, as data: the columns of each kind of file.

FORMAT.md, beside this module, writes the same contract down in French for the prisons' IT
people; a test checks that it names every column and every accepted value listed here.

Headers are compared after `normalize_header`, which ignores case, accents, spacing,
punctuation and the small French link words ("de", "du", "l'"…): "Date de naissance",
"DATE_NAISSANCE" and "date naissance" all name `date_naissance`. Each column answers to its
canonical name, its French label and its aliases.

Choice cells are compared after `normalize_choice` (case, accents, spaces and punctuation
ignored): a cell matches a value ("condamne"), its label ("Condamné") or the abbreviation the
label ends with in parentheses ("LSC" for "Libération sous contrainte (LSC)").
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from django.db import models

from insertion.core.text import normalize_search
from insertion.detainees.choices import (
    ArrangementKind,
    ArrangementStatus,
    LegalStatus,
    OffenceCategory,
    ReleaseDateChangeReason,
    ReleaseKind,
    Sex,
)

SNAPSHOT = "presents"
MOVEMENTS = "mouvements"
KIND_LABELS = {SNAPSHOT: "Présents à date", MOVEMENTS: "Mouvements"}

TEXT = "text"
DATE = "date"
DATETIME = "datetime"
CHOICE = "choice"


class MovementKind(models.TextChoices):
    ARRIVAL = "arrivee", "Arrivée"
    TRANSFER_IN = "transfert_entrant", "Transfert entrant"
    TRANSFER_OUT = "transfert_sortant", "Transfert sortant"
    RELEASE = "liberation", "Libération"
    RELEASE_DATE_CHANGE = "modification_dlp", "Modification de la DLP"
    ARRANGEMENT = "amenagement", "Aménagement de peine"


@dataclass(frozen=True)
class Column:
    """One column of a file.

    `required`: the column must be in the header, and its cells must be filled (except where
    `blank` says an empty cell is allowed). `choices` maps each value to its label.
    `uppercase` folds codes ("fre" is "FRE"). `feminine` chooses « manquante » over « manquant »
    in messages, since labels are French nouns.
    """

    name: str
    label: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: Mapping[str, str] | None = None
    # Other spellings of a value, seen in extractions ("H" for a man): spelling → value.
    synonyms: Mapping[str, str] = field(default_factory=dict)
    max_length: int | None = None
    blank: bool = False
    uppercase: bool = False
    feminine: bool = False
    choice_keys: Mapping[str, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        keys = _choice_keys(self) if self.choices is not None else {}
        object.__setattr__(self, "choice_keys", keys)

    @property
    def missing_word(self) -> str:
        return "manquante" if self.feminine else "manquant"


_LINK_WORDS = {"de", "d", "du", "des", "la", "le", "l", "les"}


def normalize_header(text: str) -> str:
    """'N° d’écrou' -> 'n_ecrou', 'Date de naissance' -> 'date_naissance'."""
    words = re.sub(r"[^a-z0-9]+", " ", normalize_search(str(text))).split()
    return "_".join(word for word in words if word not in _LINK_WORDS)


def normalize_choice(text: str) -> str:
    """'Libération sous contrainte (LSC)' -> 'liberationsouscontraintelsc'."""
    return re.sub(r"[^a-z0-9]+", "", normalize_search(str(text)))


def _choice_keys(column: Column) -> dict[str, str]:
    keys: dict[str, str] = {}
    for value, label in column.choices.items():
        spellings = [value, label]
        abbreviation = re.search(r"\(([^()]+)\)\s*$", label)
        if abbreviation:
            spellings += [abbreviation.group(1), label[: abbreviation.start()]]
        spellings += [synonym for synonym, meant in column.synonyms.items() if meant == value]
        for spelling in spellings:
            key = normalize_choice(spelling)
            if keys.get(key, value) != value:
                raise ValueError(f"{column.name}: « {spelling} » designates two values.")
            keys[key] = value
    return keys


def _choices(text_choices: type[models.TextChoices]) -> dict[str, str]:
    return {str(value): str(label) for value, label in text_choices.choices}


def _date(name: str, label: str, **kwargs) -> Column:
    return Column(name, label, DATE, feminine=True, **kwargs)


# Identity and file columns, in both kinds.
IDENTITY_COLUMNS = (
    Column(
        "identifiant_national",
        "Identifiant national",
        required=True,
        aliases=("identifiant", "id national", "numero identifiant"),
        max_length=30,
    ),
    Column(
        "numero_ecrou",
        "Numéro d'écrou",
        required=True,
        aliases=("ecrou", "n° d'ecrou", "numero d'ecrou", "no ecrou", "num ecrou"),
        max_length=20,
    ),
    Column("nom", "Nom", required=True, aliases=("nom naissance",), max_length=150),
    Column("prenom", "Prénom", required=True, aliases=("prenoms",), max_length=150),
    Column("nom_usage", "Nom d'usage", blank=True, max_length=150),
    _date("date_naissance", "Date de naissance", required=True),
    Column(
        "code_etablissement",
        "Code établissement",
        required=True,
        aliases=("etablissement",),
        max_length=20,
        uppercase=True,
    ),
    Column(
        "date_extraction",
        "Date d'extraction",
        DATETIME,
        required=True,
        aliases=("date et heure d'extraction", "extraction"),
        feminine=True,
    ),
)

_SEX = Column("sexe", "Sexe", CHOICE, choices=_choices(Sex), synonyms={"H": Sex.MALE})
_STATUS = Column(
    "statut", "Statut", CHOICE, aliases=("statut juridique",), choices=_choices(LegalStatus)
)
_OFFENCE = Column(
    "categorie_infraction",
    "Catégorie d'infraction",
    CHOICE,
    aliases=("infraction",),
    choices=_choices(OffenceCategory),
    feminine=True,
)
_FIRST_ECROU = _date("date_ecrou_initial", "Date de l'écrou initial", aliases=("date ecrou",))
_RELEASE_DATE = _date(
    "dlp",
    "Date de libération prévisible (DLP)",
    aliases=("date liberation previsible",),
    blank=True,
)


def _required(column: Column) -> Column:
    return replace(column, required=True, blank=False)


def _optional(column: Column) -> Column:
    return replace(column, required=False, blank=True)


SNAPSHOT_COLUMNS = (
    *IDENTITY_COLUMNS,
    _required(_SEX),
    _required(_STATUS),
    _required(_OFFENCE),
    _required(_FIRST_ECROU),
    _date("date_arrivee", "Date d'arrivée", required=True, aliases=("date arrivee etablissement",)),
    # Optional, and empty for pretrial people, who have no release date yet.
    _RELEASE_DATE,
)

MOVEMENT_COLUMNS = (
    *IDENTITY_COLUMNS,
    Column(
        "type_mouvement",
        "Type de mouvement",
        CHOICE,
        required=True,
        aliases=("mouvement",),
        choices=_choices(MovementKind),
    ),
    _date("date_mouvement", "Date du mouvement", required=True),
    _optional(_SEX),
    _optional(_STATUS),
    _optional(_OFFENCE),
    _optional(_FIRST_ECROU),
    _RELEASE_DATE,
    Column(
        "motif_dlp",
        "Motif de modification de la DLP",
        CHOICE,
        aliases=("motif dlp", "motif"),
        choices=_choices(ReleaseDateChangeReason),
        blank=True,
    ),
    Column(
        "etablissement_provenance",
        "Établissement de provenance",
        aliases=("provenance",),
        max_length=20,
        blank=True,
        uppercase=True,
    ),
    Column(
        "etablissement_destination",
        "Établissement de destination",
        aliases=("destination",),
        max_length=20,
        blank=True,
        uppercase=True,
    ),
    Column("type_sortie", "Type de sortie", CHOICE, choices=_choices(ReleaseKind), blank=True),
    Column(
        "type_amenagement",
        "Type d'aménagement",
        CHOICE,
        aliases=("amenagement",),
        choices=_choices(ArrangementKind),
        blank=True,
    ),
    Column(
        "statut_amenagement",
        "Statut de l'aménagement",
        CHOICE,
        aliases=("decision amenagement",),
        choices=_choices(ArrangementStatus),
        blank=True,
    ),
    _date("date_demande", "Date de demande", blank=True),
    _date("date_decision", "Date de décision", blank=True),
    _date("date_debut", "Date de début", blank=True),
    _date("date_fin", "Date de fin", blank=True),
)

COLUMNS = {SNAPSHOT: SNAPSHOT_COLUMNS, MOVEMENTS: MOVEMENT_COLUMNS}

# The values a movement row must carry, by kind of movement, and how messages name the kind:
# « Sexe manquant pour une arrivée ».
MOVEMENT_NEEDS: dict[str, tuple[str, ...]] = {
    MovementKind.ARRIVAL: ("sexe", "statut", "categorie_infraction", "date_ecrou_initial"),
    MovementKind.TRANSFER_IN: ("sexe", "statut", "categorie_infraction", "date_ecrou_initial"),
    MovementKind.TRANSFER_OUT: ("etablissement_destination",),
    MovementKind.RELEASE: (),
    MovementKind.RELEASE_DATE_CHANGE: ("dlp", "motif_dlp"),
    MovementKind.ARRANGEMENT: ("type_amenagement", "statut_amenagement"),
}
MOVEMENT_PHRASES = {
    MovementKind.ARRIVAL: "pour une arrivée",
    MovementKind.TRANSFER_IN: "pour un transfert entrant",
    MovementKind.TRANSFER_OUT: "pour un transfert sortant",
    MovementKind.RELEASE: "pour une libération",
    MovementKind.RELEASE_DATE_CHANGE: "pour une modification de la DLP",
    MovementKind.ARRANGEMENT: "pour un aménagement de peine",
}


def _header_index(columns: Iterable[Column]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in columns:
        for spelling in (column.name, column.label, *column.aliases):
            key = normalize_header(spelling)
            if index.get(key, column) is not column:
                raise ValueError(f"The header « {spelling} » designates two columns.")
            index[key] = column
    return index


HEADER_INDEX = {kind: _header_index(columns) for kind, columns in COLUMNS.items()}


def detect_kind(normalized_headers: Iterable[str]) -> str:
    """A file with a movement type column is a movements file; any other, a snapshot."""
    movement_type = {
        key for key, column in HEADER_INDEX[MOVEMENTS].items() if column.name == "type_mouvement"
    }
    return MOVEMENTS if movement_type.intersection(normalized_headers) else SNAPSHOT


def column_for(kind: str, header: str) -> Column | None:
    """The column a header names in a file of this kind (None for an unknown column)."""
    return HEADER_INDEX[kind].get(normalize_header(header))
