import datetime

import factory
from django.utils import timezone

from entretiens.choices import (
    BarrierCategory,
    BarrierLevel,
    EducationLevel,
    InterviewStatus,
    NotDoneReason,
    OrientationKind,
    Priority,
    WorkHistory,
)
from entretiens.models import BarrierAssessment, Interview, Orientation
from insertion.accounts.models import Role, User
from insertion.detainees.models import (
    Detainee,
    Incarceration,
    LegalStatus,
    OffenceCategory,
    ReleaseDateChange,
    ReleaseDateChangeReason,
    SentenceArrangement,
    Sex,
)
from insertion.establishments.models import (
    Establishment,
    EstablishmentKind,
    ProbationService,
    Region,
)
from insertion.partners.choices import (
    DEFAULT_SHARED_ITEMS,
    EngagementKind,
    OfferKind,
    OfferSetting,
    ReferralStatus,
)
from insertion.partners.models import (
    Agreement,
    Company,
    CompanyContact,
    Offer,
    ProfileTransmission,
    Referral,
    ReferralEvent,
)
from insertion.partners.siret import luhn_ok

PASSWORD = "mot-de-passe-de-test-2026"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"DISP de test {n}")


class ProbationServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProbationService

    department = factory.Sequence(lambda n: f"{n % 900 + 1:02d}")
    name = factory.LazyAttribute(lambda o: f"SPIP {o.department}")
    region = factory.SubFactory(RegionFactory)


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    name = factory.Sequence(lambda n: f"Maison d'arrêt de test {n}")
    kind = EstablishmentKind.MAISON_ARRET
    region = factory.SubFactory(RegionFactory)
    department = "94"
    city = "Ville"
    capacity = 500
    interview_rollout_date = datetime.date(2025, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@test.insertion.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    role = Role.CPIP
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    # Accepted at a first login, long ago (tests of the charter create users without it).
    charter_accepted_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def establishments(self, create, extracted, **kwargs):
        self.save()
        if create and extracted:
            self.establishments.set(extracted)

    class Params:
        cpip = factory.Trait(role=Role.CPIP)
        interviewer = factory.Trait(role=Role.INTERVIEWER)
        prison_team = factory.Trait(role=Role.PRISON_TEAM)
        manager = factory.Trait(role=Role.MANAGER)
        national = factory.Trait(role=Role.NATIONAL)
        partnerships = factory.Trait(role=Role.PARTNERSHIPS)
        admin = factory.Trait(role="", is_staff=True, is_superuser=True)


class DetaineeFactory(factory.django.DjangoModelFactory):
    """A person held, with their current stay and their initial DLP recorded."""

    class Meta:
        model = Detainee
        skip_postgeneration_save = True

    establishment = factory.SubFactory(EstablishmentFactory)
    ecrou_number = factory.Sequence(lambda n: f"{n + 10000}")
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    first_name = "Jean"
    birth_date = datetime.date(1990, 5, 17)
    sex = Sex.MALE
    legal_status = LegalStatus.SENTENCED
    offence_category = OffenceCategory.MISDEMEANOUR
    arrival_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=40))
    custody_start = factory.SelfAttribute("arrival_date")
    expected_release_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=200)
    )

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if not create:
            return
        Incarceration.objects.create(
            detainee=self,
            establishment=self.establishment,
            ecrou_number=self.ecrou_number,
            arrival_date=self.arrival_date,
        )
        if self.expected_release_date:
            ReleaseDateChange.objects.create(
                detainee=self,
                changed_on=self.arrival_date,
                new_date=self.expected_release_date,
                reason=ReleaseDateChangeReason.INITIAL,
            )


class SentenceArrangementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SentenceArrangement

    detainee = factory.SubFactory(DetaineeFactory)
    kind = "lsc"
    status = "requested"
    requested_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=5))


class InterviewFactory(factory.django.DjangoModelFactory):
    """The interview owed for a person's current stay (to do unless a trait says otherwise)."""

    class Meta:
        model = Interview

    detainee = factory.SubFactory(DetaineeFactory)
    incarceration = factory.LazyAttribute(
        lambda o: o.detainee.incarcerations.get(departure_date__isnull=True)
    )
    establishment = factory.SelfAttribute("detainee.establishment")
    arrival_date = factory.SelfAttribute("incarceration.arrival_date")
    due_date = factory.LazyAttribute(lambda o: o.arrival_date + datetime.timedelta(days=15))

    class Params:
        draft = factory.Trait(
            status=InterviewStatus.DRAFT, started_at=factory.LazyFunction(timezone.now)
        )
        not_done = factory.Trait(
            status=InterviewStatus.NOT_DONE,
            not_done_reason=NotDoneReason.REFUSAL,
            not_done_on=factory.LazyFunction(timezone.localdate),
        )


def fill_interview(interview: Interview) -> Interview:
    """Give an interview every answer validation requires (nothing more)."""
    interview.conducted_on = max(
        interview.arrival_date, timezone.localdate() - datetime.timedelta(days=1)
    )
    interview.duration_minutes = 60
    interview.education_level = EducationLevel.LEVEL_3
    interview.work_history = WorkHistory.NO
    interview.conclusion = "Personne motivée par une formation en cuisine."
    interview.save()
    BarrierAssessment.objects.bulk_create(
        BarrierAssessment(interview=interview, category=category, level=BarrierLevel.NONE)
        for category in BarrierCategory.values
    )
    Orientation.objects.create(
        interview=interview, kind=OrientationKind.VOCATIONAL_TRAINING, priority=Priority.HIGH
    )
    return interview


def validated_interview(*, by=None, **kwargs) -> Interview:
    """An interview filled and validated through the service (version 1)."""
    from entretiens.services import interview_validate

    interview = fill_interview(InterviewFactory(draft=True, **kwargs))
    interview_validate(interview=interview, by=by, lock_version=None)
    interview.refresh_from_db()
    return interview


def _siret(n: int) -> str:
    """A valid SIRET (Luhn key) for the n-th fictional company."""

    stem = f"9{n:012d}"
    return next(stem + str(key) for key in range(10) if luhn_ok(stem + str(key)))


class CompanyFactory(factory.django.DjangoModelFactory):
    """A partner company tied to `establishments` (a list; none by default)."""

    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Entreprise fictive {n}")
    siret = factory.Sequence(_siret)
    sector = "hotellerie"
    departments = factory.LazyFunction(lambda: ["94"])
    engagement = EngagementKind.CONVENTION

    @factory.post_generation
    def establishments(self, create, extracted, **kwargs):
        if create and extracted:
            self.establishments.set(extracted)


class CompanyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyContact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Contact fictif {n}")
    function = "Responsable du recrutement"
    email = factory.Sequence(lambda n: f"recrutement{n}@entreprise.test")


class OfferFactory(factory.django.DjangoModelFactory):
    """An offer at release in the Val-de-Marne, open since 1 January 2026."""

    class Meta:
        model = Offer

    company = factory.SubFactory(CompanyFactory)
    kind = OfferKind.JOB
    title = "Commis de cuisine"
    sector = "hotellerie"
    setting = OfferSetting.AT_RELEASE
    department = "94"
    city = "Créteil"
    places = 2
    opens_on = datetime.date(2026, 1, 1)


class AgreementFactory(factory.django.DjangoModelFactory):
    """A person's active agreement for any offer of a company of their establishment, sharing
    the default items (everything but the establishment's name)."""

    class Meta:
        model = Agreement

    detainee = factory.SubFactory(DetaineeFactory)
    company = factory.LazyAttribute(
        lambda o: CompanyFactory(establishments=[o.detainee.establishment])
    )
    offer = None
    shares = factory.LazyFunction(lambda: list(DEFAULT_SHARED_ITEMS))
    agreed_on = factory.LazyFunction(timezone.localdate)

    class Params:
        # Dated a second later: the row's own recording time is taken when it is saved.
        withdrawn = factory.Trait(
            withdrawn_at=factory.LazyFunction(
                lambda: timezone.now() + datetime.timedelta(seconds=1)
            )
        )


class ProfileTransmissionFactory(factory.django.DjangoModelFactory):
    """A profile owed (« à envoyer ») to a contact of the agreement's company, for an offer of
    that company."""

    class Meta:
        model = ProfileTransmission

    agreement = factory.SubFactory(AgreementFactory)
    offer = factory.LazyAttribute(
        lambda o: o.agreement.offer or OfferFactory(company=o.agreement.company)
    )
    contact = factory.LazyAttribute(lambda o: CompanyContactFactory(company=o.agreement.company))
    contact_name = factory.SelfAttribute("contact.name")
    email = factory.SelfAttribute("contact.email")
    shared_items = factory.LazyAttribute(lambda o: list(o.agreement.shares))


class ReferralFactory(factory.django.DjangoModelFactory):
    """A person put forward (« proposé », today) for an offer of their agreement's company; its
    history holds one step, at the referral's status, dated `on` (today unless told)."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    agreement = factory.SubFactory(AgreementFactory)
    offer = factory.LazyAttribute(
        lambda o: o.agreement.offer or OfferFactory(company=o.agreement.company)
    )
    detainee = factory.SelfAttribute("agreement.detainee")
    status = ReferralStatus.PROPOSED

    @factory.post_generation
    def on(referral, create, extracted, **kwargs):
        if create:
            ReferralEvent.objects.create(
                referral=referral,
                status=referral.status,
                on=extracted or timezone.localdate(),
                recorded_by=referral.created_by,
            )
