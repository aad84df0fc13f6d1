"""What every list view shares: its page of rows, and the answer (the page, or its htmx fragment).

One URL serves the page and the fragment its filters redraw (STYLE.md §11, §26).
"""

from collections.abc import Callable, Sequence

from django.core.paginator import Page, Paginator
from django.shortcuts import render

PAGE_SIZE = 50


def wants_fragment(request) -> bool:
    """An htmx request redraws the results only; not a history restore (the back button after
    `hx-push-url`, the page missing from htmx's cache): that one needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def page_or_fragment(request, template: str, context: dict, *, fragment: str):
    """The whole page, or its `fragment` (a `{% partialdef %}` of the template) for htmx."""
    if wants_fragment(request):
        template = f"{template}#{fragment}"
    return render(request, template, context)


def page_of(request, rows, *, per_page: int = PAGE_SIZE) -> Page:
    """The page the query string asks for (`?page=`); a bad or past number gives the first or
    the last page, never an error."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


class RowsByIds(Sequence):
    """Rows for a paginator when counting them, ordering them and loading them cost differently:
    `count` is known, `ids` is the ordered queryset of their primary keys (only what the order
    needs), and `load(ids)` fetches the rows of one page with everything they show.

    Slicing it costs two queries (a page of ids, then their rows), whatever the total.
    """

    def __init__(self, *, count: int, ids, load: Callable[[list], list]):
        self._count = count
        self._ids = ids
        self._load = load

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = list(self._ids[index])
        if not ids:
            return []
        by_id = {row.pk: row for row in self._load(ids)}
        return [by_id[pk] for pk in ids if pk in by_id]
