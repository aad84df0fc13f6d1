"""The manager's team view (/equipe/): caseload per CPIP, people without referent, and the bulk
reassignment of referents with its confirmation; access for each role, another prison's people
(404), and the locked query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from insertion.detainees.models import ArrangementStatus, Detainee, ReleaseKind
from insertion.person.services import detainee_release
from insertion.release.models import ReleasePlan
from insertion.release.services import referent_assign
from tests.factories import DetaineeFactory, SentenceArrangementFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM = reverse("caseload:team")
REASSIGN = reverse("caseload:reassign")
LOGIN = reverse("accounts:login")


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def held(establishment, referent=None, *, dlp_in: int = 200, **fields):
    fields.setdefault("arrival_date", day(-400))
    person = DetaineeFactory(
        establishment=establishment, expected_release_date=day(dlp_in), **fields
    )
    if referent is not None:
        referent_assign(detainee=person, referent=referent)
    return person


@pytest.fixture
def team(fresnes, lyon, cpip_fresnes, cpip_lyon, milestone_kinds):
    """Fresnes: the CPIP follows three people (one released in 20 days without arrangement;
    one in 60 days with an arrangement but housing not done: both at risk and late; one in
    400 days); a colleague
    follows one; two people have no referent. Lyon: one person."""
    colleague = UserFactory(cpip=True, establishments=[fresnes], last_name="Bonnet")
    risky = held(fresnes, cpip_fresnes, dlp_in=20, last_name="Aubert")
    covered = held(fresnes, cpip_fresnes, dlp_in=60, last_name="Barbier")
    SentenceArrangementFactory(detainee=covered, status=ArrangementStatus.REQUESTED)
    far = held(fresnes, cpip_fresnes, dlp_in=400, last_name="Carpentier")
    colleagues = held(fresnes, colleague, dlp_in=300, last_name="Dumas")
    orphan_soon = held(fresnes, dlp_in=45, last_name="Étienne", first_name="Zoé")
    orphan_far = held(fresnes, dlp_in=500, last_name="Faure")
    released = held(fresnes, dlp_in=5, last_name="Gauthier")
    detainee_release(detainee=released, on_date=day(0), kind=ReleaseKind.DRY)
    at_lyon = held(lyon, cpip_lyon, dlp_in=30, last_name="Garnier")
    return {
        "colleague": colleague,
        "risky": risky,
        "covered": covered,
        "far": far,
        "colleagues": colleagues,
        "orphan_soon": orphan_soon,
        "orphan_far": orphan_far,
        "released": released,
        "at_lyon": at_lyon,
    }


# Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [TEAM, REASSIGN])
def test_anonymous_user_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


@pytest.mark.parametrize(
    "role",
    ["cpip_fresnes", "interviewer_fresnes", "prison_team_fresnes", "national_user"],
)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", [TEAM, REASSIGN])
def test_only_managers_open_the_team_view(client, request, role, method, url):
    client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url)
    assert response.status_code == (405 if (method, url) == ("post", TEAM) else 403)


def test_a_cpip_cannot_reassign_people(client, team, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.post(
        REASSIGN,
        {"personnes": [team["orphan_soon"].pk], "cpip": cpip_fresnes.pk, "confirmer": "1"},
    )
    assert response.status_code == 403
    assert Detainee.objects.get(pk=team["orphan_soon"].pk).referent is None


def test_get_on_the_reassignment_returns_to_the_team(client, manager_fresnes):
    client.force_login(manager_fresnes)
    assert client.get(REASSIGN)["Location"] == TEAM


# The table ---------------------------------------------------------------------------------


def test_one_row_per_cpip_with_their_counts_and_the_totals(
    client, team, manager_fresnes, cpip_fresnes
):
    client.force_login(manager_fresnes)
    response = client.get(TEAM)
    table = response.context["table"]
    rows = {row.referent.pk: row for row in table.rows}
    assert set(rows) == {cpip_fresnes.pk, team["colleague"].pk}
    mine = rows[cpip_fresnes.pk]
    assert (mine.people, mine.releases_90, mine.dry_risks, mine.late) == (3, 2, 2, 2)
    colleague = rows[team["colleague"].pk]
    assert (colleague.people, colleague.releases_90, colleague.dry_risks, colleague.late) == (
        1,
        0,
        0,
        0,
    )
    nobody = table.without_referent
    # Without a referent there is no plan: nothing late, but no arrangement either.
    assert (nobody.people, nobody.releases_90, nobody.dry_risks, nobody.late) == (2, 1, 1, 0)
    total = table.total
    assert (total.people, total.releases_90, total.dry_risks, total.late) == (6, 3, 3, 2)
    content = response.content.decode()
    assert "Portefeuilles des CPIP" in content
    assert "Garnier" not in content and "GARNIER" not in content
    assert f'href="{reverse("caseload:dashboard")}?referent={cpip_fresnes.pk}"' in content


def test_a_cpip_without_people_has_a_row_and_a_former_one_with_people_too(
    client, team, manager_fresnes, fresnes, cpip_fresnes
):
    newcomer = UserFactory(cpip=True, establishments=[fresnes], last_name="Zola")
    UserFactory(cpip=True, establishments=[fresnes], is_active=False, last_name="Parti")
    cpip_fresnes.is_active = False
    cpip_fresnes.save()
    client.force_login(manager_fresnes)
    response = client.get(TEAM)
    rows = {row.referent.pk: row for row in response.context["table"].rows}
    assert rows[newcomer.pk].people == 0
    assert rows[cpip_fresnes.pk].people == 3  # deactivated, still following three people
    assert len(rows) == 3  # the deactivated CPIP with nobody is not shown
    assert "Compte désactivé" in response.content.decode()
    # Only active CPIP may receive people.
    assert {t.pk for t in response.context["targets"]} == {newcomer.pk, team["colleague"].pk}


def test_people_without_referent_are_listed_soonest_release_first(client, team, manager_fresnes):
    client.force_login(manager_fresnes)
    response = client.get(TEAM)
    people = [p.pk for p in response.context["page_obj"]]
    assert people == [team["orphan_soon"].pk, team["orphan_far"].pk]
    content = response.content.decode()
    assert f'id="personne-{team["orphan_soon"].pk}"' in content
    assert "ÉTIENNE Zoé" in content


def test_people_followed_by_a_cpip_can_be_listed_for_reassignment(
    client, team, manager_fresnes, cpip_fresnes, cpip_lyon
):
    client.force_login(manager_fresnes)
    response = client.get(TEAM, {"suivies_par": cpip_fresnes.pk})
    assert [p.pk for p in response.context["page_obj"]] == [
        team["risky"].pk,
        team["covered"].pk,
        team["far"].pk,
    ]
    # A CPIP of another prison is not a choice: back to the people without referent.
    response = client.get(TEAM, {"suivies_par": cpip_lyon.pk})
    assert response.context["followed_by"] == ""
    assert len(response.context["page_obj"]) == 2


def test_htmx_gets_the_people_only(client, team, manager_fresnes, cpip_fresnes):
    client.force_login(manager_fresnes)
    response = client.get(TEAM, {"suivies_par": cpip_fresnes.pk}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="people"')
    assert "Portefeuilles des CPIP" not in content
    assert "AUBERT" in content


def test_an_htmx_history_restore_gets_the_whole_page(client, team, manager_fresnes, cpip_fresnes):
    client.force_login(manager_fresnes)
    response = client.get(
        TEAM,
        {"suivies_par": cpip_fresnes.pk},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    content = response.content.decode()
    assert "Portefeuilles des CPIP" in content and 'id="people"' in content


def test_the_empty_states_are_french(client, manager_fresnes, fresnes):
    client.force_login(manager_fresnes)
    content = client.get(TEAM).content.decode()
    assert "Aucun CPIP ni aucune personne détenue dans vos établissements." in content
    assert "Toutes les personnes détenues de vos établissements ont un référent." in content


# Reassignment ------------------------------------------------------------------------------


def test_a_manager_reassigns_people_after_a_confirmation(
    client, team, manager_fresnes, cpip_fresnes
):
    client.force_login(manager_fresnes)
    chosen = [team["orphan_soon"].pk, team["colleagues"].pk]
    response = client.post(REASSIGN, {"personnes": chosen, "cpip": cpip_fresnes.pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Confirmer la réattribution" in content
    assert "2 personnes vont être confiées à" in content
    assert "ÉTIENNE Zoé" in content and "Sans référent" in content
    assert team["colleague"].get_full_name() in content  # Dumas moves from the colleague
    # Nothing has moved yet.
    assert Detainee.objects.get(pk=team["orphan_soon"].pk).referent is None

    response = client.post(
        REASSIGN, {"personnes": chosen, "cpip": cpip_fresnes.pk, "confirmer": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == TEAM
    assert f"2 personnes confiées à {cpip_fresnes.get_full_name()}." in response.content.decode()
    assert set(Detainee.objects.filter(pk__in=chosen).values_list("referent", flat=True)) == {
        cpip_fresnes.pk
    }
    assert ReleasePlan.objects.filter(detainee_id=team["orphan_soon"].pk).exists()


def test_a_reassignment_keeps_the_list_it_came_from(client, team, manager_fresnes, cpip_fresnes):
    client.force_login(manager_fresnes)
    response = client.post(
        REASSIGN,
        {
            "personnes": [team["far"].pk],
            "cpip": team["colleague"].pk,
            "suivies_par": cpip_fresnes.pk,
            "confirmer": "1",
        },
    )
    assert response["Location"] == f"{TEAM}?suivies_par={cpip_fresnes.pk}"
    assert Detainee.objects.get(pk=team["far"].pk).referent == team["colleague"]


def test_a_person_outside_the_target_cpips_prison_stops_everything(
    client, team, manager_fresnes, fresnes, lyon, cpip_fresnes
):
    """A manager of two prisons: a Fresnes-only CPIP cannot take a Lyon person; nobody moves."""
    manager_fresnes.establishments.add(lyon)
    client.force_login(manager_fresnes)
    chosen = [team["orphan_soon"].pk, team["at_lyon"].pk]
    response = client.post(
        REASSIGN, {"personnes": chosen, "cpip": cpip_fresnes.pk, "confirmer": "1"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "ne peuvent pas être confiées" in content
    assert (
        f"{cpip_fresnes.get_full_name()} ne travaille pas dans l&#x27;établissement de "
        f"{team['at_lyon']} (Maison d&#x27;arrêt de Lyon-Corbas)."
    ) in content
    assert 'name="confirmer"' not in content
    assert Detainee.objects.get(pk=team["orphan_soon"].pk).referent is None
    assert Detainee.objects.get(pk=team["at_lyon"].pk).referent != cpip_fresnes


def test_a_released_person_cannot_be_reassigned(client, team, manager_fresnes, cpip_fresnes):
    client.force_login(manager_fresnes)
    response = client.post(
        REASSIGN,
        {"personnes": [team["released"].pk], "cpip": cpip_fresnes.pk, "confirmer": "1"},
    )
    assert "libération enregistrée" in response.content.decode()
    assert Detainee.objects.get(pk=team["released"].pk).referent is None


def test_a_manager_of_another_prison_gets_404_and_nobody_moves(client, team, lyon, cpip_lyon):
    client.force_login(UserFactory(manager=True, establishments=[lyon]))
    for confirm in ({}, {"confirmer": "1"}):
        response = client.post(
            REASSIGN,
            {"personnes": [team["orphan_soon"].pk], "cpip": cpip_lyon.pk, **confirm},
        )
        assert response.status_code == 404
        assert "Page introuvable" in response.content.decode()
    assert Detainee.objects.get(pk=team["orphan_soon"].pk).referent is None


def test_one_person_not_visible_among_others_gives_404(client, team, manager_fresnes, cpip_fresnes):
    client.force_login(manager_fresnes)
    chosen = [team["orphan_soon"].pk, team["at_lyon"].pk]
    response = client.post(
        REASSIGN, {"personnes": chosen, "cpip": cpip_fresnes.pk, "confirmer": "1"}
    )
    assert response.status_code == 404
    assert Detainee.objects.get(pk=team["orphan_soon"].pk).referent is None


@pytest.mark.parametrize("bad", ["abc", "-1", ""])
def test_a_malformed_person_id_gives_404(client, team, manager_fresnes, cpip_fresnes, bad):
    client.force_login(manager_fresnes)
    response = client.post(REASSIGN, {"personnes": [bad], "cpip": cpip_fresnes.pk})
    assert response.status_code == 404


def test_the_target_must_be_an_active_cpip_of_the_managers_prisons(
    client, team, manager_fresnes, cpip_lyon, fresnes, interviewer_fresnes
):
    client.force_login(manager_fresnes)
    former = UserFactory(cpip=True, establishments=[fresnes], is_active=False)
    for target in (cpip_lyon.pk, former.pk, interviewer_fresnes.pk, "", "x"):
        response = client.post(
            REASSIGN,
            {"personnes": [team["orphan_soon"].pk], "cpip": target, "confirmer": "1"},
            follow=True,
        )
        assert "Choisissez le CPIP à qui confier ces personnes." in response.content.decode()
    assert Detainee.objects.get(pk=team["orphan_soon"].pk).referent is None


def test_nobody_chosen_says_so(client, team, manager_fresnes, cpip_fresnes):
    client.force_login(manager_fresnes)
    response = client.post(REASSIGN, {"cpip": cpip_fresnes.pk}, follow=True)
    assert "Cochez au moins une personne à réattribuer." in response.content.decode()


# Query counts ------------------------------------------------------------------------------

# session, user, the second factor's device, the manager's establishments, the counts by
# referent, the CPIP and their establishments, and the people to reassign: their count and page.
TEAM_QUERIES = 9


@pytest.mark.parametrize("size", [2, 40])
def test_the_team_view_runs_the_same_queries_whatever_the_number_of_people(
    client, fresnes, manager_fresnes, cpip_fresnes, milestone_kinds, django_assert_num_queries,
    size,
):  # fmt: skip
    other = UserFactory(cpip=True, establishments=[fresnes])
    for index in range(size):
        held(fresnes, [None, cpip_fresnes, other][index % 3], dlp_in=10 + 9 * index)
    client.force_login(manager_fresnes)
    with django_assert_num_queries(TEAM_QUERIES):
        response = client.get(TEAM)
    assert response.context["table"].total.people == size
