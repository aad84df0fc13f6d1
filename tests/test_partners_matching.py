"""Matching partner offers with people (issue 16): the score rule by rule, the sections a person
withheld never used, the scoping of people and of the page, its query count, and what the page
never shows."""

import datetime
import gc

import pytest
from django.urls import reverse
from django.utils import timezone

from entretiens.choices import InterviewStatus, ProjectKind, Section
from entretiens.models import Diploma, Experience, Interview, Project
from entretiens.sharing import SharedProfile
from insertion.audit.models import AccessLog
from insertion.bench.pages import log_in, partner_pages
from insertion.partners import matching_views
from insertion.partners.choices import FrenchRequirement, OfferKind, OfferSetting
from insertion.partners.matching import (
    Person,
    evaluate,
    offers_for_person,
    people_for_offer,
)
from tests.factories import (
    CompanyFactory,
    DetaineeFactory,
    EstablishmentFactory,
    OfferFactory,
    UserFactory,
    validated_interview,
)

TODAY = datetime.date(2026, 11, 15)


def person(**kwargs) -> Person:
    values = {
        "pk": 1,
        "first_name": "Hélène",
        "last_name": "Lefèvre",
        "establishment_id": 1,
        "establishment_name": "Centre pénitentiaire de Fresnes",
        "department": "94",
        "expected_release_date": datetime.date(2027, 3, 10),
    }
    return Person(**{**values, **kwargs})


def offer(**kwargs):
    """An unsaved offer at release: a job in hotels and restaurants in the Val-de-Marne."""
    return OfferFactory.build(**kwargs)


def shared_profile(**kwargs) -> SharedProfile:
    """Every section shared, nothing answered."""
    values = {
        "licences": set(),
        "french": {"reading": "", "writing": "", "speaking": ""},
        "diploma_levels": [],
        "experience_sectors": set(),
        "projects": [],
    }
    return SharedProfile(**{**values, **kwargs})


# --- The score, rule by rule (no database) ---


def test_a_person_with_nothing_in_common_scores_the_departement_only():
    far = person(expected_release_date=datetime.date(2027, 9, 1))
    assert evaluate(offer(), far, shared_profile(), TODAY) == (1, ["département 94"])


def test_the_departement_counts_only_when_it_is_the_offers():
    far = person(expected_release_date=datetime.date(2027, 9, 1), department="69")
    assert evaluate(offer(), far, shared_profile(), TODAY) == (0, [])
    assert evaluate(offer(nationwide=True, department=""), far, shared_profile(), TODAY) == (
        1,
        ["partout en France"],
    )


def test_a_release_within_six_months_adds_two_points_and_says_when():
    soon = person(expected_release_date=datetime.date(2027, 3, 10))
    assert evaluate(offer(), soon, shared_profile(), TODAY) == (
        3,
        ["département 94", "sortie dans 4 mois"],
    )
    this_month = person(expected_release_date=datetime.date(2026, 11, 30))
    assert evaluate(offer(), this_month, shared_profile(), TODAY)[1][-1] == "sortie ce mois-ci"


def test_an_employment_project_fits_a_job_and_a_target_naming_the_sector_adds_its_points():
    profile = shared_profile(projects=[(ProjectKind.EMPLOYMENT, "Cuisinier en restauration")])
    score, reasons = evaluate(offer(), person(), profile, TODAY)
    assert score == 3 + 2 + 1 + 2
    assert reasons == [
        "projet : emploi, Cuisinier en restauration",
        "métier visé : Cuisinier en restauration",
        "département 94",
        "sortie dans 4 mois",
    ]


def test_a_project_of_the_kind_for_another_trade_gives_one_point_not_three():
    sales = shared_profile(projects=[(ProjectKind.EMPLOYMENT, "Vente en magasin")])
    assert evaluate(offer(), person(), sales, TODAY) == (
        1 + 1 + 2,
        ["projet : emploi, Vente en magasin", "département 94", "sortie dans 4 mois"],
    )
    # Among several, the one naming the trade counts; a project without target fits any.
    both = shared_profile(
        projects=[
            (ProjectKind.EMPLOYMENT, "Vente en magasin"),
            (ProjectKind.EMPLOYMENT, "Cuisinier"),
        ]
    )
    assert evaluate(offer(), person(), both, TODAY)[1][0] == "projet : emploi, Cuisinier"
    assert evaluate(offer(), person(), both, TODAY)[0] == 3 + 2 + 1 + 2
    open_to_any = shared_profile(projects=[(ProjectKind.EMPLOYMENT, "")])
    assert evaluate(offer(), person(), open_to_any, TODAY)[0] == 3 + 1 + 2


def test_a_project_of_another_kind_gives_no_project_point():
    profile = shared_profile(projects=[(ProjectKind.QUALIFYING_TRAINING, "boulangerie")])
    assert evaluate(offer(), person(), profile, TODAY) == (
        3,
        ["département 94", "sortie dans 4 mois"],
    )
    training = offer(kind=OfferKind.TRAINING, title="CAP boulanger", sector="artisanat")
    score, reasons = evaluate(training, person(), profile, TODAY)
    assert score == 3 + 2 + 1 + 2
    assert reasons[:2] == [
        "projet : formation qualifiante, boulangerie",
        "métier visé : boulangerie",
    ]


def test_prison_work_at_the_concession_fits_a_prison_work_project():
    concession = offer(
        kind=OfferKind.PRISON_WORK, setting=OfferSetting.INSIDE, department="", title="Montage"
    )
    profile = shared_profile(projects=[(ProjectKind.PRISON_WORK, "")])
    # Inside the prison: neither the département nor the release counts.
    assert evaluate(concession, person(), profile, TODAY) == (3, ["projet : travail en détention"])


def test_the_sector_is_read_accent_insensitively_in_the_projects_target():
    profile = shared_profile(projects=[(ProjectKind.BUSINESS, "HOTELLERIE de plein air")])
    score, reasons = evaluate(offer(), person(), profile, TODAY)
    assert score == 2 + 1 + 2
    assert reasons[0] == "métier visé : HOTELLERIE de plein air"


def test_words_sharing_their_first_six_letters_name_the_same_trade():
    cook = shared_profile(projects=[(ProjectKind.BUSINESS, "cuisinière")])
    assert evaluate(offer(), person(), cook, TODAY)[1][0] == "métier visé : cuisinière"
    coder = shared_profile(projects=[(ProjectKind.BUSINESS, "développeur web")])
    assert evaluate(offer(), person(), coder, TODAY)[0] == 1 + 2


def test_an_experience_in_the_offers_sector_adds_two_points():
    profile = shared_profile(experience_sectors={"hotellerie"})
    score, reasons = evaluate(offer(), person(), profile, TODAY)
    assert score == 2 + 1 + 2
    assert reasons[0] == "expérience : hôtellerie, restauration"


def test_a_diploma_at_or_above_the_required_level_adds_two_points():
    required = offer(diploma_level="niveau_3")
    above = shared_profile(diploma_levels=["niveau_4", "certification"])
    assert evaluate(required, person(), above, TODAY) == (
        5,
        ["diplôme : niveau 4", "département 94", "sortie dans 4 mois"],
    )
    below = offer(diploma_level="niveau_5")
    assert evaluate(below, person(), above, TODAY)[0] == 3
    certificate = offer(diploma_level="certification")
    assert evaluate(certificate, person(), above, TODAY)[1][0] == "diplôme : niveau 4"
    # No diploma level asked: no point for anyone.
    assert evaluate(offer(), person(), above, TODAY)[0] == 3


def test_the_licences_asked_for_exclude_who_lacks_them_and_name_them_for_who_holds_them():
    driving = offer(driving_licences=["permis_b"], professional_licences=["caces"])
    assert evaluate(driving, person(), shared_profile(licences={"permis_b"}), TODAY) is None
    holder = shared_profile(licences={"permis_b", "caces", "sst"})
    assert evaluate(driving, person(), holder, TODAY) == (
        4,
        ["permis B", "CACES", "département 94", "sortie dans 4 mois"],
    )


@pytest.mark.parametrize(
    ("requirement", "french", "excluded"),
    [
        (FrenchRequirement.ORAL, {"speaking": "non"}, True),
        (FrenchRequirement.ORAL, {"speaking": "difficultes", "reading": "non"}, False),
        (FrenchRequirement.READING, {"reading": "non"}, True),
        (FrenchRequirement.READING_WRITING, {"reading": "a_laise", "writing": "non"}, True),
        (FrenchRequirement.READING_WRITING, {"reading": "", "writing": ""}, False),
    ],
)
def test_the_french_asked_for_excludes_who_does_not_master_it(requirement, french, excluded):
    result = evaluate(offer(french=requirement), person(), shared_profile(french=french), TODAY)
    assert (result is None) is excluded


def test_a_release_outside_the_window_excludes_the_person():
    closes = offer(closes_on=datetime.date(2027, 1, 31))
    after = person(expected_release_date=datetime.date(2027, 8, 1))  # closes_on + 6 months + 1
    assert evaluate(closes, after, shared_profile(), TODAY) is None
    assert (
        evaluate(
            closes,
            person(expected_release_date=datetime.date(2027, 7, 31)),
            shared_profile(),
            TODAY,
        )
        is not None
    )
    no_closing = offer()
    assert (
        evaluate(
            no_closing,
            person(expected_release_date=datetime.date(2027, 11, 16)),
            shared_profile(),
            TODAY,
        )
        is None
    )
    assert (
        evaluate(
            no_closing,
            person(expected_release_date=datetime.date(2026, 11, 14)),
            shared_profile(),
            TODAY,
        )
        is None
    )
    assert evaluate(no_closing, person(expected_release_date=None), shared_profile(), TODAY) is None


def test_an_unknown_profile_excludes_no_one_and_gives_no_reason_from_the_interview():
    demanding = offer(
        driving_licences=["permis_b"], french=FrenchRequirement.READING, diploma_level="niveau_4"
    )
    assert evaluate(demanding, person(), SharedProfile(), TODAY) == (
        3,
        ["département 94", "sortie dans 4 mois"],
    )


# --- On the database: the interview read through the sharing gate, the scoping ---


@pytest.fixture
def officer_fresnes(fresnes):
    return UserFactory(
        partnerships=True, email="partenariats.fresnes@test.insertion.fr", establishments=[fresnes]
    )


@pytest.fixture
def job(fresnes):
    return OfferFactory(company=CompanyFactory(establishments=[fresnes]))


def soon() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=60)


def interviewed(establishment, *, withheld=(), licences=(), project="boulangerie", **kwargs):
    """A person held with a validated interview: a job project, a CAP, an experience in
    hotels and restaurants, the licences given."""
    detainee = DetaineeFactory(establishment=establishment, expected_release_date=soon(), **kwargs)
    interview = validated_interview(detainee=detainee)
    Interview.objects.filter(pk=interview.pk).update(
        withheld_sections=list(withheld), driving_licences=list(licences)
    )
    Project.objects.create(interview=interview, kind=ProjectKind.EMPLOYMENT, target=project)
    Diploma.objects.create(interview=interview, title="CAP cuisine", level="niveau_3")
    Experience.objects.create(interview=interview, job_title="Plongeur", sector="hotellerie")
    return detainee


def test_people_are_scored_from_their_latest_validated_interview(fresnes, officer_fresnes, job):
    detainee = interviewed(fresnes)
    [match] = people_for_offer(job, user=officer_fresnes, today=timezone.localdate())
    assert match.person.pk == detainee.pk
    assert match.score == 1 + 2 + 1 + 2  # a bakery project for a kitchen job: 1, not 3
    today, release = timezone.localdate(), detainee.expected_release_date
    months = (release.year - today.year) * 12 + release.month - today.month
    assert match.reasons == [
        "projet : emploi, boulangerie",
        "expérience : hôtellerie, restauration",
        "département 94",
        f"sortie dans {months} mois",
    ]


def test_an_interview_declared_not_done_or_never_validated_is_not_read(
    fresnes, officer_fresnes, job
):
    detainee = interviewed(fresnes)
    Interview.objects.filter(detainee=detainee).update(
        status=InterviewStatus.NOT_DONE, not_done_reason="refus"
    )
    [match] = people_for_offer(job, user=officer_fresnes, today=timezone.localdate())
    assert match.score == 1 + 2
    assert not any(r.startswith(("projet", "expérience")) for r in match.reasons)


def test_a_withheld_projects_section_gives_no_project_reason_and_no_point(
    fresnes, officer_fresnes, job
):
    interviewed(fresnes, withheld=[Section.PROJECTS], project="cuisine")
    [match] = people_for_offer(job, user=officer_fresnes, today=timezone.localdate())
    assert match.score == 2 + 1 + 2  # the experience, the département, the release
    assert not any("projet" in r or "cuisine" in r for r in match.reasons)


def test_a_withheld_work_section_gives_no_experience_reason(fresnes, officer_fresnes, job):
    interviewed(fresnes, withheld=[Section.WORK], project="jardinage")
    [match] = people_for_offer(job, user=officer_fresnes, today=timezone.localdate())
    assert match.score == 1 + 1 + 2  # a gardening project for a kitchen job
    assert not any(r.startswith("expérience") for r in match.reasons)


@pytest.mark.parametrize("withheld", [Section.EDUCATION, Section.SKILLS])
def test_a_withheld_section_never_excludes_for_licences_nor_french(
    fresnes, officer_fresnes, withheld
):
    """Licences, French and diplomas are answered in « Parcours scolaire et formation »
    (`scolarite`); withheld, they are unknown. The skills section holds none of them."""
    demanding = OfferFactory(
        company=CompanyFactory(establishments=[fresnes]),
        driving_licences=["permis_b"],
        diploma_level="niveau_3",
    )
    detainee = interviewed(fresnes, withheld=[withheld], licences=[])
    matches = people_for_offer(demanding, user=officer_fresnes, today=timezone.localdate())
    if withheld == Section.EDUCATION:
        [match] = matches
        assert match.person.pk == detainee.pk
        assert not any(r.startswith(("diplôme", "permis")) for r in match.reasons)
    else:
        assert matches == []  # shared and without the licence: excluded


def test_people_of_other_establishments_or_released_are_never_matched(
    fresnes, lyon, officer_fresnes, job
):
    interviewed(lyon)
    released = interviewed(fresnes)
    released.release_date = timezone.localdate()
    released.release_kind = "sortie_seche"
    released.save()
    held = interviewed(fresnes)
    matches = people_for_offer(job, user=officer_fresnes, today=timezone.localdate())
    assert [m.person.pk for m in matches] == [held.pk]


def test_an_offer_inside_the_prison_considers_only_the_people_of_its_establishment(fresnes):
    melun = EstablishmentFactory(name="Centre de détention de Melun", department="77")
    officer = UserFactory(partnerships=True, establishments=[fresnes, melun])
    inside = OfferFactory(
        company=CompanyFactory(establishments=[fresnes, melun]),
        kind=OfferKind.PRISON_WORK,
        setting=OfferSetting.INSIDE,
        establishment=melun,
        department="",
    )
    interviewed(fresnes)
    far_release = DetaineeFactory(
        establishment=melun, expected_release_date=timezone.localdate() + datetime.timedelta(3000)
    )
    matches = people_for_offer(inside, user=officer, today=timezone.localdate())
    assert [m.person.pk for m in matches] == [far_release.pk]


def test_people_are_ranked_by_score_then_nearest_release_then_person(fresnes, officer_fresnes, job):
    today = timezone.localdate()
    later = DetaineeFactory(
        establishment=fresnes, expected_release_date=today + datetime.timedelta(90)
    )
    sooner = DetaineeFactory(
        establishment=fresnes, expected_release_date=today + datetime.timedelta(30)
    )
    twin = DetaineeFactory(
        establishment=fresnes, expected_release_date=today + datetime.timedelta(30)
    )
    best = interviewed(fresnes)
    ranked = [m.person.pk for m in people_for_offer(job, user=officer_fresnes, today=today)]
    assert ranked == [best.pk, sooner.pk, twin.pk, later.pk]


def test_offers_for_a_person_are_the_open_offers_the_user_reaches_that_fit(
    fresnes, lyon, officer_fresnes, job
):
    detainee = interviewed(fresnes)
    OfferFactory(company=CompanyFactory(establishments=[lyon]))  # not reached
    OfferFactory(company=CompanyFactory(establishments=[fresnes]), active=False)
    OfferFactory(company=CompanyFactory(establishments=[fresnes]), driving_licences=["permis_cd"])
    today = timezone.localdate()
    [found] = offers_for_person(detainee, user=officer_fresnes, today=today)
    assert found.offer == job
    assert found.score == 1 + 2 + 1 + 2  # a bakery project for a kitchen job
    other = interviewed(lyon)
    assert offers_for_person(other, user=officer_fresnes, today=today) == []


# --- The page ---


def url(offer) -> str:
    return reverse("partners:offer_matches", args=[offer.pk])


def test_anonymous_is_sent_to_login(client, job):
    response = client.get(url(job))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["cpip_fresnes", "manager_fresnes", "national_user"])
def test_other_roles_are_refused(client, job, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url(job)).status_code == 403


def test_an_officer_of_another_establishment_gets_404(client, lyon, job):
    client.force_login(UserFactory(partnerships=True, establishments=[lyon]))
    assert client.get(url(job)).status_code == 404
    assert gc.isenabled()  # the view pauses the cyclic collector: a 404 resumes it too


def test_the_page_pauses_the_cyclic_collector_and_resumes_it(
    client, fresnes, officer_fresnes, job, monkeypatch
):
    interviewed(fresnes)
    seen = []
    real = matching_views.people_for_offer

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(matching_views, "people_for_offer", watched)
    client.force_login(officer_fresnes)
    assert client.get(url(job)).status_code == 200
    assert seen == [False]
    assert gc.isenabled()


def test_the_page_shows_the_release_month_but_never_the_exact_date_nor_the_ecrou(
    client, fresnes, officer_fresnes, job
):
    detainee = interviewed(fresnes, last_name="Kerouédan", first_name="Yann")
    detainee.expected_release_date = datetime.date(2027, 3, 17)
    detainee.save()
    client.force_login(officer_fresnes)
    response = client.get(url(job))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Yann K." in page
    assert "Kerouédan" not in page
    assert "sortie : mars 2027" in page
    assert "17 mars" not in page and "17/03/2027" not in page and "2027-03-17" not in page
    assert detainee.ecrou_number not in page
    assert "projet : emploi, boulangerie" in page
    assert "Centre pénitentiaire de Fresnes" in page
    assert not AccessLog.objects.filter(detainee_id=detainee.pk).exists()


def test_the_page_says_so_when_no_one_fits(client, officer_fresnes, job):
    client.force_login(officer_fresnes)
    response = client.get(url(job))
    assert "Aucune personne ne correspond à cette offre" in response.content.decode()


def test_the_page_is_paginated_by_25(client, fresnes, officer_fresnes, job):
    DetaineeFactory.create_batch(26, establishment=fresnes, expected_release_date=soon())
    client.force_login(officer_fresnes)
    first = client.get(url(job))
    assert len(first.context["page_obj"].object_list) == 25
    second = client.get(url(job), {"page": 2})
    assert len(second.context["page_obj"].object_list) == 1


@pytest.mark.parametrize("people", [2, 20])
def test_the_page_costs_the_same_queries_whatever_the_number_of_people(
    client, fresnes, officer_fresnes, job, people, django_assert_num_queries
):
    for _ in range(people):
        interviewed(fresnes)
    client.force_login(officer_fresnes)
    client.get(url(job))  # the session, once
    with django_assert_num_queries(QUERIES):
        response = client.get(url(job))
    assert response.context["page_obj"].paginator.count == people


# Session, user, OTP device, the user's establishments, the offer, the people, their
# interviews, diplomas, experiences, projects, the agreements of the page's people.
QUERIES = 11


# --- The bench's page ---


def test_the_bench_finds_its_officer_and_offer_once_and_the_page_answers(client, fresnes, lyon):
    DetaineeFactory.create_batch(3, establishment=fresnes, expected_release_date=soon())
    [page] = partner_pages()
    assert page.name == "partner_matching" and page.target_ms == 300
    [again] = partner_pages()  # found again, not created twice
    assert again.url == page.url and again.user == page.user
    # The DISP holding the most people: Paris, where Fresnes holds the three.
    assert set(page.user.establishments.all()) == {fresnes}
    log_in(client, page.user)
    response = client.get(page.url)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3
