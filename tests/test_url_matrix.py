"""The access matrix, generated from the project's URL patterns (issue 6, least privilege).

Every URL pattern of the project is declared in MATRIX with the roles that may use it; the test
fails when a URL is added without its line. For each URL: anonymous → the login page; each role
→ through (anything but 403, 404, 500) or 403; for a URL about an object of Fresnes, a user of
another prison with a role that may use it → 404. The roles of a URL take turns on one world,
each request undone after it (`as_each`). POST-only URLs are tried with an empty POST
(refused as invalid by the allowed roles, never carried out). The back-office (`admin:`) has its
own checks: staff status, model permissions and establishment scoping (tests/test_admin.py).
"""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from entretiens.choices import Priority, SynthesisStatus
from entretiens.models import Synthesis
from insertion.establishments.models import RecipientRole, SynthesisRecipient
from insertion.imports.models import (
    Divergence,
    FileKind,
    ImportRow,
    ImportRun,
    RowEvent,
    RowStatus,
    RunSource,
    RunStatus,
)
from insertion.person.services import release_date_change
from insertion.placements.choices import OfferKind, RequestOrigin
from insertion.placements.models import Offer
from insertion.placements.services import request_create
from insertion.release.models import ReleaseAlert
from insertion.release.services import referent_assign
from tests.factories import (
    AgreementFactory,
    CompanyContactFactory,
    CompanyFactory,
    DetaineeFactory,
    InterviewFactory,
    OfferFactory,
    ReferralFactory,
    UserFactory,
    validated_interview,
)

pytestmark = pytest.mark.django_db

ROLES = ("cpip", "interviewer", "prison_team", "manager", "national", "partnerships")
EVERYONE = frozenset(ROLES)
PERSON_READERS = frozenset({"cpip", "interviewer", "manager"})
INTERVIEW_READERS = frozenset({"cpip", "interviewer", "manager", "prison_team"})
PLACEMENT_KEEPERS = frozenset({"prison_team", "manager"})
PARTNER_KEEPERS = frozenset({"partnerships"})
REFERRAL_KEEPERS = frozenset({"partnerships", "cpip", "manager"})


@dataclass(frozen=True)
class Route:
    allowed: frozenset
    method: str = "get"
    target: str | None = None  # the object of Fresnes the URL is about (see `world`)
    public: bool = False


def _detainee(w):
    return {"pk": w["person"].pk}


def _milestone(w):
    return {"pk": w["person"].pk, "milestone_pk": w["milestone"].pk}


MATRIX = {
    "accounts:home": Route(EVERYONE),
    "accounts:login": Route(EVERYONE, public=True),
    "accounts:logout": Route(EVERYONE, method="post"),
    "accounts:otp_verify": Route(EVERYONE),
    "accounts:otp_setup": Route(EVERYONE),
    "accounts:otp_backup_codes": Route(EVERYONE),
    "accounts:charter": Route(EVERYONE),
    "accounts:password_change": Route(EVERYONE),
    "detainees:list": Route(PERSON_READERS),
    "person:detail": Route(PERSON_READERS, target="person"),
    "caseload:dashboard": Route(frozenset({"cpip", "manager"})),
    "caseload:export": Route(frozenset({"cpip", "manager"})),
    "caseload:team": Route(frozenset({"manager"})),
    "caseload:reassign": Route(frozenset({"manager"}), method="post"),
    # Plan writes: the CPIP referent only; the release: the referent and the managers.
    "person:milestone_create": Route(frozenset({"cpip"}), method="post", target="person"),
    "person:milestone_status": Route(frozenset({"cpip"}), method="post", target="milestone"),
    "person:milestone_edit": Route(frozenset({"cpip"}), method="post", target="milestone"),
    "person:milestone_reorder": Route(frozenset({"cpip"}), method="post", target="milestone"),
    "person:milestone_note": Route(frozenset({"cpip"}), method="post", target="milestone"),
    "person:contact_create": Route(frozenset({"cpip"}), method="post", target="person"),
    "person:alert_mark_seen": Route(frozenset({"cpip"}), method="post", target="alert"),
    "person:release_record": Route(frozenset({"cpip", "manager"}), target="person"),
    "dashboard:establishments": Route(frozenset({"manager"})),
    "dashboard:national": Route(frozenset({"national"})),
    "dashboard:indicators": Route(frozenset({"national", "manager"})),
    "dashboard:indicators_export": Route(frozenset({"national", "manager"}), target="export"),
    "dashboard:indicators_report": Route(frozenset({"national", "manager"})),
    "dashboard:indicators_subscription": Route(frozenset({"national"}), method="post"),
    "establishments:recipients": Route(frozenset({"manager"})),
    "establishments:recipient_add": Route(frozenset({"manager"}), target="establishment"),
    "establishments:recipient_edit": Route(frozenset({"manager"}), target="recipient"),
    "establishments:recipient_remove": Route(frozenset({"manager"}), target="recipient"),
    "entretiens:syntheses": Route(frozenset({"prison_team", "manager"})),
    "entretiens:synthesis_pdf": Route(
        frozenset({"prison_team", "manager", "interviewer", "cpip"}), target="synthesis"
    ),
    "entretiens:worklist": Route(frozenset({"interviewer"})),
    "entretiens:interview": Route(INTERVIEW_READERS, target="validated"),
    "entretiens:verify": Route(frozenset({"interviewer"}), target="draft"),
    "entretiens:validate": Route(frozenset({"interviewer"}), method="post", target="draft"),
    "entretiens:rectify": Route(frozenset({"interviewer"}), target="validated"),
    "entretiens:postpone": Route(frozenset({"interviewer"}), target="draft"),
    "entretiens:not_done": Route(frozenset({"interviewer"}), target="draft"),
    "entretiens:reopen": Route(frozenset({"interviewer"}), target="draft"),
    "imports:list": Route(frozenset({"manager"})),
    "imports:upload": Route(frozenset({"manager"}), method="post"),
    "imports:run": Route(frozenset({"manager"}), target="import_run"),
    "imports:progress": Route(frozenset({"manager"}), target="import_run"),
    "imports:apply": Route(frozenset({"manager"}), method="post", target="import_run"),
    "imports:cancel": Route(frozenset({"manager"}), target="import_run"),
    "imports:rejected": Route(frozenset({"manager"}), target="import_run"),
    "imports:review": Route(frozenset({"manager"})),
    "imports:review_row": Route(frozenset({"manager"}), target="import_row"),
    "imports:review_divergence": Route(frozenset({"manager"}), target="divergence"),
    "person:request_create": Route(frozenset({"cpip", "manager"}), method="post", target="person"),
    "person:request_withdraw": Route(
        frozenset({"cpip", "manager"}), method="post", target="person_request"
    ),
    "placements:queue": Route(PLACEMENT_KEEPERS),
    "placements:waiting_list": Route(PLACEMENT_KEEPERS, target="offer_kind"),
    "placements:request_create": Route(PLACEMENT_KEEPERS),
    "placements:request_detail": Route(PLACEMENT_KEEPERS, target="placement_request"),
    **{
        f"placements:request_{action}": Route(
            PLACEMENT_KEEPERS, method="post", target="placement_request"
        )
        for action in ("examine", "allocate", "refuse", "withdraw", "finish", "rank")
    },
    "placements:offers": Route(PLACEMENT_KEEPERS),
    "placements:offer_create": Route(PLACEMENT_KEEPERS),
    "placements:offer_edit": Route(PLACEMENT_KEEPERS, target="offer"),
    "placements:offer_deactivate": Route(PLACEMENT_KEEPERS, target="offer"),
    "placements:offer_reactivate": Route(PLACEMENT_KEEPERS, target="offer"),
    "partners:companies": Route(PARTNER_KEEPERS),
    "partners:company_create": Route(PARTNER_KEEPERS),
    "partners:company_detail": Route(PARTNER_KEEPERS, target="partner_company"),
    "partners:company_edit": Route(PARTNER_KEEPERS, target="partner_company"),
    "partners:company_deactivate": Route(PARTNER_KEEPERS, target="partner_company"),
    "partners:company_reactivate": Route(PARTNER_KEEPERS, target="partner_company"),
    "partners:contact_add": Route(PARTNER_KEEPERS, target="partner_company"),
    "partners:contact_remove": Route(PARTNER_KEEPERS, target="partner_contact"),
    "partners:offers": Route(PARTNER_KEEPERS),
    "partners:offer_create": Route(PARTNER_KEEPERS, target="partner_company"),
    "partners:offer_edit": Route(PARTNER_KEEPERS, target="partner_offer"),
    "partners:offer_deactivate": Route(PARTNER_KEEPERS, target="partner_offer"),
    "partners:offer_reactivate": Route(PARTNER_KEEPERS, target="partner_offer"),
    "partners:offer_matches": Route(PARTNER_KEEPERS, target="partner_offer"),
    "partners:offer_transmissions": Route(PARTNER_KEEPERS, target="partner_offer"),
    "partners:profile_send": Route(PARTNER_KEEPERS, target="partner_send"),
    "partners:profile_preview": Route(PARTNER_KEEPERS, target="partner_send"),
    # The person's agreement: their CPIP or a manager of their establishment (issue 16).
    "partners:agreement_create": Route(frozenset({"cpip", "manager"}), target="person"),
    "partners:agreement_withdraw": Route(
        frozenset({"cpip", "manager"}), target="partner_agreement"
    ),
    # The referrals and their steps: the officers, the CPIP and the managers (issue 16).
    "partners:referral_create": Route(REFERRAL_KEEPERS, target="partner_send"),
    "partners:referral_step": Route(REFERRAL_KEEPERS, target="partner_referral"),
}

# How each kind of object goes into its URL.
KWARGS = {
    None: lambda w: {},
    "person": _detainee,
    "milestone": _milestone,
    "alert": lambda w: {"pk": w["person"].pk, "alert_pk": w["alert"].pk},
    "establishment": lambda w: {"establishment_pk": w["fresnes"].pk},
    "recipient": lambda w: {"pk": w["recipient"].pk},
    "synthesis": lambda w: {"pk": w["synthesis"].pk},
    "validated": lambda w: {"pk": w["validated"].pk},
    "draft": lambda w: {"pk": w["draft"].pk},
    "import_run": lambda w: {"pk": w["import_run"].pk},
    "import_row": lambda w: {"pk": w["import_row"].pk},
    "divergence": lambda w: {"pk": w["divergence"].pk},
    "placement_request": lambda w: {"pk": w["placement_request"].pk},
    "person_request": lambda w: {"pk": w["person"].pk, "request_pk": w["placement_request"].pk},
    "offer": lambda w: {"pk": w["offer"].pk},
    "offer_kind": lambda w: {"kind": OfferKind.TRAINING},
    "partner_company": lambda w: {"pk": w["partner_company"].pk},
    "partner_contact": lambda w: {
        "pk": w["partner_company"].pk,
        "contact_pk": w["partner_contact"].pk,
    },
    "partner_offer": lambda w: {"pk": w["partner_offer"].pk},
    "partner_send": lambda w: {"pk": w["partner_offer"].pk, "detainee_pk": w["person"].pk},
    "partner_agreement": lambda w: {"pk": w["person"].pk, "agreement_pk": w["agreement"].pk},
    "partner_referral": lambda w: {"pk": w["referral"].pk},
    "export": lambda w: {"slug": "etablissements-entretiens", "file_format": "csv"},
}
# Targets that name no object of Fresnes: a user of another prison reaches their own (a waiting
# list of their establishment, a table of their indicators), not a 404.
NOT_OBJECTS = {"offer_kind", "export"}
# Not ours: Django's back-office (its own checks) and the favicon redirect (public, no data).
OUTSIDE = {"admin"}


def project_url_names() -> set[str]:
    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner in OUTSIDE:
                    continue
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns, None))


@pytest.fixture
def world(fresnes, lyon, cpip_fresnes, interviewer_fresnes, manager_fresnes, milestone_kinds):
    """A person of Fresnes followed by cpip_fresnes, with a plan, an alert, a validated interview
    and its synthesis PDF; a draft interview of another person; a synthesis recipient."""
    today = timezone.localdate()
    person = DetaineeFactory(
        establishment=fresnes, expected_release_date=today + datetime.timedelta(200)
    )
    referent_assign(detainee=person, referent=cpip_fresnes)
    release_date_change(
        detainee=person, new_date=today + datetime.timedelta(100), reason="reduction"
    )
    validated = validated_interview(detainee=person, by=interviewer_fresnes)
    synthesis = validated.syntheses.get()
    synthesis.pdf.save("matrice.pdf", io.BytesIO(b"%PDF-1.7 fictif"), save=False)
    Synthesis.objects.filter(pk=synthesis.pk).update(
        pdf=synthesis.pdf.name, status=SynthesisStatus.DELIVERED, sha256="0" * 64
    )
    draft = InterviewFactory(draft=True, detainee=DetaineeFactory(establishment=fresnes))
    recipient = SynthesisRecipient.objects.create(
        establishment=fresnes,
        email="direction@fresnes.test.insertion.fr",
        role=RecipientRole.DIRECTION,
    )
    import_run = ImportRun.objects.create(
        establishment=fresnes,
        kind=FileKind.SNAPSHOT,
        source=RunSource.UPLOAD,
        status=RunStatus.PREVIEWED,
        filename="presents.csv",
        sha256="1" * 64,
    )
    # The review queue's items: a departure held for a decision, a divergence.
    leaving = DetaineeFactory(establishment=fresnes, national_id="GEN0000099")
    import_row = ImportRow.objects.create(
        run=import_run,
        event=RowEvent.DEPARTURE,
        status=RowStatus.HELD,
        national_id="GEN0000099",
        detainee=leaving,
    )
    divergence = Divergence.objects.create(
        detainee=leaving, run=import_run, field="dlp", source_value="2027-01-01"
    )
    # A request of the person (the validated interview opened their training one), an offer.
    placement_request = request_create(
        detainee=person,
        offer_kind=OfferKind.WORK,
        priority=Priority.MEDIUM,
        origin=RequestOrigin.TEAM,
        by=None,
    )
    offer = Offer.objects.create(
        establishment=fresnes,
        kind=OfferKind.TRAINING,
        title="CAP Cuisine",
        service="Responsable local de formation",
        places=8,
        permanent=True,
    )
    # A partner company of Fresnes (issue 16), its contact and its offer.
    partner_company = CompanyFactory(name="Entreprise fictive de Fresnes", establishments=[fresnes])
    partner_contact = CompanyContactFactory(company=partner_company)
    partner_offer = OfferFactory(company=partner_company)
    # The person's agreement that their profile goes to that company.
    agreement = AgreementFactory(detainee=person, company=partner_company)
    # The person put forward for the offer (« proposé »).
    referral = ReferralFactory(agreement=agreement, offer=partner_offer)
    return {
        "fresnes": fresnes,
        "lyon": lyon,
        "placement_request": placement_request,
        "offer": offer,
        "import_run": import_run,
        "import_row": import_row,
        "divergence": divergence,
        "person": person,
        "milestone": person.release_plan.milestones.order_by("position").first(),
        "alert": ReleaseAlert.objects.get(detainee=person),
        "validated": validated,
        "synthesis": synthesis,
        "draft": draft,
        "recipient": recipient,
        "partner_company": partner_company,
        "partner_contact": partner_contact,
        "partner_offer": partner_offer,
        "agreement": agreement,
        "referral": referral,
    }


@pytest.fixture
def fresnes_users(
    cpip_fresnes,
    interviewer_fresnes,
    prison_team_fresnes,
    manager_fresnes,
    national_user,
    fresnes,
):
    # The partnerships officer is made here rather than in conftest.py: the modules that
    # borrow this fixture (test_audit_coverage.py…) need no other name.
    partnerships_fresnes = UserFactory(
        partnerships=True, email="partenariats.fresnes@test.insertion.fr", establishments=[fresnes]
    )
    return {
        "cpip": cpip_fresnes,
        "interviewer": interviewer_fresnes,
        "prison_team": prison_team_fresnes,
        "manager": manager_fresnes,
        "national": national_user,
        "partnerships": partnerships_fresnes,
    }


def url_of(name: str, world) -> str:
    return reverse(name, kwargs=KWARGS[MATRIX[name].target](world))


def call(client, name: str, world):
    url = url_of(name, world)
    response = getattr(client, MATRIX[name].method)(url)
    if getattr(response, "streaming", False):
        # A served file (the synthesis PDF), read to the end: the test client then closes it
        # without closing the database connection the test runs in (a bare close() would).
        b"".join(response.streaming_content)
    return response, url


def test_every_url_of_the_project_is_in_the_matrix():
    names = project_url_names()
    assert names - set(MATRIX) == set(), "URL sans ligne dans la matrice d'accès"
    assert set(MATRIX) - names == set(), "ligne de la matrice sans URL"


@pytest.mark.parametrize("name", sorted(n for n, route in MATRIX.items() if not route.public))
def test_anonymous_is_sent_to_the_login_page(client, world, name):
    response, url = call(client, name, world)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def as_each(client, name: str, world, users: dict) -> dict:
    """{who: status} of the URL for each user in turn, on the same world: each request is undone
    after it (a savepoint rolled back), so one world serves every user of a URL — building it
    once per URL and role was a tenth of the whole suite."""
    answers = {}
    for who, user in users.items():
        with transaction.atomic():
            client.force_login(user)
            response, _ = call(client, name, world)
            answers[who] = response.status_code
            transaction.set_rollback(True)
    return answers


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_is_let_through_or_forbidden(client, world, fresnes_users, name):
    allowed = MATRIX[name].allowed
    answers = as_each(client, name, world, {role: fresnes_users[role] for role in ROLES})
    wrong = {
        role: status
        for role, status in answers.items()
        if (status in (403, 404, 500) if role in allowed else status != 403)
    }
    assert wrong == {}, f"allowed: {sorted(allowed)}"


OBJECT_CASES = sorted(
    name
    for name, route in MATRIX.items()
    if route.target and route.target not in NOT_OBJECTS and route.allowed - {"national"}
)


@pytest.mark.parametrize("name", OBJECT_CASES)
def test_a_user_of_another_prison_gets_404(client, world, name):
    roles = sorted(MATRIX[name].allowed - {"national"})
    others = {role: UserFactory(role=role, establishments=[world["lyon"]]) for role in roles}
    answers = as_each(client, name, world, others)
    assert answers == dict.fromkeys(roles, 404)
