"""The synthesis recipients: the manager's page (list, add, edit, deactivate, delete), its
scoping, its French validation errors, and the back-office pages."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from insertion.establishments.models import RecipientRole, SynthesisRecipient
from tests.factories import EstablishmentFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("establishments:recipients")


def _add_url(establishment) -> str:
    return reverse("establishments:recipient_add", args=[establishment.pk])


def _edit_url(recipient) -> str:
    return reverse("establishments:recipient_edit", args=[recipient.pk])


def _remove_url(recipient) -> str:
    return reverse("establishments:recipient_remove", args=[recipient.pk])


def _recipient(establishment, email: str, **kwargs) -> SynthesisRecipient:
    return SynthesisRecipient.objects.create(
        establishment=establishment,
        email=email,
        role=kwargs.pop("role", RecipientRole.DIRECTION),
        **kwargs,
    )


@pytest.fixture
def direction_fresnes(fresnes):
    return _recipient(fresnes, "direction@fresnes.test.insertion.fr")


@pytest.fixture
def direction_lyon(lyon):
    return _recipient(lyon, "direction@lyon.test.insertion.fr")


@pytest.fixture
def logged_in(client, manager_fresnes):
    client.force_login(manager_fresnes)
    return client


def _urls(recipient, establishment) -> list[str]:
    return [LIST, _add_url(establishment), _edit_url(recipient), _remove_url(recipient)]


# Scoping ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, fresnes, direction_fresnes):
    login = reverse("accounts:login")
    for url in _urls(direction_fresnes, fresnes):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{login}?next={url}"


@pytest.mark.parametrize(
    "who",
    [
        "cpip_fresnes",
        "interviewer_fresnes",
        "prison_team_fresnes",
        "national_user",
        "superuser",
    ],
)
def test_other_roles_get_403(client, request, fresnes, direction_fresnes, who):
    client.force_login(request.getfixturevalue(who))
    for url in _urls(direction_fresnes, fresnes):
        assert client.get(url).status_code == 403, url
    assert client.post(_remove_url(direction_fresnes), {"action": "supprimer"}).status_code == 403
    assert SynthesisRecipient.objects.filter(pk=direction_fresnes.pk).exists()


def test_a_manager_of_another_prison_gets_404(logged_in, lyon, direction_lyon):
    for url in _urls(direction_lyon, lyon):
        if url == LIST:
            continue
        assert logged_in.get(url).status_code == 404, url
    form = {"email": "pirate@test.insertion.fr", "role": RecipientRole.OTHER, "active": "on"}
    assert logged_in.post(_add_url(lyon), form).status_code == 404
    assert logged_in.post(_edit_url(direction_lyon), form).status_code == 404
    assert logged_in.post(_remove_url(direction_lyon), {"action": "supprimer"}).status_code == 404
    direction_lyon.refresh_from_db()
    assert direction_lyon.email == "direction@lyon.test.insertion.fr"
    assert not SynthesisRecipient.objects.filter(email="pirate@test.insertion.fr").exists()


def test_the_list_shows_the_recipients_of_the_managers_prisons_only(
    logged_in, direction_fresnes, direction_lyon
):
    response = logged_in.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert direction_fresnes.email in page
    assert "Centre pénitentiaire de Fresnes" in page
    assert direction_lyon.email not in page


def test_the_managers_navigation_links_the_page(logged_in):
    assert f'href="{LIST}"' in logged_in.get(LIST).content.decode()


def test_a_prison_without_recipients_is_flagged(logged_in, fresnes):
    page = logged_in.get(LIST).content.decode()
    assert "Aucun destinataire" in page


def test_a_manager_of_two_prisons_sees_both(client, manager_fresnes, direction_fresnes):
    melun = EstablishmentFactory(name="Centre de détention de Melun")
    manager_fresnes.establishments.add(melun)
    _recipient(melun, "greffe@melun.test.insertion.fr", role=RecipientRole.OTHER)
    client.force_login(manager_fresnes)
    page = client.get(LIST).content.decode()
    assert "Centre de détention de Melun" in page
    assert "greffe@melun.test.insertion.fr" in page
    assert _add_url(melun) in page


# Session, user, the second factor's device, the user's establishments, the establishments,
# their recipients.
LIST_QUERIES = 6


def test_list_query_count_does_not_grow_with_recipients(
    client, django_assert_num_queries, manager_fresnes, fresnes
):
    melun = EstablishmentFactory(name="Centre de détention de Melun")
    manager_fresnes.establishments.add(melun)
    client.force_login(manager_fresnes)
    for count in (1, 10):
        SynthesisRecipient.objects.all().delete()
        for index in range(count):
            _recipient(fresnes, f"fresnes{index}@test.insertion.fr")
            _recipient(melun, f"melun{index}@test.insertion.fr")
        with django_assert_num_queries(LIST_QUERIES):
            assert client.get(LIST).status_code == 200


# Add, edit, deactivate, delete -----------------------------------------------------------


def test_a_manager_adds_a_recipient(logged_in, fresnes):
    assert logged_in.get(_add_url(fresnes)).status_code == 200
    response = logged_in.post(
        _add_url(fresnes),
        {
            "email": " Enseignement@Fresnes.Test.Insertion.fr ",
            "role": RecipientRole.EDUCATION,
            "name": "Mme Durand",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == LIST
    recipient = SynthesisRecipient.objects.get()
    assert recipient.establishment == fresnes
    assert recipient.email == "enseignement@fresnes.test.insertion.fr"
    assert recipient.role == RecipientRole.EDUCATION
    assert recipient.name == "Mme Durand"
    assert recipient.active
    [message] = get_messages(response.wsgi_request)
    assert "recevra désormais les synthèses" in str(message)


def test_a_duplicate_email_is_refused_in_french(logged_in, fresnes, direction_fresnes):
    response = logged_in.post(
        _add_url(fresnes),
        {"email": "DIRECTION@fresnes.test.insertion.fr", "role": RecipientRole.OTHER},
    )
    assert response.status_code == 200
    assert "Cette adresse reçoit déjà les synthèses de cet établissement." in (
        response.content.decode()
    )
    assert SynthesisRecipient.objects.count() == 1


def test_a_duplicate_of_a_deactivated_email_says_to_reactivate_it(logged_in, fresnes):
    _recipient(fresnes, "ancien@test.insertion.fr", active=False)
    response = logged_in.post(
        _add_url(fresnes), {"email": "ancien@test.insertion.fr", "role": RecipientRole.OTHER}
    )
    assert "désactivée : modifiez-la pour la réactiver" in response.content.decode()


def test_the_same_email_may_serve_two_prisons(client, manager_fresnes, fresnes, direction_lyon):
    client.force_login(manager_fresnes)
    response = client.post(
        _add_url(fresnes), {"email": direction_lyon.email, "role": RecipientRole.SPIP}
    )
    assert response.status_code == 302
    assert SynthesisRecipient.objects.filter(email=direction_lyon.email).count() == 2


def test_an_invalid_or_missing_email_is_refused_in_french(logged_in, fresnes):
    page = logged_in.post(
        _add_url(fresnes), {"email": "pas-une-adresse", "role": RecipientRole.OTHER}
    ).content.decode()
    assert "Saisissez une adresse électronique valide." in page
    page = logged_in.post(_add_url(fresnes), {"role": "inconnu"}).content.decode()
    assert "Ce champ est obligatoire." in page
    assert "Sélectionnez un choix valide" in page
    assert not SynthesisRecipient.objects.exists()


def test_a_manager_edits_a_recipient(logged_in, direction_fresnes):
    page = logged_in.get(_edit_url(direction_fresnes)).content.decode()
    assert direction_fresnes.email in page
    response = logged_in.post(
        _edit_url(direction_fresnes),
        {"email": direction_fresnes.email, "role": RecipientRole.WORK, "name": "Travail"},
    )
    assert response.status_code == 302
    direction_fresnes.refresh_from_db()
    assert direction_fresnes.role == RecipientRole.WORK
    assert direction_fresnes.name == "Travail"
    # The box was left unticked: the address stays, the emails stop.
    assert not direction_fresnes.active


def test_editing_into_another_recipients_email_is_refused(logged_in, fresnes, direction_fresnes):
    other = _recipient(fresnes, "travail@fresnes.test.insertion.fr", role=RecipientRole.WORK)
    response = logged_in.post(
        _edit_url(other), {"email": direction_fresnes.email, "role": RecipientRole.WORK}
    )
    assert "Cette adresse reçoit déjà les synthèses" in response.content.decode()
    other.refresh_from_db()
    assert other.email == "travail@fresnes.test.insertion.fr"


def test_removal_asks_for_confirmation_then_deactivates(logged_in, direction_fresnes):
    page = logged_in.get(_remove_url(direction_fresnes)).content.decode()
    assert "Retirer un destinataire" in page
    assert direction_fresnes.email in page
    response = logged_in.post(_remove_url(direction_fresnes), {"action": "desactiver"})
    assert response.status_code == 302
    direction_fresnes.refresh_from_db()
    assert not direction_fresnes.active
    assert "Désactivé" in logged_in.get(LIST).content.decode()


def test_removal_deletes_when_asked(logged_in, direction_fresnes):
    response = logged_in.post(_remove_url(direction_fresnes), {"action": "supprimer"})
    assert response.status_code == 302
    assert not SynthesisRecipient.objects.exists()


def test_removal_without_a_choice_changes_nothing(logged_in, direction_fresnes):
    logged_in.post(_remove_url(direction_fresnes), {})
    direction_fresnes.refresh_from_db()
    assert direction_fresnes.active


# Back-office -------------------------------------------------------------------------------


def _admin_url(view, *args) -> str:
    return reverse(f"admin:establishments_synthesisrecipient_{view}", args=args)


def test_the_back_office_lists_recipients_of_the_operators_prisons_only(
    client, fresnes, direction_fresnes, direction_lyon
):
    from django.contrib.auth.models import Permission

    staff = UserFactory(manager=True, is_staff=True, establishments=[fresnes])
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="establishments"))
    client.force_login(staff)
    response = client.get(_admin_url("changelist"))
    assert list(response.context["cl"].result_list) == [direction_fresnes]
    assert client.get(_admin_url("change", direction_lyon.pk)).status_code == 302
    page = client.get(_admin_url("add")).content.decode()
    assert "Centre pénitentiaire de Fresnes" in page
    assert "Maison d&#x27;arrêt de Lyon-Corbas" not in page


def test_the_establishment_page_of_the_back_office_edits_its_recipients(
    client, superuser, fresnes, direction_fresnes
):
    client.force_login(superuser)
    url = reverse("admin:establishments_establishment_change", args=[fresnes.pk])
    page = client.get(url).content.decode()
    assert direction_fresnes.email in page
    assert "Destinataires des synthèses" in page or "destinataire des synthèses" in page


# Syntheses still owed go to an address added later ---------------------------------------


def _owed_and_delivered_syntheses(fresnes, interviewer):
    """One synthesis still owed (pending), one rendered and one already delivered."""
    from entretiens.choices import SynthesisStatus
    from entretiens.models import Synthesis
    from tests.factories import DetaineeFactory, validated_interview

    syntheses = []
    for status in (SynthesisStatus.PENDING, SynthesisStatus.RENDERED, SynthesisStatus.DELIVERED):
        interview = validated_interview(
            detainee=DetaineeFactory(establishment=fresnes), by=interviewer
        )
        synthesis = interview.syntheses.get()
        Synthesis.objects.filter(pk=synthesis.pk).update(
            status=status, sha256="" if status == SynthesisStatus.PENDING else "0" * 64
        )
        syntheses.append(synthesis)
    return syntheses


def test_an_address_added_later_receives_the_syntheses_still_owed(
    logged_in, fresnes, interviewer_fresnes, django_capture_on_commit_callbacks, monkeypatch
):
    from entretiens import tasks

    pending, rendered, delivered = _owed_and_delivered_syntheses(fresnes, interviewer_fresnes)
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue_deliveries", lambda ids: enqueued.extend(ids))
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            _add_url(fresnes),
            {
                "email": "travail@fresnes.test.insertion.fr",
                "role": RecipientRole.WORK,
                "active": "on",
            },
        )
    assert response.status_code == 302
    rows = {
        synthesis.pk: list(synthesis.deliveries.filter(email="travail@fresnes.test.insertion.fr"))
        for synthesis in (pending, rendered, delivered)
    }
    assert len(rows[pending.pk]) == 1
    assert len(rows[rendered.pk]) == 1
    assert rows[delivered.pk] == []  # already sent to the teams: not sent again
    # The rendered one is sent now; the pending one when its PDF exists.
    assert enqueued == [rows[rendered.pk][0].pk]


def test_an_inactive_address_receives_nothing_and_reactivating_it_catches_up(
    logged_in, fresnes, interviewer_fresnes, django_capture_on_commit_callbacks
):
    recipient = _recipient(fresnes, "formation@fresnes.test.insertion.fr", active=False)
    pending, _, _ = _owed_and_delivered_syntheses(fresnes, interviewer_fresnes)
    assert not pending.deliveries.filter(email=recipient.email).exists()
    with django_capture_on_commit_callbacks(execute=False):
        logged_in.post(
            _edit_url(recipient),
            {"email": recipient.email, "role": RecipientRole.TRAINING, "active": "on"},
        )
    assert pending.deliveries.filter(email=recipient.email).count() == 1
    # Saving it again creates no second row.
    with django_capture_on_commit_callbacks(execute=False):
        logged_in.post(
            _edit_url(recipient),
            {"email": recipient.email, "role": RecipientRole.TRAINING, "active": "on"},
        )
    assert pending.deliveries.filter(email=recipient.email).count() == 1


def test_a_recipient_added_in_the_back_office_catches_up_too(
    client, superuser, fresnes, interviewer_fresnes, django_capture_on_commit_callbacks
):
    pending, _, _ = _owed_and_delivered_syntheses(fresnes, interviewer_fresnes)
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            _admin_url("add"),
            {
                "establishment": fresnes.pk,
                "email": "sante@fresnes.test.insertion.fr",
                "role": RecipientRole.HEALTH,
                "active": "on",
            },
        )
    assert response.status_code == 302
    assert pending.deliveries.filter(email="sante@fresnes.test.insertion.fr").count() == 1
