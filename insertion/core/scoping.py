"""Who reaches which rows: one rule for every queryset scoped to establishments (DESIGN.md §2).

The user is read through the attributes every account has (`is_authenticated`, `is_superuser`,
`sees_all_establishments`, `establishment_ids`), so the ground floor needs no import of the
accounts app.
"""

from django.db.models import QuerySet


def scoped_to_establishments(queryset: QuerySet, user, path: str) -> QuerySet:
    """Rows whose `path` leads to one of the user's establishments.

    Superusers reach everything; national steering reaches no row of a person (aggregates
    only); anonymous users reach nothing.
    """
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.sees_all_establishments:
        return queryset.none()
    return queryset.filter(**{f"{path}__in": user.establishment_ids})
