"""National steering reads aggregates only: counts from 1 to 4 are masked ("< 5")."""

import re

import pytest
from django.urls import reverse

from insertion.core.templatetags.statistics_tags import masked
from tests.factories import DetaineeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "shown"), [(0, 0), (1, "< 5"), (4, "< 5"), (5, 5), (1200, 1200), ("—", "—")]
)
def test_small_counts_are_masked(value, shown):
    assert masked(value) == shown
    assert masked(value, False) == value


def test_the_national_page_masks_counts_under_five(client, national_user, fresnes, lyon):
    DetaineeFactory.create_batch(3, establishment=fresnes)
    DetaineeFactory.create_batch(7, establishment=lyon)
    client.force_login(national_user)
    content = client.get(reverse("dashboard:national")).content.decode()
    cells = re.findall(r'<td class="fr-cell--right">(?:<strong>)?([^<]+)', content)
    assert "&lt; 5" in cells and "7" in cells and "3" not in cells
    assert "10" in content  # the national total is not small


def test_managers_see_their_exact_counts(client, manager_fresnes, fresnes):
    DetaineeFactory.create_batch(3, establishment=fresnes)
    client.force_login(manager_fresnes)
    content = client.get(reverse("dashboard:establishments")).content.decode()
    assert "&lt; 5" not in content
    assert re.search(r'<td class="fr-cell--right">3</td>', content)
