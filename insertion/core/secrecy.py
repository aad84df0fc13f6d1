"""Statistical secrecy: which published counts to hide so that no small count can be recovered.

Pure Python (standard library only) so that the rule reads, and is tested, apart from the pages.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence

# A count from 1 to 4 could point at a person; 5 and more, and 0, are shown. The pages read the
# setting STATISTICS_SMALLEST_SHOWN (this value by default) and pass it as `smallest`.
SMALLEST_SHOWN = 5


def secret_cells(
    values: Mapping[Hashable, int],
    sums: Sequence[tuple[Hashable, Sequence[Hashable]]],
    at_most: Iterable[tuple[Hashable, Hashable]] = (),
    hidden: Iterable[Hashable] = (),
    *,
    smallest: int = SMALLEST_SHOWN,
) -> set[Hashable]:
    """The cells of a published table to hide: small counts, and every cell giving one away.

    `values` maps every displayed cell (counts and totals alike) to its integer; `sums` lists the
    displayed sums as `(total, parts)`, each meaning `values[total] == sum(values[p] for p in
    parts)`; `at_most` lists pairs `(a, b)` of counts the reader knows to satisfy `a <= b` (people
    releasing soon are among the people held). A total is a cell of its own line: it can be
    hidden, and then it joins the line above it as an unknown. The sums form a tree (each cell is
    the total of at most one line and a part of at most one line); the pairs link counts that are
    not totals, each count in at most one pair.

    The rule:
    1. Primary secrecy: every cell from 1 to `smallest` − 1 (4 by default) is hidden, totals
       included.
    2. Zero is shown: "nobody" points at nobody. So a hidden cell is never 0, and the reader is
       assumed to know it (a hidden cell is at least 1); the rule protects against that reader.
    3. The reader knows every shown value, every sum, the pairs, and that hidden cells are at
       least 1; hidden cells all carry the same mark, so a hidden 3 and a hidden 120 look alike.
    4. The hidden counts under the nearest shown total (through hidden totals) share one known
       sum. A hidden cell is safe when what it stands for (itself, or the hidden counts under a
       hidden total) can take two values under that sum and the bounds: another hidden count
       shares the sum, and the shared sum is neither the least nor the greatest the bounds allow.
       Under no shown total (the top total hidden), a cell is safe when its bounds leave room.
    5. Secondary secrecy, repeated until every hidden cell is safe: for a hidden total all of
       whose parts are shown, hide its smallest non-zero part; for an unsafe hidden cell, hide the
       smallest non-zero shown part of the line of its nearest shown total, or that total itself
       when the line has none left. A line with exactly one hidden cell (total included) thus
       always gets a second one, and a line of hidden 1s gets a larger one to hide among.
    `hidden` names cells already hidden elsewhere (the same count in another table of the page):
    they start hidden as the small ones do, and are made safe alike. A 0 stays shown.
    For the bounds, a pair's other cell counts at its true value even when it is hidden: a safe
    approximation (a reader who does not know it can do less), which may hide a little more.
    """
    values, hidden_elsewhere = dict(values), set(hidden)
    parts = _lines(values, sums)
    parent = {part: total for total, line in parts.items() for part in line}
    low, high = _bounds(values, parts, at_most)
    order = {cell: index for index, cell in enumerate(values)}
    hidden = {cell for cell, value in values.items() if 0 < value < smallest}
    hidden |= {cell for cell in hidden_elsewhere if values.get(cell, 0) > 0}
    while True:
        cell = _next_to_hide(values, parts, parent, low, high, order, hidden)
        if cell is None:
            return hidden
        hidden.add(cell)


def _lines(values, sums) -> dict:
    parts, seen_parts = {}, set()
    for total, line in sums:
        line = list(line)
        if total in parts or not line:
            raise ValueError(f"{total!r}: a total has one non-empty line")
        if seen_parts.intersection(line) or len(set(line)) != len(line):
            raise ValueError(f"{total!r}: a cell is a part of one line only")
        if values[total] != sum(values[part] for part in line):
            raise ValueError(f"{total!r}: the total is not the sum of its parts")
        seen_parts.update(line)
        parts[total] = line
    if any(value < 0 for value in values.values()):
        raise ValueError("counts are never negative")
    parent = {part: total for total, line in parts.items() for part in line}
    for cell in values:
        above, steps = cell, 0
        while above in parent:
            above = parent[above]
            steps += 1
            if steps > len(parts):
                raise ValueError(f"{cell!r}: the sums loop")
    return parts


def _bounds(values, parts, at_most):
    low = dict.fromkeys(values, 1)
    high = dict.fromkeys(values)
    paired = set()
    for smaller, larger in at_most:
        if {smaller, larger} & paired or smaller in parts or larger in parts:
            raise ValueError("a pair links two counts that are not totals, each in one pair")
        if values[smaller] > values[larger]:
            raise ValueError(f"{smaller!r} is more than {larger!r}")
        paired |= {smaller, larger}
        high[smaller] = values[larger]
        low[larger] = max(1, values[smaller])
    return low, high


def _next_to_hide(values, parts, parent, low, high, order, hidden):
    def smallest_shown_part(total):
        shown = [p for p in parts[total] if p not in hidden and values[p] > 0]
        return min(shown, key=lambda p: (values[p], order[p])) if shown else None

    under = {}

    def counts_under(cell):
        if cell not in under:
            if cell in parts:
                found = set()
                for part in parts[cell]:
                    if part in hidden:
                        found |= counts_under(part)
                under[cell] = frozenset(found)
            else:
                under[cell] = frozenset({cell})
        return under[cell]

    def nearest_shown_total(cell):
        above = parent.get(cell)
        while above is not None and above in hidden:
            above = parent.get(above)
        return above

    ordered = sorted(hidden, key=order.__getitem__)
    for cell in ordered:
        if cell in parts and not counts_under(cell):
            part = smallest_shown_part(cell)
            if part is not None:
                return part
    pools = {}
    for cell in ordered:
        if cell not in parts:
            pools.setdefault(nearest_shown_total(cell), set()).add(cell)
    for cell in ordered:
        total = nearest_shown_total(cell)
        pool = pools.get(total, set()) if total is not None else None
        if _pinned(counts_under(cell), pool, values, low, high):
            if total is None:
                continue  # nothing above to hide: the top total is hidden already
            part = smallest_shown_part(total)
            return total if part is None else part
    return None


def _pinned(counts, pool, values, low, high) -> bool:
    """Whether the sum of `counts` has one possible value, knowing the sum of `pool` (or none)."""
    if not counts:
        return True
    least, most = _sum_bounds(counts, low, high)
    if pool is None:
        return most is not None and least == most
    rest = pool - counts
    rest_least, rest_most = _sum_bounds(rest, low, high)
    shared = sum(values[cell] for cell in pool)
    if rest_most is not None:
        least = max(least, shared - rest_most)
    most = shared - rest_least if most is None else min(most, shared - rest_least)
    return least == most


def _sum_bounds(cells, low, high):
    least = sum(low[cell] for cell in cells)
    most = None if any(high[cell] is None for cell in cells) else sum(high[c] for c in cells)
    return least, most
