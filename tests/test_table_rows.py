"""The steering tables' rows written in Python (insertion/core/templatetags/table_rows.py): the
markup the template wrote before, every value escaped."""

from types import SimpleNamespace as Obj

from django.template import Context, Template

from insertion.dashboard.indicators.tables import SECRET


def render(source: str, **context) -> str:
    return Template("{% load table_rows %}" + source).render(Context(context))


def test_a_group_has_its_heading_line_its_lines_and_its_total_in_bold():
    table = Obj(
        width=3,
        groups=[
            Obj(
                title="DISP de Paris",
                rows=[
                    Obj(label="Maison d'arrêt de Fresnes", total=False, cells=["12", SECRET]),
                    Obj(label="Total DISP de Paris", total=True, cells=["40", "75,0 %"]),
                ],
            ),
            Obj(title="", rows=[Obj(label="Total national", total=True, cells=["90", "80 %"])]),
        ],
    )
    html = render("{% stat_table_bodies table %}", table=table)
    assert html == (
        '<tbody><tr><th scope="colgroup" colspan="3">DISP de Paris</th></tr>'
        '<tr><th scope="row" class="fr-text--regular">Maison d&#x27;arrêt de Fresnes</th>'
        '<td class="fr-cell--right">12</td><td class="fr-cell--right">secret</td></tr>'
        '<tr><th scope="row">Total DISP de Paris</th>'
        '<td class="fr-cell--right"><strong>40</strong></td>'
        '<td class="fr-cell--right"><strong>75,0 %</strong></td></tr></tbody>'
        '<tbody><tr><th scope="row">Total national</th>'
        '<td class="fr-cell--right"><strong>90</strong></td>'
        '<td class="fr-cell--right"><strong>80 %</strong></td></tr></tbody>'
    )


def test_every_value_is_escaped():
    hostile = "<script>alert(1)</script>"
    table = Obj(
        width=2,
        groups=[Obj(title=hostile, rows=[Obj(label=hostile, total=False, cells=[hostile])])],
    )
    rows = [Obj(header=hostile, cells=[hostile])]
    for html in (
        render("{% stat_table_bodies table %}", table=table),
        render("{% chart_table_rows rows %}", rows=rows),
    ):
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_chart_data_line_is_a_heading_then_its_cells():
    rows = [Obj(header="nov. 2026", cells=["76,2 %", "1 736"])]
    assert render("{% chart_table_rows rows %}", rows=rows) == (
        '<tr><th scope="row">nov. 2026</th><td class="fr-cell--right">76,2 %</td>'
        '<td class="fr-cell--right">1 736</td></tr>'
    )
