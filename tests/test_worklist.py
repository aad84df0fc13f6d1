"""The interviewer's worklist: counters, due and overdue rules, postponement, « non réalisé »,
search and filters, scoping, and its locked query count."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import InterviewStatus, NotDoneReason
from entretiens.models import Interview, Postponement
from entretiens.owed import interview_postpone
from entretiens.services import interview_rectify, interview_validate
from entretiens.views.worklist import STATUS_FILTERS
from insertion.person.services import detainee_admit, detainee_release, detainee_transfer
from tests.factories import (
    DetaineeFactory,
    EstablishmentFactory,
    InterviewFactory,
    UserFactory,
    fill_interview,
    validated_interview,
)

pytestmark = pytest.mark.django_db

WORKLIST = "/entretiens/"


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _interview(establishment, *, days_ago: int = 5, last_name: str = "", **kwargs) -> Interview:
    """The interview owed for a person who arrived `days_ago` days ago (due 15 days later)."""
    names = {"last_name": last_name} if last_name else {}
    detainee = DetaineeFactory(establishment=establishment, arrival_date=_day(-days_ago), **names)
    return InterviewFactory(detainee=detainee, **kwargs)


def _validated(establishment, *, last_name: str = "", validated_days_ago: int = 0) -> Interview:
    names = {"last_name": last_name} if last_name else {}
    interview = validated_interview(detainee=DetaineeFactory(establishment=establishment, **names))
    if validated_days_ago:
        moment = timezone.now() - datetime.timedelta(days=validated_days_ago)
        Interview.objects.filter(pk=interview.pk).update(validated_at=moment)
    return interview


def _admit(establishment, *, days_ago: int, ecrou: str, last_name: str = "Arrivant"):
    return detainee_admit(
        establishment=establishment,
        ecrou_number=ecrou,
        last_name=last_name,
        first_name="Paul",
        birth_date=datetime.date(1990, 1, 1),
        sex="M",
        arrival_date=_day(-days_ago),
        legal_status="condamne",
        offence_category="delit",
    )


def _get(client, **params):
    return client.get(WORKLIST, params)


def _counters(client) -> dict[str, int]:
    response = _get(client)
    assert response.status_code == 200
    return {counter["key"]: counter["count"] for counter in response.context["counters"]}


def _names(response) -> list[str]:
    return [interview.detainee.last_name for interview in response.context["page_obj"]]


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def interviewer_lyon(lyon):
    return UserFactory(interviewer=True, email="afpa.lyon@test.insertion.fr", establishments=[lyon])


@pytest.fixture
def logged_in(client, interviewer_fresnes):
    client.force_login(interviewer_fresnes)
    return client


# Due dates and counters -------------------------------------------------------------------


def test_due_date_is_the_arrival_plus_the_interview_due_days_setting(settings, fresnes):
    settings.INTERVIEW_DUE_DAYS = 10
    detainee = _admit(fresnes, days_ago=3, ecrou="30001")
    interview = detainee.interviews.get()
    assert interview.status == InterviewStatus.TO_DO
    assert interview.arrival_date == _day(-3)
    assert interview.due_date == _day(7)


def test_the_due_days_setting_decides_what_is_overdue(logged_in, settings, fresnes):
    settings.INTERVIEW_DUE_DAYS = 10
    _admit(fresnes, days_ago=12, ecrou="30001")  # due 2 days ago (it would not be with 15 days)
    _admit(fresnes, days_ago=8, ecrou="30002")
    counters = _counters(logged_in)
    assert counters["en_retard"] == 1
    assert counters["a_realiser"] == 1


def test_an_interview_is_overdue_the_day_after_its_due_date(logged_in, fresnes):
    _interview(fresnes, days_ago=15, last_name="Echeance")  # due today: still to do
    _interview(fresnes, days_ago=16, last_name="Depassee")  # due yesterday
    assert _counters(logged_in) == {
        "a_realiser": 1,
        "en_retard": 1,
        "brouillons": 0,
        "non_realises": 0,
        "valides": 0,
    }
    assert _names(_get(logged_in, statut="en_retard")) == ["Depassee"]
    assert _names(_get(logged_in, statut="a_realiser")) == ["Echeance"]


def test_an_overdue_draft_counts_as_overdue_and_as_a_draft(logged_in, fresnes):
    _interview(fresnes, days_ago=30, draft=True, last_name="Tardif")
    _interview(fresnes, days_ago=2, draft=True, last_name="Recent")
    counters = _counters(logged_in)
    assert counters["en_retard"] == 1
    assert counters["brouillons"] == 2
    assert counters["a_realiser"] == 0
    assert _names(_get(logged_in, statut="en_retard")) == ["Tardif"]


def test_a_rectification_is_a_draft_but_never_overdue(logged_in, fresnes, interviewer_fresnes):
    interview = _validated(fresnes)  # arrived 40 days ago
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Erreur de date")
    counters = _counters(logged_in)
    assert counters["brouillons"] == 1
    assert counters["en_retard"] == 0
    assert counters["valides"] == 0


def test_only_interviews_validated_in_the_last_30_days_are_counted(logged_in, fresnes):
    _validated(fresnes, last_name="Recent", validated_days_ago=29)
    _validated(fresnes, last_name="Ancien", validated_days_ago=31)
    assert _counters(logged_in)["valides"] == 1
    assert _names(_get(logged_in, statut="valides")) == ["Recent"]
    assert sorted(_names(_get(logged_in, statut="tous"))) == ["Ancien", "Recent"]


def test_not_done_interviews_are_counted_apart_from_the_open_ones(logged_in, fresnes):
    _interview(fresnes, days_ago=30, not_done=True, last_name="Refus")
    _interview(fresnes, days_ago=3, last_name="Ouvert")
    counters = _counters(logged_in)
    assert counters["non_realises"] == 1
    assert counters["en_retard"] == 0
    assert _names(_get(logged_in)) == ["Ouvert"]
    assert _names(_get(logged_in, statut="non_realises")) == ["Refus"]


def test_every_counter_equals_the_length_of_its_list(logged_in, fresnes, interviewer_fresnes):
    _interview(fresnes, days_ago=2)
    _interview(fresnes, days_ago=20)
    _interview(fresnes, days_ago=3, draft=True)
    _interview(fresnes, days_ago=25, draft=True)
    _interview(fresnes, days_ago=10, not_done=True)
    _validated(fresnes)
    _validated(fresnes, validated_days_ago=45)
    rectified = _validated(fresnes)
    interview_rectify(interview=rectified, by=interviewer_fresnes, reason="Correction")
    counters = _counters(logged_in)
    assert counters == {
        "a_realiser": 1,
        "en_retard": 2,
        "brouillons": 3,
        "non_realises": 1,
        "valides": 1,
    }
    for key, count in counters.items():
        assert _get(logged_in, statut=key).context["page_obj"].paginator.count == count, key
    # The default list is what is still to be done: to do, overdue and drafts.
    assert _get(logged_in).context["page_obj"].paginator.count == 5


# Transfers, releases, rollout ------------------------------------------------------------


def test_a_transfer_closes_the_open_interview_and_starts_a_new_clock_there(
    client, fresnes, lyon, interviewer_fresnes, interviewer_lyon
):
    detainee = _admit(fresnes, days_ago=20, ecrou="30001")  # overdue at Fresnes
    detainee_transfer(detainee=detainee, to_establishment=lyon, ecrou_number="L1", on_date=_day(-2))

    old = Interview.objects.get(detainee=detainee, establishment=fresnes)
    assert old.status == InterviewStatus.NOT_DONE
    assert old.not_done_reason == NotDoneReason.TRANSFER
    assert old.not_done_on == _day(-2)
    new = Interview.objects.get(detainee=detainee, establishment=lyon)
    assert new.status == InterviewStatus.TO_DO
    assert new.arrival_date == _day(-2)
    assert new.due_date == _day(13)

    client.force_login(interviewer_fresnes)
    assert _counters(client)["en_retard"] == 0
    assert _counters(client)["non_realises"] == 1
    client.force_login(interviewer_lyon)
    assert _counters(client)["a_realiser"] == 1


def test_a_transfer_after_a_validated_interview_owes_no_new_one(fresnes, lyon):
    detainee = _admit(fresnes, days_ago=20, ecrou="30001")
    interview = fill_interview(detainee.interviews.get())
    interview_validate(interview=interview, by=None, lock_version=None)
    detainee_transfer(detainee=detainee, to_establishment=lyon, ecrou_number="L1", on_date=_day(-1))
    assert list(detainee.interviews.values_list("establishment", "status")) == [
        (fresnes.pk, InterviewStatus.VALIDATED)
    ]


def test_a_release_closes_the_open_interview(fresnes):
    detainee = _admit(fresnes, days_ago=5, ecrou="30001")
    detainee_release(detainee=detainee, on_date=_day(0), kind="sortie_seche")
    interview = detainee.interviews.get()
    assert interview.status == InterviewStatus.NOT_DONE
    assert interview.not_done_reason == NotDoneReason.RELEASE


def test_no_interview_is_owed_for_an_arrival_before_the_rollout_date(fresnes):
    fresnes.interview_rollout_date = _day(-10)
    fresnes.save()
    before = _admit(fresnes, days_ago=11, ecrou="30001")
    on_rollout = _admit(fresnes, days_ago=10, ecrou="30002")
    not_rolled_out = EstablishmentFactory(interview_rollout_date=None)
    elsewhere = _admit(not_rolled_out, days_ago=1, ecrou="30003")
    assert not before.interviews.exists()
    assert on_rollout.interviews.count() == 1
    assert not elsewhere.interviews.exists()


# Postponement ----------------------------------------------------------------------------


def _postpone(client, interview, **data):
    return client.post(reverse("entretiens:postpone", args=[interview.pk]), data)


def test_postponing_before_the_due_date_moves_the_due_date(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=10)  # due in 5 days
    response = _postpone(logged_in, interview, new_date=_day(20), reason="Audience")
    assert response.status_code == 302
    assert response.url == WORKLIST
    interview.refresh_from_db()
    assert interview.due_date == interview.planned_on == _day(20)
    assert any("est reporté au" in message for message in _messages(response))
    postponement = Postponement.objects.get(interview=interview)
    assert (postponement.reason, postponement.was_overdue) == ("Audience", False)


def test_an_interview_postponed_before_its_due_date_is_no_longer_counted_overdue(
    logged_in, fresnes, interviewer_fresnes
):
    interview = _interview(fresnes, days_ago=20)  # due 5 days ago
    # Postponed 6 days ago, when it was not late yet: its due date moved with the new date.
    interview_postpone(
        interview=interview,
        by=interviewer_fresnes,
        new_date=_day(5),
        reason="Extraction",
        today=_day(-6),
    )
    counters = _counters(logged_in)
    assert counters["en_retard"] == 0
    assert counters["a_realiser"] == 1


def test_an_overdue_interview_postponed_stays_counted_overdue(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=20, last_name="Retard")  # due 5 days ago
    response = _postpone(logged_in, interview, new_date=_day(3), reason="Quartier disciplinaire")
    assert any("reste compté en retard" in message for message in _messages(response))
    interview.refresh_from_db()
    assert interview.due_date == _day(-5)
    assert interview.planned_on == _day(3)
    assert Postponement.objects.get(interview=interview).was_overdue
    assert _counters(logged_in)["en_retard"] == 1
    content = _get(logged_in).content.decode()
    assert "Reporté au" in content
    assert "fr-badge--error" in content


def test_postponing_to_a_past_date_is_refused_next_to_the_date_field(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=10)
    response = _postpone(logged_in, interview, new_date=_day(-1), reason="Audience")
    assert response.status_code == 200
    assert response.context["form"].errors["new_date"] == [
        "La nouvelle date ne peut pas être passée."
    ]
    content = response.content.decode()
    assert "fr-input-group--error" in content
    assert "La nouvelle date ne peut pas être passée." in content
    interview.refresh_from_db()
    assert interview.planned_on is None
    assert not Postponement.objects.exists()


def test_postponing_requires_a_reason(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=10)
    response = _postpone(logged_in, interview, new_date=_day(3), reason="   ")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not Postponement.objects.exists()


def test_the_postpone_page_warns_that_an_overdue_interview_stays_overdue(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=20)
    response = logged_in.get(reverse("entretiens:postpone", args=[interview.pk]))
    assert response.status_code == 200
    assert "il reste compté en retard" in response.content.decode()


def test_a_closed_interview_cannot_be_postponed(logged_in, fresnes):
    interview = _interview(fresnes, not_done=True)
    response = _postpone(logged_in, interview, new_date=_day(3), reason="Audience")
    assert response.status_code == 302
    assert any("n'est plus à réaliser" in message for message in _messages(response))
    assert not Postponement.objects.exists()


def test_after_an_action_the_worklist_comes_back_as_it_was_left(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=20, last_name="Retour")
    back = "/entretiens/?statut=en_retard&tri=nom"
    content = _get(logged_in, statut="en_retard", tri="nom").content.decode()
    assert "?retour=/entretiens/%3Fstatut%3Den_retard%26tri%3Dnom" in content
    response = _postpone(logged_in, interview, new_date=_day(3), reason="Audience", retour=back)
    assert response.url == back


@pytest.mark.parametrize(
    "back", ["https://evil.example/entretiens/", "//evil.example/", "/admin/", "/entretiens/\n"]
)
def test_a_return_address_outside_the_worklist_is_ignored(logged_in, fresnes, back):
    interview = _interview(fresnes, days_ago=10)
    response = _postpone(logged_in, interview, new_date=_day(3), reason="Audience", retour=back)
    assert response.url == WORKLIST


# Non réalisé and reprise -------------------------------------------------------------------


def _not_done(client, interview, **data):
    return client.post(reverse("entretiens:not_done", args=[interview.pk]), data)


def test_declaring_not_done_requires_a_reason(logged_in, fresnes):
    interview = _interview(fresnes)
    response = _not_done(logged_in, interview)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert "fr-fieldset--error" in response.content.decode()
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.TO_DO


def test_the_other_reason_requires_a_precision(logged_in, fresnes):
    interview = _interview(fresnes)
    response = _not_done(logged_in, interview, reason="autre", details=" ")
    assert response.context["form"].errors["details"] == ["Précisez le motif « autre »."]
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.TO_DO

    response = _not_done(logged_in, interview, reason="autre", details="Hospitalisé")
    assert response.status_code == 302
    interview.refresh_from_db()
    assert (interview.status, interview.not_done_details) == (
        InterviewStatus.NOT_DONE,
        "Hospitalisé",
    )


def test_an_interview_declared_not_done_leaves_the_open_lists(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=20, draft=True, last_name="Refus")
    response = _not_done(logged_in, interview, reason="refus")
    assert response.status_code == 302
    assert any("déclaré non réalisé" in message for message in _messages(response))
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.NOT_DONE
    assert interview.not_done_on == _day(0)
    assert _counters(logged_in) == {
        "a_realiser": 0,
        "en_retard": 0,
        "brouillons": 0,
        "non_realises": 1,
        "valides": 0,
    }
    assert _names(_get(logged_in)) == []
    listed = _get(logged_in, statut="non_realises")
    assert _names(listed) == ["Refus"]
    assert "Refus de la personne" in listed.content.decode()


def test_reopening_brings_a_not_done_interview_back(logged_in, fresnes):
    interview = _interview(fresnes, days_ago=3, not_done=True, last_name="Revenu")
    url = reverse("entretiens:reopen", args=[interview.pk])
    assert url in _get(logged_in, statut="non_realises").content.decode()
    confirmation = logged_in.get(url)
    assert confirmation.status_code == 200
    assert "Refus de la personne" in confirmation.content.decode()
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.NOT_DONE  # GET changes nothing

    response = logged_in.post(url)
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.TO_DO
    assert interview.not_done_reason == ""
    assert _names(_get(logged_in)) == ["Revenu"]
    assert _counters(logged_in)["non_realises"] == 0


def test_a_reopened_draft_keeps_its_draft_status(logged_in, fresnes):
    interview = _interview(fresnes, draft=True)
    _not_done(logged_in, interview, reason="sante")
    logged_in.post(reverse("entretiens:reopen", args=[interview.pk]))
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.DRAFT


def test_an_interview_of_a_person_who_left_cannot_be_reopened(logged_in, fresnes, lyon):
    detainee = _admit(fresnes, days_ago=5, ecrou="30001", last_name="Parti")
    detainee_transfer(detainee=detainee, to_establishment=lyon, ecrou_number="L1", on_date=_day(0))
    interview = Interview.objects.get(detainee=detainee, establishment=fresnes)
    url = reverse("entretiens:reopen", args=[interview.pk])
    listed = _get(logged_in, statut="non_realises")
    assert _names(listed) == ["Parti"]
    assert url not in listed.content.decode()

    response = logged_in.post(url)
    assert response.status_code == 302
    assert any("a quitté l'établissement" in message for message in _messages(response))
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.NOT_DONE


# Search, filters, sorts, pages -----------------------------------------------------------


def test_search_ignores_accents_and_case(logged_in, fresnes, detainee_fresnes):
    InterviewFactory(detainee=detainee_fresnes)
    _interview(fresnes, last_name="Autre")
    for query in ["lefevre", "LEFÈVRE hélène", "24001"]:
        assert _names(_get(logged_in, q=query)) == ["Lefèvre"], query


def test_search_without_match_shows_an_empty_state(logged_in, fresnes):
    _interview(fresnes)
    content = _get(logged_in, q="introuvable").content.decode()
    assert "Aucun entretien ne correspond à « introuvable »" in content


@pytest.mark.parametrize("status", list(STATUS_FILTERS))
def test_each_status_filter_has_its_empty_state(logged_in, fresnes, status):
    response = _get(logged_in, statut=status)
    assert response.context["status"] == status
    assert STATUS_FILTERS[status][1] in response.content.decode()


def test_establishment_filter_ignores_establishments_not_the_users(
    client, interviewer_fresnes, fresnes, lyon
):
    melun = EstablishmentFactory(name="Centre de détention de Melun")
    interviewer_fresnes.establishments.add(melun)
    _interview(fresnes, last_name="Fresnois")
    _interview(melun, last_name="Melunais")
    _interview(lyon, last_name="Lyonnais")
    client.force_login(interviewer_fresnes)
    response = _get(client, etablissement=lyon.pk)
    assert response.context["establishment_id"] == ""
    assert sorted(_names(response)) == ["Fresnois", "Melunais"]
    assert _names(_get(client, etablissement=melun.pk)) == ["Melunais"]
    assert 'id="etablissement"' in response.content.decode()


def test_the_establishment_filter_is_offered_only_with_several_establishments(logged_in, fresnes):
    assert 'id="etablissement"' not in _get(logged_in).content.decode()


def test_sorts_by_due_date_by_default_then_by_arrival_or_name(logged_in, fresnes):
    _interview(fresnes, days_ago=2, last_name="Martin")
    _interview(fresnes, days_ago=10, last_name="Abel")
    _interview(fresnes, days_ago=20, last_name="Zola")
    assert _names(_get(logged_in)) == ["Zola", "Abel", "Martin"]
    assert _names(_get(logged_in, tri="arrivee")) == ["Martin", "Abel", "Zola"]
    assert _names(_get(logged_in, tri="nom")) == ["Abel", "Martin", "Zola"]


def test_the_list_is_paginated_by_50(logged_in, fresnes):
    for _ in range(51):
        _interview(fresnes)
    first = _get(logged_in)
    assert len(first.context["page_obj"].object_list) == 50
    assert "1 / 2" in first.content.decode()
    assert len(_get(logged_in, page=2).context["page_obj"].object_list) == 1


def test_bad_filter_values_fall_back_to_defaults(logged_in, fresnes):
    _interview(fresnes)
    response = _get(logged_in, statut="x", tri="'; drop table", etablissement="abc", page="z")
    assert response.status_code == 200
    assert (response.context["status"], response.context["sort"]) == ("ouverts", "echeance")
    assert response.context["page_obj"].paginator.count == 1


def test_htmx_request_gets_only_the_results_fragment(logged_in, fresnes, detainee_fresnes):
    InterviewFactory(detainee=detainee_fresnes)
    response = logged_in.get(WORKLIST, {"q": "lefevre"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert 'id="results"' in content
    assert "LEFÈVRE Hélène" in content
    assert "<header" not in content
    assert "fr-tile" not in content


def test_an_htmx_history_restore_gets_the_whole_page(logged_in, fresnes):
    _interview(fresnes)
    response = logged_in.get(
        WORKLIST, {"statut": "tous"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    content = response.content.decode()
    assert "<header" in content and "fr-tile" in content


def test_rows_show_the_actions_of_their_state(logged_in, fresnes):
    to_do = _interview(fresnes, days_ago=2)
    draft = _interview(fresnes, days_ago=3, draft=True)
    validated = _validated(fresnes)
    content = _get(logged_in, statut="tous").content.decode()
    assert "Commencer" in content and "Reprendre la saisie" in content and "Consulter" in content
    for interview in (to_do, draft):
        assert reverse("entretiens:postpone", args=[interview.pk]) in content
        assert reverse("entretiens:not_done", args=[interview.pk]) in content
    assert reverse("entretiens:postpone", args=[validated.pk]) not in content
    assert reverse("entretiens:interview", args=[validated.pk]) in content


# Scoping -----------------------------------------------------------------------------------


def _action_urls(interview) -> list[str]:
    return [
        reverse(name, args=[interview.pk])
        for name in ("entretiens:postpone", "entretiens:not_done", "entretiens:reopen")
    ]


def test_anonymous_user_is_sent_to_the_login_page(client, fresnes):
    interview = _interview(fresnes)
    for url in [WORKLIST, *_action_urls(interview)]:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize(
    "user_fixture", ["cpip_fresnes", "prison_team_fresnes", "manager_fresnes", "national_user"]
)
def test_other_roles_get_403_on_the_worklist_and_its_actions(
    client, request, fresnes, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))
    interview = _interview(fresnes, not_done=True)
    for url in [WORKLIST, *_action_urls(interview)]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "refus"}).status_code == 403, url
    interview.refresh_from_db()
    assert interview.status == InterviewStatus.NOT_DONE


def test_interviewer_of_another_establishment_gets_404(client, interviewer_lyon, fresnes):
    client.force_login(interviewer_lyon)
    open_one = _interview(fresnes)
    not_done = _interview(fresnes, not_done=True)
    for url in [*_action_urls(open_one), *_action_urls(not_done)]:
        assert client.get(url).status_code == 404, url
    assert _postpone(client, open_one, new_date=_day(3), reason="x").status_code == 404
    assert _not_done(client, open_one, reason="refus").status_code == 404
    assert client.post(reverse("entretiens:reopen", args=[not_done.pk])).status_code == 404
    open_one.refresh_from_db()
    not_done.refresh_from_db()
    assert (open_one.status, open_one.planned_on) == (InterviewStatus.TO_DO, None)
    assert not_done.status == InterviewStatus.NOT_DONE


def test_the_worklist_never_lists_other_establishments(client, interviewer_lyon, fresnes, lyon):
    _interview(fresnes, days_ago=20, last_name="Fresnois")
    _interview(fresnes, not_done=True, last_name="Fresnois")
    _validated(fresnes, last_name="Fresnois")
    _interview(lyon, last_name="Lyonnais")
    client.force_login(interviewer_lyon)
    assert _names(_get(client, statut="tous")) == ["Lyonnais"]
    assert _names(_get(client, statut="tous", q="fresnois")) == []
    assert _counters(client) == {
        "a_realiser": 1,
        "en_retard": 0,
        "brouillons": 0,
        "non_realises": 0,
        "valides": 0,
    }


# Query counts ------------------------------------------------------------------------------

# Session, user, the second factor's device, the user's establishments (scoping), the
# establishment filter, the counters,
# the synthesis counters, the paginator's count, the page of rows.
WORKLIST_QUERIES = 9
# The fragment redraws the results only: no counters.
FRAGMENT_QUERIES = 7


def _mixed_interviews(count: int, establishments, interviewer) -> None:
    """Interviews in every state, shown in the default list or in « tous »."""
    for index in range(count):
        establishment = establishments[index % len(establishments)]
        kind = index % 5
        if kind == 0:
            _interview(establishment, days_ago=2)
        elif kind == 1:
            interview = _interview(establishment, days_ago=25, draft=True)
            interview_postpone(
                interview=interview, by=interviewer, new_date=_day(4), reason="Audience"
            )
        elif kind == 2:
            _interview(establishment, days_ago=8, not_done=True)
        elif kind == 3:
            _validated(establishment)
        else:
            _interview(establishment, days_ago=30)


@pytest.mark.parametrize("params", [{}, {"statut": "tous", "tri": "nom"}, {"q": "jean"}])
def test_worklist_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, interviewer_fresnes, fresnes, params
):
    melun = EstablishmentFactory(name="Centre de détention de Melun")
    interviewer_fresnes.establishments.add(melun)
    client.force_login(interviewer_fresnes)
    establishments = [fresnes, melun]

    _mixed_interviews(2, establishments, interviewer_fresnes)
    with django_assert_num_queries(WORKLIST_QUERIES):
        response = client.get(WORKLIST, params)
    assert response.status_code == 200
    with django_assert_num_queries(FRAGMENT_QUERIES):
        client.get(WORKLIST, params, HTTP_HX_REQUEST="true")

    _mixed_interviews(38, establishments, interviewer_fresnes)
    with django_assert_num_queries(WORKLIST_QUERIES):
        response = client.get(WORKLIST, params)
    assert len(response.context["page_obj"].object_list) > 2
    with django_assert_num_queries(FRAGMENT_QUERIES):
        client.get(WORKLIST, params, HTTP_HX_REQUEST="true")
