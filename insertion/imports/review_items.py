"""What the review queue shows of an item (insertion/imports/review_views.py): its section, the
values of the extraction beside those of the application, and the decisions offered with what
each does.

A held row may name a person of another establishment than the reviewer's: a proposed link
finds the hand-typed people of every establishment, a conflict the national identifier
wherever it is. Such a person is shown only as far as the decision needs (the identity the row
already carries, when the record was created, « un autre établissement »): no n° d'écrou, no
establishment, no status or DLP, no link to their page. Whether the reviewer may see the person
is the rule of `Detainee.objects.visible_to`, annotated on the rows (`with_person_access`).
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from insertion.accounts.policy import PERSON_READERS, has_role
from insertion.core.text import normalize_search
from insertion.detainees.models import Detainee
from insertion.imports import contract, review
from insertion.imports.models import Divergence, ImportRow, RowDecision, RowEvent


@dataclasses.dataclass(frozen=True)
class Section:
    key: str  # the anchor and the page parameter
    title: str
    hint: str
    empty: str
    event: str | None  # None: the divergences


SECTIONS = (
    Section(
        "rapprochements",
        "Rapprochements à confirmer",
        "Une ligne de l'extraction porte l'identité d'une personne saisie à la main, sans "
        "identifiant national : est-ce la même personne ?",
        "Aucune personne saisie à la main n'attend d'être rattachée à l'extraction.",
        RowEvent.LINK,
    ),
    Section(
        "conflits",
        "Conflits d'identité",
        "L'identifiant national est connu, mais le nom, le prénom ou la date de naissance "
        "diffèrent : rien n'a été mis à jour.",
        "Aucun conflit d'identité à examiner.",
        RowEvent.CONFLICT,
    ),
    Section(
        "departs",
        "Départs à confirmer",
        "Personnes absentes de l'extraction « Présents à date » avant leur DLP : transfert, "
        "libération, ou oubli de l'extraction ?",
        "Aucun départ à confirmer.",
        RowEvent.DEPARTURE,
    ),
    Section(
        "divergences",
        "Corrections locales",
        "Une valeur corrigée à la main diffère de celle de l'extraction : l'import ne l'a pas "
        "écrasée.",
        "Aucune correction locale n'attend de décision.",
        None,
    ),
)
SECTION_OF_EVENT = {section.event: section for section in SECTIONS}


@dataclasses.dataclass(frozen=True)
class DecisionText:
    """What a person reads of a decision: its button, the confirmation's button, what it does,
    and (`previewed`) what happens when the run is not applied yet."""

    label: str
    confirm: str
    effect: str
    previewed: str = ""


LATER = (
    "Cet import n'est pas encore appliqué : la décision est enregistrée tout de suite, son "
    "effet aura lieu quand l'import sera appliqué."
)
KEEP_LOCAL = "keep_local"
TAKE_SOURCE = "take_source"
DECISION_TEXTS = {
    RowDecision.LINK: DecisionText(
        "Même personne : rattacher",
        "Rattacher à cette fiche",
        "La fiche saisie à la main reçoit l'identifiant national de l'extraction : les "
        "prochains imports la tiendront à jour. La ligne est ensuite appliquée à cette fiche "
        "(mise à jour, transfert ou nouvelle incarcération, selon l'extraction). Le "
        "rattachement ne s'annule pas depuis cette page.",
        "Cet import n'est pas encore appliqué : l'identifiant est donné à la fiche tout de "
        "suite, le reste de la ligne sera appliqué avec l'import.",
    ),
    RowDecision.NEW_PERSON: DecisionText(
        "Personne différente : créer une fiche",
        "Créer une nouvelle fiche",
        "Une nouvelle fiche est créée avec l'identité de l'extraction (un entretien est dû "
        "selon la date de déploiement) ; la fiche saisie à la main reste telle quelle. "
        "Vérifiez qu'il s'agit bien de deux personnes différentes.",
        LATER,
    ),
    RowDecision.TAKE_IDENTITY: DecisionText(
        "Reprendre l'identité de l'extraction",
        "Reprendre l'identité",
        "Le nom, le prénom et la date de naissance de la fiche sont remplacés par ceux de "
        "l'extraction, puis la ligne est appliquée. L'identité actuelle n'est pas conservée.",
        "Cet import n'est pas encore appliqué : l'identité est reprise tout de suite, le reste "
        "de la ligne sera appliqué avec l'import.",
    ),
    RowDecision.RELEASE: DecisionText(
        "Confirmer la libération",
        "Confirmer la libération",
        "La libération ferme le séjour, clôt le plan de préparation à la sortie et déclare non "
        "réalisé l'entretien encore dû ; la personne quitte la liste des personnes présentes. "
        "Elle ne s'annule pas depuis cette page.",
        LATER,
    ),
    RowDecision.TRANSFER: DecisionText(
        "Confirmer le transfert",
        "Confirmer le transfert",
        "Le séjour dans l'établissement est fermé et un séjour est ouvert dans l'établissement "
        "de destination, qui voit désormais la personne ; le CPIP référent est retiré et un "
        "entretien y est dû. Le transfert ne s'annule pas depuis cette page.",
        LATER,
    ),
    RowDecision.STILL_PRESENT: DecisionText(
        "La personne est toujours présente",
        "Écarter ce départ",
        "Le départ n'est pas enregistré : la ligne est écartée et figure dans le fichier des "
        "lignes rejetées de l'import. Si la personne manque encore à la prochaine extraction, "
        "la question sera posée de nouveau.",
    ),
    RowDecision.DISMISSED: DecisionText(
        "Écarter la ligne",
        "Écarter la ligne",
        "Rien n'est écrit sur les fiches : la ligne est écartée et figure dans le fichier des "
        "lignes rejetées de l'import, à corriger et renvoyer si besoin.",
    ),
    KEEP_LOCAL: DecisionText(
        "Garder la correction locale",
        "Garder la correction locale",
        "Rien n'est écrit sur la fiche. Les prochains imports ne reposent pas la question tant "
        "que l'extraction donne la même valeur.",
    ),
    TAKE_SOURCE: DecisionText(
        "Reprendre la valeur de l'extraction",
        "Reprendre la valeur de l'extraction",
        "La valeur de l'extraction remplace la correction locale sur la fiche ; pour la DLP, "
        "le changement passe par le service habituel : l'historique garde l'ancienne date et "
        "le plan de sortie suit la nouvelle.",
    ),
}
BUTTON_STYLES = ("fr-btn", "fr-btn fr-btn--secondary", "fr-btn fr-btn--tertiary")

COLUMNS = {column.name: column for columns in contract.COLUMNS.values() for column in columns}
IDENTITY_COLUMNS = ("nom", "prenom", "date_naissance")
OTHER_ESTABLISHMENT = "Un autre établissement"
NO_IDENTIFIER = "Aucun (fiche saisie à la main)"


def with_person_access(rows: QuerySet, user) -> QuerySet:
    """The rows, each with `person_visible`: whether the user may see the row's person (the
    rule of `Detainee.objects.visible_to`), in the rows' own query."""
    visible = Detainee.objects.visible_to(user).filter(pk=OuterRef("detainee_id"))
    return rows.annotate(person_visible=Exists(visible))


def _restricted(row: ImportRow) -> bool:
    """A person the reviewer may not see: only what the decision needs is shown of them."""
    return row.detainee_id is not None and not row.person_visible


@dataclasses.dataclass
class Compared:
    label: str
    source: str
    local: str
    differs: bool = False


@dataclasses.dataclass
class Choice:
    label: str
    url: str
    style: str
    post_value: str = ""  # sent at once by a form (no confirmation): the decision's value


@dataclasses.dataclass
class Item:
    kind: str  # "row" or "divergence"
    pk: int
    title: str
    person_name: str
    ecrou: str
    establishment: str
    person_url: str
    run: object
    run_label: str
    line: int | None
    note: str
    compared: list
    actions: list
    url: str
    # The person is another establishment's, out of the reviewer's reach (`_restricted`).
    restricted: bool = False


def _day(value) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return date_format(value, "j F Y")


def _shown(column: str, value) -> str:
    """A value of the file as a person reads it: dates in words, choices by their label."""
    if value in (None, ""):
        return "—"
    spec = COLUMNS.get(column)
    if spec is not None and spec.kind == contract.DATE:
        return _day(value)
    if spec is not None and spec.choices:
        return spec.choices.get(value, str(value))
    return str(value)


def _differs(source: str, local: str) -> bool:
    if source == "—" or local == "—":
        return source != local and source != "—"
    return normalize_search(source) != normalize_search(local)


def _person_url(user, detainee) -> str:
    """The person page when the user may open it (managers of the person's establishment),
    the back-office record for an administrator; nothing otherwise."""
    if detainee is None or detainee.anonymised_on:
        return ""
    if has_role(user, PERSON_READERS) and detainee.establishment_id in user.establishment_ids:
        return reverse("person:detail", args=[detainee.pk])
    if user.is_superuser and user.is_staff:
        return reverse("admin:detainees_detainee_change", args=[detainee.pk])
    return ""


def _run_label(run) -> str:
    when = _day(timezone.localtime(run.extracted_at).date()) if run.extracted_at else "—"
    return f"Extraction du {when} ({run.filename})"


def _movement(values: dict) -> list[Compared]:
    if not values.get("type_mouvement"):
        return []
    movement = _shown("type_mouvement", values["type_mouvement"])
    when = _shown("date_mouvement", values.get("date_mouvement"))
    return [Compared("Mouvement", f"{movement} le {when}", "—")]


def _created(person) -> Compared:
    return Compared("Fiche créée le", "—", _day(timezone.localtime(person.created_at).date()))


def _flag_differences(row: ImportRow, lines: list[Compared]) -> list[Compared]:
    identifier = COLUMNS["identifiant_national"].label
    for line in lines:
        # A proposed link is to a record without identifier: that is the question, not a
        # difference to point at.
        line.differs = line.differs or (
            _differs(line.source, line.local)
            and not (row.event == RowEvent.LINK and line.label == identifier)
        )
    return lines


def _row_comparison(row: ImportRow) -> list[Compared]:
    values = row.values or {}
    person = row.detainee
    run = row.run
    if row.event == RowEvent.DEPARTURE:
        return _departure_comparison(row)
    if _restricted(row):
        return _restricted_comparison(row)
    lines = _movement(values)
    local = {
        "identifiant_national": (person.national_id or NO_IDENTIFIER) if person else "—",
        "nom": person.last_name if person else "—",
        "prenom": person.first_name if person else "—",
        "date_naissance": _day(person.birth_date) if person else "—",
        "numero_ecrou": person.ecrou_number if person else "—",
        "statut": person.get_legal_status_display() if person else "—",
        "dlp": _day(person.expected_release_date) if person else "—",
    }
    for column in ("identifiant_national", "nom", "prenom", "date_naissance", "numero_ecrou"):
        source = _shown(column, values.get(column))
        lines.append(Compared(COLUMNS[column].label, source, local[column]))
    lines.append(
        Compared(
            "Établissement",
            run.establishment.name if run.establishment else "—",
            person.establishment.name if person else "—",
        )
    )
    for column in ("statut", "dlp"):
        if column in values:
            lines.append(
                Compared(COLUMNS[column].label, _shown(column, values.get(column)), local[column])
            )
    if row.event == RowEvent.LINK and person is not None:
        lines.append(_created(person))
    return _flag_differences(row, lines)


def _restricted_comparison(row: ImportRow) -> list[Compared]:
    """A person of another establishment: their identity as far as the row already carries it
    (for a proposed link, the same name and birth date; for a conflict, the identity that
    differs, which is the question), when the record was created, and « un autre
    établissement ». No n° d'écrou, establishment, status or DLP of theirs."""
    values = row.values or {}
    person = row.detainee
    source_id = _shown("identifiant_national", values.get("identifiant_national"))
    if not person.national_id:
        local_id = NO_IDENTIFIER
    elif person.national_id == row.national_id:
        local_id = source_id
    else:
        local_id = "Un autre identifiant"
    lines = [
        *_movement(values),
        Compared(COLUMNS["identifiant_national"].label, source_id, local_id),
    ]
    held_identity = {
        "nom": person.last_name,
        "prenom": person.first_name,
        "date_naissance": _day(person.birth_date),
    }
    for column in IDENTITY_COLUMNS:
        source, local = _shown(column, values.get(column)), held_identity[column]
        if row.event == RowEvent.LINK:
            # Proposed because the identities match: the row's is the one shown; a record
            # changed since then is said to differ, without showing what it became.
            local = source if not _differs(source, local) else "Autre valeur"
        lines.append(Compared(COLUMNS[column].label, source, local))
    lines.append(_created(person))
    establishment = row.run.establishment.name if row.run.establishment else "—"
    lines.append(Compared("Établissement", establishment, OTHER_ESTABLISHMENT, differs=True))
    return _flag_differences(row, lines)


def _departure_comparison(row: ImportRow) -> list[Compared]:
    person = row.detainee
    when = _day(timezone.localtime(row.run.extracted_at).date()) if row.run.extracted_at else "—"
    if person is None:
        return [Compared("Présence", f"Absente de l'extraction du {when}", "Fiche supprimée")]
    if _restricted(row):
        return [
            Compared("Présence", f"Absente de l'extraction du {when}", OTHER_ESTABLISHMENT, True),
            _created(person),
        ]
    here = (
        f"Libérée le {_day(person.release_date)}"
        if person.release_date
        else f"Présente depuis le {_day(person.arrival_date)}"
    )
    return [
        Compared("Présence", f"Absente de l'extraction du {when}", here, differs=True),
        Compared("Établissement", "—", person.establishment.name),
        Compared("N° d'écrou", "—", person.ecrou_number),
        Compared("DLP", "—", _day(person.expected_release_date)),
    ]


def _row_actions(row: ImportRow) -> list[Choice]:
    """The decisions offered; the identity of a person of another establishment is not theirs
    to rewrite (`review.row_take_identity` refuses it): that one is left out."""
    url = reverse("imports:review_row", args=[row.pk])
    decisions = [
        decision
        for decision in review.DECISIONS[row.event]
        if not (decision == RowDecision.TAKE_IDENTITY and _restricted(row))
    ]
    return [
        Choice(DECISION_TEXTS[decision].label, f"{url}?{urlencode({'decision': decision})}", style)
        for decision, style in zip(decisions, BUTTON_STYLES, strict=False)
    ]


def row_item(user, row: ImportRow) -> Item:
    """The row as the queue shows it; `row` comes through `with_person_access`."""
    person = row.detainee
    values = row.values or {}
    restricted = _restricted(row)
    if person is not None and not restricted:
        name, ecrou = person.full_name, person.ecrou_number
        establishment = person.establishment.name
    elif restricted and row.event == RowEvent.DEPARTURE:
        # The row carries no identity of its own: the name of a person who left is all.
        name, ecrou, establishment = person.full_name, "—", OTHER_ESTABLISHMENT
    else:
        # What the extraction says of the person, in the run's own establishment.
        name = " ".join(str(values[key]) for key in ("nom", "prenom") if values.get(key))
        ecrou = str(values.get("numero_ecrou") or "—")
        establishment = row.run.establishment.name if row.run.establishment else "—"
    return Item(
        kind="row",
        pk=row.pk,
        title=row.get_event_display(),
        person_name=name or "Personne sans nom",
        ecrou=ecrou,
        establishment=establishment,
        person_url="" if restricted else _person_url(user, person),
        run=row.run,
        run_label=_run_label(row.run),
        line=row.line,
        note=row.message,
        compared=_row_comparison(row),
        actions=_row_actions(row),
        url=reverse("imports:review_row", args=[row.pk]),
        restricted=restricted,
    )


def _divergence_value(field: str, value: str) -> str:
    if field == "dlp":
        return _day(value) if value else "Aucune DLP"
    return _shown(field, value)


def divergence_item(user, divergence: Divergence) -> Item:
    person = divergence.detainee
    column = COLUMNS.get(divergence.field)
    label = column.label if column else divergence.field
    url = reverse("imports:review_divergence", args=[divergence.pk])
    actions = [Choice(DECISION_TEXTS[KEEP_LOCAL].label, url, "fr-btn", post_value=KEEP_LOCAL)]
    if may_take_source(divergence):
        actions.append(
            Choice(
                DECISION_TEXTS[TAKE_SOURCE].label,
                f"{url}?{urlencode({'decision': TAKE_SOURCE})}",
                "fr-btn fr-btn--secondary",
            )
        )
    changed_by = divergence.local_changed_by
    return Item(
        kind="divergence",
        pk=divergence.pk,
        title=label,
        person_name=person.full_name,
        ecrou=person.ecrou_number,
        establishment=person.establishment.name,
        person_url=_person_url(user, person),
        run=divergence.run,
        run_label=_run_label(divergence.run),
        line=getattr(divergence, "line", None),
        note=f"Corrigée à la main par {changed_by}." if changed_by else "",
        compared=[
            Compared(
                label,
                _divergence_value(divergence.field, divergence.source_value),
                _divergence_value(divergence.field, divergence.local_value),
                differs=True,
            )
        ],
        actions=actions,
        url=url,
    )


def may_take_source(divergence: Divergence) -> bool:
    """A DLP that the extraction no longer gives is not erased from an import."""
    return not (divergence.field == "dlp" and not divergence.source_value)
