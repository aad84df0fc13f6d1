"""The synthesis PDF (entretiens.pdf): what the prison teams read, and what WeasyPrint may fetch."""

import io

import pytest
from pypdf import PdfReader

from entretiens import pdf
from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    Confidence,
    Contract,
    DiplomaLevel,
    Horizon,
    Maturity,
    OrientationKind,
    Priority,
    ProjectKind,
    Section,
    Sector,
    SoftSkill,
    WorkHistory,
)
from entretiens.models import (
    BarrierAssessment,
    Diploma,
    Experience,
    KnowHow,
    Orientation,
    Project,
    SoftSkillRating,
    Synthesis,
)
from entretiens.pdf import PdfResourceRefused, html_to_pdf, render_synthesis_pdf
from entretiens.services import interview_rectify, interview_validate
from tests.factories import InterviewFactory, fill_interview, validated_interview

FOOTER = "Document confidentiel — usage exclusif des équipes pénitentiaires"


def rich_interview(*, detainee, interviewer, withheld=()):
    """A draft interview with something in every section (several rows of each kind)."""
    interview = fill_interview(
        InterviewFactory(draft=True, detainee=detainee, interviewer=interviewer)
    )
    interview.place = "Bureau du service de l'emploi, bâtiment B"
    interview.tools = ["frise", "photolangage"]
    interview.informed_of_sharing = True
    interview.withheld_sections = list(withheld)
    interview.schooling_end_age = 17
    interview.french_reading = "a_laise"
    interview.french_writing = "difficultes"
    interview.french_speaking = "a_laise"
    interview.languages = "Français, arabe, notions d'anglais"
    interview.digital_skills = "base"
    interview.driving_licences = ["code"]
    interview.professional_licences = ["haccp", "sst"]
    interview.work_history = WorkHistory.YES
    interview.last_activity = "Commis de cuisine en intérim dans la restauration collective."
    interview.interests = "Cuisine, football en club, dessin."
    interview.points_of_attention = (
        "Anxiété en groupe : privilégier les entretiens individuels.\n"
        "Souhaite garder le lien avec sa fille de 6 ans."
    )
    interview.conclusion = (
        "Personne motivée, au projet cohérent avec son expérience en cuisine. "
        "Une formation qualifiante pendant la détention, puis un accompagnement "
        "vers l'emploi à la sortie, paraissent réalistes."
    )
    interview.save()
    Diploma.objects.bulk_create(
        [
            Diploma(
                interview=interview, title="CAP Cuisine", level=DiplomaLevel.LEVEL_3, year=2009
            ),
            Diploma(
                interview=interview,
                title="Titre professionnel agent de restauration",
                level=DiplomaLevel.CERTIFICATE,
                year=2016,
            ),
        ]
    )
    Experience.objects.bulk_create(
        [
            Experience(
                interview=interview,
                job_title="Commis de cuisine",
                sector=Sector.HOSPITALITY,
                start_month=9,
                start_year=2010,
                end_month=6,
                end_year=2014,
                contract=Contract.CDI,
                details="Brasserie de 120 couverts, préparation froide et plonge.",
            ),
            Experience(
                interview=interview,
                job_title="Préparatrice de commandes",
                sector=Sector.LOGISTICS,
                start_month=3,
                start_year=2015,
                end_month=12,
                end_year=2017,
                contract=Contract.TEMPORARY,
                details="Missions successives en entrepôt, travail de nuit.",
            ),
            Experience(
                interview=interview,
                job_title="Agente de restauration collective",
                sector=Sector.HOSPITALITY,
                start_month=2,
                start_year=2018,
                end_month=10,
                end_year=2023,
                contract=Contract.CDD,
            ),
        ]
    )
    KnowHow.objects.bulk_create(
        [
            KnowHow(interview=interview, label="Préparations froides"),
            KnowHow(interview=interview, label="Règles d'hygiène en cuisine"),
        ]
    )
    SoftSkillRating.objects.bulk_create(
        [
            SoftSkillRating(
                interview=interview, skill=SoftSkill.TEAMWORK, confidence=Confidence.VERY
            ),
            SoftSkillRating(
                interview=interview, skill=SoftSkill.STRESS, confidence=Confidence.LITTLE
            ),
        ]
    )
    Project.objects.bulk_create(
        [
            Project(
                interview=interview,
                kind=ProjectKind.QUALIFYING_TRAINING,
                target="Ouvrir un food-truck de cuisine du monde",
                horizon=Horizon.AT_RELEASE,
                maturity=Maturity.TO_BUILD,
                next_steps="Rencontrer le conseiller de la chambre des métiers.",
            ),
            Project(
                interview=interview,
                kind=ProjectKind.PRISON_WORK,
                target="Auxiliaire de cuisine",
                horizon=Horizon.DURING,
                maturity=Maturity.DEFINED,
            ),
        ]
    )
    BarrierAssessment.objects.filter(interview=interview, category=BarrierCategory.HOUSING).update(
        level=BarrierLevel.BLOCKING, details="Sans solution d'hébergement à la sortie."
    )
    BarrierAssessment.objects.filter(interview=interview, category=BarrierCategory.PAPERS).update(
        level=BarrierLevel.SIGNIFICANT, details="Carte d'identité périmée."
    )
    BarrierAssessment.objects.filter(interview=interview, category=BarrierCategory.DIGITAL).update(
        level=BarrierLevel.LIGHT
    )
    Orientation.objects.create(
        interview=interview,
        kind=OrientationKind.RIGHTS,
        priority=Priority.MEDIUM,
        details="Renouvellement de la carte d'identité",
    )
    return interview


def validate(interview, by):
    interview_validate(interview=interview, by=by, lock_version=None)
    interview.refresh_from_db()
    return interview


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def rendered(detainee_fresnes, interviewer_fresnes):
    interview = validate(
        rich_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes),
        interviewer_fresnes,
    )
    return render_synthesis_pdf(interview.syntheses.get())


def test_the_pdf_holds_every_section_the_person_and_the_frise(rendered, interviewer_fresnes):
    assert rendered.startswith(b"%PDF-")
    text = pdf_text(rendered)
    for _code, title in Section.choices:
        assert title in text
    assert "LEFÈVRE Hélène" in text
    assert "24001" in text
    assert "Centre pénitentiaire de Fresnes" in text
    assert "Synthèse de l’entretien socio-professionnel" in text
    assert "page 1 /" in text
    assert FOOTER in text
    assert "Frise chronologique du parcours" in text
    assert "Version texte de la frise" in text
    assert "Préparatrice de commandes" in text  # an experience, on the frise and in its table
    assert "Sans solution d'hébergement à la sortie." in text
    assert "3 freins relevés : 1 bloquant, 1 important, 1 léger." in text
    assert interviewer_fresnes.get_full_name() in text
    assert "remplace la version" not in text
    assert "non transmise" not in text


def test_every_page_has_the_header_and_the_footer(rendered):
    reader = PdfReader(io.BytesIO(rendered))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"page {number} / {pages}" in text
        assert FOOTER in text
        assert "Centre pénitentiaire de Fresnes" in text
        assert "LEFÈVRE Hélène · écrou 24001" in text


def structure(node, seen=None):
    """The (type, alternate text) of every element of a tagged PDF's structure tree."""
    seen = set() if seen is None else seen
    node = node.get_object()
    if id(node) in seen or not hasattr(node, "get"):
        return []
    seen.add(id(node))
    found = [(node.get("/S"), node.get("/Alt"))] if "/S" in node else []
    kids = node.get("/K")
    if kids is not None:
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") or isinstance(kid, dict):
                found += structure(kid, seen)
    return found


def test_the_frise_is_drawn_as_a_figure_in_marianne(rendered):
    reader = PdfReader(io.BytesIO(rendered))
    elements = structure(reader.trailer["/Root"]["/StructTreeRoot"])
    assert ("/Figure", "Frise chronologique du parcours") in elements
    assert "/Table" in {kind for kind, _ in elements}
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("Marianne" in name for name in fonts)


def test_document_metadata_and_tags(rendered, interviewer_fresnes):
    reader = PdfReader(io.BytesIO(rendered))
    assert reader.metadata.title == "Synthèse — LEFÈVRE Hélène — version 1"
    assert reader.metadata.author == interviewer_fresnes.get_full_name()
    assert "LEFÈVRE Hélène" in reader.metadata.subject
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "fr"
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]


def test_a_withheld_section_is_announced_and_its_content_left_out(
    detainee_fresnes, interviewer_fresnes
):
    interview = validate(
        rich_interview(
            detainee=detainee_fresnes,
            interviewer=interviewer_fresnes,
            withheld=[Section.PROJECTS, Section.WORK],
        ),
        interviewer_fresnes,
    )
    text = pdf_text(render_synthesis_pdf(interview.syntheses.get()))
    assert "Section non transmise à la demande de la personne" in text
    assert "Projets envisageables" in text and "Parcours professionnel" in text
    assert "food-truck" not in text
    assert "Rencontrer le conseiller" not in text
    # The jobs are left out of the tables and of the frise alike.
    assert "Préparatrice de commandes" not in text
    assert "Brasserie de 120 couverts" not in text
    assert "« Parcours professionnel » et « Projets envisageables »" in text
    assert "ne figurent pas sur la frise" in text
    # What was shared is still there.
    assert "CAP Cuisine" in text
    assert "Sans solution d'hébergement à la sortie." in text


def test_a_minimal_interview_without_interviewer(detainee_fresnes):
    interview = validated_interview(detainee=detainee_fresnes)
    data = render_synthesis_pdf(interview.syntheses.get())
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.author == "Insertion"
    text = pdf_text(data)
    assert "Aucune expérience indiquée." in text
    assert "Aucun frein relevé." in text
    assert "Frise chronologique du parcours" in text
    assert "page 1 / " in text


def test_a_rectified_version_says_which_version_it_replaces(detainee_fresnes, interviewer_fresnes):
    interview = validate(
        rich_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes),
        interviewer_fresnes,
    )
    interview_rectify(
        interview=interview, by=interviewer_fresnes, reason="Date de fin de contrat erronée"
    )
    interview = validate(interview, interviewer_fresnes)
    second = interview.syntheses.get(number=2)
    data = render_synthesis_pdf(second)
    text = pdf_text(data)
    assert "Cette synthèse remplace la version 1" in text
    assert "Date de fin de contrat erronée" in text
    assert PdfReader(io.BytesIO(data)).metadata.title.endswith("— version 2")
    assert "remplace" not in pdf_text(render_synthesis_pdf(interview.syntheses.get(number=1)))


def test_html_typed_in_an_answer_is_printed_as_text(detainee_fresnes, interviewer_fresnes):
    interview = rich_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes)
    interview.conclusion = "<b>Motivée</b> & <script>alert(1)</script>"
    interview.save()
    Experience.objects.create(
        interview=interview,
        job_title='<img src="https://example.org/x.png">Livreur',
        start_year=2024,
        contract=Contract.CDD,
    )
    interview = validate(interview, interviewer_fresnes)
    # Rendering succeeds: the <img> is text, nothing is fetched.
    text = pdf_text(render_synthesis_pdf(interview.syntheses.get()))
    assert "<b>Motivée</b> & <script>alert(1)</script>" in text
    assert '<img src="https://example.org/x.png">Livreur' in text


def test_rendering_reads_no_query_beyond_the_version(detainee_fresnes, interviewer_fresnes):
    interview = validate(
        rich_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes),
        interviewer_fresnes,
    )
    synthesis = Synthesis.objects.get(interview=interview)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        render_synthesis_pdf(synthesis)
    assert len(queries) == 1  # the frozen version; everything else is in its content


def test_the_stylesheet_and_fonts_kept_between_renderings_change_nothing(
    detainee_fresnes, interviewer_fresnes, monkeypatch
):
    """The print stylesheet and its fonts are prepared once per process and thread
    (entretiens.pdf._PrintStyles): the first rendering, another document, then the same
    synthesis again give the same bytes."""
    monkeypatch.setattr(pdf, "_print_styles", pdf._PrintStyles())  # as in a new process
    interview = validate(
        rich_interview(detainee=detainee_fresnes, interviewer=interviewer_fresnes),
        interviewer_fresnes,
    )
    synthesis = interview.syntheses.get()
    first = render_synthesis_pdf(synthesis)
    html_to_pdf('<html lang="fr"><head><title>Essai</title></head><body><p>Autre</p></body></html>')
    assert render_synthesis_pdf(synthesis) == first


def test_the_fetcher_serves_the_allowed_static_files():
    data = html_to_pdf(
        '<html lang="fr"><head><title>Essai</title>'
        '<link rel="stylesheet" href="static:css/synthesis-print.css"></head>'
        "<body><p>Bonjour</p></body></html>"
    )
    assert "Bonjour" in pdf_text(data)


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="https://example.org/x.png" alt="x">',
        '<img src="http://127.0.0.1:1/x.png" alt="x">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        "<style>@import url('https://example.org/a.css');</style>",
        "<style>p { background: url('file:///etc/passwd'); }</style>",
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">',
        '<img src="static:../../../etc/passwd" alt="x">',
        '<link rel="stylesheet" href="static:css/insertion.css">',  # static, not allowed
        '<img src="x.png" alt="x"><base href="https://example.org/">',
    ],
)
def test_any_other_url_makes_the_rendering_fail(markup):
    with pytest.raises(PdfResourceRefused):
        html_to_pdf(f'<html lang="fr"><head><title>Essai</title></head><body>{markup}<p>x</p>')
