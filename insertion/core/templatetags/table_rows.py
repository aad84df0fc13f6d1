"""The rows of the steering tables, written in Python: a national table has a line per
establishment (about 190) and several columns, and the template language's loops cost more than
the rest of the page (each `{% for %}` and `{{ }}` resolves its variables through the context).
Same markup as a template would write, every value escaped."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

RIGHT_CELL = '<td class="fr-cell--right">'


@register.simple_tag
def stat_table_bodies(table) -> str:
    """The `<tbody>` of each group of a table (insertion/dashboard/indicators/tables.py
    StatTable): the group's title as a heading line over the table's width, then its lines,
    a total line in bold."""
    html = []
    for group in table.groups:
        html.append("<tbody>")
        if group.title:
            html.append(
                f'<tr><th scope="colgroup" colspan="{int(table.width)}">'
                f"{conditional_escape(group.title)}</th></tr>"
            )
        for row in group.rows:
            if row.total:
                html.append(f'<tr><th scope="row">{conditional_escape(row.label)}</th>')
                html.extend(
                    f"{RIGHT_CELL}<strong>{conditional_escape(cell)}</strong></td>"
                    for cell in row.cells
                )
            else:
                html.append(
                    f'<tr><th scope="row" class="fr-text--regular">'
                    f"{conditional_escape(row.label)}</th>"
                )
                html.extend(f"{RIGHT_CELL}{conditional_escape(cell)}</td>" for cell in row.cells)
            html.append("</tr>")
        html.append("</tbody>")
    return mark_safe("".join(html))  # noqa: S308 — every value above is escaped


@register.simple_tag
def chart_table_rows(rows) -> str:
    """The lines of a chart's data table (insertion/core/charts.py): a heading, then cells."""
    html = []
    for row in rows:
        html.append(f'<tr><th scope="row">{conditional_escape(row.header)}</th>')
        html.extend(f"{RIGHT_CELL}{conditional_escape(cell)}</td>" for cell in row.cells)
        html.append("</tr>")
    return mark_safe("".join(html))  # noqa: S308 — every value above is escaped
