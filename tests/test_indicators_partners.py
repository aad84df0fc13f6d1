"""The steering pages' section « Entreprises partenaires » (issue 16): companies and open offers
on the day, and over the period the persons' agreements, the profiles sent, the people put
forward and the hires — by DISP with statistical secrecy for national steering, by establishment
and exact for a manager; in the page, its exports and the report alike.

The world, in the last full month M (and the month before, B):
  DISP de Paris  Fresnes  M: 6 agreements, 5 profiles sent, 5 people put forward, 2 hired
  DISP de Lyon   Lyon     M: 7 agreements, 6 sent, 6 put forward, 5 hired; B: 3 agreements
One active company tied to each establishment, one open offer each.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from insertion.partners.choices import ReferralStatus, TransmissionStatus
from insertion.partners.models import ReferralEvent
from insertion.statistics import snapshot
from tests.factories import (
    AgreementFactory,
    CompanyFactory,
    DetaineeFactory,
    OfferFactory,
    ProfileTransmissionFactory,
    ReferralFactory,
)
from tests.indicators_world import TODAY, M, month_before
from tests.test_indicators_page import SECRET, page, row

URL = reverse("dashboard:indicators")
TABLE = "entreprises-partenaires"
B = month_before(M)


def activity(establishment, month, *, agreements, sent=0, proposed=0, hired=0):
    company = CompanyFactory(establishments=[establishment])
    offer = OfferFactory(company=company, opens_on=TODAY - datetime.timedelta(days=400))
    day = month + datetime.timedelta(days=9)
    noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    made = []
    for _ in range(agreements):
        person = DetaineeFactory(establishment=establishment)
        made.append(AgreementFactory(detainee=person, company=company, agreed_on=day))
    for agreement in made[:sent]:
        ProfileTransmissionFactory(
            agreement=agreement, offer=offer, status=TransmissionStatus.SENT, sent_at=noon
        )
    for index, agreement in enumerate(made[:proposed]):
        referral = ReferralFactory(agreement=agreement, offer=offer, on=day)
        if index < hired:
            ReferralEvent.objects.create(referral=referral, status=ReferralStatus.HIRED, on=day)


@pytest.fixture
def partners_world(fresnes, lyon):
    activity(fresnes, M, agreements=6, sent=5, proposed=5, hired=2)
    activity(lyon, M, agreements=7, sent=6, proposed=6, hired=5)
    activity(lyon, B, agreements=3)
    snapshot.refresh([B, M], today=TODAY)


def test_national_steering_reads_the_partners_by_disp_with_secrecy(
    client, national_user, partners_world
):
    content = page(client, national_user, periode=f"{M:%Y-%m}")
    assert "Entreprises partenaires" in content
    # Companies, offers (on the day, twice the one of B's company for Lyon), agreements, sent,
    # put forward, hired: Paris's 2 hires are secret, and Lyon's 5 beside the total's 7.
    assert row(content, "DISP de Paris", TABLE) == ["1", "1", "6", "5", "5", SECRET]
    assert row(content, "DISP de Lyon", TABLE) == ["2", "2", "7", "6", "6", SECRET]
    assert row(content, "Total national", TABLE) == ["3", "3", "13", "11", "11", "7"]
    assert 'id="definition-partenaires"' in content


def test_a_month_hidden_stays_hidden_over_a_longer_period(client, national_user, partners_world):
    before = page(client, national_user, periode=f"{B:%Y-%m}")
    assert row(before, "DISP de Lyon", TABLE)[2] == SECRET  # 3 agreements in B
    both = page(client, national_user, periode="perso", debut=f"{B:%Y-%m}", fin=f"{M:%Y-%m}")
    # 10 over both months would give B's 3 back (10 − 7): hidden, and the total that B's page
    # hides too (16 − 6 would be Lyon's 10).
    assert row(both, "DISP de Lyon", TABLE)[2] == SECRET
    assert row(both, "Total national", TABLE)[2] == SECRET
    assert row(both, "DISP de Paris", TABLE)[2] == "6"


def test_a_manager_reads_their_establishments_exactly(client, manager_fresnes, partners_world):
    content = page(client, manager_fresnes, periode=f"{M:%Y-%m}")
    assert row(content, "Centre pénitentiaire de Fresnes", TABLE) == ["1", "1", "6", "5", "5", "2"]
    assert (
        "Lyon" not in content.split('id="tableau-entreprises-partenaires"')[1].split("</table>")[0]
    )


def test_the_export_carries_the_same_cells(client, national_user, partners_world):
    client.force_login(national_user)
    response = client.get(
        reverse("dashboard:indicators_export", args=[TABLE, "csv"]), {"periode": f"{M:%Y-%m}"}
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "DISP de Paris;1;1;6;5;5;secret" in text
    assert "Total national;3;3;13;11;11;7" in text
