"""The syntheses as people see them: the PDF download and its access log, the prison teams'
list, the synthesis block of the interview page, the worklist's synthesis counters, the access
log in the back-office; scoping of each, and their locked query counts."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import DeliveryStatus, SynthesisStatus
from entretiens.models import Interview, Synthesis, SynthesisDelivery
from entretiens.services import interview_rectify, interview_validate
from insertion.audit.models import AccessLog
from insertion.establishments.models import RecipientRole, SynthesisRecipient
from tests.factories import (
    DetaineeFactory,
    EstablishmentFactory,
    UserFactory,
    validated_interview,
)

pytestmark = pytest.mark.django_db

LIST = "/syntheses/"
PDF_BYTES = b"%PDF-1.4\n% synthese de test\n%%EOF\n"


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    """The PDFs of the tests go to a temporary folder, never to the project's private one."""
    field = Synthesis._meta.get_field("pdf")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=tmp_path / "syntheses"))


def _recipients(establishment, count: int) -> None:
    SynthesisRecipient.objects.bulk_create(
        SynthesisRecipient(
            establishment=establishment,
            email=f"equipe{index}@{establishment.pk}.test.insertion.fr",
            role=RecipientRole.DIRECTION,
        )
        for index in range(count)
    )


def _render(synthesis: Synthesis) -> Synthesis:
    """What the rendering task does (written elsewhere): the PDF, its hash, the state."""
    synthesis.pdf.save(synthesis.filename, ContentFile(PDF_BYTES), save=False)
    synthesis.sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    synthesis.status = SynthesisStatus.RENDERED
    synthesis.rendered_at = timezone.now()
    synthesis.save()
    return synthesis


def _deliver(synthesis: Synthesis, *, on: datetime.datetime | None = None) -> Synthesis:
    moment = on or timezone.now()
    synthesis.deliveries.update(status=DeliveryStatus.SENT, sent_at=moment, attempts=1)
    synthesis.status = SynthesisStatus.DELIVERED
    synthesis.delivered_at = moment
    synthesis.save()
    return synthesis


def _synthesis(establishment, **detainee) -> Synthesis:
    interview = validated_interview(
        detainee=DetaineeFactory(establishment=establishment, **detainee)
    )
    return interview.syntheses.get()


@pytest.fixture
def synthesis(detainee_fresnes, interviewer_fresnes, fresnes):
    _recipients(fresnes, 2)
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    return _render(interview.syntheses.get())


def _pdf_url(synthesis) -> str:
    return reverse("entretiens:synthesis_pdf", args=[synthesis.pk])


# Download ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["prison_team_fresnes", "manager_fresnes", "cpip_fresnes", "interviewer_fresnes"]
)
def test_the_teams_of_the_prison_download_the_pdf_and_it_is_logged(client, request, synthesis, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(_pdf_url(synthesis), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="synthese-24001-v1.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF_BYTES

    line = AccessLog.objects.get()
    assert line.user == user
    assert line.action == "synthese.telechargement"
    assert (line.object_type, line.object_id) == ("synthesis", synthesis.pk)
    assert line.detainee_id == synthesis.interview.detainee_id
    assert line.establishment_id == synthesis.establishment_id
    assert line.ip_address == "10.1.2.3"


def test_each_download_writes_its_own_line(client, prison_team_fresnes, synthesis):
    client.force_login(prison_team_fresnes)
    for _ in range(2):
        b"".join(client.get(_pdf_url(synthesis)).streaming_content)
    assert AccessLog.objects.filter(object_id=synthesis.pk).count() == 2


def test_anonymous_is_sent_to_the_login_page_for_a_pdf(client, synthesis):
    url = _pdf_url(synthesis)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert not AccessLog.objects.exists()


def test_national_steering_cannot_download_a_pdf(client, national_user, synthesis):
    client.force_login(national_user)
    response = client.get(_pdf_url(synthesis))
    assert response.status_code == 403
    assert not AccessLog.objects.exists()


def test_a_cpip_of_another_prison_gets_404_for_a_pdf(client, cpip_lyon, synthesis):
    client.force_login(cpip_lyon)
    assert client.get(_pdf_url(synthesis)).status_code == 404
    assert not AccessLog.objects.exists()


def test_a_prison_team_of_another_prison_gets_404_for_a_pdf(client, lyon, synthesis):
    client.force_login(UserFactory(prison_team=True, establishments=[lyon]))
    assert client.get(_pdf_url(synthesis)).status_code == 404


def test_a_synthesis_without_its_pdf_yet_answers_a_french_404(
    client, prison_team_fresnes, detainee_fresnes, interviewer_fresnes
):
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    pending = interview.syntheses.get()
    client.force_login(prison_team_fresnes)
    response = client.get(_pdf_url(pending))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Synthèse pas encore disponible" in page
    assert detainee_fresnes.full_name in page
    assert not AccessLog.objects.exists()


def test_a_pdf_missing_from_the_storage_answers_404(client, prison_team_fresnes, synthesis):
    synthesis.pdf.storage.delete(synthesis.pdf.name)
    client.force_login(prison_team_fresnes)
    assert client.get(_pdf_url(synthesis)).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_download_answers_get_only(client, prison_team_fresnes, synthesis):
    client.force_login(prison_team_fresnes)
    assert client.post(_pdf_url(synthesis)).status_code == 405


# The prison teams' list ---------------------------------------------------------------------


def _rows(response) -> list[str]:
    assert response.status_code == 200
    return [s.interview.detainee.last_name for s in response.context["page_obj"].object_list]


@pytest.mark.parametrize("who", ["prison_team_fresnes", "manager_fresnes"])
def test_the_list_shows_the_syntheses_of_the_prison_only(
    client, request, synthesis, detainee_lyon, who
):
    validated_interview(detainee=detainee_lyon)
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST)
    assert _rows(response) == ["Lefèvre"]
    page = response.content.decode()
    assert "24001" in page
    assert _pdf_url(synthesis) in page
    assert "Garnier" not in page


@pytest.mark.parametrize("who", ["cpip_fresnes", "interviewer_fresnes", "national_user"])
def test_other_roles_cannot_open_the_list(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 403


def test_anonymous_is_sent_to_the_login_page_for_the_list(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_list_is_newest_first_with_state_due_date_and_late_badge(
    client, prison_team_fresnes, fresnes
):
    old = _synthesis(fresnes, last_name="Ancien")
    Synthesis.objects.filter(pk=old.pk).update(
        due_date=_day(-3), created_at=timezone.now() - datetime.timedelta(days=8)
    )
    recent = _render(_synthesis(fresnes, last_name="Récent"))
    client.force_login(prison_team_fresnes)
    response = client.get(LIST)
    assert _rows(response) == ["Récent", "Ancien"]
    page = response.content.decode()
    assert "En retard" in page
    assert "En attente de génération" in page
    assert "Générée, envoi en cours" in page
    assert page.count("Télécharger") == 1
    assert _pdf_url(recent) in page


def test_the_list_says_when_a_version_replaces_another(
    client, prison_team_fresnes, synthesis, interviewer_fresnes
):
    interview = synthesis.interview
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Diplôme oublié")
    interview.refresh_from_db()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    client.force_login(prison_team_fresnes)
    page = client.get(LIST).content.decode()
    assert "remplace la version 1" in page


@pytest.mark.parametrize("term", ["lefevre", "LEFÈVRE", "hélène lef", "24001"])
def test_the_list_is_searched_by_name_or_ecrou_without_accents(
    client, prison_team_fresnes, synthesis, fresnes, term
):
    _synthesis(fresnes, last_name="Martin", ecrou_number="99999")
    client.force_login(prison_team_fresnes)
    assert _rows(client.get(LIST, {"q": term})) == ["Lefèvre"]


def test_the_list_filters_by_establishment_when_there_are_several(
    client, prison_team_fresnes, synthesis
):
    melun = EstablishmentFactory(name="Centre de détention de Melun")
    prison_team_fresnes.establishments.add(melun)
    _synthesis(melun, last_name="Melunais")
    client.force_login(prison_team_fresnes)
    page = client.get(LIST).content.decode()
    assert 'name="etablissement"' in page
    assert _rows(client.get(LIST, {"etablissement": melun.pk})) == ["Melunais"]
    # An establishment of another prison is ignored, not an open door.
    other = EstablishmentFactory()
    assert sorted(_rows(client.get(LIST, {"etablissement": other.pk}))) == [
        "Lefèvre",
        "Melunais",
    ]


def test_the_list_has_no_establishment_filter_for_a_single_prison(
    client, prison_team_fresnes, synthesis
):
    client.force_login(prison_team_fresnes)
    assert 'name="etablissement"' not in client.get(LIST).content.decode()


def test_the_empty_list_says_nothing_was_received_yet(client, prison_team_fresnes):
    client.force_login(prison_team_fresnes)
    page = client.get(LIST).content.decode()
    assert "Aucune synthèse reçue pour l'instant" in page


def test_a_search_without_result_says_so(client, prison_team_fresnes, synthesis):
    client.force_login(prison_team_fresnes)
    page = client.get(LIST, {"q": "personne"}).content.decode()
    assert "Aucune synthèse ne correspond à « personne »" in page


def test_htmx_redraws_the_results_only(client, prison_team_fresnes, synthesis):
    client.force_login(prison_team_fresnes)
    page = client.get(LIST, {"q": "lefevre"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="results"' in page
    assert "<h1>" not in page


def test_an_htmx_history_restore_gets_the_whole_page(client, prison_team_fresnes, synthesis):
    client.force_login(prison_team_fresnes)
    page = client.get(
        LIST, {"q": "lefevre"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    ).content.decode()
    assert "<h1>" in page and 'id="results"' in page


# Session, user, the second factor's device, the user's establishments (scoping), the
# establishment filter, the paginator's count, the page of rows (person, stay, version,
# establishment, replaced one).
LIST_QUERIES = 7


def _many_syntheses(count: int, establishments) -> None:
    for index in range(count):
        synthesis = _synthesis(establishments[index % len(establishments)])
        if index % 3 == 0:
            _render(synthesis)


@pytest.mark.parametrize("params", [{}, {"q": "jean"}])
def test_list_query_count_does_not_grow_with_rows(
    client, django_assert_num_queries, prison_team_fresnes, fresnes, params
):
    melun = EstablishmentFactory(name="Centre de détention de Melun")
    prison_team_fresnes.establishments.add(melun)
    client.force_login(prison_team_fresnes)
    _many_syntheses(2, [fresnes, melun])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, params)
    assert len(response.context["page_obj"].object_list) == 2

    _many_syntheses(38, [fresnes, melun])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST, params)
    assert len(response.context["page_obj"].object_list) == 40


# The interview page ------------------------------------------------------------------------


def _interview_url(interview) -> str:
    return reverse("entretiens:interview", args=[interview.pk])


def test_the_interview_page_shows_the_synthesis_and_its_deliveries(
    client, interviewer_fresnes, synthesis
):
    deliveries = list(synthesis.deliveries.order_by("email"))
    deliveries[0].status = DeliveryStatus.SENT
    deliveries[0].sent_at = timezone.now()
    deliveries[0].attempts = 1
    deliveries[0].save()
    deliveries[1].status = DeliveryStatus.FAILED
    deliveries[1].attempts = 5
    deliveries[1].last_error = "550 boîte aux lettres inconnue"
    deliveries[1].save()
    client.force_login(interviewer_fresnes)
    page = client.get(_interview_url(synthesis.interview)).content.decode()
    assert "Synthèse transmise aux équipes" in page
    assert "Synthèse version 1" in page
    assert "Générée, envoi en cours" in page
    assert "À transmettre avant le" in page
    assert deliveries[0].email in page
    assert deliveries[1].email in page
    assert "550 boîte aux lettres inconnue" in page
    assert "Échec" in page
    assert _pdf_url(synthesis) in page


def test_the_interview_page_shows_a_late_synthesis(client, cpip_fresnes, synthesis):
    Synthesis.objects.filter(pk=synthesis.pk).update(due_date=_day(-1))
    client.force_login(cpip_fresnes)
    page = client.get(_interview_url(synthesis.interview)).content.decode()
    assert "En retard" in page


def test_the_interview_page_lists_each_version_and_what_it_replaces(
    client, prison_team_fresnes, synthesis, interviewer_fresnes
):
    interview = synthesis.interview
    _deliver(synthesis)
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Diplôme oublié")
    interview.refresh_from_db()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    client.force_login(prison_team_fresnes)
    page = client.get(_interview_url(interview)).content.decode()
    assert "Synthèse version 2" in page
    assert "remplace la version 1" in page
    assert "Synthèse version 1" in page
    assert "Envoyée" in page


def test_the_interview_page_says_when_there_is_no_recipient(
    client, interviewer_fresnes, detainee_fresnes
):
    interview = validated_interview(detainee=detainee_fresnes, by=interviewer_fresnes)
    client.force_login(interviewer_fresnes)
    page = client.get(_interview_url(interview)).content.decode()
    assert "Aucun destinataire" in page
    assert "Télécharger la synthèse" not in page


# Session, user, the interview (person, stay, establishment…), its answers (7 kinds of rows
# and the stays), the versions, the user's establishments, the syntheses, their deliveries.
# 15 to read, plus the line of the access log (entretien.consultation).
INTERVIEW_PAGE_QUERIES = {"interviewer_fresnes": 17, "prison_team_fresnes": 17}


@pytest.mark.parametrize("who", sorted(INTERVIEW_PAGE_QUERIES))
def test_interview_page_query_count_does_not_grow_with_recipients(
    client, request, django_assert_num_queries, fresnes, interviewer_fresnes, who
):
    client.force_login(request.getfixturevalue(who))
    counts = []
    for recipients in (1, 10):
        SynthesisRecipient.objects.all().delete()
        _recipients(fresnes, recipients)
        interview = validated_interview(
            detainee=DetaineeFactory(establishment=fresnes), by=interviewer_fresnes
        )
        synthesis = _render(interview.syntheses.get())
        assert synthesis.deliveries.count() == recipients
        with django_assert_num_queries(INTERVIEW_PAGE_QUERIES[who]) as captured:
            response = client.get(_interview_url(interview))
        assert response.status_code == 200
        assert response.content.decode().count("@") >= recipients
        counts.append(len(captured))
    assert counts[0] == counts[1]


# The worklist's counters -------------------------------------------------------------------


def _worklist(client):
    response = client.get("/entretiens/")
    assert response.status_code == 200
    return response


def test_the_worklist_counts_late_syntheses_and_those_sent_on_time(
    client, interviewer_fresnes, fresnes, lyon
):
    late = _synthesis(fresnes)
    Synthesis.objects.filter(pk=late.pk).update(due_date=_day(-1))
    _synthesis(fresnes)  # pending, not yet due
    on_time = _deliver(_render(_synthesis(fresnes)))
    delivered_late = _render(_synthesis(fresnes))
    Synthesis.objects.filter(pk=delivered_late.pk).update(due_date=_day(-10))
    delivered_late.refresh_from_db()
    _deliver(delivered_late)
    long_ago = _render(_synthesis(fresnes))
    _deliver(long_ago, on=timezone.now() - datetime.timedelta(days=40))
    Synthesis.objects.filter(pk=long_ago.pk).update(due_date=_day(-38))
    other_prison = _synthesis(lyon)
    Synthesis.objects.filter(pk=other_prison.pk).update(due_date=_day(-1))

    client.force_login(interviewer_fresnes)
    response = _worklist(client)
    assert response.context["synthesis_counters"] == {"late": 1, "on_time": 1}
    page = response.content.decode()
    assert "Synthèses en retard" in page
    assert "Envoyées à temps (30 j)" in page
    assert on_time.pk


def test_validated_rows_of_the_worklist_show_the_synthesis_state(
    client, interviewer_fresnes, fresnes
):
    late = _synthesis(fresnes, last_name="Retardataire")
    Synthesis.objects.filter(pk=late.pk).update(due_date=_day(-1))
    _deliver(_render(_synthesis(fresnes, last_name="Ponctuel")))
    client.force_login(interviewer_fresnes)
    response = client.get("/entretiens/", {"statut": "valides"})
    rows = {i.detainee.last_name: i.synthesis_status for i in response.context["page_obj"]}
    assert rows == {"Retardataire": "en_attente", "Ponctuel": "envoyee"}
    page = response.content.decode()
    assert "Synthèse en retard" in page
    assert "Synthèse envoyée" in page


def test_a_rectified_interview_shows_the_state_of_its_last_synthesis(
    client, interviewer_fresnes, synthesis
):
    interview = synthesis.interview
    _deliver(synthesis)
    interview_rectify(interview=interview, by=interviewer_fresnes, reason="Erreur")
    interview.refresh_from_db()
    interview_validate(interview=interview, by=interviewer_fresnes, lock_version=None)
    client.force_login(interviewer_fresnes)
    response = client.get("/entretiens/", {"statut": "valides"})
    [row] = response.context["page_obj"]
    assert row.synthesis_status == SynthesisStatus.PENDING
    assert Interview.objects.get(pk=interview.pk).version == 2


# The access log in the back-office ---------------------------------------------------------


def test_the_access_log_is_read_only_in_the_back_office(client, superuser, synthesis):
    client.force_login(UserFactory(prison_team=True, establishments=[synthesis.establishment]))
    b"".join(client.get(_pdf_url(synthesis)).streaming_content)
    line = AccessLog.objects.get()
    client.force_login(superuser)
    listing = client.get(reverse("admin:audit_accesslog_changelist"))
    assert listing.status_code == 200
    assert "synthese.telechargement" in listing.content.decode()
    assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403
    change = reverse("admin:audit_accesslog_change", args=[line.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"action": "modifie"}).status_code == 403
    delete = reverse("admin:audit_accesslog_delete", args=[line.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessLog.objects.get().action == "synthese.telechargement"


def test_the_delivery_rows_hold_the_addresses_of_the_active_recipients(synthesis):
    assert SynthesisDelivery.objects.filter(synthesis=synthesis).count() == 2
