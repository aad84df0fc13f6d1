"""National steering reads aggregates only, under statistical secrecy (issue 11, point 2).

A count from 1 to 4 is never shown, nor any figure, totals included, from which one could be
recomputed; managers keep the exact counts of their own establishments.
"""

import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insertion.core.secrecy import secret_cells
from insertion.core.templatetags.statistics_tags import HIDDEN_MARK, figure
from insertion.dashboard.statistics import (
    MEASURES,
    CountsTable,
    EstablishmentCounts,
    by_region_with_secrecy,
)
from tests.factories import DetaineeFactory, EstablishmentFactory, RegionFactory

# ---------------------------------------------------------------------------------------------
# An exact reader of the page: every completion of the hidden cells that agrees with what is shown


def _tighten(domains, constraints):
    """Bounds propagation to a fixpoint; False when some cell has no value left."""
    changed = True
    while changed:
        changed = False
        for kind, left, right in constraints:
            if kind == "sum":
                parts_low = sum(domains[p][0] for p in right)
                parts_high = sum(domains[p][1] for p in right)
                total_low, total_high = domains[left]
                updates = [(left, parts_low, parts_high)]
                for part in right:
                    part_low, part_high = domains[part]
                    others_low, others_high = parts_low - part_low, parts_high - part_high
                    updates.append((part, total_low - others_high, total_high - others_low))
            else:  # left <= right
                updates = [(left, domains[left][0], domains[right][1])]
                updates.append((right, domains[left][0], domains[right][1]))
            for cell, low, high in updates:
                old_low, old_high = domains[cell]
                new = (max(old_low, low), min(old_high, high))
                if new[0] > new[1]:
                    return False
                if new != (old_low, old_high):
                    domains[cell] = new
                    changed = True
    return True


def _completion_exists(domains, constraints) -> bool:
    """Complete search (propagate, then split the narrowest open domain in two)."""
    domains = dict(domains)
    if not _tighten(domains, constraints):
        return False
    open_cells = [c for c, (low, high) in domains.items() if low < high]
    if not open_cells:
        return True
    cell = min(open_cells, key=lambda c: domains[c][1] - domains[c][0])
    low, high = domains[cell]
    middle = (low + high) // 2
    return any(
        _completion_exists({**domains, cell: half}, constraints)
        for half in ((low, middle), (middle + 1, high))
    )


def _recoverable_cells(values, hidden, sums, at_most) -> set:
    """The hidden cells that take one value in every completion a reader can make.

    The reader knows every shown value exactly, every displayed sum, that a hidden cell is at
    least 1 (zeros are shown, so a hidden cell is never 0), and the pairs `a <= b` (people
    releasing soon are among the people held). Hidden cells all carry one mark, so the reader
    cannot tell a hidden 1-4 from a cell hidden to protect it: its domain is 1 and more, not
    1 to 4. The reader is not assumed to reverse-engineer the order in which the rule picked the
    complementary cells. The search caps hidden values at twice the largest count plus 5: any
    completion found is a real one, so a cell reported safe is safe; a cap too low could only
    make this checker report a safe cell as recoverable, never the reverse.
    """
    cap = 2 * max(values.values(), default=0) + 5
    constraints = [("sum", total, parts) for total, parts in sums]
    constraints += [("at_most", small, large) for small, large in at_most]
    base = {c: ((1, cap) if c in hidden else (v, v)) for c, v in values.items()}
    recoverable = set()
    for cell in hidden:
        value = values[cell]
        other_values = [(1, value - 1), (value + 1, cap)]
        if not any(
            low <= high and _completion_exists({**base, cell: (low, high)}, constraints)
            for low, high in other_values
        ):
            recoverable.add(cell)
    return recoverable


def test_the_reader_recovers_a_small_count_from_its_total_and_the_other_count():
    values = {"total": 10, "a": 3, "b": 7}
    sums = [("total", ["a", "b"])]
    assert _recoverable_cells(values, {"a"}, sums, []) == {"a"}
    assert _recoverable_cells(values, {"a", "b"}, sums, []) == set()
    # Two hidden 1s under a shown 2: each is 1, since a hidden cell is never 0.
    assert _recoverable_cells({"t": 2, "a": 1, "b": 1}, {"a", "b"}, [("t", ["a", "b"])], []) == {
        "a",
        "b",
    }


def test_the_reader_uses_that_releases_are_among_the_people_held():
    # Held: 1 + 7 = 8 with both hidden; releasing soon in the second: 7, shown. So the second
    # holds at least 7 people, and the first exactly 1.
    values = {"held": 8, "held_a": 1, "held_b": 7, "rel": 8, "rel_a": 1, "rel_b": 7}
    sums = [("held", ["held_a", "held_b"]), ("rel", ["rel_a", "rel_b"])]
    pairs = [("rel_a", "held_a"), ("rel_b", "held_b")]
    hidden = {"held_a", "held_b", "rel_a"}
    assert "held_a" in _recoverable_cells(values, hidden, sums, pairs)
    assert _recoverable_cells(values, secret_cells(values, sums, pairs), sums, pairs) == set()


# ---------------------------------------------------------------------------------------------
# The rule itself


def test_a_line_with_one_small_count_hides_its_smallest_other_count():
    values = {"total": 31, "a": 3, "b": 8, "c": 20}
    assert secret_cells(values, [("total", ["a", "b", "c"])]) == {"a", "b"}


def test_zeros_are_shown_and_never_chosen_to_hide_another_count():
    values = {"total": 23, "a": 3, "b": 0, "c": 20}
    assert secret_cells(values, [("total", ["a", "b", "c"])]) == {"a", "c"}


def test_a_hidden_total_is_protected_in_the_line_above():
    values = {"nation": 38, "paris": 3, "lyon": 35, "fresnes": 3, "corbas": 35}
    sums = [("nation", ["paris", "lyon"]), ("paris", ["fresnes"]), ("lyon", ["corbas"])]
    assert secret_cells(values, sums) == {"paris", "fresnes", "lyon", "corbas"}


def test_tables_that_are_not_trees_of_sums_are_refused():
    with pytest.raises(ValueError, match="not the sum"):
        secret_cells({"t": 4, "a": 1, "b": 1}, [("t", ["a", "b"])])
    with pytest.raises(ValueError, match="one line only"):
        secret_cells({"t": 2, "u": 2, "a": 2}, [("t", ["a"]), ("u", ["a"])])


def _page_table(draw_rows):
    regions = {}
    rows = []
    for pk, (region_index, held, arrivals, releases) in enumerate(draw_rows, start=1):
        region = regions.setdefault(region_index, SimpleNamespace(name=f"DISP {region_index}"))
        establishment = SimpleNamespace(pk=pk, region=region)
        rows.append(EstablishmentCounts(establishment, held, arrivals, min(releases, held)))
    rows.sort(key=lambda row: row.establishment.region.name)
    return CountsTable(rows=rows)


def _displayed(table, regions):
    """What the national page displays, read back from the objects the template reads."""
    values, hidden, sums, pairs = {}, set(), [], []

    def show(key, counts, measure):
        values[key] = getattr(counts, measure)
        if figure(counts, measure) == HIDDEN_MARK:
            hidden.add(key)

    for measure in MEASURES:
        show(("nation", measure), table.total, measure)
        sums.append((("nation", measure), [(name, measure) for name in range(len(regions))]))
        for index, (_region, counts) in enumerate(regions):
            show((index, measure), counts.total, measure)
            parts = []
            for row in counts.rows:
                show((index, row.establishment.pk, measure), row, measure)
                parts.append((index, row.establishment.pk, measure))
            sums.append(((index, measure), parts))
    for index, (_region, counts) in enumerate(regions):
        for row in counts.rows:
            pk = row.establishment.pk
            pairs.append(((index, pk, "releases_soon"), (index, pk, "held")))
    return values, hidden, sums, pairs


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(0, 40))
page_rows = st.lists(
    st.tuples(st.integers(0, 2), small_counts, small_counts, small_counts), min_size=1, max_size=6
)


# Derandomised: the same 400 examples on every run, so the complete search takes a known time
# (a random draw once made it run for minutes) and a failure is reproducible.
@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(page_rows)
def test_no_hidden_count_of_the_national_page_can_be_recomputed(draw_rows):
    """Up to 6 establishments in up to 3 regions, 3 measures, region and national totals."""
    table = _page_table(draw_rows)
    regions = by_region_with_secrecy(table)
    values, hidden, sums, pairs = _displayed(table, regions)
    assert {cell for cell, value in values.items() if 0 < value < 5} <= hidden
    assert all(values[cell] > 0 for cell in hidden)
    assert _recoverable_cells(values, hidden, sums, pairs) == set()


# ---------------------------------------------------------------------------------------------
# The pages


def _figures(content: str) -> list[str]:
    """Every count the page displays: table cells and the national counters."""
    cells = re.findall(r'<td class="fr-cell--right">(?:<strong>)?([^<]+)', content)
    counters = re.findall(r'<p class="insertion-counter fr-mb-0">([^<]+)', content)
    return [text.strip() for text in cells + counters]


def test_a_small_count_cannot_be_recomputed_from_the_national_total(
    client, national_user, fresnes, lyon
):
    # Fresnes alone in its region, Lyon alone in its: 10 people held, 3 of them in Fresnes.
    DetaineeFactory.create_batch(3, establishment=fresnes)
    DetaineeFactory.create_batch(7, establishment=lyon)
    client.force_login(national_user)
    figures = _figures(client.get(reverse("dashboard:national")).content.decode())
    assert HIDDEN_MARK in figures and "10" in figures
    # 7 shown beside a national 10 would give away Fresnes's 3.
    assert "7" not in figures and "3" not in figures


def test_a_small_count_cannot_be_recomputed_from_its_region_total(
    client, national_user, fresnes, lyon
):
    paris = fresnes.region
    melun, meaux = EstablishmentFactory.create_batch(2, region=paris)
    for establishment, held in ((fresnes, 3), (melun, 8), (meaux, 20), (lyon, 7)):
        DetaineeFactory.create_batch(held, establishment=establishment)
    client.force_login(national_user)
    figures = _figures(client.get(reverse("dashboard:national")).content.decode())
    # The region total 31 stays; 8 is hidden with the 3, since 31 - 20 - 8 = 3.
    assert "31" in figures and "20" in figures and "38" in figures
    assert "8" not in figures and "3" not in figures
    assert figures.count(HIDDEN_MARK) == 2


def test_national_users_never_see_a_count_from_1_to_4(client, national_user, fresnes, lyon):
    DetaineeFactory.create_batch(2, establishment=fresnes)
    DetaineeFactory(establishment=lyon)
    client.force_login(national_user)
    figures = _figures(client.get(reverse("dashboard:national")).content.decode())
    assert figures and not {"1", "2", "3", "4"} & set(figures)


def test_managers_see_their_exact_counts(client, manager_fresnes, fresnes):
    DetaineeFactory.create_batch(3, establishment=fresnes)
    client.force_login(manager_fresnes)
    content = client.get(reverse("dashboard:establishments")).content.decode()
    assert HIDDEN_MARK not in _figures(content)
    assert re.search(r'<td class="fr-cell--right">3</td>', content)


@pytest.mark.parametrize("establishments", [2, 6])
def test_the_national_page_query_count_does_not_grow_with_hidden_counts(
    client, national_user, establishments
):
    regions = RegionFactory.create_batch(2)
    for index in range(establishments):
        establishment = EstablishmentFactory(region=regions[index % 2])
        DetaineeFactory.create_batch(1 + index % 4, establishment=establishment)
    client.force_login(national_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:national"))
    assert response.status_code == 200
    assert HIDDEN_MARK in _figures(response.content.decode())
    assert len(queries) == 6  # as without secrecy: the rule runs on the counts in memory


def test_a_count_hidden_elsewhere_starts_hidden_and_is_made_safe():
    # 50 = 30 + 20: nothing small. The 20 is hidden in another table of the page (the same
    # count): here it starts hidden, and the 30 beside it is hidden so that 50 - 30 does not
    # give it back.
    values = {"total": 50, "a": 30, "b": 20}
    sums = [("total", ["a", "b"])]
    assert secret_cells(values, sums) == set()
    hidden = secret_cells(values, sums, hidden={"b"})
    assert hidden == {"a", "b"}
    assert _recoverable_cells(values, hidden, sums, []) == set()


def test_a_zero_hidden_elsewhere_stays_shown_and_unknown_cells_are_ignored():
    values = {"total": 30, "a": 30, "b": 0}
    assert secret_cells(values, [("total", ["a", "b"])], hidden={"b", "elsewhere"}) == set()
