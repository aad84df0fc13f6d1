"""The batch of the delivery measure (insertion/bench/delivery.py): a fictional establishment
("Établissement de mesure (bench)", three recipients on a reserved domain), `size` people
admitted there with an interview filled as an interviewer would, validated in one transaction;
and its removal, rows and PDF files, so that the bench leaves nothing behind.
"""

import datetime
import time

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    Confidence,
    Contract,
    DiplomaLevel,
    EducationLevel,
    Horizon,
    InterviewStatus,
    Maturity,
    OrientationKind,
    Priority,
    ProjectKind,
    Sector,
    SoftSkill,
    WorkHistory,
)
from entretiens.models import (
    BarrierAssessment,
    Diploma,
    Experience,
    Interview,
    KnowHow,
    Orientation,
    Project,
    SoftSkillRating,
    Synthesis,
    synthesis_storage,
)
from entretiens.services import interview_validate
from insertion.accounts.models import Role, User
from insertion.detainees.models import Detainee, LegalStatus, OffenceCategory, Sex
from insertion.establishments.models import (
    Establishment,
    EstablishmentKind,
    RecipientRole,
    Region,
    SynthesisRecipient,
)
from insertion.person.services import detainee_admit

ESTABLISHMENT_NAME = "Établissement de mesure (bench)"
REGION_CODE = "BENCH"
REGION_NAME = "Direction interrégionale de mesure (bench)"
# A reserved domain (RFC 2606): nothing sent there can reach anybody.
DOMAIN = "bench.insertion.invalid"
RECIPIENTS = [
    (RecipientRole.DIRECTION, "direction"),
    (RecipientRole.EDUCATION, "enseignement"),
    (RecipientRole.WORK, "travail"),
]


def batch_remove() -> None:
    """Delete whatever a run of the bench created: its establishment and everything in it, the
    PDF files, its accounts and its region."""
    establishment = Establishment.objects.filter(name=ESTABLISHMENT_NAME).first()
    if establishment is not None:
        syntheses = Synthesis.objects.filter(establishment=establishment)
        storage = synthesis_storage()
        for name in syntheses.exclude(pdf="").values_list("pdf", flat=True).order_by("pk"):
            storage.delete(name)
        syntheses.delete()
        Interview.objects.filter(establishment=establishment).delete()
        Detainee.objects.filter(establishment=establishment).delete()
        establishment.delete()  # its recipients and the accounts' links go with it
    User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    Region.objects.filter(code=REGION_CODE).delete()


def batch_create(*, size: int) -> tuple[Establishment, User]:
    """The fictional establishment, its three recipients, an interviewer, and `size` people
    admitted there, whose interviews are filled and ready to validate (not validated)."""
    today = timezone.localdate()
    region = Region.objects.create(code=REGION_CODE, name=REGION_NAME)
    establishment = Establishment.objects.create(
        name=ESTABLISHMENT_NAME,
        kind=EstablishmentKind.MAISON_ARRET,
        region=region,
        department="00",
        city="Mesure",
        capacity=max(size, 1),
        interview_rollout_date=today - datetime.timedelta(days=365),
    )
    SynthesisRecipient.objects.bulk_create(
        SynthesisRecipient(establishment=establishment, email=f"{local}@{DOMAIN}", role=role)
        for role, local in RECIPIENTS
    )
    interviewer = User.objects.create_user(
        f"intervenant@{DOMAIN}",
        first_name="Camille",
        last_name="Mesure",
        role=Role.INTERVIEWER,
    )  # no password: the account cannot log in
    interviewer.establishments.set([establishment])

    arrival = today - datetime.timedelta(days=10)
    for number in range(size):
        detainee_admit(
            establishment=establishment,
            ecrou_number=f"B{number + 1:05d}",
            last_name=f"Mesure{number + 1}",
            first_name="Dominique",
            birth_date=datetime.date(1990, 5, 17),
            sex=Sex.MALE if number % 2 else Sex.FEMALE,
            arrival_date=arrival,
            legal_status=LegalStatus.SENTENCED,
            offence_category=OffenceCategory.MISDEMEANOUR,
            expected_release_date=today + datetime.timedelta(days=300),
        )
    interviews = Interview.objects.filter(establishment=establishment)
    if interviews.count() != size:
        raise CommandError(
            f"{interviews.count()} entretiens ouverts pour {size} admissions dans "
            f"« {ESTABLISHMENT_NAME} »."
        )
    _fill(interviews, interviewer=interviewer, conducted_on=today - datetime.timedelta(days=1))
    return establishment, interviewer


def _fill(interviews, *, interviewer: User, conducted_on: datetime.date) -> None:
    """Answers of an ordinary interview: what validation requires (tests/factories.py,
    fill_interview) and a few rows of each kind, so that each PDF is a typical synthesis."""
    interviews.update(
        status=InterviewStatus.DRAFT,
        started_at=timezone.now(),
        interviewer=interviewer,
        conducted_on=conducted_on,
        duration_minutes=60,
        place="Bureau de l'Afpa",
        informed_of_sharing=True,
        education_level=EducationLevel.LEVEL_3,
        work_history=WorkHistory.YES,
        languages="Français",
        interests="Cuisine, football.",
        points_of_attention="Préfère les entretiens individuels.",
        conclusion="Personne motivée par une formation en cuisine, projet cohérent.",
    )
    ids = list(interviews.values_list("pk", flat=True).order_by("pk"))
    levels = {BarrierCategory.HOUSING: BarrierLevel.SIGNIFICANT}
    BarrierAssessment.objects.bulk_create(
        BarrierAssessment(
            interview_id=pk, category=category, level=levels.get(category, BarrierLevel.NONE)
        )
        for pk in ids
        for category in BarrierCategory.values
    )
    Orientation.objects.bulk_create(
        Orientation(interview_id=pk, kind=kind, priority=priority)
        for pk in ids
        for kind, priority in [
            (OrientationKind.VOCATIONAL_TRAINING, Priority.HIGH),
            (OrientationKind.RIGHTS, Priority.MEDIUM),
        ]
    )
    Diploma.objects.bulk_create(
        Diploma(interview_id=pk, title="CAP Cuisine", level=DiplomaLevel.LEVEL_3, year=2010)
        for pk in ids
    )
    Experience.objects.bulk_create(
        Experience(
            interview_id=pk,
            job_title=job_title,
            sector=sector,
            start_month=1,
            start_year=start,
            end_month=12,
            end_year=start + 3,
            contract=contract,
        )
        for pk in ids
        for job_title, sector, start, contract in [
            ("Commis de cuisine", Sector.HOSPITALITY, 2011, Contract.CDI),
            ("Préparateur de commandes", Sector.LOGISTICS, 2016, Contract.TEMPORARY),
        ]
    )
    KnowHow.objects.bulk_create(
        KnowHow(interview_id=pk, label="Règles d'hygiène en cuisine") for pk in ids
    )
    SoftSkillRating.objects.bulk_create(
        SoftSkillRating(interview_id=pk, skill=SoftSkill.TEAMWORK, confidence=Confidence.VERY)
        for pk in ids
    )
    Project.objects.bulk_create(
        Project(
            interview_id=pk,
            kind=ProjectKind.QUALIFYING_TRAINING,
            target="Cuisinier en restauration collective",
            horizon=Horizon.AT_RELEASE,
            maturity=Maturity.DEFINED,
        )
        for pk in ids
    )


def batch_validate(*, establishment: Establishment, by: User) -> float:
    """Validate every interview of the batch in one transaction; return the moment (epoch
    seconds) its commit released the renderings to the broker."""
    started: list[float] = []
    with transaction.atomic():
        # Registered first, so it runs first after the commit, before the 200 enqueueings.
        transaction.on_commit(lambda: started.append(time.time()))
        for interview in Interview.objects.filter(establishment=establishment).order_by("pk"):
            interview_validate(interview=interview, by=by, lock_version=None)
    return started[0]
