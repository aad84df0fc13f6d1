"""The interviewer's worklist and the actions taken from it: report, non réalisé, reprise.

The list is scoped to the user's establishments; every action fetches its interview through
`Interview.objects.visible_to(request.user)` (another prison's interview answers 404) and calls
the service, whose refusals are shown next to the field they concern.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from entretiens.choices import InterviewStatus
from entretiens.forms import NotDoneForm, PostponeForm
from entretiens.models import Interview, InterviewQuerySet, Synthesis
from entretiens.owed import interview_declare_not_done, interview_postpone, interview_reopen
from entretiens.summary import french_date
from insertion.accounts.policy import INTERVIEW_WRITERS, role_required
from insertion.audit.log import Action, record
from insertion.core.forms import FilterForm, SearchField, establishment_choices, service_error_field
from insertion.core.lists import page_of, page_or_fragment, wants_fragment
from insertion.establishments.models import Establishment

VALIDATED_WINDOW = datetime.timedelta(days=30)
DEFAULT_STATUS = "ouverts"
# Filter value → (label in the filter, empty state). The first five are also the counters.
STATUS_FILTERS = {
    "ouverts": (
        "À traiter",
        "Aucun entretien à traiter : chaque arrivée a eu son entretien ou un motif de "
        "non-réalisation.",
    ),
    "a_realiser": ("À réaliser", "Aucun entretien à réaliser dans les délais."),
    "en_retard": ("En retard", "Aucun entretien en retard."),
    "brouillons": ("Brouillons", "Aucun brouillon en cours."),
    "non_realises": ("Non réalisés", "Aucun entretien déclaré non réalisé."),
    "valides": (
        "Validés ces 30 derniers jours",
        "Aucun entretien validé ces 30 derniers jours.",
    ),
    "tous": ("Tous", "Aucun entretien pour vos établissements."),
}
COUNTERS = ["a_realiser", "en_retard", "brouillons", "non_realises", "valides"]
SORTS = {
    "echeance": ("Échéance", ("due_date", "detainee__last_name", "detainee__first_name", "pk")),
    "arrivee": (
        "Arrivée (récentes d'abord)",
        ("-arrival_date", "detainee__last_name", "detainee__first_name", "pk"),
    ),
    "nom": ("Nom", ("detainee__last_name", "detainee__first_name", "pk")),
}


def _latest_synthesis() -> dict:
    """The state and due date of the synthesis of an interview's last version, as annotations
    of the page's own query (no query per row)."""
    latest = Synthesis.objects.filter(interview=OuterRef("pk")).order_by("-number", "-pk")
    return {
        "synthesis_status": Subquery(latest.values("status")[:1]),
        "synthesis_due_date": Subquery(latest.values("due_date")[:1]),
    }


def synthesis_counts(user, *, today: datetime.date, since: datetime.datetime) -> dict[str, int]:
    """« Synthèses en retard » and « Envoyées à temps (30 j) », in one aggregate query; the
    conditions are the model's own QuerySet methods, as subqueries."""
    return Synthesis.objects.visible_to(user).aggregate(
        late=Count("pk", filter=Q(pk__in=Synthesis.objects.late(today).values("pk"))),
        on_time=Count(
            "pk", filter=Q(pk__in=Synthesis.objects.delivered_on_time_since(since).values("pk"))
        ),
    )


class WorklistFilterForm(FilterForm):
    """The worklist's filters: a search, an establishment (offered to the users of several
    establishments), a state and an order."""

    q = SearchField()
    etablissement = forms.ChoiceField(label="Établissement", required=False)
    statut = forms.ChoiceField(
        label="État",
        choices=[(key, label) for key, (label, _) in STATUS_FILTERS.items()],
        initial=DEFAULT_STATUS,
        required=False,
    )
    tri = forms.ChoiceField(
        label="Trier par",
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        initial="echeance",
        required=False,
    )

    columns = {"q": "fr-col-12 fr-col-md-3", "etablissement": "fr-col-12 fr-col-md-3"}

    def __init__(self, data=None, *, establishments, today: datetime.date, since):
        super().__init__(data)
        self.today, self.since = today, since
        if len(establishments) > 1:
            self.fields["etablissement"].choices = establishment_choices(establishments)
        else:
            del self.fields["etablissement"]

    def filter(self, interviews):
        values = self.values
        if values["statut"] != "tous":
            conditions = InterviewQuerySet.state_conditions(self.today, self.since)
            if values["statut"] in conditions:
                interviews = interviews.filter(conditions[values["statut"]])
            else:  # "ouverts": what is still to do
                interviews = interviews.filter(
                    conditions["a_realiser"] | conditions["en_retard"] | conditions["brouillons"]
                )
        if values.get("etablissement"):
            interviews = interviews.filter(establishment_id=int(values["etablissement"]))
        if values["q"]:
            interviews = interviews.search(values["q"])
        return interviews.order_by(*SORTS[values["tri"]][1])


@role_required(INTERVIEW_WRITERS)
def worklist(request):
    user = request.user
    today = timezone.localdate()
    since = timezone.now() - VALIDATED_WINDOW
    visible = Interview.objects.visible_to(user)
    establishments = list(Establishment.objects.visible_to(user).order_by("name", "pk"))
    filters = WorklistFilterForm(
        request.GET, establishments=establishments, today=today, since=since
    )
    interviews = (
        filters.filter(visible)
        .select_related("detainee", "establishment", "incarceration")
        .annotate(**_latest_synthesis())
    )
    status = filters.values["statut"]
    context = {
        "page_obj": page_of(request, interviews),
        "filters": filters,
        "establishment_id": filters.values.get("etablissement", ""),
        "query": filters.values["q"],
        "status": status,
        "empty_message": STATUS_FILTERS[status][1],
        "sort": filters.values["tri"],
        "return_path": request.get_full_path(),
        "today": today,
    }
    if not wants_fragment(request):
        # The counters stay on the page: the fragment redraws the results only.
        counts = visible.counts(today, since)
        context["counters"] = [
            {"key": key, "label": STATUS_FILTERS[key][0], "count": counts[key]} for key in COUNTERS
        ]
        context["synthesis_counters"] = synthesis_counts(user, today=today, since=since)
    return page_or_fragment(request, "entretiens/worklist.html", context, fragment="results")


def _back_url(request) -> str:
    """Where to go after an action: the worklist as the user left it (`?retour=`), when that
    is one of our own pages; the worklist otherwise."""
    worklist_url = reverse("entretiens:worklist")
    value = request.POST.get("retour") or request.GET.get("retour", "")
    if (
        value.startswith(worklist_url)
        and len(value) <= 2000
        and value.isprintable()
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return worklist_url


def _get_interview(request, pk: int) -> Interview:
    return get_object_or_404(
        Interview.objects.visible_to(request.user).select_related(
            "detainee", "establishment", "incarceration"
        ),
        pk=pk,
    )


def _record(request, interview: Interview, action: str) -> None:
    record(
        request=request,
        action=action,
        obj=interview,
        person=interview.detainee,
        establishment_id=interview.establishment_id,
    )


def _record_page_read(request, interview: Interview) -> None:
    """The action's page names the person; sent back with its errors, it is a refused attempt
    instead (logged by the middleware)."""
    if request.method != "POST":
        _record(request, interview, Action.INTERVIEW_READ)


def _show_refusal(request, form, error: ValidationError) -> bool:
    """Put a service refusal next to its field (the error's code names it). Returns False when
    the refusal concerns no field (the interview changed state): the caller redirects."""
    field = service_error_field(form, error)
    if field:
        form.add_error(field, error.messages[0])
        return True
    messages.error(request, error.messages[0])
    return False


@require_http_methods(["GET", "POST"])
@role_required(INTERVIEW_WRITERS)
def interview_postpone_view(request, pk: int):
    interview = _get_interview(request, pk)
    back_url = _back_url(request)
    name = interview.detainee.full_name
    if not interview.is_open or interview.version:
        messages.error(request, f"L'entretien de {name} n'est plus à réaliser : pas de report.")
        return redirect(back_url)
    was_overdue = interview.is_overdue()
    form = PostponeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            postponement = interview_postpone(
                interview=interview,
                by=request.user,
                new_date=form.cleaned_data["new_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if not _show_refusal(request, form, error):
                return redirect(back_url)
        else:
            _record(request, interview, Action.INTERVIEW_POSTPONE)
            message = f"L'entretien de {name} est reporté au {french_date(postponement.new_date)}."
            if postponement.was_overdue:
                message += " Son échéance étant dépassée, il reste compté en retard."
            messages.success(request, message)
            return redirect(back_url)
    _record_page_read(request, interview)
    context = {
        "interview": interview,
        "detainee": interview.detainee,
        "form": form,
        "back_url": back_url,
        "was_overdue": was_overdue,
        "postponements": interview.postponements.select_related("by").order_by(
            "-created_at", "-pk"
        ),
    }
    return render(request, "entretiens/interview_postpone.html", context)


@require_http_methods(["GET", "POST"])
@role_required(INTERVIEW_WRITERS)
def interview_not_done_view(request, pk: int):
    interview = _get_interview(request, pk)
    back_url = _back_url(request)
    name = interview.detainee.full_name
    if not interview.is_open or interview.version:
        messages.error(request, f"L'entretien de {name} n'est plus à réaliser.")
        return redirect(back_url)
    form = NotDoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            interview = interview_declare_not_done(
                interview=interview,
                by=request.user,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
            )
        except ValidationError as error:
            if not _show_refusal(request, form, error):
                return redirect(back_url)
        else:
            _record(request, interview, Action.INTERVIEW_NOT_DONE)
            messages.success(
                request,
                f"L'entretien de {name} est déclaré non réalisé "
                f"({interview.get_not_done_reason_display().lower()}). Vous pourrez le reprendre "
                "depuis la liste « Non réalisés ».",
            )
            return redirect(back_url)
    _record_page_read(request, interview)
    context = {
        "interview": interview,
        "detainee": interview.detainee,
        "form": form,
        "back_url": back_url,
    }
    return render(request, "entretiens/interview_not_done.html", context)


@require_http_methods(["GET", "POST"])
@role_required(INTERVIEW_WRITERS)
def interview_reopen_view(request, pk: int):
    """GET asks for confirmation; POST reopens."""
    interview = _get_interview(request, pk)
    back_url = _back_url(request)
    name = interview.detainee.full_name
    if interview.status != InterviewStatus.NOT_DONE:
        messages.info(request, f"L'entretien de {name} n'est pas déclaré non réalisé.")
        return redirect(back_url)
    if request.method == "POST":
        try:
            interview = interview_reopen(interview=interview, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(back_url)
        _record(request, interview, Action.INTERVIEW_REOPEN)
        messages.success(
            request,
            f"L'entretien de {name} est repris : il est de nouveau "
            f"{'en brouillon' if interview.status == InterviewStatus.DRAFT else 'à réaliser'}.",
        )
        return redirect(back_url)
    _record_page_read(request, interview)
    context = {"interview": interview, "detainee": interview.detainee, "back_url": back_url}
    return render(request, "entretiens/interview_reopen.html", context)
