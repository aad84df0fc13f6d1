"""The CPIP caseload dashboard (/portefeuille/) and its CSV export: who is in it (a CPIP's own
people, their establishments', a manager's), the counters on a small story, every filter, the
urgency order, the unread-synthesis rule, the export (content, scoping, access log) and the
locked query counts (insertion/dashboard/caseload/)."""

import csv
import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import SynthesisStatus
from entretiens.models import Synthesis
from insertion.audit.models import AccessLog
from insertion.core.lists import PAGE_SIZE
from insertion.detainees.models import ArrangementStatus, ReleaseDateChangeReason, ReleaseKind
from insertion.detainees.services import contact_record
from insertion.person.services import detainee_release, release_date_change
from insertion.release.models import Milestone, MilestoneStatus, ReleaseAlert
from insertion.release.services import milestone_set_status, referent_assign
from tests.factories import (
    DetaineeFactory,
    SentenceArrangementFactory,
    UserFactory,
    validated_interview,
)

pytestmark = pytest.mark.django_db

URL = reverse("caseload:dashboard")
EXPORT = reverse("caseload:export")
LOGIN = reverse("accounts:login")


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def held(establishment, referent, *, dlp_in: int | None, **fields):
    """A person held for two years, with their plan when they have a referent (built by the
    services)."""
    fields.setdefault("arrival_date", day(-730))
    person = DetaineeFactory(
        establishment=establishment,
        expected_release_date=day(dlp_in) if dlp_in is not None else None,
        **fields,
    )
    if referent is not None:
        referent_assign(detainee=person, referent=referent, by=referent)
    return person


def finish_plan(person, by) -> None:
    """Every milestone of the person's plan done: nothing late, nothing critical open."""
    for milestone in Milestone.objects.filter(plan__detainee=person).order_by("pk"):
        milestone_set_status(milestone=milestone, status=MilestoneStatus.DONE, by=by)


def seen(person, by, *, days_ago: int) -> None:
    contact_record(
        detainee=person, on_date=day(-days_ago), kind="entretien", subject="Suivi", by=by
    )


def arrangement(person, status: str) -> None:
    decided = {} if status == ArrangementStatus.REQUESTED else {"decided_on": day(-1)}
    SentenceArrangementFactory(detainee=person, status=status, requested_on=day(-20), **decided)


def received_synthesis(person) -> Synthesis:
    """A validated interview whose synthesis reached the teams (sent)."""
    interview = validated_interview(detainee=person)
    synthesis = interview.syntheses.get()
    Synthesis.objects.filter(pk=synthesis.pk).update(
        status=SynthesisStatus.DELIVERED, sha256="0" * 64, delivered_at=timezone.now()
    )
    synthesis.refresh_from_db()
    return synthesis


def log(user, *, action: str, obj) -> AccessLog:
    """A line of the access log, as the download and the interview page write it."""
    return AccessLog.objects.create(
        user=user, action=action, object_type=obj._meta.model_name, object_id=obj.pk
    )


@pytest.fixture
def story(fresnes, lyon, cpip_fresnes, cpip_lyon, milestone_kinds):
    """The Fresnes CPIP follows four people held, each in a different state:

    - soon (LEFÈVRE Hélène): released in 20 days, no arrangement (dry-release risk), late
      milestones, never seen, a synthesis received and not read;
    - protected: released in 60 days, arrangement requested, plan done, seen 10 days ago, its
      synthesis downloaded;
    - later: released in 150 days, arrangement granted, seen 100 days ago, its interview read
      on the interview page after the synthesis came;
    - far: released in 400 days (brought forward by 40: an unread alert), arrangement refused,
      seen 400 days ago.

    Around them: a person of another Fresnes CPIP, one without referent, one released, and
    one at Lyon, who never appear in the CPIP's own caseload.
    """
    soon = held(
        fresnes, cpip_fresnes, dlp_in=20, last_name="Lefèvre", first_name="Hélène",
        ecrou_number="26A0001",
    )  # fmt: skip
    protected = held(fresnes, cpip_fresnes, dlp_in=60, last_name="Bernard", first_name="Paul")
    later = held(fresnes, cpip_fresnes, dlp_in=150, last_name="Colin", first_name="Marc")
    far = held(fresnes, cpip_fresnes, dlp_in=440, last_name="Durand", first_name="Luc")
    release_date_change(
        detainee=far, new_date=day(400), reason=ReleaseDateChangeReason.REDUCTION, by=cpip_fresnes
    )

    finish_plan(protected, cpip_fresnes)
    # The arrangement granted: its request milestone is done (it was due 180 days before).
    milestone_set_status(
        milestone=Milestone.objects.get(plan__detainee=later, kind__code="demande-amenagement"),
        status=MilestoneStatus.DONE,
        by=cpip_fresnes,
    )
    arrangement(protected, ArrangementStatus.REQUESTED)
    arrangement(later, ArrangementStatus.GRANTED)
    arrangement(far, ArrangementStatus.REFUSED)
    seen(protected, cpip_fresnes, days_ago=10)
    seen(later, cpip_fresnes, days_ago=100)
    seen(far, cpip_fresnes, days_ago=400)

    received_synthesis(soon)
    downloaded = received_synthesis(protected)
    log(cpip_fresnes, action="synthese.telechargement", obj=downloaded)
    read = received_synthesis(later)
    log(cpip_fresnes, action="entretien.consultation", obj=read.interview)

    colleague = UserFactory(cpip=True, establishments=[fresnes], first_name="Alice")
    colleagues_person = held(fresnes, colleague, dlp_in=10, last_name="Girard", first_name="Léa")
    nobodys = held(fresnes, None, dlp_in=30, last_name="Henry", first_name="Noé")
    released = held(fresnes, cpip_fresnes, dlp_in=5, last_name="Isnard", first_name="Tom")
    detainee_release(detainee=released, on_date=day(0), kind=ReleaseKind.DRY)
    at_lyon = held(lyon, cpip_lyon, dlp_in=15, last_name="Garnier", first_name="Louis")
    return {
        "soon": soon,
        "protected": protected,
        "later": later,
        "far": far,
        "colleague": colleague,
        "colleagues_person": colleagues_person,
        "nobodys": nobodys,
        "released": released,
        "at_lyon": at_lyon,
    }


def listed(client, **params) -> list:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [person.pk for person in response.context["page_obj"].object_list]


def ids(story, *names) -> list:
    return [story[name].pk for name in names]


# Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, EXPORT])
def test_anonymous_user_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


@pytest.mark.parametrize("role", ["interviewer_fresnes", "prison_team_fresnes", "national_user"])
@pytest.mark.parametrize("url", [URL, EXPORT])
def test_other_roles_get_a_french_403(client, request, role, url):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


@pytest.mark.parametrize("perimeter", ["", "etablissement"])
def test_cpip_of_another_prison_sees_nothing_of_fresnes(client, story, cpip_lyon, perimeter):
    client.force_login(cpip_lyon)
    response = client.get(URL, {"perimetre": perimeter})
    content = response.content.decode()
    assert [p.pk for p in response.context["page_obj"]] == ids(story, "at_lyon")
    assert "GARNIER Louis" in content
    for name in ("LEFÈVRE", "BERNARD", "GIRARD", "HENRY"):
        assert name not in content
    counts = {c.key: c.count for c in response.context["counters"]}
    assert counts["releases_30"] == 1  # Louis Garnier only
    export = client.get(EXPORT, {"perimetre": perimeter}).content.decode("utf-8-sig")
    assert "GARNIER" in export and "LEFÈVRE" not in export


def test_manager_of_another_prison_sees_nothing_of_fresnes(client, story, lyon):
    client.force_login(UserFactory(manager=True, establishments=[lyon]))
    assert listed(client) == ids(story, "at_lyon")


# Scope -------------------------------------------------------------------------------------


def test_cpip_sees_their_own_people_held_by_default(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(URL)
    assert response.context["page_obj"].paginator.count == 4
    assert set(listed(client)) == set(ids(story, "soon", "protected", "later", "far"))
    content = response.content.decode()
    assert "Mon portefeuille" in content
    assert "CPIP référent</th>" not in content  # their own people: no referent column


def test_cpip_may_see_all_the_people_of_their_establishments(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    everyone = ids(story, "soon", "protected", "later", "far", "colleagues_person", "nobodys")
    assert set(listed(client, perimetre="etablissement")) == set(everyone)
    content = client.get(URL, {"perimetre": "etablissement"}).content.decode()
    assert "CPIP référent</th>" in content
    assert "Non désigné" in content


def test_manager_sees_all_held_people_and_filters_by_referent(
    client, story, manager_fresnes, cpip_fresnes
):
    client.force_login(manager_fresnes)
    everyone = ids(story, "soon", "protected", "later", "far", "colleagues_person", "nobodys")
    assert set(listed(client)) == set(everyone)
    assert listed(client, referent=story["colleague"].pk) == ids(story, "colleagues_person")
    assert listed(client, referent="aucun") == ids(story, "nobodys")
    assert len(listed(client, referent=cpip_fresnes.pk)) == 4
    # A CPIP of another prison is not a choice: the filter is ignored.
    other = UserFactory(cpip=True, establishments=[story["at_lyon"].establishment])
    assert set(listed(client, referent=other.pk)) == set(everyone)
    # A former referent who still follows people here can be chosen too.
    former = story["colleague"]
    former.establishments.clear()
    assert listed(client, referent=former.pk) == ids(story, "colleagues_person")
    response = client.get(URL)
    assert "Portefeuilles de mes établissements" in response.content.decode()
    assert {r.pk for r in response.context["referents"]} == {
        cpip_fresnes.pk,
        story["colleague"].pk,
    }


def test_the_manager_chooses_the_referent_above_the_filters_which_keep_it(
    client, story, manager_fresnes
):
    client.force_login(manager_fresnes)
    content = client.get(URL, {"referent": "aucun"}).content.decode()
    assert content.count('id="referent"') == 1
    assert '<option value="aucun" selected>Personnes sans référent</option>' in content
    assert '<input type="hidden" name="referent" value="aucun">' in content


def test_the_referent_filter_is_only_for_managers(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    assert len(listed(client, referent="aucun")) == 4  # ignored: their own people


# Counters ----------------------------------------------------------------------------------


def test_each_counter_counts_the_cpip_caseload(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    counters = {c.key: c for c in client.get(URL).context["counters"]}
    assert {key: c.count for key, c in counters.items()} == {
        "releases_30": 1,  # soon
        "releases_90": 2,  # soon, protected
        "dry_risk": 1,  # soon: no arrangement
        "late": 1,  # soon
        "not_seen": 2,  # soon (never), far (400 days)
        "unread": 1,  # soon: protected downloaded it, later read the interview
        "alerts": 1,  # far
        "long_wait": 0,  # no request: tests/test_person_requests.py
    }
    assert [c.label for c in counters.values()] == [
        "Libérations dans 30 jours",
        "Libérations dans 90 jours",
        "Sorties sèches à risque",
        "Jalons en retard",
        "Non vus depuis 6 mois",
        "Synthèses reçues non lues",
        "Dates de libération avancées",
        "En attente d'une activité depuis plus de 3 mois",
    ]


def test_each_counter_links_to_the_list_it_counts(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    for counter in client.get(URL).context["counters"]:
        response = client.get(counter.url)
        assert response.context["page_obj"].paginator.count == counter.count, counter.key


def test_counters_follow_the_scope_not_the_filters(client, story, cpip_fresnes, manager_fresnes):
    client.force_login(cpip_fresnes)
    filtered = {c.key: c.count for c in client.get(URL, {"horizon": "30"}).context["counters"]}
    assert filtered["releases_90"] == 2
    response = client.get(URL, {"perimetre": "etablissement"})
    counters = {c.key: c for c in response.context["counters"]}
    assert counters["releases_30"].count == 3  # + the colleague's person, + the one without
    assert counters["releases_30"].url == f"{URL}?perimetre=etablissement&horizon=30"
    client.force_login(manager_fresnes)
    response = client.get(URL, {"referent": "aucun"})
    counters = {c.key: c for c in response.context["counters"]}
    assert counters["releases_30"].count == 1
    assert counters["releases_30"].url == f"{URL}?referent=aucun&horizon=30"


# Filters and order -------------------------------------------------------------------------


def test_default_order_is_by_urgency(client, story, cpip_fresnes):
    """soon: 40 + 30 (risk) + late + 15 (never seen); protected: 25; later: 10 + 5 (seen 3 to
    6 months ago) and far: 15 (not seen for 6 months) tie, the nearest release first."""
    client.force_login(cpip_fresnes)
    assert listed(client) == ids(story, "soon", "protected", "later", "far")
    urgencies = [p.urgency for p in client.get(URL).context["page_obj"]]
    assert urgencies[1:] == [25, 15, 15]
    assert urgencies[0] > 85


def test_other_sorts(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    Milestone.objects.filter(plan__detainee=story["soon"]).delete()  # no longer urgent
    assert listed(client, tri="dlp") == ids(story, "soon", "protected", "later", "far")
    assert listed(client, tri="nom") == ids(story, "protected", "later", "far", "soon")
    assert listed(client, tri="inconnu")[0] == story["soon"].pk  # urgency: still at risk


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"horizon": "30"}, ["soon"]),
        ({"horizon": "90"}, ["soon", "protected"]),
        ({"horizon": "180"}, ["soon", "protected", "later"]),
        ({"horizon": ""}, ["soon", "protected", "later", "far"]),
        ({"horizon": "7000"}, ["soon", "protected", "later", "far"]),  # unknown: ignored
        ({"risque": "1"}, ["soon"]),
        ({"retard": "1"}, ["soon"]),
        ({"non_vus": "3"}, ["soon", "later", "far"]),
        ({"non_vus": "6"}, ["soon", "far"]),
        ({"non_vus": "12"}, ["soon", "far"]),
        ({"amenagement": "aucun"}, ["soon"]),
        ({"amenagement": "demande"}, ["protected"]),
        ({"amenagement": "accorde"}, ["later"]),
        ({"amenagement": "refuse"}, ["far"]),
        ({"alerte": "1"}, ["far"]),
        ({"synthese": "1"}, ["soon"]),
        ({"q": "lefevre"}, ["soon"]),  # accents are optional
        ({"q": "HÉLÈNE lef"}, ["soon"]),
        ({"q": "26A0001"}, ["soon"]),
        ({"q": "girard"}, []),  # another CPIP's person
        ({"horizon": "90", "amenagement": "demande"}, ["protected"]),
        ({"risque": "1", "alerte": "1"}, []),
    ],
)
def test_every_filter(client, story, cpip_fresnes, params, expected):
    client.force_login(cpip_fresnes)
    assert listed(client, **params) == ids(story, *expected)


def test_a_latest_arrangement_decides_the_arrangement_filter(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    arrangement(story["far"], ArrangementStatus.REQUESTED)  # asked again after the refusal
    assert listed(client, amenagement="refuse") == []
    assert listed(client, amenagement="demande") == ids(story, "protected", "far")


def test_an_alert_seen_leaves_the_list(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    ReleaseAlert.objects.update(seen_at=timezone.now())
    assert listed(client, alerte="1") == []


def test_empty_states_are_french(client, story, cpip_fresnes, fresnes):
    client.force_login(cpip_fresnes)
    content = client.get(URL, {"q": "personne-inconnue"}).content.decode()
    assert "Aucune personne ne correspond à « personne-inconnue »" in content
    content = client.get(URL, {"risque": "1", "alerte": "1"}).content.decode()
    assert "Aucune personne ne correspond à ces filtres." in content
    client.force_login(UserFactory(cpip=True, establishments=[fresnes]))
    content = client.get(URL).content.decode()
    assert "Aucune personne détenue ne vous est confiée pour l'instant." in content


def test_htmx_gets_the_results_only(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(URL, {"horizon": "30"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="caseload"')
    assert "<html" not in content and "Compteurs du portefeuille" not in content
    assert "LEFÈVRE Hélène" in content and "BERNARD" not in content
    assert f'href="{EXPORT}?horizon=30"' in content
    # The new count goes to the status region kept outside the swapped results.
    assert 'hx-swap-oob="innerHTML:#caseload-status">1 personne dans la liste' in content
    assert 'id="caseload-status"' in client.get(URL).content.decode()


def test_an_htmx_history_restore_gets_the_whole_page(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(
        URL, {"horizon": "30"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    content = response.content.decode()
    assert "<html" in content and "Compteurs du portefeuille" in content
    assert 'id="caseload"' in content and "LEFÈVRE Hélène" in content
    assert {c.key: c.count for c in response.context["counters"]}["releases_30"] == 1


def test_the_htmx_fragment_counts_without_the_counters(
    client, story, cpip_fresnes, django_assert_num_queries
):
    """The fragment shows the filtered total, not the counters: one aggregate query all the same,
    and the same number of queries as the page."""
    client.force_login(cpip_fresnes)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL, {"risque": "1"}, headers={"HX-Request": "true"})
    assert response.context["page_obj"].paginator.count == 1
    assert response.context["counters"] == []


def test_refused_filters_show_the_defaults(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(URL, {"horizon": "7000", "tri": "x", "risque": "non", "perimetre": "?"})
    content = response.content.decode()
    assert '<option value="" selected>Toutes les dates</option>' in content
    assert '<option value="urgence" selected>Urgence</option>' in content
    assert response.context["filters"].values["risque"] is False  # only 1, on, oui check it
    assert len(response.context["page_obj"]) == 4  # the CPIP's own people


def test_the_page_shows_the_columns_and_badges(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    content = client.get(URL).content.decode()
    assert "Sortie sèche à risque" in content
    assert "DLP avancée" in content
    assert "dans 20 jours" in content
    assert "Jamais" in content  # soon was never seen
    assert "Entretien validé" in content and "Synthèse envoyée" in content
    assert "Non lue" in content
    assert '<abbr title="Libération sous contrainte">LSC</abbr>' in content
    assert "Refusé" in content
    assert day(20).strftime("%Y") in content
    assert "en retard" in content  # soon's next milestone is late
    assert f'href="{reverse("person:detail", args=[story["soon"].pk])}"' in content


def test_a_dlp_past_reads_depassee(client, fresnes, cpip_fresnes, milestone_kinds):
    held(fresnes, cpip_fresnes, dlp_in=-3)
    client.force_login(cpip_fresnes)
    assert "dépassée" in client.get(URL).content.decode()


def test_fifty_people_per_page(client, fresnes, cpip_fresnes):
    DetaineeFactory.create_batch(PAGE_SIZE + 3, establishment=fresnes, referent=cpip_fresnes)
    client.force_login(cpip_fresnes)
    assert len(listed(client)) == PAGE_SIZE
    assert len(listed(client, page=2)) == 3


# Unread syntheses --------------------------------------------------------------------------


@pytest.fixture
def synthesis(fresnes, cpip_fresnes, milestone_kinds):
    """The synthesis received for a person the CPIP follows."""
    return received_synthesis(held(fresnes, cpip_fresnes, dlp_in=200))


def unread(client) -> int:
    return {c.key: c.count for c in client.get(URL).context["counters"]}["unread"]


def test_a_synthesis_received_is_unread_until_downloaded(
    client, synthesis, cpip_fresnes, tmp_path, monkeypatch
):
    client.force_login(cpip_fresnes)
    assert unread(client) == 1
    # The PDF goes to a temporary folder, never to the project's private one.
    field = Synthesis._meta.get_field("pdf")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=tmp_path))
    synthesis = Synthesis.objects.get(pk=synthesis.pk)  # its file field reads the storage now
    synthesis.pdf.save(synthesis.filename, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    assert synthesis.pdf.path.startswith(str(tmp_path))
    response = client.get(reverse("entretiens:synthesis_pdf", args=[synthesis.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert unread(client) == 0


def test_opening_the_interview_page_after_the_synthesis_reads_it(client, synthesis, cpip_fresnes):
    client.force_login(cpip_fresnes)
    assert unread(client) == 1
    response = client.get(reverse("entretiens:interview", args=[synthesis.interview_id]))
    assert response.status_code == 200
    assert unread(client) == 0


def test_a_reading_before_the_synthesis_or_by_someone_else_does_not_count(
    client, synthesis, cpip_fresnes, manager_fresnes
):
    log(cpip_fresnes, action="entretien.consultation", obj=synthesis.interview)
    # The log is append-only: the synthesis is the one made to come after the reading.
    Synthesis.objects.filter(pk=synthesis.pk).update(
        created_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    log(manager_fresnes, action="synthese.telechargement", obj=synthesis)
    client.force_login(cpip_fresnes)
    assert unread(client) == 1
    client.force_login(manager_fresnes)
    assert unread(client) == 0  # the manager downloaded it


def test_a_synthesis_not_yet_generated_is_not_received(client, synthesis, cpip_fresnes):
    Synthesis.objects.filter(pk=synthesis.pk).update(status=SynthesisStatus.PENDING)
    client.force_login(cpip_fresnes)
    assert unread(client) == 0


def test_a_new_version_is_unread_again(client, synthesis, cpip_fresnes):
    log(cpip_fresnes, action="synthese.telechargement", obj=synthesis)
    client.force_login(cpip_fresnes)
    assert unread(client) == 0
    newer = Synthesis.objects.create(
        interview=synthesis.interview,
        version=_second_version(synthesis),
        establishment=synthesis.establishment,
        number=2,
        status=SynthesisStatus.RENDERED,
        sha256="1" * 64,
        due_date=day(5),
    )
    assert newer.pk
    assert unread(client) == 1


def _second_version(synthesis):
    from entretiens.models import InterviewVersion

    first = synthesis.version
    return InterviewVersion.objects.create(
        interview=first.interview,
        number=2,
        content=first.content,
        validated_at=timezone.now(),
        rectification_reason="Erreur de saisie",
    )


# CSV export --------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))


def test_the_export_gives_the_filtered_list_in_the_order_of_the_page(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        f'attachment; filename="portefeuille-{day(0):%Y-%m-%d}.csv"'
    )
    header, *rows = read_csv(response)
    assert header[:6] == [
        "Nom",
        "Prénom",
        "N° d'écrou",
        "CPIP référent",
        "Date de libération prévisible",
        "Jours avant la DLP",
    ]
    assert [row[0] for row in rows] == ["LEFÈVRE", "BERNARD", "COLIN", "DURAND"]
    soon = dict(zip(header, rows[0], strict=True))
    assert soon["Prénom"] == "Hélène"
    assert soon["N° d'écrou"] == "26A0001"
    assert soon["CPIP référent"] == cpip_fresnes.get_full_name()
    assert soon["Date de libération prévisible"] == day(20).strftime("%d/%m/%Y")
    assert soon["Jours avant la DLP"] == "20"
    assert soon["Dernier contact"] == "Jamais"
    assert soon["Entretien"] == "Entretien validé"
    assert soon["Synthèse"] == "Synthèse envoyée"
    assert soon["Synthèse non lue"] == "oui"
    assert soon["Aménagement de peine"] == "Aucun"
    assert soon["Sortie sèche à risque"] == "oui"
    assert soon["DLP avancée"] == "non"
    assert int(soon["Jalons en retard"]) > 0
    protected = dict(zip(header, rows[1], strict=True))
    assert protected["Jalons essentiels faits"] == protected["Jalons essentiels"]
    assert protected["Aménagement de peine"] == "LSC (demandé)"
    assert protected["Dernier contact"] == day(-10).strftime("%d/%m/%Y")
    assert dict(zip(header, rows[3], strict=True))["DLP avancée"] == "oui"


def test_the_export_follows_the_filters_and_the_scope(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    rows = read_csv(client.get(EXPORT, {"horizon": "30"}))[1:]
    assert [row[0] for row in rows] == ["LEFÈVRE"]
    rows = read_csv(client.get(EXPORT, {"perimetre": "etablissement", "horizon": "30"}))[1:]
    assert {row[0] for row in rows} == {"LEFÈVRE", "GIRARD", "HENRY"}
    assert "GARNIER" not in client.get(EXPORT, {"perimetre": "etablissement"}).content.decode()


def test_the_export_is_access_logged(client, story, cpip_fresnes):
    client.force_login(cpip_fresnes)
    client.get(EXPORT, {"horizon": "90"})
    line = AccessLog.objects.get(action="portefeuille.export")
    assert line.user == cpip_fresnes
    assert line.object_type == "export"
    assert line.object_id is None


def test_the_export_cannot_run_a_formula(client, fresnes, cpip_fresnes):
    DetaineeFactory(establishment=fresnes, referent=cpip_fresnes, first_name="=HYPERLINK(1)")
    client.force_login(cpip_fresnes)
    rows = read_csv(client.get(EXPORT))
    assert rows[1][1] == "'=HYPERLINK(1)"


# Query counts ------------------------------------------------------------------------------


def caseload(establishment, referent, count: int) -> None:
    """`count` people followed by `referent`, in every state the columns read."""
    for index in range(count):
        person = held(establishment, referent, dlp_in=10 + 7 * index)
        if index % 3 == 0:
            seen(person, referent, days_ago=index)
        if index % 4 == 0:
            arrangement(person, ArrangementStatus.REQUESTED)
    for person in list(establishment.detainees.order_by("pk"))[:2]:
        received_synthesis(person)


# session, user, the second factor's device, the user's establishments, counters, count, page
DASHBOARD_QUERIES = 7
# session, user, device, establishments, the rows, the access log
EXPORT_QUERIES = 6


@pytest.mark.parametrize("size", [2, 120])
def test_the_dashboard_runs_the_same_queries_whatever_the_caseload(
    client, fresnes, cpip_fresnes, milestone_kinds, django_assert_num_queries, size
):
    caseload(fresnes, cpip_fresnes, size)
    client.force_login(cpip_fresnes)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL)
    assert response.context["page_obj"].paginator.count == size
    assert len(response.context["page_obj"]) == min(size, PAGE_SIZE)


@pytest.mark.parametrize("size", [2, 120])
def test_the_managers_dashboard_runs_the_same_queries(
    client, fresnes, cpip_fresnes, manager_fresnes, milestone_kinds, django_assert_num_queries,
    size,
):  # fmt: skip
    caseload(fresnes, cpip_fresnes, size)
    client.force_login(manager_fresnes)
    with django_assert_num_queries(DASHBOARD_QUERIES + 1):  # + the CPIP of the referent filter
        response = client.get(URL, {"perimetre": "etablissement", "risque": "1"})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 120])
def test_the_export_runs_the_same_queries_whatever_the_caseload(
    client, fresnes, cpip_fresnes, milestone_kinds, django_assert_num_queries, size
):
    caseload(fresnes, cpip_fresnes, size)
    client.force_login(cpip_fresnes)
    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(EXPORT)
    assert len(read_csv(response)) == size + 1
