"""A person's referral to a partner offer and its outcome (issue 16): the steps and their table
of transitions (insertion/partners/referrals.py), dates and notes, one referral under way per
person and offer, withdrawal of the agreement; the promise of employment feeding the release plan
(insertion/person/receivers.py); and the pages (the offer's « Profils envoyés », the person
page's section, « Enregistrer une étape ») with access, scoping, the access log and locked query
counts."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insertion.accounts.models import Role
from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.partners.agreements import agreement_withdraw
from insertion.partners.choices import OfferKind, OfferSetting, ReferralStatus
from insertion.partners.models import REFERRAL_NOTE_HELP, Referral, ReferralEvent
from insertion.partners.referrals import (
    REFERRAL_TRANSITIONS,
    next_statuses,
    referral_advance,
    referral_create,
)
from insertion.partners.signals import OUTCOME_HIRED, OUTCOME_PROMISE, referral_outcome
from insertion.release.models import MilestoneStatus, ReleasePlan
from insertion.release.services import milestone_set_status, release_plan_create
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    DetaineeFactory,
    OfferFactory,
    ProfileTransmissionFactory,
    ReferralFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = ReferralStatus
TODAY = timezone.localdate


def text(response) -> str:
    return html.unescape(response.content.decode())


def days_ago(days: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days)


@pytest.fixture
def officer(fresnes):
    return UserFactory(
        partnerships=True, first_name="Inès", last_name="Partenariat", establishments=[fresnes]
    )


@pytest.fixture
def company(fresnes):
    return CompanyFactory(name="Cuisines du Val fictives", establishments=[fresnes])


@pytest.fixture
def offer(company):
    return OfferFactory(
        company=company,
        title="Commis de cuisine fictif",
        kind=OfferKind.JOB,
        setting=OfferSetting.AT_RELEASE,
        department="94",
    )


@pytest.fixture
def person(detainee_fresnes):
    return detainee_fresnes


@pytest.fixture
def agreement(person, company, cpip_fresnes):
    return AgreementFactory(
        detainee=person, company=company, recorded_by=cpip_fresnes, agreed_on=days_ago(30)
    )


@pytest.fixture
def referral(agreement, offer, officer):
    return referral_create(
        detainee=agreement.detainee, offer=offer, on=days_ago(20), by=officer, note="Par courriel"
    )


def steps(referral) -> list[tuple[str, datetime.date]]:
    return [(e.status, e.on) for e in referral.events.order_by("on", "recorded_at", "pk")]


# --- The table of transitions ----------------------------------------------------------------


def test_the_table_of_transitions_is_the_documented_one():
    assert REFERRAL_TRANSITIONS == {
        S.PROPOSED: (
            S.INTERVIEW,
            S.RETAINED,
            S.NOT_RETAINED,
            S.ABANDONED_BY_PERSON,
            S.ABANDONED_BY_COMPANY,
        ),
        S.INTERVIEW: (S.RETAINED, S.NOT_RETAINED, S.ABANDONED_BY_PERSON, S.ABANDONED_BY_COMPANY),
        S.RETAINED: (S.HIRED, S.ABANDONED_BY_PERSON, S.ABANDONED_BY_COMPANY),
        S.NOT_RETAINED: (),
        S.HIRED: (),
        S.ABANDONED_BY_PERSON: (),
        S.ABANDONED_BY_COMPANY: (),
    }
    assert set(REFERRAL_TRANSITIONS) == set(S.values)


ALLOWED = [(a, b) for a, nexts in REFERRAL_TRANSITIONS.items() for b in nexts]
REFUSED = [(a, b) for a in S.values for b in S.values if b not in REFERRAL_TRANSITIONS[a]]


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_an_allowed_step_is_recorded(officer, from_status, to_status):
    referral = ReferralFactory(status=from_status, on=days_ago(3))
    referral_advance(referral=referral, status=to_status, on=days_ago(1), by=officer)
    referral.refresh_from_db()
    assert referral.status == to_status
    assert steps(referral)[-1] == (to_status, days_ago(1))


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_any_other_step_is_refused_in_french(officer, from_status, to_status):
    referral = ReferralFactory(status=from_status, on=days_ago(3))
    with pytest.raises(ValidationError) as error:
        referral_advance(referral=referral, status=to_status, on=days_ago(1), by=officer)
    message = error.value.messages[0]
    assert "ne peut pas suivre" in message or "Cette orientation est close" in message
    referral.refresh_from_db()
    assert referral.status == from_status
    assert referral.events.count() == 1


def test_the_full_path_to_a_hiring_keeps_every_dated_step(referral, officer):
    assert referral.status == S.PROPOSED
    referral_advance(referral=referral, status=S.INTERVIEW, on=days_ago(15), by=officer)
    referral_advance(referral=referral, status=S.RETAINED, on=days_ago(10), by=officer)
    referral_advance(
        referral=referral, status=S.HIRED, on=days_ago(10), by=officer, note="CDD de 6 mois"
    )
    referral.refresh_from_db()
    assert referral.status == S.HIRED and not referral.is_open
    assert steps(referral) == [
        (S.PROPOSED, days_ago(20)),
        (S.INTERVIEW, days_ago(15)),
        (S.RETAINED, days_ago(10)),
        (S.HIRED, days_ago(10)),
    ]
    last = referral.events.order_by("-pk").first()
    assert (last.note, last.recorded_by) == ("CDD de 6 mois", officer)
    assert next_statuses(S.HIRED) == ()


# --- Dates, notes, one under way -------------------------------------------------------------


def test_a_step_in_the_future_is_refused(referral, officer):
    with pytest.raises(ValidationError, match="dans le futur"):
        referral_advance(
            referral=referral,
            status=S.INTERVIEW,
            on=TODAY() + datetime.timedelta(days=1),
            by=officer,
        )


def test_a_step_before_the_previous_one_is_refused(referral, officer):
    with pytest.raises(ValidationError, match="ne peut pas précéder l'étape précédente"):
        referral_advance(referral=referral, status=S.INTERVIEW, on=days_ago(21), by=officer)
    assert Referral.objects.get().status == S.PROPOSED


def test_a_referral_before_the_agreement_or_in_the_future_is_refused(agreement, offer, officer):
    with pytest.raises(ValidationError, match="l'accord de la personne"):
        referral_create(detainee=agreement.detainee, offer=offer, on=days_ago(31), by=officer)
    with pytest.raises(ValidationError, match="dans le futur"):
        referral_create(
            detainee=agreement.detainee,
            offer=offer,
            on=TODAY() + datetime.timedelta(days=1),
            by=officer,
        )
    assert not Referral.objects.exists()


def test_a_long_note_is_refused_and_the_help_text_forbids_offence_and_health(referral, officer):
    with pytest.raises(ValidationError, match="200 caractères au plus"):
        referral_advance(
            referral=referral, status=S.INTERVIEW, on=TODAY(), by=officer, note="x" * 201
        )
    assert "infraction" in REFERRAL_NOTE_HELP and "santé" in REFERRAL_NOTE_HELP
    assert ReferralEvent._meta.get_field("note").help_text == REFERRAL_NOTE_HELP


def test_the_first_step_is_proposed_with_its_note(referral, agreement, offer, officer):
    assert (referral.agreement, referral.offer, referral.detainee, referral.created_by) == (
        agreement,
        offer,
        agreement.detainee,
        officer,
    )
    event = referral.events.get()
    assert (event.status, event.on, event.note) == (S.PROPOSED, days_ago(20), "Par courriel")


def test_no_referral_without_an_active_agreement_covering_the_offer(person, offer, officer):
    with pytest.raises(ValidationError, match="Accord de la personne requis"):
        referral_create(detainee=person, offer=offer, on=TODAY(), by=officer)
    other = OfferFactory(company=CompanyFactory(establishments=[person.establishment]))
    AgreementFactory(detainee=person, company=other.company, withdrawn=True)
    with pytest.raises(ValidationError, match="Accord de la personne requis"):
        referral_create(detainee=person, offer=other, on=TODAY(), by=officer)
    assert not Referral.objects.exists()


def test_an_agreement_for_any_offer_of_the_company_covers_the_offer(person, company, officer):
    AgreementFactory(detainee=person, company=company, offer=None)
    offer = OfferFactory(company=company)
    assert referral_create(detainee=person, offer=offer, on=TODAY(), by=officer).pk


def test_one_referral_under_way_per_person_and_offer(referral, agreement, offer, officer):
    with pytest.raises(ValidationError, match="déjà en cours"):
        referral_create(detainee=agreement.detainee, offer=offer, on=TODAY(), by=officer)
    referral_advance(referral=referral, status=S.NOT_RETAINED, on=TODAY(), by=officer)
    again = referral_create(detainee=agreement.detainee, offer=offer, on=TODAY(), by=officer)
    assert again.pk != referral.pk and again.is_open


def test_the_database_refuses_a_second_open_referral(referral):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            agreement=referral.agreement,
            offer=referral.offer,
            detainee=referral.detainee,
            status=S.RETAINED,
        )


def test_a_released_person_gets_no_new_referral_but_steps_go_on(referral, person, officer):
    person.release_date = TODAY()
    person.release_kind = "sortie_seche"
    person.save()
    referral_advance(referral=referral, status=S.RETAINED, on=TODAY(), by=officer)
    other = OfferFactory(company=referral.offer.company)
    with pytest.raises(ValidationError, match="libérée"):
        referral_create(detainee=person, offer=other, on=TODAY(), by=officer)


def test_an_inactive_offer_gets_no_referral(agreement, offer, officer):
    offer.active = False
    offer.save()
    with pytest.raises(ValidationError, match="plus active"):
        referral_create(detainee=agreement.detainee, offer=offer, on=TODAY(), by=officer)


# --- Withdrawal of the agreement --------------------------------------------------------------


def test_withdrawal_closes_the_referrals_under_way_and_keeps_their_history(
    referral, agreement, offer, officer, cpip_fresnes
):
    referral_advance(referral=referral, status=S.INTERVIEW, on=days_ago(5), by=officer)
    closed = ReferralFactory(agreement=agreement, offer=OfferFactory(company=offer.company))
    referral_advance(referral=closed, status=S.NOT_RETAINED, on=TODAY(), by=officer)
    agreement_withdraw(agreement=agreement, by=cpip_fresnes)
    referral.refresh_from_db()
    assert referral.status == S.ABANDONED_BY_PERSON
    assert steps(referral) == [
        (S.PROPOSED, days_ago(20)),
        (S.INTERVIEW, days_ago(5)),
        (S.ABANDONED_BY_PERSON, TODAY()),
    ]
    last = referral.events.order_by("-pk").first()
    assert (last.note, last.recorded_by) == ("Accord retiré", cpip_fresnes)
    closed.refresh_from_db()
    assert closed.status == S.NOT_RETAINED and closed.events.count() == 2
    with pytest.raises(ValidationError, match="close"):
        referral_advance(referral=referral, status=S.RETAINED, on=TODAY(), by=officer)


# --- The signal and the plan ------------------------------------------------------------------


@pytest.fixture
def plan(person, milestone_kinds):
    return release_plan_create(detainee=person)


@pytest.fixture
def outcomes():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    referral_outcome.connect(receiver, dispatch_uid="test-referral-outcome")
    yield received
    referral_outcome.disconnect(dispatch_uid="test-referral-outcome")


def test_the_signal_is_sent_at_the_promise_and_at_the_hiring_only(referral, officer, outcomes):
    referral_advance(referral=referral, status=S.INTERVIEW, on=days_ago(9), by=officer)
    assert outcomes == []
    referral_advance(referral=referral, status=S.RETAINED, on=days_ago(8), by=officer)
    referral_advance(referral=referral, status=S.HIRED, on=days_ago(2), by=officer)
    assert [(o["outcome"], o["on"], o["offer_title"], o["detainee"]) for o in outcomes] == [
        (OUTCOME_PROMISE, days_ago(8), "Commis de cuisine fictif", referral.detainee),
        (OUTCOME_HIRED, days_ago(2), "Commis de cuisine fictif", referral.detainee),
    ]
    assert outcomes[0]["company_name"] == "Cuisines du Val fictives"
    assert (outcomes[0]["offer_kind"], outcomes[0]["offer_setting"]) == (
        OfferKind.JOB,
        OfferSetting.AT_RELEASE,
    )


def milestone(plan, code):
    return plan.milestones.filter(kind__code=code).first()


def notes(m) -> list[str]:
    return list(m.notes.order_by("pk").values_list("text", flat=True))


def test_a_promise_of_employment_marks_the_job_milestone_done_and_notes_the_arrangement(
    plan, referral, officer
):
    job = milestone(plan, "projet-emploi")
    arrangement = milestone(plan, "demande-amenagement")
    assert job.status == MilestoneStatus.TO_DO and arrangement is not None
    referral_advance(referral=referral, status=S.RETAINED, on=days_ago(4), by=officer)
    job.refresh_from_db()
    assert (job.status, job.done_on) == (MilestoneStatus.DONE, days_ago(4))
    when = f"{days_ago(4):%d/%m/%Y}"
    promise = (
        "Promesse d'embauche : « Commis de cuisine fictif » (Cuisines du Val fictives), "
        f"retenu le {when}"
    )
    assert notes(job) == [f"{promise}."]
    assert notes(arrangement) == [
        f"{promise} : à faire valoir pour la demande d'aménagement de peine."
    ]
    assert job.changes.order_by("-pk").first().by == officer
    # Hired later: the milestone stays done, the plan keeps the news.
    referral_advance(referral=referral, status=S.HIRED, on=days_ago(1), by=officer)
    job.refresh_from_db()
    assert (job.status, job.done_on) == (MilestoneStatus.DONE, days_ago(4))
    assert notes(job)[-1].startswith("Embauche : « Commis de cuisine fictif »")
    assert len(notes(arrangement)) == 2


def test_a_training_at_release_is_in_progress_at_the_promise_and_done_at_the_entry(
    plan, person, company, officer
):
    training = OfferFactory(
        company=company,
        title="CAP cuisine fictif",
        kind=OfferKind.TRAINING,
        setting=OfferSetting.AT_RELEASE,
        department="94",
    )
    AgreementFactory(detainee=person, company=company, offer=training, agreed_on=days_ago(9))
    referral = referral_create(detainee=person, offer=training, on=days_ago(6), by=officer)
    referral_advance(referral=referral, status=S.RETAINED, on=days_ago(5), by=officer)
    step = milestone(plan, "formation-sortie")
    assert step.status == MilestoneStatus.IN_PROGRESS
    assert notes(step)[0].startswith("Place promise en formation : « CAP cuisine fictif »")
    referral_advance(referral=referral, status=S.HIRED, on=days_ago(2), by=officer)
    step.refresh_from_db()
    assert (step.status, step.done_on) == (MilestoneStatus.DONE, days_ago(2))
    assert notes(step)[-1].startswith("Entrée en formation : « CAP cuisine fictif »")


def test_a_job_in_detention_adds_the_work_milestone_and_no_arrangement_note(
    plan, person, company, fresnes, officer
):
    assert milestone(plan, "travail-detention") is None
    inside = OfferFactory(
        company=company,
        title="Atelier fictif",
        kind=OfferKind.PRISON_WORK,
        setting=OfferSetting.INSIDE,
        establishment=fresnes,
    )
    AgreementFactory(detainee=person, company=company, offer=inside, agreed_on=days_ago(9))
    referral = referral_create(detainee=person, offer=inside, on=days_ago(6), by=officer)
    referral_advance(referral=referral, status=S.RETAINED, on=days_ago(5), by=officer)
    work = milestone(plan, "travail-detention")
    assert work.status == MilestoneStatus.IN_PROGRESS
    assert notes(milestone(plan, "demande-amenagement")) == []


def test_a_milestone_set_aside_or_done_only_gets_the_note(plan, referral, officer, cpip_fresnes):
    job = milestone(plan, "projet-emploi")
    milestone_set_status(
        milestone=job, status=MilestoneStatus.NOT_APPLICABLE, by=cpip_fresnes, reason="Retraite"
    )
    arrangement = milestone(plan, "demande-amenagement")
    milestone_set_status(
        milestone=arrangement,
        status=MilestoneStatus.NOT_APPLICABLE,
        by=cpip_fresnes,
        reason="Fin de peine",
    )
    referral_advance(referral=referral, status=S.RETAINED, on=TODAY(), by=officer)
    job.refresh_from_db()
    assert job.status == MilestoneStatus.NOT_APPLICABLE
    assert len(notes(job)) == 1
    assert notes(arrangement) == []


def test_without_an_open_plan_the_outcome_changes_nothing_else(referral, person, officer):
    referral_advance(referral=referral, status=S.RETAINED, on=TODAY(), by=officer)
    referral.refresh_from_db()
    assert referral.status == S.RETAINED
    assert not ReleasePlan.objects.filter(detainee=person).exists()


# --- The pages -------------------------------------------------------------------------------


def urls(referral, offer, person) -> dict[str, str]:
    return {
        "create": reverse("partners:referral_create", args=[offer.pk, person.pk]),
        "step": reverse("partners:referral_step", args=[referral.pk]),
        "list": reverse("partners:offer_transmissions", args=[offer.pk]),
    }


def test_anonymous_is_sent_to_the_login_page(client, referral, offer, person):
    for url in urls(referral, offer, person).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.PRISON_TEAM, Role.NATIONAL])
def test_other_roles_are_forbidden(client, fresnes, referral, offer, person, role):
    client.force_login(UserFactory(role=role, establishments=[fresnes]))
    for name, url in urls(referral, offer, person).items():
        assert client.get(url).status_code == 403
        if name != "list":
            data = {"status": S.RETAINED, "on": TODAY().isoformat()}
            assert client.post(url, data).status_code == 403
    assert Referral.objects.get().status == S.PROPOSED
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("role", [Role.PARTNERSHIPS, Role.CPIP, Role.MANAGER])
def test_a_keeper_of_another_establishment_gets_404(client, lyon, referral, offer, person, role):
    client.force_login(UserFactory(role=role, establishments=[lyon]))
    data = {"status": S.RETAINED, "on": TODAY().isoformat()}
    step = reverse("partners:referral_step", args=[referral.pk])
    create = reverse("partners:referral_create", args=[offer.pk, person.pk])
    for url in (step, create):
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    assert Referral.objects.get().status == S.PROPOSED
    assert not AccessLog.objects.exists()


def test_a_person_of_another_establishment_answers_404(client, officer, offer, lyon):
    client.force_login(officer)
    other = DetaineeFactory(establishment=lyon)
    url = reverse("partners:referral_create", args=[offer.pk, other.pk])
    assert client.get(url).status_code == 404


def test_the_officer_records_a_referral_after_the_profile_then_a_step(
    client, officer, offer, person, agreement
):
    ProfileTransmissionFactory(agreement=agreement, offer=offer)
    client.force_login(officer)
    listing = text(client.get(reverse("partners:offer_transmissions", args=[offer.pk])))
    create = reverse("partners:referral_create", args=[offer.pk, person.pk])
    assert create in listing
    assert "Aucune orientation n'est enregistrée pour cette offre." in listing
    page = text(client.get(create))
    assert "Enregistrer l'orientation de Hélène L." in page
    assert REFERRAL_NOTE_HELP in page
    response = client.post(
        create, {"on": TODAY().isoformat(), "note": "Par téléphone"}, follow=True
    )
    assert response.redirect_chain[-1][0] == (
        reverse("partners:offer_transmissions", args=[offer.pk]) + "#orientations"
    )
    referral = Referral.objects.get()
    listing = text(response)
    assert (
        "L'orientation de Hélène L. vers « Commis de cuisine fictif » est enregistrée." in listing
    )
    assert "Proposé" in listing and "Par téléphone" in listing
    step = reverse("partners:referral_step", args=[referral.pk])
    assert step in listing and create not in listing
    # The profile's row names the referral under way and links to its history.
    assert f'href="#orientation-{referral.pk}">Proposé' in listing
    form = client.get(step).context["form"]
    assert [v for v, _ in form.fields["status"].choices] == ["", *REFERRAL_TRANSITIONS[S.PROPOSED]]
    response = client.post(step, {"status": S.INTERVIEW, "on": TODAY().isoformat()}, follow=True)
    assert "Étape enregistrée : Hélène L., « Entretien prévu »." in text(response)
    referral.refresh_from_db()
    assert referral.status == S.INTERVIEW
    assert [(line.action, line.detainee_id) for line in AccessLog.objects.order_by("pk")] == [
        (Action.REFERRAL_READ, person.pk),
        (Action.REFERRAL_STEP, person.pk),
        (Action.REFERRAL_READ, person.pk),
        (Action.REFERRAL_STEP, person.pk),
    ]


def test_a_step_not_allowed_or_badly_dated_is_refused_in_french(client, officer, referral):
    client.force_login(officer)
    step = reverse("partners:referral_step", args=[referral.pk])
    response = client.post(step, {"status": S.HIRED, "on": TODAY().isoformat()})
    assert response.status_code == 200
    assert "Cette étape ne peut pas suivre l'étape actuelle." in text(response)
    response = client.post(step, {"status": S.INTERVIEW, "on": days_ago(25).isoformat()})
    assert "ne peut pas précéder l'étape précédente" in text(response)
    response = client.post(step, {"status": S.INTERVIEW, "on": "demain"})
    assert "Saisissez une date valide" in text(response)
    assert Referral.objects.get().status == S.PROPOSED
    assert not AccessLog.objects.exists()


def test_a_closed_referral_takes_no_step(client, officer, referral):
    referral_advance(referral=referral, status=S.NOT_RETAINED, on=TODAY(), by=officer)
    client.force_login(officer)
    step = reverse("partners:referral_step", args=[referral.pk])
    response = client.post(step, {"status": S.RETAINED, "on": TODAY().isoformat()}, follow=True)
    assert "Cette orientation est close" in text(response)
    assert Referral.objects.get().status == S.NOT_RETAINED


def test_without_agreement_the_page_says_it_is_required(client, officer, offer, person):
    client.force_login(officer)
    create = reverse("partners:referral_create", args=[offer.pk, person.pk])
    assert "Accord de la personne requis" in text(client.get(create))
    response = client.post(create, {"on": TODAY().isoformat()}, follow=True)
    assert "Accord de la personne requis" in text(response)
    assert not Referral.objects.exists()


def test_the_cpip_records_a_step_from_the_person_page_and_the_plan_follows(
    client, cpip_fresnes, plan, referral, person
):
    client.force_login(cpip_fresnes)
    page = text(client.get(reverse("person:detail", args=[person.pk])))
    assert "Orientations vers les offres" in page
    assert "<strong>Cuisines du Val fictives</strong>, offre « Commis de cuisine fictif »" in page
    step = reverse("partners:referral_step", args=[referral.pk])
    assert step in page
    response = client.post(
        step, {"status": S.RETAINED, "on": TODAY().isoformat(), "note": "Début en mars"}
    )
    assert response["Location"] == (
        reverse("person:detail", args=[person.pk]) + "#entreprises-orientations"
    )
    job = plan.milestones.get(kind__code="projet-emploi")
    assert job.status == MilestoneStatus.DONE
    page = text(client.get(reverse("person:detail", args=[person.pk])))
    assert "Retenu" in page and "Début en mars" in page


def test_a_manager_records_a_referral_and_returns_to_the_person_page(
    client, manager_fresnes, person, agreement, offer
):
    client.force_login(manager_fresnes)
    create = reverse("partners:referral_create", args=[offer.pk, person.pk])
    response = client.post(create, {"on": TODAY().isoformat()})
    assert response["Location"].endswith("#entreprises-orientations")
    assert Referral.objects.get().created_by == manager_fresnes


# --- Query counts ----------------------------------------------------------------------------


def many_referrals(offer, fresnes, company, rows: int) -> None:
    for i in range(rows):
        agreement = AgreementFactory(
            detainee=DetaineeFactory(establishment=fresnes), company=company
        )
        referral = ReferralFactory(agreement=agreement, offer=offer, on=days_ago(3))
        if i % 2:
            referral_advance(referral=referral, status=S.INTERVIEW, on=days_ago(2), by=None)


@pytest.mark.parametrize("rows", [2, 12])
def test_the_offers_page_costs_the_same_queries_whatever_the_number_of_referrals(
    client, officer, offer, fresnes, company, rows
):
    many_referrals(offer, fresnes, company, rows)
    client.force_login(officer)
    url = reverse("partners:offer_transmissions", args=[offer.pk])
    client.get(url)  # the session, once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(response.context["referrals"]) == rows
    assert len(queries) == OFFER_PAGE_QUERIES, [q["sql"] for q in queries]


# tests/test_partners_transmissions.py's LIST_QUERIES (with no transmission: no page query),
# then the referrals and their steps.
OFFER_PAGE_QUERIES = 8


@pytest.mark.parametrize("rows", [1, 8])
def test_the_person_page_costs_the_same_queries_whatever_the_number_of_referrals(
    client, cpip_fresnes, person, fresnes, rows
):
    for _ in range(rows):
        company = CompanyFactory(establishments=[fresnes])
        agreement = AgreementFactory(detainee=person, company=company)
        ReferralFactory(agreement=agreement)
    client.force_login(cpip_fresnes)
    url = reverse("person:detail", args=[person.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(response.context["partner_referrals"]) == rows
    counts = len(queries)
    assert counts == PERSON_PAGE_WITH_REFERRALS, [q["sql"] for q in queries]


def test_the_lists_show_only_the_referrals_of_the_users_establishments(
    client, officer, offer, lyon, company
):
    company.establishments.add(lyon)
    ReferralFactory(
        agreement=AgreementFactory(detainee=DetaineeFactory(establishment=lyon), company=company),
        offer=offer,
    )
    client.force_login(officer)
    response = client.get(reverse("partners:offer_transmissions", args=[offer.pk]))
    assert response.context["referrals"] == []


# tests/test_detainee_views.py's person page without plan (22), the referrals' query included,
# and their steps.
PERSON_PAGE_WITH_REFERRALS = 23


def test_the_withdrawal_page_says_the_referrals_under_way_will_be_closed(
    client, cpip_fresnes, referral, agreement, person
):
    client.force_login(cpip_fresnes)
    url = reverse("partners:agreement_withdraw", args=[person.pk, agreement.pk])
    assert "1 orientation en cours sera close (« abandonné par la personne »)" in text(
        client.get(url)
    )
    client.post(url, {"note": ""})
    assert Referral.objects.get().status == S.ABANDONED_BY_PERSON
    page = text(client.get(reverse("person:detail", args=[person.pk])))
    assert "Abandonné par la personne" in page and "Accord retiré" in page
    assert reverse("partners:referral_step", args=[referral.pk]) not in page
