"""The interview entry form: drafts, format errors, validation, rectification, conflicts."""

import datetime
import html as html_lib
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    EducationLevel,
    InterviewStatus,
    OrientationKind,
    Priority,
    WorkHistory,
)
from entretiens.forms import InterviewEntry
from entretiens.models import Diploma, Experience, Interview, InterviewVersion, Project
from entretiens.services import (
    EditConflict,
    interview_add_row,
    interview_missing,
    interview_rectify,
    interview_validate,
)
from tests.factories import (
    DetaineeFactory,
    InterviewFactory,
    UserFactory,
    fill_interview,
    validated_interview,
)

TODAY = timezone.localdate


def form_data(interview: Interview, **overrides) -> dict:
    """What the browser would post for the interview as saved, with some values changed."""
    interview = Interview.objects.get(pk=interview.pk)
    entry = InterviewEntry(interview)
    data = {"lock_version": str(interview.lock_version)}
    for form in entry.all_forms():
        for bound in form:
            value = bound.value()
            if isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, datetime.date):
                data[bound.html_name] = value.isoformat()
            elif value is not None:
                data[bound.html_name] = str(value)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def complete_answers(interview: Interview) -> dict:
    """Every mandatory answer, as typed in the form."""
    answers = {
        "conducted_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
        "duration_minutes": "55",
        "education_level": EducationLevel.LEVEL_3,
        "work_history": WorkHistory.NO,
        "conclusion": "Projet de formation en cuisine à construire.",
        f"orientation_{OrientationKind.VOCATIONAL_TRAINING}": Priority.HIGH,
    }
    for category in BarrierCategory.values:
        answers[f"frein_{category}"] = BarrierLevel.LIGHT
    return answers


@pytest.fixture
def interview(interviewer_fresnes, detainee_fresnes):
    return InterviewFactory(detainee=detainee_fresnes)


def text_of(response) -> str:
    """The page as text: entities decoded (an apostrophe is sent as &#x27;)."""
    return html_lib.unescape(response.content.decode())


def page_url(interview):
    return reverse("entretiens:interview", args=[interview.pk])


# --- Drafts ------------------------------------------------------------------------------


def test_a_draft_of_an_incomplete_form_is_saved(client, interviewer_fresnes, interview):
    client.force_login(interviewer_fresnes)
    data = form_data(interview, place="Bureau du quartier arrivants", duration_minutes="45")
    response = client.post(page_url(interview), data | {"action": "save"})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.DRAFT
    assert interview.place == "Bureau du quartier arrivants"
    assert interview.duration_minutes == 45
    assert interview.interviewer == interviewer_fresnes
    assert interview.started_at is not None
    page = client.get(response.url)
    assert "Brouillon enregistré" in page.content.decode()


def test_a_format_error_is_shown_next_to_the_field_and_the_rest_is_saved(
    client, interviewer_fresnes, interview
):
    interview.duration_minutes = 50
    interview.save()
    client.force_login(interviewer_fresnes)
    data = form_data(interview, duration_minutes="300", place="Salle d'activité")
    response = client.post(page_url(interview), data | {"action": "save"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Assurez-vous que cette valeur est inférieure ou égale à 240." in text_of(response)
    # What was typed stays on screen; the saved value of the refused field is not lost.
    assert 'value="300"' in html
    interview.refresh_from_db()
    assert interview.duration_minutes == 50
    assert interview.place == "Salle d'activité"


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (1, "La date de l'entretien ne peut pas être dans le futur."),
        (-100, "La date de l'entretien précède l'arrivée dans l'établissement"),
    ],
)
def test_an_interview_date_in_the_future_or_before_the_arrival_is_refused(
    client, interviewer_fresnes, interview, days, message
):
    client.force_login(interviewer_fresnes)
    day = TODAY() + datetime.timedelta(days=days)
    response = client.post(
        page_url(interview), form_data(interview, conducted_on=day.isoformat()) | {"action": "save"}
    )
    assert message in text_of(response)
    interview.refresh_from_db()
    assert interview.conducted_on is None


def test_a_duration_under_five_minutes_is_refused(client, interviewer_fresnes, interview):
    client.force_login(interviewer_fresnes)
    response = client.post(
        page_url(interview), form_data(interview, duration_minutes="4") | {"action": "save"}
    )
    assert "supérieure ou égale à 5" in text_of(response)


def test_an_experience_ending_before_it_starts_is_refused(client, interviewer_fresnes, interview):
    row = interview_add_row(
        interview=interview, kind="experiences", by=interviewer_fresnes, lock_version=None
    )
    client.force_login(interviewer_fresnes)
    prefix = f"experience-{row.pk}"
    data = form_data(
        interview,
        **{
            f"{prefix}-job_title": "Commis de cuisine",
            f"{prefix}-start_month": "6",
            f"{prefix}-start_year": "2019",
            f"{prefix}-end_month": "3",
            f"{prefix}-end_year": "2019",
        },
    )
    response = client.post(page_url(interview), data | {"action": "save"})
    assert "La fin de l'expérience précède son début." in text_of(response)
    row.refresh_from_db()
    assert row.job_title == "Commis de cuisine"
    assert row.end_year is None


def test_a_text_over_its_limit_is_refused(client, interviewer_fresnes, interview):
    client.force_login(interviewer_fresnes)
    response = client.post(
        page_url(interview), form_data(interview, conclusion="x" * 4001) | {"action": "save"}
    )
    assert "4000 caractères" in response.content.decode()
    interview.refresh_from_db()
    assert interview.conclusion == ""


def test_html_typed_in_a_text_is_shown_as_text(client, interviewer_fresnes, interview):
    client.force_login(interviewer_fresnes)
    script = "<script>alert('x')</script><b>gras</b>"
    client.post(page_url(interview), form_data(interview, place=script) | {"action": "save"})
    interview.refresh_from_db()
    assert interview.place == script
    for url in (page_url(interview), reverse("entretiens:verify", args=[interview.pk])):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html


# --- Rows ----------------------------------------------------------------------------------


def test_a_row_is_added_and_removed_without_javascript(client, interviewer_fresnes, interview):
    client.force_login(interviewer_fresnes)
    response = client.post(page_url(interview), form_data(interview) | {"action": "add:diplomes"})
    assert response.status_code == 302
    row = Diploma.objects.get(interview=interview)
    assert response.url.endswith(f"#ligne-diplomes-{row.pk}")
    data = form_data(interview, **{f"diplome-{row.pk}-title": "CAP cuisine"})
    client.post(page_url(interview), data | {"action": "save"})
    row.refresh_from_db()
    assert row.title == "CAP cuisine"
    client.post(page_url(interview), form_data(interview) | {"action": f"remove:diplomes:{row.pk}"})
    assert not Diploma.objects.filter(interview=interview).exists()


def test_htmx_adds_a_row_and_answers_with_the_rows_and_the_new_lock_version(
    client, interviewer_fresnes, interview
):
    client.force_login(interviewer_fresnes)
    data = form_data(interview, place="Bureau 2")
    response = client.post(
        page_url(interview), data | {"action": "add:experiences"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    row = Experience.objects.get(interview=interview)
    assert 'id="rows-experiences"' in html
    assert re.search(rf'name="experience-{row.pk}-job_title"[^>]*autofocus', html)
    interview.refresh_from_db()
    assert re.search(rf'id="lock-version"\s+value="{interview.lock_version}"', html)
    assert 'hx-swap-oob="true"' in html
    assert interview.place == "Bureau 2"


def test_no_more_than_three_projects(client, interviewer_fresnes, interview):
    client.force_login(interviewer_fresnes)
    for _ in range(4):
        response = client.post(
            page_url(interview), form_data(interview) | {"action": "add:projets"}
        )
    assert Project.objects.filter(interview=interview).count() == 3
    assert "3 lignes au plus" in client.get(response.url).content.decode()


def test_autosave_saves_and_answers_with_the_status_only(client, interviewer_fresnes, interview):
    client.force_login(interviewer_fresnes)
    response = client.post(
        page_url(interview),
        form_data(interview, languages="Arabe, français") | {"action": "autosave"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "Brouillon enregistré à" in html
    assert 'id="rows-' not in html
    interview.refresh_from_db()
    assert interview.languages == "Arabe, français"


# --- Optimistic locking --------------------------------------------------------------------


def test_the_second_of_two_concurrent_saves_is_refused(client, interviewer_fresnes, interview):
    colleague = UserFactory(interviewer=True, establishments=[interview.establishment])
    first = form_data(interview, place="Bureau A")
    second = form_data(interview, place="Bureau B")
    client.force_login(colleague)
    assert client.post(page_url(interview), first | {"action": "save"}).status_code == 302
    client.force_login(interviewer_fresnes)
    response = client.post(page_url(interview), second | {"action": "save"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "a été modifié par" in html
    assert colleague.get_full_name() in html
    assert 'value="Bureau B"' in html  # what they typed is still on screen
    interview.refresh_from_db()
    assert interview.place == "Bureau A"


def test_a_conflicting_autosave_swaps_nothing_but_the_warning(
    client, interviewer_fresnes, interview
):
    stale = form_data(interview, place="Bureau B")
    client.force_login(interviewer_fresnes)
    client.post(page_url(interview), form_data(interview, place="Bureau A") | {"action": "save"})
    response = client.post(
        page_url(interview), stale | {"action": "autosave"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200, response.content.decode()[:300]
    assert response.headers["HX-Reswap"] == "none"
    assert "a été modifié par" in response.content.decode()


def test_the_service_refuses_a_stale_lock_version(interviewer_fresnes, interview):
    fill_interview(interview)
    with pytest.raises(EditConflict):
        interview_validate(interview=interview, by=interviewer_fresnes, lock_version=99)


# --- Validation -----------------------------------------------------------------------------


def test_validation_lists_every_missing_section(interview):
    missing = [message for _, message in interview_missing(interview)]
    assert missing == [
        "Déroulement : la date de l'entretien",
        "Déroulement : la durée de l'entretien",
        "Parcours scolaire : le niveau de diplôme le plus élevé",
        "Parcours professionnel : a-t-elle déjà travaillé ?",
        "Freins non évalués : " + ", ".join(label for _, label in BarrierCategory.choices),
        "Préconisations : au moins une orientation",
        "Préconisations : la conclusion de l'intervieweur",
    ]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("conducted_on", "la date de l'entretien"),
        ("duration_minutes", "la durée de l'entretien"),
        ("education_level", "le niveau de diplôme"),
        ("work_history", "a-t-elle déjà travaillé"),
        ("conclusion", "la conclusion"),
    ],
)
def test_each_mandatory_answer_is_required_to_validate(interview, field, message):
    fill_interview(interview)
    assert interview_missing(interview) == []
    setattr(
        interview, field, "" if field in ("education_level", "work_history", "conclusion") else None
    )
    interview.save()
    assert any(message in text for _, text in interview_missing(interview))


def test_every_barrier_must_be_assessed_and_one_orientation_given(interview):
    fill_interview(interview)
    interview.barriers.filter(category=BarrierCategory.HOUSING).update(level="")
    interview.orientations.all().delete()
    missing = [text for _, text in interview_missing(interview)]
    assert "Freins non évalués : Logement" in missing
    assert "Préconisations : au moins une orientation" in missing


def test_a_person_who_worked_needs_an_experience(interview):
    fill_interview(interview)
    interview.work_history = WorkHistory.YES
    interview.save()
    assert interview_missing(interview) == [
        ("professionnel", "Parcours professionnel : au moins une expérience avec son poste")
    ]


def test_the_verify_page_lists_what_is_missing_and_validation_is_refused(
    client, interviewer_fresnes, interview
):
    client.force_login(interviewer_fresnes)
    page = client.get(reverse("entretiens:verify", args=[interview.pk]))
    html = text_of(page)
    assert "Il manque 7 éléments pour valider" in html
    assert f"{page_url(interview)}#freins" in html
    response = client.post(
        reverse("entretiens:validate", args=[interview.pk]),
        {"lock_version": interview.lock_version},
        follow=True,
    )
    assert "ne peut pas encore être validé" in text_of(response)
    interview.refresh_from_db()
    assert interview.status != InterviewStatus.VALIDATED


def test_a_complete_interview_typed_in_the_form_is_validated(
    client, interviewer_fresnes, interview
):
    client.force_login(interviewer_fresnes)
    data = form_data(interview, **complete_answers(interview))
    response = client.post(page_url(interview), data | {"action": "verify"})
    assert response.status_code == 302
    assert response.url == reverse("entretiens:verify", args=[interview.pk])
    interview.refresh_from_db()
    assert interview_missing(interview) == []
    response = client.post(
        reverse("entretiens:validate", args=[interview.pk]),
        {"lock_version": interview.lock_version},
        follow=True,
    )
    assert "Entretien validé (version 1)" in response.content.decode()
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.VALIDATED
    version = interview.versions.get()
    assert version.number == 1
    assert version.validated_by == interviewer_fresnes
    assert version.content["sections"][0]["title"] == "Déroulement"


def test_a_validated_interview_is_read_only(client, interviewer_fresnes, detainee_fresnes):
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    client.force_login(interviewer_fresnes)
    page = client.get(page_url(interview))
    html = page.content.decode()
    assert 'id="interview-form"' not in html
    assert "Version 1 validée le" in html
    response = client.post(page_url(interview), form_data(interview, place="Ailleurs"))
    assert response.status_code == 403
    interview.refresh_from_db()
    assert interview.place == ""


def test_rectification_reopens_and_creates_a_new_version(
    client, interviewer_fresnes, cpip_fresnes, detainee_fresnes
):
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    client.force_login(interviewer_fresnes)
    refused = client.post(reverse("entretiens:rectify", args=[interview.pk]), {"reason": ""})
    assert "Ce champ est obligatoire." in refused.content.decode()
    client.post(
        reverse("entretiens:rectify", args=[interview.pk]), {"reason": "Erreur sur le diplôme"}
    )
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.DRAFT
    assert interview.is_rectification
    # Readers keep seeing version 1 meanwhile; rectifications are not overdue.
    client.force_login(cpip_fresnes)
    assert "Version 1 validée le" in client.get(page_url(interview)).content.decode()
    assert not Interview.objects.overdue(TODAY() + datetime.timedelta(days=400)).exists()

    client.force_login(interviewer_fresnes)
    # The form of the rectification keeps the synthesis already sent in sight.
    form_page = client.get(page_url(interview)).content.decode()
    assert "Synthèse transmise aux équipes" in form_page
    assert "Synthèse version 1" in form_page
    client.post(
        page_url(interview),
        form_data(interview, education_level=EducationLevel.LEVEL_4) | {"action": "save"},
    )
    interview.refresh_from_db()
    interview_validate(
        interview=interview, by=interviewer_fresnes, lock_version=interview.lock_version
    )
    versions = list(InterviewVersion.objects.filter(interview=interview).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].rectification_reason == "Erreur sur le diplôme"
    level = versions[1].content["sections"][1]["items"][0]["value"]
    assert level == "Niveau 4 (baccalauréat, BP)"
    assert versions[0].content["sections"][1]["items"][0]["value"] == "Niveau 3 (CAP, BEP)"


def test_rectification_needs_a_validated_interview_and_a_reason(interviewer_fresnes, interview):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        interview_rectify(interview=interview, by=interviewer_fresnes, reason="Erreur")
    fill_interview(interview)
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    with pytest.raises(ValidationError):
        interview_rectify(interview=interview, by=interviewer_fresnes, reason="  ")


def test_rows_left_empty_are_dropped_at_validation(interviewer_fresnes, interview):
    fill_interview(interview)
    interview_add_row(
        interview=interview, kind="diplomes", by=interviewer_fresnes, lock_version=None
    )
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    assert not Diploma.objects.filter(interview=interview).exists()


# --- Access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, interview):
    response = client.get(page_url(interview))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["national_user"])
def test_national_steering_cannot_open_an_interview(client, request, interview, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_url(interview)).status_code == 403


def test_an_interviewer_of_another_prison_gets_404(client, lyon, interview):
    other = UserFactory(interviewer=True, establishments=[lyon])
    client.force_login(other)
    for name in ("interview", "verify", "rectify"):
        assert client.get(reverse(f"entretiens:{name}", args=[interview.pk])).status_code == 404
    response = client.post(page_url(interview), form_data(interview, place="Intrus"))
    assert response.status_code == 404
    interview.refresh_from_db()
    assert interview.place == ""


@pytest.mark.parametrize("who", ["cpip_fresnes", "manager_fresnes", "prison_team_fresnes"])
def test_readers_see_validated_interviews_only(
    client, request, interviewer_fresnes, interview, who
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_url(interview)).status_code == 404
    validated = validated_interview(
        detainee=DetaineeFactory(establishment=interview.establishment), by=interviewer_fresnes
    )
    response = client.get(page_url(validated))
    assert response.status_code == 200
    assert "Rectifier" not in response.content.decode()
    assert client.post(page_url(validated), {}).status_code == 403
    assert client.get(reverse("entretiens:verify", args=[validated.pk])).status_code == 403


def test_readers_do_not_see_the_sections_the_person_kept_private(
    client, interviewer_fresnes, cpip_fresnes, detainee_fresnes
):
    interview = fill_interview(InterviewFactory(detainee=detainee_fresnes, draft=True))
    interview.withheld_sections = ["professionnel"]
    interview.last_activity = "Un secret professionnel"
    interview.save()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    client.force_login(cpip_fresnes)
    html = client.get(page_url(interview)).content.decode()
    assert "Un secret professionnel" not in html
    assert "Non partagée" in html
    client.force_login(interviewer_fresnes)
    assert "Un secret professionnel" in client.get(page_url(interview)).content.decode()


def test_a_cpip_of_another_prison_gets_404(
    client, cpip_lyon, interviewer_fresnes, detainee_fresnes
):
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    client.force_login(cpip_lyon)
    assert client.get(page_url(interview)).status_code == 404


# --- Query counts ----------------------------------------------------------------------------


def _with_rows(interview, by, count):
    for kind in ("diplomes", "experiences", "savoir_faire"):
        for _ in range(count):
            interview_add_row(interview=interview, kind=kind, by=by, lock_version=None)


@pytest.mark.parametrize("rows", [2, 40])
def test_the_form_page_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, interviewer_fresnes, interview, rows
):
    _with_rows(interview, interviewer_fresnes, min(rows, 20))
    client.force_login(interviewer_fresnes)
    # session, user, device, its establishments, interview, 7 kinds of answers, stays of the
    # frise, the access-log line
    with django_assert_num_queries(FORM_PAGE_QUERIES):
        assert client.get(page_url(interview)).status_code == 200


FORM_PAGE_QUERIES = 14


# --- Markup ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bound", [False, True], ids=["saved", "refused"])
def test_every_field_is_drawn_as_django_dsfr_draws_it(interviewer_fresnes, interview, bound):
    """The form writes django-dsfr's field markup itself, in one loop: each field reads as
    django-dsfr's own snippet (label, ids, name, value, classes, aria attributes, errors)."""
    _with_rows(interview, interviewer_fresnes, 1)
    interview_add_row(
        interview=interview, kind="projets", by=interviewer_fresnes, lock_version=None
    )
    data = None
    if bound:
        experience = Experience.objects.get(interview=interview)
        data = form_data(
            interview,
            duration_minutes="300",
            french_reading="inconnu",
            tools=["inconnu"],
            conclusion="x" * 4001,
            **{
                f"frein_{BarrierCategory.values[0]}": "inconnu",
                f"experience-{experience.pk}-start_year": "2019",
                f"experience-{experience.pk}-end_year": "2018",
            },
        )
    entry = InterviewEntry(Interview.objects.get(pk=interview.pk), data)
    assert not bound or entry.error_count() == 6
    for form in entry.all_forms():
        html = render_to_string("entretiens/includes/_form_fields.html", {"form": form})
        for field in form:
            assertInHTML(field.as_field_group(), html, count=1)


def test_saves_from_the_same_opening_of_the_form_do_not_conflict(
    client, interviewer_fresnes, interview
):
    """An autosave still in flight when "Enregistrer" is clicked: the click carries the lock
    version the page had before the autosave answered."""
    client.force_login(interviewer_fresnes)
    opened = form_data(interview) | {"edit_session": "ouverture1"}
    client.post(
        page_url(interview),
        opened | {"place": "Bureau A", "action": "autosave"},
        headers={"HX-Request": "true"},
    )
    response = client.post(page_url(interview), opened | {"place": "Bureau B", "action": "save"})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.place == "Bureau B"
    # Another opening of the form (another tab, another person) still conflicts.
    other = opened | {"edit_session": "ouverture2", "place": "Bureau C", "action": "save"}
    assert client.post(page_url(interview), other).status_code == 409


def test_a_not_done_interview_of_a_previous_stay_cannot_be_reopened(
    interviewer_fresnes, fresnes, lyon, detainee_fresnes
):
    from django.core.exceptions import ValidationError

    from entretiens.owed import interview_reopen
    from insertion.person.services import detainee_transfer

    first = InterviewFactory(detainee=detainee_fresnes)
    detainee_transfer(
        detainee=detainee_fresnes, to_establishment=lyon, ecrou_number="L1", on_date=TODAY()
    )
    detainee_transfer(
        detainee=detainee_fresnes, to_establishment=fresnes, ecrou_number="F2", on_date=TODAY()
    )
    first.refresh_from_db()
    assert first.status == InterviewStatus.NOT_DONE
    assert not first.can_reopen
    with pytest.raises(ValidationError):
        interview_reopen(interview=first, by=interviewer_fresnes)
    assert Interview.objects.filter(detainee=detainee_fresnes).open().count() == 1


def test_the_person_page_links_a_reader_to_the_validated_interview(
    client, cpip_fresnes, interviewer_fresnes, detainee_fresnes
):
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    client.force_login(cpip_fresnes)
    html = text_of(client.get(reverse("person:detail", args=[detainee_fresnes.pk])))
    assert "Consulter l'entretien" in html
    assert page_url(interview) in html


def test_the_person_page_gives_the_interviewer_the_open_interview(
    client, cpip_fresnes, interviewer_fresnes, interview
):
    url = reverse("person:detail", args=[interview.detainee.pk])
    client.force_login(interviewer_fresnes)
    assert page_url(interview) in client.get(url).content.decode()
    client.force_login(cpip_fresnes)  # a draft is not for the readers: status only
    html = text_of(client.get(url))
    assert "À réaliser, à réaliser avant le" in html
    assert page_url(interview) not in html
