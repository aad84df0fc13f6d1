"""The synthesis PDF's first page, "L'essentiel", and its wording (issue 14): read from the text
of the rendered PDF, as the prison teams read it."""

import io

import pytest
from pypdf import PdfReader

from entretiens.choices import Contract, OrientationKind, Priority, Section, Sector
from entretiens.models import Experience, Orientation
from entretiens.orientations import CPIP_PLAN, ORIENTATION_SERVICES, orientation_service
from entretiens.pdf import render_synthesis_pdf, synthesis_context
from tests.factories import InterviewFactory, fill_interview
from tests.test_synthesis_pdf import pdf_text, rich_interview, validate


def page_texts(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def with_orientations(interview):
    """fill_interview's training (prioritaire) and rich_interview's rights (importante), plus
    two more, each with a precision of its own to find it in the text."""
    Orientation.objects.filter(
        interview=interview, kind=OrientationKind.VOCATIONAL_TRAINING
    ).update(details="Session de cuisine en septembre")
    Orientation.objects.bulk_create(
        [
            Orientation(
                interview=interview,
                kind=OrientationKind.PRISON_WORK,
                priority=Priority.LOW,
                details="Liste des ateliers",
            ),
            Orientation(
                interview=interview,
                kind=OrientationKind.ILLITERACY,
                priority=Priority.MEDIUM,
                details="Atelier d'écriture",
            ),
        ]
    )
    return interview


@pytest.fixture
def rich_synthesis(detainee_fresnes, interviewer_fresnes):
    interview = rich_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes)
    interview = validate(with_orientations(interview), interviewer_fresnes)
    return interview.syntheses.get()


def test_every_orientation_kind_goes_to_a_service():
    assert set(ORIENTATION_SERVICES) == set(OrientationKind.values)
    assert orientation_service(OrientationKind.PRISON_WORK) == (
        "Service du travail / concessionnaire"
    )
    assert orientation_service(OrientationKind.VOCATIONAL_TRAINING) == "Formation professionnelle"
    for kind in ("enseignement", "illettrisme", "numerique"):
        assert orientation_service(kind) == "Unité locale d'enseignement"
    for kind in ("amenagement", "service_emploi", "acces_droits", "soins", "addictologie"):
        assert orientation_service(kind) == CPIP_PLAN
    for kind in ("sas", "entreprise"):
        assert orientation_service(kind) == CPIP_PLAN


def test_the_first_page_holds_the_essentials_and_the_details_start_after(rich_synthesis):
    pages = page_texts(render_synthesis_pdf(rich_synthesis))
    first = pages[0]
    assert "L’essentiel" in first
    # Projects with their maturity.
    assert "Ouvrir un food-truck de cuisine du monde" in first
    assert "À construire" in first
    assert "Auxiliaire de cuisine" in first and "Défini" in first
    # Blocking and important barriers, the most serious first; not the light one.
    assert "Sans solution d'hébergement à la sortie." in first
    assert "Carte d'identité périmée." in first
    assert first.index("BLOQUANT") < first.index("IMPORTANT")
    assert "LÉGER" not in first
    # Points of attention.
    assert "Anxiété en groupe : privilégier les entretiens individuels." in first
    # The details come after, from the second page.
    assert "1. Déroulement" not in first
    assert "1. Déroulement" in pages[1]


def test_the_orientations_are_ordered_by_priority_with_their_service(rich_synthesis):
    first = page_texts(render_synthesis_pdf(rich_synthesis))[0]
    ordered = [
        "Session de cuisine en septembre",  # prioritaire
        "Atelier d'écriture",  # importante (the text order of a table follows its rows)
        "Liste des ateliers",  # à envisager
    ]
    positions = [first.index(text) for text in ordered]
    assert positions == sorted(positions)
    assert first.index("PRIORITAIRE") < first.index("IMPORTANTE") < first.index("À ENVISAGER")
    for service in (
        "Formation professionnelle",
        "Unité locale d'enseignement",
        "Service du travail / concessionnaire",
        "CPIP (plan de sortie)",
    ):
        assert service in first

    orientations = synthesis_context(rich_synthesis)["essentials"]["orientations"]
    assert [(o["label"], o["priority"], o["service"]) for o in orientations] == [
        ("Formation professionnelle", "Prioritaire", "Formation professionnelle"),
        ("Lutte contre l'illettrisme", "Importante", "Unité locale d'enseignement"),
        ("Accès aux droits", "Importante", "CPIP (plan de sortie)"),
        ("Travail en détention", "À envisager", "Service du travail / concessionnaire"),
    ]


def test_withheld_sections_appear_nowhere_not_even_in_the_essentials(
    detainee_fresnes, interviewer_fresnes
):
    interview = rich_interview(
        detainee=detainee_fresnes,
        interviewer=interviewer_fresnes,
        withheld=[Section.PROJECTS, Section.BARRIERS, Section.RECOMMENDATIONS],
    )
    interview = validate(with_orientations(interview), interviewer_fresnes)
    synthesis = interview.syntheses.get()
    data = render_synthesis_pdf(synthesis)
    text = pdf_text(data)
    for secret in (
        "food-truck",
        "Auxiliaire de cuisine",
        "Sans solution d'hébergement",
        "Carte d'identité périmée",
        "BLOQUANT",
        "Anxiété en groupe",
        "Renouvellement de la carte d'identité",
        "Session de cuisine en septembre",
        "Atelier d'écriture",
        "Liste des ateliers",
        "Unité locale d'enseignement",
        "Service du travail",
        "CPIP (plan de sortie)",
        "Personne motivée, au projet cohérent",  # the conclusion
    ):
        assert secret not in text, secret
    first = page_texts(data)[0]
    assert "L’essentiel" in first
    assert "Non transmis à la demande de la personne." in first
    assert "Non transmises à la demande de la personne." in first
    essentials = synthesis_context(synthesis)["essentials"]
    assert essentials["projects"] == essentials["barriers"] == essentials["orientations"] == []
    assert essentials["attention"] == ""
    # What is shared is still there.
    assert "CAP Cuisine" in text


def test_the_interviewer_is_named_as_intervenant_afpa(rich_synthesis, interviewer_fresnes):
    data = render_synthesis_pdf(rich_synthesis)
    first = page_texts(data)[0]
    name = interviewer_fresnes.get_full_name()
    assert f"Intervenant·e Afpa {name}" in first
    text = pdf_text(data)
    assert f"Synthèse établie par {name}, intervenant·e Afpa" in text
    assert "Conclusion de l'intervenant·e Afpa" in text
    assert "intervieweur" not in text.lower()


def test_a_version_frozen_without_interviewer_names_who_validated_it(
    detainee_fresnes, interviewer_fresnes
):
    """The content is frozen before the validation records its author as the interviewer."""
    interview = fill_interview(InterviewFactory(draft=True, detainee=detainee_fresnes))
    assert interview.interviewer_id is None
    interview = validate(interview, interviewer_fresnes)
    synthesis = interview.syntheses.get()
    assert synthesis.version.content["interviewer"] == ""
    synthesis.refresh_from_db()  # the version is read by the rendering
    first = page_texts(render_synthesis_pdf(synthesis))[0]
    assert f"Intervenant·e Afpa {interviewer_fresnes.get_full_name()}" in first
    assert "Non renseigné" not in first


def test_enumerated_values_keep_their_labels_and_no_word_is_cut(
    detainee_fresnes, interviewer_fresnes
):
    interview = rich_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes)
    sectors = Sector.values
    Experience.objects.bulk_create(
        Experience(
            interview=interview,
            job_title=f"Poste {number}",
            sector=sectors[number % len(sectors)],
            start_month=9,
            start_year=2000 + number,
            end_month=12,
            end_year=2000 + number,
            contract=contract,
        )
        for number, contract in enumerate(Contract.values)
    )
    interview = validate(interview, interviewer_fresnes)
    text = pdf_text(render_synthesis_pdf(interview.syntheses.get()))
    # A label cut inside a word would read "Apprentissa ge" here.
    for label in [*Contract.labels, *Sector.labels[: len(Contract.values)]]:
        assert label in text, label
    assert "CDD" in text and "cdd" not in text
    assert "septembre 2009 – décembre 2009" in text


def test_aucune_agrees_with_feminine_nouns(detainee_fresnes, interviewer_fresnes):
    interview = fill_interview(
        InterviewFactory(draft=True, detainee=detainee_fresnes, interviewer=interviewer_fresnes)
    )
    interview.professional_licences = []
    interview.driving_licences = []
    interview.save()
    interview = validate(interview, interviewer_fresnes)
    synthesis = interview.syntheses.get()
    # Validation asks for an orientation: a version without any is made by emptying its table.
    version = synthesis.version
    for section in version.content["sections"]:
        for table in section["tables"]:
            if table["caption"] == "Orientations préconisées":
                table["rows"] = []
    version.save(update_fields=["content"])
    synthesis.refresh_from_db()
    data = render_synthesis_pdf(synthesis)
    first = page_texts(data)[0]
    assert "Aucune orientation préconisée." in first
    assert "Aucun projet indiqué." in first
    assert "Aucun frein bloquant ni important." in first
    assert "Aucun point de vigilance indiqué." in first
    text = pdf_text(data)
    assert "Habilitations Aucune" in text
    assert "Permis de conduire Aucun" in text
    assert "Aucun habilitation" not in text and "Aucun orientation" not in text
