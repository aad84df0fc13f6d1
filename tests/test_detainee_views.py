import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from insertion.person.services import release_date_change
from tests.factories import DetaineeFactory, EstablishmentFactory, SentenceArrangementFactory

pytestmark = pytest.mark.django_db


def _list(client, **params):
    return client.get(reverse("detainees:list"), params)


def test_search_ignores_accents_and_case(client, cpip_fresnes, detainee_fresnes):
    client.force_login(cpip_fresnes)
    for query in ["helene lefevre", "LEFEVRE", "Lefèvre Hélène", "24001"]:
        assert "LEFÈVRE Hélène" in _list(client, q=query).content.decode(), query


def test_search_without_match_shows_an_empty_state(client, cpip_fresnes, detainee_fresnes):
    client.force_login(cpip_fresnes)
    content = _list(client, q="introuvable").content.decode()
    assert "Aucune personne ne correspond à « introuvable »" in content


def test_released_people_are_listed_apart(client, cpip_fresnes, fresnes):
    held = DetaineeFactory(establishment=fresnes, last_name="Present")
    released = DetaineeFactory(
        establishment=fresnes,
        last_name="Sorti",
        release_date=timezone.localdate(),
        release_kind="sortie_seche",
    )
    client.force_login(cpip_fresnes)
    default = _list(client).content.decode()
    assert held.full_name in default and released.full_name not in default
    assert released.full_name in _list(client, situation="liberees").content.decode()


def test_list_is_paginated_by_50(client, cpip_fresnes, fresnes):
    DetaineeFactory.create_batch(55, establishment=fresnes)
    client.force_login(cpip_fresnes)
    first = _list(client)
    assert len(first.context["page_obj"].object_list) == 50
    assert "1 / 2" in first.content.decode()
    assert len(_list(client, page=2).context["page_obj"].object_list) == 5
    # A page number out of range shows the last page instead of an error.
    assert _list(client, page=99).context["page_obj"].number == 2


def test_bad_filter_values_fall_back_to_defaults(client, cpip_fresnes, detainee_fresnes):
    client.force_login(cpip_fresnes)
    response = _list(client, tri="'; drop table", situation="x", etablissement="abc", page="z")
    assert response.status_code == 200
    assert response.context["sort"] == "nom"


def test_establishment_filter_only_offers_the_users_establishments(
    client, cpip_fresnes, fresnes, lyon, detainee_lyon
):
    melun = EstablishmentFactory(name="Centre de détention de Melun")
    cpip_fresnes.establishments.add(melun)
    DetaineeFactory(establishment=melun, last_name="Melunais")
    client.force_login(cpip_fresnes)
    response = _list(client, etablissement=lyon.pk)
    # Another prison's id is ignored: the list stays within the user's establishments.
    assert response.context["establishment_id"] == ""
    assert "GARNIER" not in response.content.decode()
    assert "MELUNAIS" in _list(client, etablissement=melun.pk).content.decode()


def test_htmx_request_gets_only_the_results_fragment(client, cpip_fresnes, detainee_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(reverse("detainees:list"), {"q": "lefevre"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert 'id="results"' in content
    assert "<header" not in content


def test_an_htmx_history_restore_gets_the_whole_page(client, cpip_fresnes, detainee_fresnes):
    """The back button after a search (htmx missed its cache) must not show a bare fragment."""
    client.force_login(cpip_fresnes)
    response = client.get(
        reverse("detainees:list"),
        {"q": "lefevre"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    content = response.content.decode()
    assert "<header" in content and 'id="results"' in content
    assert "LEFÈVRE Hélène" in content


def test_the_filters_show_what_the_list_applies(client, cpip_fresnes, detainee_fresnes):
    client.force_login(cpip_fresnes)
    content = _list(client, tri="inconnu", situation="x", q="  lefevre  ").content.decode()
    assert '<option value="nom" selected>Nom</option>' in content
    assert '<option value="presentes" selected>Présentes</option>' in content
    assert 'value="lefevre"' in content
    # A long search is shortened, not refused.
    assert _list(client, q="lefevre" + " x" * 100).context["query"] == "lefevre" + " x" * 46


def test_the_dlp_order_is_offered_to_the_readers_of_sentences_only(
    client, interviewer_fresnes, cpip_fresnes, detainee_fresnes
):
    client.force_login(cpip_fresnes)
    assert 'value="dlp"' in _list(client).content.decode()
    client.force_login(interviewer_fresnes)
    response = _list(client, tri="dlp")
    assert 'value="dlp"' not in response.content.decode()
    assert response.context["sort"] == "nom"


def test_interviewer_sees_identity_and_arrival_but_not_the_sentence(
    client, interviewer_fresnes, detainee_fresnes
):
    SentenceArrangementFactory(detainee=detainee_fresnes)
    client.force_login(interviewer_fresnes)
    content = client.get(reverse("person:detail", args=[detainee_fresnes.pk])).content.decode()
    assert "LEFÈVRE Hélène" in content and "24001" in content
    assert "Arrivée dans l'établissement" in content
    assert "Historique de la date de libération prévisible" not in content
    assert "Aménagements de peine" not in content


def test_person_page_shows_release_date_history_and_arrangements(
    client, cpip_fresnes, detainee_fresnes
):
    earlier = detainee_fresnes.expected_release_date - datetime.timedelta(days=45)
    release_date_change(
        detainee=detainee_fresnes, new_date=earlier, reason="reduction", by=cpip_fresnes
    )
    SentenceArrangementFactory(detainee=detainee_fresnes, kind="ddse")
    client.force_login(cpip_fresnes)
    content = client.get(reverse("person:detail", args=[detainee_fresnes.pk])).content.decode()
    assert "Réduction de peine" in content
    assert "avancée de 45 jours" in content
    assert "Date initiale" in content
    assert "Détention à domicile sous surveillance électronique" in content


def test_dates_are_written_in_french(client, cpip_fresnes, fresnes):
    person = DetaineeFactory(
        establishment=fresnes,
        arrival_date=datetime.date(2026, 3, 12),
        custody_start=datetime.date(2026, 3, 12),
    )
    client.force_login(cpip_fresnes)
    content = client.get(reverse("person:detail", args=[person.pk])).content.decode()
    assert "12 mars 2026" in content


def _count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_person_list_query_count_does_not_grow_with_rows(client, cpip_fresnes, fresnes, lyon):
    client.force_login(cpip_fresnes)
    cpip_fresnes.establishments.add(lyon)
    url = reverse("detainees:list")
    DetaineeFactory.create_batch(2, establishment=fresnes, referent=cpip_fresnes)
    with_two = _count_queries(client, url)
    DetaineeFactory.create_batch(38, establishment=lyon, referent=cpip_fresnes)
    with_forty = _count_queries(client, url)
    assert with_two == with_forty == 7  # 6, and the second factor's device


def test_person_page_query_count_does_not_grow_with_history(client, cpip_fresnes, fresnes):
    client.force_login(cpip_fresnes)
    small = DetaineeFactory(establishment=fresnes)
    big = DetaineeFactory(establishment=fresnes)
    day = big.expected_release_date
    for i in range(1, 20):
        release_date_change(
            detainee=big, new_date=day - datetime.timedelta(days=i), reason="reduction"
        )
        SentenceArrangementFactory(detainee=big)
    counts = {
        person.pk: _count_queries(client, reverse("person:detail", args=[person.pk]))
        for person in (small, big)
    }
    # 8 for the identity, stays, DLP and arrangements; 5 for the plan readers' part of a person
    # without plan (contacts, unread alerts, interview versions and syntheses of the frise, the
    # requests to the services). With a plan, 3 more: tests/test_person_plan.py.
    # And the second factor's device, the access log's line, the management's recent reads; 6
    # for the partner companies' section (tests/test_person_plan.py, PERSON_PAGE_QUERIES).
    assert counts[small.pk] == counts[big.pk] == 22


def test_dashboard_query_counts_do_not_grow_with_establishments(client, national_user):
    client.force_login(national_user)
    url = reverse("dashboard:national")
    EstablishmentFactory.create_batch(2)
    few = _count_queries(client, url)
    for establishment in EstablishmentFactory.create_batch(20):
        DetaineeFactory(establishment=establishment)
    many = _count_queries(client, url)
    assert few == many == 6  # 5, and the second factor's device
