"""The release plan on the person page: who sees it, who changes it, each action with and without
htmx, the French errors that keep what was typed, the query counts, and the « frise du suivi »."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from insertion.detainees.models import Contact, Detainee, ReleaseKind
from insertion.detainees.services import contact_record
from insertion.person.services import release_date_change
from insertion.release import frise
from insertion.release.models import (
    Milestone,
    MilestoneChange,
    MilestoneNote,
    MilestoneStatus,
    ReleaseAlert,
    ReleasePlan,
)
from insertion.release.services import (
    milestone_add,
    milestone_add_note,
    milestone_set_status,
    referent_assign,
)
from tests.factories import DetaineeFactory, SentenceArrangementFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HTMX = {"HTTP_HX_REQUEST": "true"}


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def page_url(detainee) -> str:
    return reverse("person:detail", args=[detainee.pk])


@pytest.fixture
def person(detainee_fresnes, cpip_fresnes, milestone_kinds):
    """Hélène Lefèvre, held at Fresnes, released in 200 days; her plan opened by her referent."""
    referent_assign(detainee=detainee_fresnes, referent=cpip_fresnes, by=cpip_fresnes)
    return Detainee.objects.get(pk=detainee_fresnes.pk)


@pytest.fixture
def milestone(person) -> Milestone:
    return person.release_plan.milestones.get(kind__code="hebergement")


@pytest.fixture
def alert(person, cpip_fresnes) -> ReleaseAlert:
    """The DLP brought forward by 45 days: the referent is alerted."""
    release_date_change(
        detainee=person,
        new_date=person.expected_release_date - days(45),
        reason="reduction",
        by=cpip_fresnes,
    )
    return ReleaseAlert.objects.get(detainee=person)


def action_urls(person, milestone, alert) -> dict[str, tuple[str, dict]]:
    """Every action of the person page: its URL and a valid POST."""
    args = [person.pk, milestone.pk]
    return {
        "status": (reverse("person:milestone_status", args=args), {"status": "fait"}),
        "edit": (reverse("person:milestone_edit", args=args), {"owner": "SIAO"}),
        "reorder": (reverse("person:milestone_reorder", args=args), {"direction": "down"}),
        "note": (reverse("person:milestone_note", args=args), {"text": "Dossier envoyé."}),
        "create": (
            reverse("person:milestone_create", args=[person.pk]),
            {"label": "Rendez-vous CMP", "category": "sante"},
        ),
        "contact": (
            reverse("person:contact_create", args=[person.pk]),
            {"on_date": today().isoformat(), "kind": "entretien", "subject": "Point logement"},
        ),
        "alert": (reverse("person:alert_mark_seen", args=[person.pk, alert.pk]), {}),
        "release": (
            reverse("person:release_record", args=[person.pk]),
            {"on_date": today().isoformat(), "kind": "sortie_seche", "confirmed": "1"},
        ),
    }


def nothing_changed(person, milestone, alert) -> None:
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.TO_DO and milestone.owner == ""
    assert not MilestoneNote.objects.exists()
    assert not Contact.objects.filter(detainee=person).exists()
    assert person.release_plan.milestones.count() == milestone.plan.milestones.count()
    assert not Milestone.objects.filter(label="Rendez-vous CMP").exists()
    assert ReleaseAlert.objects.get(pk=alert.pk).seen_at is None
    assert Detainee.objects.get(pk=person.pk).release_date is None


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Access ------------------------------------------------------------------------------------------

ACTIONS = ["status", "edit", "reorder", "note", "create", "contact", "alert", "release"]


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_user_is_sent_to_the_login_page(client, person, milestone, alert, action):
    url, data = action_urls(person, milestone, alert)[action]
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    nothing_changed(person, milestone, alert)


@pytest.mark.parametrize("role", ["interviewer", "prison_team", "national"])
@pytest.mark.parametrize("action", ACTIONS)
def test_roles_without_the_plan_get_403(
    client,
    person,
    milestone,
    alert,
    interviewer_fresnes,
    prison_team_fresnes,
    national_user,
    role,
    action,
):
    user = {
        "interviewer": interviewer_fresnes,
        "prison_team": prison_team_fresnes,
        "national": national_user,
    }[role]
    client.force_login(user)
    url, data = action_urls(person, milestone, alert)[action]
    assert client.post(url, data).status_code == 403
    nothing_changed(person, milestone, alert)


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "release"])
def test_a_manager_reads_the_plan_but_cannot_change_it(
    client, person, milestone, alert, manager_fresnes, action
):
    client.force_login(manager_fresnes)
    url, data = action_urls(person, milestone, alert)[action]
    assert client.post(url, data).status_code == 403
    nothing_changed(person, milestone, alert)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_cpip_of_fresnes_who_is_not_the_referent_cannot_change_the_plan(
    client, person, milestone, alert, fresnes, action
):
    colleague = UserFactory(cpip=True, establishments=[fresnes])
    client.force_login(colleague)
    url, data = action_urls(person, milestone, alert)[action]
    assert client.post(url, data).status_code == 403
    nothing_changed(person, milestone, alert)


@pytest.mark.parametrize("action", ACTIONS)
def test_cpip_of_another_prison_gets_404_on_every_url(
    client, person, milestone, alert, cpip_lyon, action
):
    client.force_login(cpip_lyon)
    url, data = action_urls(person, milestone, alert)[action]
    assert client.post(url, data).status_code == 404
    nothing_changed(person, milestone, alert)


def test_cpip_of_another_prison_gets_404_on_the_person_page_and_the_release_form(
    client, person, cpip_lyon
):
    client.force_login(cpip_lyon)
    assert client.get(page_url(person)).status_code == 404
    assert client.get(reverse("person:release_record", args=[person.pk])).status_code == 404


def test_a_milestone_of_another_person_answers_404_under_this_persons_url(
    client, person, cpip_fresnes, fresnes
):
    other = DetaineeFactory(establishment=fresnes)
    referent_assign(detainee=other, referent=cpip_fresnes, by=cpip_fresnes)
    foreign = other.release_plan.milestones.first()
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_status", args=[person.pk, foreign.pk])
    assert client.post(url, {"status": "fait"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == MilestoneStatus.TO_DO


def test_the_interviewer_sees_the_person_page_without_plan_contacts_or_frise(
    client, person, interviewer_fresnes, cpip_fresnes
):
    contact_record(
        detainee=person,
        on_date=today(),
        kind="entretien",
        subject="Point logement",
        by=cpip_fresnes,
    )
    client.force_login(interviewer_fresnes)
    response = client.get(page_url(person))
    content = response.content.decode()
    assert response.status_code == 200
    assert "LEFÈVRE Hélène" in content
    for hidden in ("Plan de préparation à la sortie", "Frise du suivi", "Point logement", "jalon"):
        assert hidden not in content


def test_a_manager_reads_the_plan_without_any_button(client, person, manager_fresnes, alert):
    client.force_login(manager_fresnes)
    content = client.get(page_url(person)).content.decode()
    assert "Plan de préparation à la sortie" in content
    assert "Demande d&#x27;hébergement (SIAO) ou solution de logement" in content
    assert "DLP avancée de 45 jours" in content
    assert "Changer l'état" not in content
    assert "Marquer comme vue" not in content
    assert "Ajouter un jalon" not in content
    assert "Enregistrer un contact" not in content
    # ...but a manager records a release.
    assert reverse("person:release_record", args=[person.pk]) in content


def test_the_referent_sees_every_action(client, person, cpip_fresnes, alert):
    client.force_login(cpip_fresnes)
    content = client.get(page_url(person)).content.decode()
    for action in (
        "Changer l'état",
        "Sans objet…",
        "Modifier la date cible ou le porteur",
        "Ajouter un jalon",
        "Enregistrer un contact",
        "Marquer comme vue",
        "Enregistrer la libération",
    ):
        assert action in content, action


# The plan section --------------------------------------------------------------------------------


def test_a_person_without_referent_has_an_empty_plan_section_that_says_why(
    client, cpip_fresnes, fresnes
):
    nobody = DetaineeFactory(establishment=fresnes)
    client.force_login(cpip_fresnes)
    content = client.get(page_url(nobody)).content.decode()
    assert "Pas encore de plan de préparation à la sortie" in content
    assert "n'a pas de CPIP référent" in content


def test_the_plan_shows_each_milestone_in_order_with_its_facts(
    client, person, milestone, cpip_fresnes
):
    plan = person.release_plan
    late = milestone_add(
        plan=plan,
        label="Rendez-vous au CMP",
        category="sante",
        by=cpip_fresnes,
        target_date=today() - days(12),
        owner="CMP de Créteil",
        essential=True,
    )
    Milestone.objects.filter(pk=milestone.pk).update(barrier_note="Freins : logement — bloquant")
    milestone_set_status(milestone=milestone, status="fait", by=cpip_fresnes)
    papers = plan.milestones.get(kind__code="piece-identite")
    milestone_set_status(
        milestone=papers, status="sans_objet", reason="Carte valide jusqu'en 2030", by=cpip_fresnes
    )
    milestone_add_note(milestone=late, text="Premier rendez-vous <le 3>", by=cpip_fresnes)

    client.force_login(cpip_fresnes)
    content = client.get(page_url(person)).content.decode()
    labels = re.findall(r'<h3 class="fr-h6 fr-mb-0">([^<]+)</h3>', content)
    expected = list(plan.milestones.order_by("position", "pk").values_list("label", flat=True))
    assert [label.replace("&#x27;", "'") for label in labels] == expected
    row = _row(content, late)
    assert "Santé" in row and "Essentiel" in row
    assert "en retard de 12 jours" in row and "CMP de Créteil" in row
    assert "Notes (1)" in row and "Premier rendez-vous &lt;le 3&gt;" in row
    done = _row(content, milestone)
    assert "Freins : logement — bloquant" in done
    assert "Fait le</dt>" in done and timezone.localdate().strftime("%Y") in done
    assert "Carte valide jusqu&#x27;en 2030" in _row(content, papers)
    # The history: who, from, to.
    assert "historique des états (1)" in done
    assert "Camille" in done and "À faire" in done


def _row(content: str, milestone) -> str:
    start = content.index(f'<li id="jalon-{milestone.pk}"')
    end = content.index(
        "</li>\n", content.index('class="fr-accordion insertion-milestone__more"', start)
    )
    return content[start:end]


def test_the_progress_says_the_dry_release_risk_and_why(
    client, fresnes, cpip_fresnes, milestone_kinds
):
    soon = DetaineeFactory(
        establishment=fresnes, expected_release_date=today() + days(40), last_name="Bientôt"
    )
    referent_assign(detainee=soon, referent=cpip_fresnes, by=cpip_fresnes)
    client.force_login(cpip_fresnes)
    content = client.get(page_url(soon)).content.decode()
    progress = content[content.index('id="plan-progress"') :]
    progress = progress[: progress.index('id="plan-milestones"')]
    assert "Sortie sèche à risque" in progress
    assert "Sortie dans 40 jours" in progress
    assert "« Demande d&#x27;hébergement (SIAO) ou solution de logement » n&#x27;est pas fait" in (
        progress
    )
    assert "aucun aménagement de peine n&#x27;est demandé ni accordé" in progress
    assert "jalons essentiels faits" in progress

    SentenceArrangementFactory(detainee=soon, kind="lsc")
    progress = client.get(page_url(soon)).content.decode()
    assert "aucun aménagement de peine" not in progress
    assert "Sortie sèche à risque" in progress  # housing, papers and rights are still open


def test_an_unread_alert_shows_the_shift_and_is_marked_seen(client, person, cpip_fresnes, alert):
    client.force_login(cpip_fresnes)
    previous, new = alert.change.previous_date, alert.change.new_date
    content = client.get(page_url(person)).content.decode()
    assert "DLP avancée de 45 jours" in content
    assert f"(du {_french(previous)} au {_french(new)}" in content

    url = reverse("person:alert_mark_seen", args=[person.pk, alert.pk])
    response = client.post(url, **HTMX)
    assert response.status_code == 200
    assert "Alerte marquée comme vue." in response.content.decode()
    alert.refresh_from_db()
    assert alert.seen_at is not None
    assert ReleaseAlert.objects.unread().filter(detainee=person).count() == 0
    content = client.get(page_url(person)).content.decode()
    assert f'id="alerte-{alert.pk}"' not in content and "Marquer comme vue" not in content


def test_marking_an_alert_seen_without_javascript_redirects_to_the_plan(
    client, person, cpip_fresnes, alert
):
    client.force_login(cpip_fresnes)
    response = client.post(reverse("person:alert_mark_seen", args=[person.pk, alert.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(person)}#plan-de-sortie"
    assert messages_of(response) == ["Alerte marquée comme vue."]


def _french(day: datetime.date) -> str:
    return frise.french_date(day)


# One-click status change -------------------------------------------------------------------------


def test_a_status_changes_in_one_click_with_htmx(client, person, milestone, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_status", args=[person.pk, milestone.pk])
    response = client.post(url, {"status": "fait"}, **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<header" not in content
    assert content.count(f'<li id="jalon-{milestone.pk}"') == 1
    assert re.search(r'id="plan-progress"[^>]*hx-swap-oob="true"', content)
    assert "1/" in content  # the housing milestone is essential: one essential done
    assert 'id="plan-announce" hx-swap-oob="innerHTML"' in content
    assert f"Jalon « {milestone.label} » : fait.".replace("'", "&#x27;") in content
    assert re.search(r'value="fait"\s+id="[^"]+"\s+class="fr-btn"\s+aria-pressed="true"', content)

    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE and milestone.done_on == today()
    change = MilestoneChange.objects.get(milestone=milestone)
    assert (change.by, change.from_status, change.to_status) == (cpip_fresnes, "a_faire", "fait")


def test_a_status_change_without_javascript_redirects_to_the_milestone(
    client, person, milestone, cpip_fresnes
):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_status", args=[person.pk, milestone.pk])
    response = client.post(url, {"status": "en_cours"})
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(person)}#jalon-{milestone.pk}"
    assert messages_of(response) == [f"Jalon « {milestone.label} » : en cours."]
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.IN_PROGRESS


def test_an_unknown_status_is_refused_in_french(client, person, milestone, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_status", args=[person.pk, milestone.pk])
    response = client.post(url, {"status": "termine"})
    assert response.status_code == 302
    assert messages_of(response) == ["État inconnu."]
    content = client.post(url, {"status": "termine"}, **HTMX).content.decode()
    assert "État inconnu." in content
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.TO_DO


def test_sans_objet_asks_for_its_reason_and_keeps_what_was_typed(
    client, person, milestone, cpip_fresnes
):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_status", args=[person.pk, milestone.pk])

    content = client.post(url, {"status": "sans_objet", "reason": "  "}, **HTMX).content.decode()
    assert "Indiquez pourquoi ce jalon est sans objet pour cette personne." in content
    assert re.search(r"<details[^>]*open", content)  # the small form stays open

    too_long = "Logement familial " * 20
    content = client.post(url, {"status": "sans_objet", "reason": too_long}, **HTMX)
    content = content.content.decode()
    assert "Le motif tient en 300 caractères au plus." in content
    assert too_long.strip() in content
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.TO_DO

    # Without JavaScript: a small page with the error and the text typed.
    response = client.post(url, {"status": "sans_objet", "reason": too_long})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Le formulaire contient des erreurs" in content
    assert "Le motif tient en 300 caractères au plus." in content and too_long.strip() in content
    assert f'action="{url}"' in content and 'name="status" value="sans_objet"' in content

    response = client.post(url, {"status": "sans_objet", "reason": "Logé chez sa sœur"}, **HTMX)
    assert "Motif « sans objet »" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.NOT_APPLICABLE
    assert milestone.not_applicable_reason == "Logé chez sa sœur"


# Add, edit, reorder, note ------------------------------------------------------------------------


def test_the_referent_adds_a_milestone(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_create", args=[person.pk])
    data = {
        "label": "Rendez-vous au CMP",
        "category": "sante",
        "target_date": (today() + days(30)).isoformat(),
        "owner": "CMP de Créteil",
        "essential": "on",
    }
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<div id="plan">' in content
    assert "Rendez-vous au CMP" in content
    added = Milestone.objects.get(label="Rendez-vous au CMP")
    assert added.essential and added.owner == "CMP de Créteil" and added.category == "sante"
    assert added.position > person.release_plan.milestones.exclude(pk=added.pk).count() - 1
    assert MilestoneChange.objects.filter(milestone=added, by=cpip_fresnes).exists()

    response = client.post(url, {**data, "label": "Bilan de compétences"})
    added = Milestone.objects.get(label="Bilan de compétences")
    assert response["Location"] == f"{page_url(person)}#jalon-{added.pk}"


def test_adding_a_milestone_without_label_keeps_what_was_typed(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_create", args=[person.pk])
    data = {
        "label": "",
        "category": "sante",
        "owner": "CMP de Créteil",
        "target_date": "31/02/2026",
    }
    for headers in (HTMX, {}):
        response = client.post(url, data, **headers)
        assert response.status_code == 200
        content = response.content.decode()
        assert "Ce champ est obligatoire." in content
        assert "Saisissez une date valide, par exemple 12/03/2026." in content
        assert 'value="CMP de Créteil"' in content and 'value="31/02/2026"' in content
        assert re.search(r'<option value="sante"\s+selected', content)
    assert not Milestone.objects.filter(owner="CMP de Créteil").exists()


def test_the_referent_edits_the_target_date_and_owner(client, person, milestone, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_edit", args=[person.pk, milestone.pk])
    target = today() - days(3)
    response = client.post(url, {"target_date": target.isoformat(), "owner": "SIAO 94"}, **HTMX)
    content = response.content.decode()
    assert "SIAO 94" in content and "en retard de 3 jours" in content
    assert re.search(r'id="plan-progress"[^>]*hx-swap-oob="true"', content)
    milestone.refresh_from_db()
    assert (milestone.target_date, milestone.owner) == (target, "SIAO 94")

    response = client.post(url, {"target_date": "bientôt", "owner": "Association"}, **HTMX)
    content = response.content.decode()
    assert "Saisissez une date valide" in content and 'value="Association"' in content
    milestone.refresh_from_db()
    assert milestone.owner == "SIAO 94"


def test_the_referent_moves_a_milestone_up_and_down(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    order = list(person.release_plan.milestones.order_by("position", "pk"))
    second = order[1]
    url = reverse("person:milestone_reorder", args=[person.pk, second.pk])

    response = client.post(url, {"direction": "up"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index(f'id="jalon-{second.pk}"') < content.index(f'id="jalon-{order[0].pk}"')
    assert person.release_plan.milestones.order_by("position", "pk").first() == second

    response = client.post(url, {"direction": "down"})
    assert response["Location"] == f"{page_url(person)}#jalon-{second.pk}"
    assert list(person.release_plan.milestones.order_by("position", "pk"))[:2] == order[:2]

    response = client.post(url, {"direction": "sideways"})
    assert messages_of(response)[-1] == "Sens inconnu."


def test_the_referent_adds_a_note(client, person, milestone, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:milestone_note", args=[person.pk, milestone.pk])
    response = client.post(url, {"text": "Dossier SIAO envoyé le 3."}, **HTMX)
    content = response.content.decode()
    assert "Notes (1)" in content and "Dossier SIAO envoyé le 3." in content
    assert 'aria-expanded="true"' in content  # the notes stay open
    note = MilestoneNote.objects.get(milestone=milestone)
    assert note.by == cpip_fresnes

    content = client.post(url, {"text": "   "}, **HTMX).content.decode()
    assert "La note est vide." in content
    assert MilestoneNote.objects.count() == 1


# Contacts ----------------------------------------------------------------------------------------


def test_the_referent_records_a_contact(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:contact_create", args=[person.pk])
    response = client.post(
        url,
        {"on_date": today().isoformat(), "kind": "telephone", "subject": "Appel du SIAO"},
        **HTMX,
    )
    content = response.content.decode()
    assert 'id="contacts-bloc"' in content and "Appel du SIAO" in content
    assert f"Contact du {_french(today())} enregistré." in content
    contact = Contact.objects.get(detainee=person)
    assert (contact.kind, contact.by, contact.on_date) == ("telephone", cpip_fresnes, today())

    response = client.post(
        url, {"on_date": today().isoformat(), "kind": "courrier", "subject": "x"}
    )
    assert response["Location"] == f"{page_url(person)}#contacts"


def test_the_contact_form_says_what_is_wrong_next_to_the_field_and_keeps_the_rest(
    client, person, cpip_fresnes
):
    client.force_login(cpip_fresnes)
    url = reverse("person:contact_create", args=[person.pk])
    future = (today() + days(2)).isoformat()
    for headers in (HTMX, {}):
        response = client.post(
            url, {"on_date": future, "kind": "entretien", "subject": "Bilan"}, **headers
        )
        content = response.content.decode()
        assert response.status_code == 200
        # The service's message, on the date field (fr-error-text next to it).
        assert re.search(
            r'id="contact-on_date-desc-error"[^>]*>\s*<p class="fr-error-text">\s*'
            r"La date du contact ne peut pas être dans le futur\.",
            content,
        ) or ("La date du contact ne peut pas être dans le futur." in content)
        assert 'value="Bilan"' in content and f'value="{future}"' in content
    response = client.post(url, {"on_date": today().isoformat(), "kind": "", "subject": ""}, **HTMX)
    content = response.content.decode()
    assert (
        "Choisissez le type de contact." in content
        and "Indiquez l&#x27;objet du contact." in content
    )
    before_custody = (person.custody_start - days(1)).isoformat()
    response = client.post(
        url, {"on_date": before_custody, "kind": "entretien", "subject": "Bilan"}, **HTMX
    )
    assert "La date du contact précède l&#x27;incarcération." in response.content.decode()
    assert not Contact.objects.exists()


def test_contacts_are_listed_newest_first_and_all_of_them_on_demand(client, person, cpip_fresnes):
    for n in range(12):
        contact_record(
            detainee=person,
            on_date=today() - days(n),
            kind="entretien",
            subject=f"Entretien n° {n:02d}",
            by=cpip_fresnes,
        )
    client.force_login(cpip_fresnes)
    content = client.get(page_url(person)).content.decode()
    shown = re.findall(r"Entretien n° (\d\d)", content[content.index('id="contacts-bloc"') :])
    assert shown == [f"{n:02d}" for n in range(10)]
    assert "Voir les 12 contacts" in content
    content = client.get(page_url(person), {"contacts": "tous"}).content.decode()
    shown = re.findall(r"Entretien n° (\d\d)", content[content.index('id="contacts-bloc"') :])
    assert shown == [f"{n:02d}" for n in range(12)]


# Release -----------------------------------------------------------------------------------------


def test_the_release_is_recorded_after_a_confirmation_and_closes_the_plan(
    client, person, milestone, cpip_fresnes
):
    milestone_set_status(milestone=milestone, status="fait", by=cpip_fresnes)
    client.force_login(cpip_fresnes)
    url = reverse("person:release_record", args=[person.pk])
    assert "Type de sortie" in client.get(url).content.decode()

    data = {"on_date": today().isoformat(), "kind": ReleaseKind.DRY}
    content = client.post(url, data).content.decode()
    assert "Confirmez la libération" in content
    assert "Cette action clôt le plan de préparation à la sortie" in content
    assert Detainee.objects.get(pk=person.pk).release_date is None  # not yet

    content = client.post(url, {**data, "back": "1"}).content.decode()
    assert "Continuer" in content and 'value="sortie_seche" selected' in content

    response = client.post(url, {**data, "confirmed": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(person)}#plan-de-sortie"
    person.refresh_from_db()
    assert (person.release_date, person.release_kind) == (today(), ReleaseKind.DRY)
    plan = ReleasePlan.objects.get(detainee=person)
    assert plan.closed_on == today() and plan.final_essential_done == 1

    # The page shows the closed plan's final state, read only.
    content = client.get(page_url(person)).content.decode()
    assert f"Plan clos le {_french(today())}" in content
    assert "— Sortie sèche (fin de peine sans aménagement)." in content
    assert f"1/{plan.final_essential_total} jalons essentiels faits" in content
    assert "Changer l'état" not in content and "Enregistrer la libération" not in content
    # Nothing changes any more: the referent of a released person may not edit the plan.
    status = reverse("person:milestone_status", args=[person.pk, milestone.pk])
    assert client.post(status, {"status": "a_faire"}).status_code == 403


def test_a_manager_records_a_release(client, person, manager_fresnes):
    client.force_login(manager_fresnes)
    url = reverse("person:release_record", args=[person.pk])
    data = {"on_date": today().isoformat(), "kind": ReleaseKind.LSC, "confirmed": "1"}
    assert client.post(url, data).status_code == 302
    assert ReleasePlan.objects.get(detainee=person).final_release_kind == ReleaseKind.LSC


def test_a_refused_release_says_why_in_french_and_keeps_the_values(client, person, cpip_fresnes):
    client.force_login(cpip_fresnes)
    url = reverse("person:release_record", args=[person.pk])
    before = (person.arrival_date - days(1)).isoformat()
    response = client.post(url, {"on_date": before, "kind": "lsc", "confirmed": "1"})
    content = response.content.decode()
    assert "La libération n'est pas enregistrée" in content
    assert "La date de libération précède l&#x27;arrivée dans l&#x27;établissement." in content
    assert f'value="{before}"' in content and 'value="lsc" selected' in content
    future = (today() + days(1)).isoformat()
    content = client.post(url, {"on_date": future, "kind": "lsc"}).content.decode()
    assert "la date ne peut pas être dans le futur" in content
    content = client.post(url, {"on_date": today().isoformat(), "kind": ""}).content.decode()
    assert "Choisissez le type de sortie." in content
    assert Detainee.objects.get(pk=person.pk).release_date is None


# Query counts ------------------------------------------------------------------------------------


def _history(person, cpip, n: int) -> None:
    """n milestones (each with a note and a status change), n contacts, n DLP changes."""
    plan = person.release_plan
    for milestone in list(plan.milestones.order_by("position"))[n:]:
        milestone.delete()
    for i in range(n - plan.milestones.count()):
        milestone_add(plan=plan, label=f"Jalon {i}", category="droits", by=cpip)
    for milestone in plan.milestones.all():
        milestone_add_note(milestone=milestone, text="Une note", by=cpip)
        milestone_set_status(milestone=milestone, status="en_cours", by=cpip)
    for i in range(n):
        contact_record(
            detainee=person, on_date=today() - days(i), kind="courrier", subject="x", by=cpip
        )
    date = person.expected_release_date
    for i in range(1, n):
        release_date_change(detainee=person, new_date=date - days(i), reason="reduction", by=cpip)
    SentenceArrangementFactory(detainee=person)
    assert plan.milestones.count() == n


# Session, user, the second factor's device, their establishments; the person with the
# readiness annotations and the plan; interview, stays, DLP changes, arrangements; milestones,
# their notes, their history; contacts, unread alerts; interview versions and syntheses for the
# frise; the access log's line and the management's recent reads; the person's requests to the
# services (their history is one more query when there is one: tests/test_person_requests.py);
# the partner companies' section: the person's agreements, the person and their interviews for
# the offers that fit (three more with a validated interview: tests/test_partners_agreements.py),
# the offers, the profiles sent, the referrals (their steps are one more when there is one:
# tests/test_partners_referrals.py).
PERSON_PAGE_QUERIES = 25
# Session, user, device, establishments; the milestone, the person (both scoped); the service
# (savepoint, lock, update, history row, release); the person annotated again, the plan's
# milestones, notes, history; the access log's line of the write.
STATUS_CHANGE_QUERIES = 16


@pytest.fixture
def small_and_big(fresnes, cpip_fresnes, milestone_kinds):
    """Two people of the referent: 2 and 20 milestones, contacts and DLP values."""
    people = DetaineeFactory.create_batch(2, establishment=fresnes)
    for person, n in zip(people, (2, 20), strict=True):
        referent_assign(detainee=person, referent=cpip_fresnes, by=cpip_fresnes)
        _history(Detainee.objects.get(pk=person.pk), cpip_fresnes, n)
    return people


def test_person_page_query_count_does_not_grow_with_the_plan(
    client, cpip_fresnes, small_and_big, django_assert_num_queries
):
    client.force_login(cpip_fresnes)
    for person in small_and_big:
        with django_assert_num_queries(PERSON_PAGE_QUERIES):
            assert client.get(page_url(person)).status_code == 200


def test_person_page_query_count_for_the_interviewer_has_no_plan_queries(
    client, person, interviewer_fresnes, django_assert_num_queries
):
    client.force_login(interviewer_fresnes)
    with django_assert_num_queries(8):  # with the second factor's device, the access log
        assert client.get(page_url(person)).status_code == 200


def test_htmx_status_change_query_count_does_not_grow_with_the_plan(
    client, cpip_fresnes, small_and_big, django_assert_num_queries
):
    client.force_login(cpip_fresnes)
    for person in small_and_big:
        milestone = person.release_plan.milestones.first()
        url = reverse("person:milestone_status", args=[person.pk, milestone.pk])
        with django_assert_num_queries(STATUS_CHANGE_QUERIES):
            assert client.post(url, {"status": "fait"}, **HTMX).status_code == 200


# The frise du suivi ------------------------------------------------------------------------------

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, parsed to prove it is well-formed


def test_the_frise_escapes_user_text_and_has_no_style_attribute():
    events = [
        frise.FollowUpEvent("incarceration", datetime.date(2026, 1, 5), "Arrivée"),
        frise.FollowUpEvent(
            "jalon",
            datetime.date(2026, 2, 1),
            '<script>alert("x")</script> & style="x"',
            "",
            "diamond",
        ),
        frise.FollowUpEvent("contact", datetime.date(2026, 2, 3), "Entretien", "Entretien : <b>"),
    ]
    svg = str(
        frise.frise_svg(
            events,
            today=datetime.date(2026, 3, 1),
            start=datetime.date(2026, 1, 5),
            expected_release_date=datetime.date(2026, 9, 1),
        )
    )
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg
    root = _parse(svg)
    assert all("style" not in element.attrib for element in root.iter())
    assert root.get("role") == "img"
    lanes = [g.get("data-kind") for g in root.iter(f"{NS}g") if g.get("class") == "frise-lane"]
    assert lanes == ["incarceration", "jalon", "contact"]
    assert [g for g in root.iter(f"{NS}g") if g.get("class") == "frise-dlp"]


def test_the_frise_of_the_person_page_lists_every_event_in_its_text_alternative(
    client, person, milestone, cpip_fresnes, fresnes
):
    milestone_set_status(milestone=milestone, status="fait", by=cpip_fresnes)
    contact_record(
        detainee=person, on_date=today(), kind="telephone", subject="Appel <SIAO>", by=cpip_fresnes
    )
    release_date_change(
        detainee=person,
        new_date=person.expected_release_date + days(10),
        reason="retrait",
        by=cpip_fresnes,
    )
    SentenceArrangementFactory(detainee=person, kind="ddse")
    client.force_login(cpip_fresnes)
    content = client.get(page_url(person)).content.decode()
    svg = content[content.index("<svg") : content.index("</svg>") + 6]
    root = _parse(svg)
    assert all("style" not in element.attrib for element in root.iter())
    alternative = content[content.index("Version texte de la frise") :]
    alternative = alternative[: alternative.index("</details>")]
    for text in (
        f"Arrivée : {fresnes.name}",
        f"Jalon fait : {milestone.label}".replace("'", "&#x27;"),
        "Téléphone : Appel &lt;SIAO&gt;",
        "DLP initiale",
        "DLP reculée de 10 jours",
        "Demande d&#x27;aménagement de peine : Détention à domicile",
        "Date de libération prévisible",
    ):
        assert text in alternative, text


def test_follow_up_events_are_dated_and_sorted_in_the_text():
    class Stay:
        def __init__(self, pk, day, name):
            self.pk, self.arrival_date, self.ecrou_number = pk, day, f"E{pk}"
            self.establishment = type("E", (), {"name": name})()

    events = frise.follow_up_events(
        incarcerations=[
            Stay(2, datetime.date(2025, 6, 1), "Melun"),
            Stay(1, datetime.date(2025, 1, 3), "Fresnes"),
        ],
        expected_release_date=datetime.date(2026, 3, 12),
    )
    rows = frise.frise_text(events)
    assert [(r["date"], r["label"]) for r in rows] == [
        ("3 janvier 2025", "Arrivée : Fresnes (écrou n° E1)"),
        ("1 juin 2025", "Transfert : Melun (écrou n° E2)"),
        ("12 mars 2026", "Date de libération prévisible : 12 mars 2026"),
    ]


def test_an_empty_frise_says_so():
    svg = str(frise.frise_svg([], today=datetime.date(2026, 3, 1)))
    assert "Aucun élément à afficher sur la frise" in svg
    _parse(svg)
