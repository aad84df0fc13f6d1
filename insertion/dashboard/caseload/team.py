"""The manager's team view: one row per CPIP (and per former referent still following people),
and the people a manager may give to another CPIP."""

import datetime
from dataclasses import dataclass

from django import forms
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q

from insertion.accounts.models import Role, User
from insertion.core.forms import FilterForm
from insertion.detainees.models import Detainee, release_within
from insertion.establishments.models import Establishment
from insertion.release.readiness import readiness_annotations, risk_condition


@dataclass
class TeamRow:
    referent: User | None  # None: the people without referent
    works_here: bool = True
    people: int = 0
    releases_90: int = 0
    dry_risks: int = 0
    late: int = 0


@dataclass
class TeamTable:
    rows: list[TeamRow]
    without_referent: TeamRow
    total: TeamRow


TEAM_RELEASE_DAYS = 90


def team_table(user, *, today: datetime.date) -> TeamTable:
    """One row per CPIP of the manager's establishments (and per former referent who still
    follows people there): people held, releases within 90 days, dry-release risks, people
    with a late milestone. Three queries (counts, CPIP, their establishments) whatever the
    number of people or CPIP."""
    counts = (
        # Aliases: only the columns the counts read are computed.
        Detainee.objects.visible_to(user)
        .held()
        .alias(**readiness_annotations(today))
        .values("referent_id")
        .annotate(
            people=Count("pk"),
            releases_90=Count("pk", filter=release_within(TEAM_RELEASE_DAYS, today)),
            dry_risks=Count("pk", filter=risk_condition(today)),
            late=Count("pk", filter=Q(late_count__gt=0)),
        )
        .order_by()
    )
    by_referent = {row["referent_id"]: row for row in counts}
    works_here = User.establishments.through.objects.filter(
        user_id=OuterRef("pk"), establishment_id__in=user.establishment_ids
    )
    referents = (
        User.objects.filter(
            Q(role=Role.CPIP, establishments__in=user.establishment_ids)
            | Q(pk__in=[pk for pk in by_referent if pk is not None])
        )
        .distinct()
        .annotate(works_here=Exists(works_here))
        .prefetch_related(
            Prefetch("establishments", queryset=Establishment.objects.order_by("name", "pk"))
        )
        .order_by("last_name", "first_name", "pk")
    )
    rows = []
    for referent in referents:
        row = by_referent.get(referent.pk, {})
        if not row and not referent.is_active:
            continue  # a former CPIP with nobody left: nothing to show
        rows.append(_team_row(referent, row, works_here=referent.works_here))
    without_referent = _team_row(None, by_referent.get(None, {}), works_here=True)
    total = TeamRow(
        referent=None,
        people=sum(r.people for r in [*rows, without_referent]),
        releases_90=sum(r.releases_90 for r in [*rows, without_referent]),
        dry_risks=sum(r.dry_risks for r in [*rows, without_referent]),
        late=sum(r.late for r in [*rows, without_referent]),
    )
    return TeamTable(rows=rows, without_referent=without_referent, total=total)


def _team_row(referent, counts: dict, *, works_here: bool) -> TeamRow:
    return TeamRow(
        referent=referent,
        works_here=works_here,
        people=counts.get("people", 0),
        releases_90=counts.get("releases_90", 0),
        dry_risks=counts.get("dry_risks", 0),
        late=counts.get("late", 0),
    )


def reassignment_targets(user):
    """Who may receive people: the active CPIP of the manager's establishments."""
    return (
        User.objects.filter(
            role=Role.CPIP, is_active=True, establishments__in=user.establishment_ids
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def team_people(user):
    """The people held the manager may reassign (`TeamFilterForm` keeps nobody's or one
    referent's), by DLP."""
    return (
        Detainee.objects.visible_to(user)
        .held()
        .select_related("establishment", "referent")
        .order_by(F("expected_release_date").asc(nulls_last=True), "last_name", "first_name", "pk")
    )


class TeamFilterForm(FilterForm):
    """Whose people the reassignment list shows: nobody's, or one referent's of the table."""

    suivies_par = forms.ChoiceField(label="Personnes affichées", required=False)

    columns = {"suivies_par": "fr-col-12 fr-col-md-5"}
    submit_columns = "fr-col-12 fr-col-md-3"
    submit_label = "Afficher"
    submit_classes = "fr-btn fr-btn--secondary"

    def __init__(self, data=None, *, referents):
        super().__init__(data)
        self.fields["suivies_par"].choices = [("", "Sans référent")] + [
            (str(referent.pk), f"Suivies par {referent.get_full_name()}") for referent in referents
        ]

    @property
    def followed_by(self) -> str:
        return self.values["suivies_par"]

    def filter(self, people):
        if self.followed_by:
            return people.filter(referent_id=int(self.followed_by))
        return people.filter(referent__isnull=True)


def reassignment_problems(people, target) -> list[str]:
    """Why these people cannot be given to this CPIP (empty: they can), in French."""
    problems = []
    for person in people:
        if person.is_released:
            problems.append(f"{person} : libération enregistrée, le référent ne change plus.")
        elif person.establishment_id not in target.establishment_ids:
            problems.append(
                f"{target.get_full_name()} ne travaille pas dans l'établissement de {person} "
                f"({person.establishment.name})."
            )
    return problems
