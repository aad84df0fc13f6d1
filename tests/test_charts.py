"""The chart engine of the steering statistics (insertion.core.charts): the geometry of bars and
lines, hidden and incomputable figures, French numbers, escaping, determinism, the summary in
words, and the figure's template."""

import datetime
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from insertion.core.charts import (
    SECRET,
    Series,
    bar_chart,
    format_number,
    format_value,
    line_chart,
    lines,
    month_label,
    nice_ticks,
)
from insertion.core.charts.bars import PLOT_LEFT as BAR_LEFT
from insertion.core.charts.bars import PLOT_RIGHT as BAR_RIGHT
from insertion.core.charts.palette import INKS

NS = "{http://www.w3.org/2000/svg}"
NNBSP, NBSP = "\u202f", "\u00a0"
MONTHS = [datetime.date(2025 + (m // 12), m % 12 + 1, 1) for m in range(0, 13)]  # janv. 2025…


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, parsed to prove it is well-formed


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{NS}rect") if "data-series" in rect.attrib]


def texts(root: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in root.iter(f"{NS}text")]


def barriers(**overrides):
    arguments = {
        "title": "Freins par catégorie",
        "categories": ["Logement", "Santé", "Travail"],
        "series": [Series("Personnes concernées", [42.0, 10.5, 21.0], counts=[84, 21, 42])],
    }
    return bar_chart(**(arguments | overrides))


# --- Numbers --------------------------------------------------------------------------------


def test_numbers_are_written_in_french():
    assert format_number(1234) == f"1{NNBSP}234"
    assert format_number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert format_number(12.5) == "12,5"
    assert format_number(-0.01, 1) == "0,0"
    assert format_value(12.5, "%") == f"12,5{NBSP}%"
    assert format_value(40, "%") == f"40,0{NBSP}%"
    assert format_value(1234, "") == f"1{NNBSP}234"
    assert format_value(2.5, "jours") == f"2,5{NBSP}jours"
    assert month_label(datetime.date(2026, 1, 1)) == "janv. 2026"
    assert month_label(datetime.date(2025, 8, 1)) == "août 2025"


@pytest.mark.parametrize(
    ("high", "unit", "ticks"),
    [
        (87, "%", [0, 20, 40, 60, 80, 100]),
        (42.5, "%", [0, 10, 20, 30, 40, 50]),
        (100, "%", [0, 20, 40, 60, 80, 100]),
        (0, "%", [0, 20, 40, 60, 80, 100]),
        (0.8, "%", [0, 0.2, 0.4, 0.6, 0.8]),
        (7, "", [0, 2, 4, 6, 8]),
        (3, "", [0, 1, 2, 3]),
        (0, "", [0, 1]),
        (1234, "", [0, 500, 1000, 1500]),
        (23, "jours", [0, 5, 10, 15, 20, 25]),
    ],
)
def test_the_axis_ends_on_a_round_number_at_least_the_highest_value(high, unit, ticks):
    found, _decimals = nice_ticks(high, unit=unit)
    assert found == ticks
    assert found[-1] >= high
    if unit != "%":
        assert all(float(tick).is_integer() for tick in found)  # no half person


# --- Bars -----------------------------------------------------------------------------------


def test_bar_lengths_are_proportional_to_the_values_on_a_round_axis():
    root = parse(barriers().svg)
    widths = [float(rect.get("width")) for rect in bars(root)]
    # The axis runs to 50 % (round, ≥ 42 %): 42 % is 0.84 of the plot.
    assert widths[0] == pytest.approx(0.84 * (BAR_RIGHT - BAR_LEFT), abs=0.1)
    assert widths[0] / widths[1] == pytest.approx(4, rel=0.01)
    assert widths[0] / widths[2] == pytest.approx(2, rel=0.01)
    assert {float(rect.get("x")) for rect in bars(root)} == {BAR_LEFT}
    assert f"50{NBSP}%" in texts(root) and f"60{NBSP}%" not in texts(root)
    assert f"42,0{NBSP}% (84)" in texts(root)  # the value at the bar's end, with its count


def test_stacked_series_follow_each_other_with_a_legend_and_a_pattern_each():
    chart = bar_chart(
        "Freins par niveau",
        ["Logement", "Santé"],
        [
            Series("Léger", [10.0, 5.0]),
            Series("Important", [20.0, 5.0]),
            Series("Bloquant", [30.0, 5.0]),
        ],
    )
    root = parse(chart.svg)
    logement = [rect for rect in bars(root)][:3]
    for left, right in itertools.pairwise(logement):
        assert float(right.get("x")) == pytest.approx(
            float(left.get("x")) + float(left.get("width")), abs=0.1
        )
    assert [rect.get("fill") for rect in logement] == [
        INKS[0].colour,
        f"url(#{chart.chart_id}-p1)",
        f"url(#{chart.chart_id}-p2)",
    ]
    assert len(list(root.iter(f"{NS}pattern"))) == 2
    assert {"Léger", "Important", "Bloquant"} <= set(texts(root))  # the legend
    assert f"60,0{NBSP}%" in texts(root)  # the stacked total at the end of the bar
    assert chart.table.headers == ("Catégorie", "Léger", "Important", "Bloquant")


def test_a_secret_value_is_no_bar_of_zero_but_a_hatched_mark_and_the_word_secret():
    chart = barriers(
        series=[Series("Personnes concernées", [42.0, None, 0.0], counts=[84, None, 0])]
    )
    root = parse(chart.svg)
    drawn = bars(root)
    assert len(drawn) == 1  # Logement; Santé is secret, Travail is a true 0: no bar either
    secret_marks = [
        r for r in root.iter(f"{NS}rect") if r.get("class") == "insertion-chart__secret"
    ]
    assert len(secret_marks) == 1
    assert secret_marks[0].get("fill") == f"url(#{chart.chart_id}-secret)"
    assert "secret" in texts(root)
    assert f"0,0{NBSP}% (0)" in texts(root)  # a true zero is written as one
    assert [row.cells[0] for row in chart.table.rows] == [
        f"42,0{NBSP}% (84)",
        "secret",
        f"0,0{NBSP}% (0)",
    ]
    assert "Secret statistique : Santé." in chart.summary
    assert "Santé, 0" not in chart.summary and "Santé, secret" not in chart.summary


def test_a_rate_without_denominator_is_non_calculable_not_zero():
    chart = barriers(series=[Series("Part", [42.0, None, 21.0], counts=[84, 0, 42])])
    root = parse(chart.svg)
    assert len(bars(root)) == 2
    assert "non calculable" in texts(root)
    assert chart.table.rows[1].cells == ("non calculable",)
    assert "Non calculable : Santé." in chart.summary
    assert "le plus bas : Travail" in chart.summary  # Santé is not taken for the lowest


def test_secret_marks_a_rate_even_when_its_count_is_shown():
    chart = barriers(series=[Series("Part", [42.0, SECRET, 21.0], counts=[84, 21, 42])])
    assert chart.table.rows[1].cells == ("secret",)


def test_a_stacked_bar_with_a_hidden_part_says_so_after_the_known_ones():
    chart = bar_chart(
        "Sorties",
        ["Délits"],
        [Series("Sèche", [55.0]), Series("Aménagement", [SECRET])],
    )
    root = parse(chart.svg)
    assert len(bars(root)) == 1
    assert f"55,0{NBSP}% +" in texts(root) and "secret" in texts(root)
    assert chart.table.rows[0].cells == (f"55,0{NBSP}%", "secret")
    assert "Secret statistique : Délits (Aménagement)." in chart.summary


def test_counts_alone_read_none_as_hidden():
    chart = bar_chart(
        "Orientations",
        ["Emploi", "Formation"],
        [Series.of_counts("Orientations", [1234, None])],
        unit="",
    )
    assert [row.cells for row in chart.table.rows] == [(f"1{NNBSP}234",), ("secret",)]
    assert f"1{NNBSP}234" in texts(parse(chart.svg))


def test_the_bar_summary_names_the_highest_and_the_lowest():
    assert barriers().summary == (
        f"Le plus élevé : Logement, 42,0{NBSP}% (84) ; le plus bas : Santé, 10,5{NBSP}% (21)."
    )


def test_too_many_series_or_values_are_refused():
    with pytest.raises(ValueError, match="séries"):
        bar_chart("Trop", ["A"], [Series(str(n), [1.0]) for n in range(5)])
    with pytest.raises(ValueError, match="valeurs attendues"):
        bar_chart("Court", ["A", "B"], [Series("S", [1.0])])


# --- Lines ----------------------------------------------------------------------------------


def coverage(**overrides):
    values = [80.0, 81, None, 83, 84, SECRET, 86, 85, 84, 86, 87, 88, 84]
    arguments = {
        "title": "Couverture des entretiens",
        "months": MONTHS,
        "series": [Series("Fresnes", values), Series("Médiane nationale", [70.0] * 13)],
    }
    return line_chart(**(arguments | overrides))


def test_the_line_summary_gives_the_trend_the_extremes_and_the_missing_months():
    assert coverage().summary == (
        f"Fresnes : 84,0{NBSP}% en janv. 2026, en hausse de 4 points sur 13 mois "
        f"(depuis 80,0{NBSP}% en janv. 2025) ; au plus haut 88,0{NBSP}% en déc. 2025, "
        f"au plus bas 80,0{NBSP}% en janv. 2025. "
        "Fresnes, secret statistique : juin 2025. Fresnes, non calculable : mars 2025. "
        f"Médiane nationale : 70,0{NBSP}% en janv. 2026, stable sur 13 mois "
        f"(depuis 70,0{NBSP}% en janv. 2025)."
    )


def test_a_line_breaks_at_hidden_and_incomputable_months_which_are_never_points():
    chart = coverage()
    root = parse(chart.svg)
    fresnes = next(g for g in root.iter(f"{NS}g") if g.get("data-series") == "0")
    runs = [line.get("points").split() for line in fresnes.iter(f"{NS}polyline")]
    assert [len(run) for run in runs] == [2, 2, 7]  # janv.–févr., avr.–mai, juil.–janv.
    months = [g.get("data-month") for g in fresnes.iter(f"{NS}g") if g.get("data-month")]
    assert "2025-03" not in months and "2025-06" not in months and len(months) == 11
    hatched = [r for r in root.iter(f"{NS}rect") if r.get("class") == "insertion-chart__secret"]
    assert len(hatched) == 1
    assert "juin 2025 : secret statistique (Fresnes)" in "".join(hatched[0].itertext())
    rows = {row.header: row.cells for row in chart.table.rows}
    assert rows["juin 2025"] == ("secret", f"70,0{NBSP}%")
    assert rows["mars 2025"] == ("non calculable", f"70,0{NBSP}%")
    assert len(chart.table.rows) == 13


def test_a_month_is_hatched_across_the_plot_only_when_every_line_is_hidden():
    months = [datetime.date(2025, m, 1) for m in (1, 2, 3)]
    chart = line_chart(
        "Deux séries",
        months,
        [
            Series("Couverture", [SECRET, SECRET, 80.0], counts=[None, None, 40]),
            Series("Synthèses", [SECRET, 90.0, 85.0], counts=[None, 45, 42]),
        ],
    )
    hatched = [
        r for r in parse(chart.svg).iter(f"{NS}rect") if r.get("class") == "insertion-chart__secret"
    ]
    assert len(hatched) == 2
    whole, strip = hatched
    assert float(whole.get("height")) == lines.PLOT_H  # janvier: both lines hidden
    assert float(strip.get("height")) == lines.PARTLY_SECRET_H  # février: one only
    # The strip lies along the axis, under the points still drawn.
    assert float(strip.get("y")) + float(strip.get("height")) == float(whole.get("y")) + float(
        whole.get("height")
    )
    assert "févr. 2025 : secret statistique (Couverture)" in "".join(strip.itertext())


def test_points_stand_at_their_value_on_a_round_axis():
    chart = line_chart("Taux", MONTHS[:3], [Series("A", [25.0, 50.0, 100.0])])
    root = parse(chart.svg)
    (line,) = root.iter(f"{NS}polyline")
    ys = [float(point.split(",")[1]) for point in line.get("points").split()]
    axis = [float(x.get("y1")) for x in root.iter(f"{NS}line") if x.get("stroke-width") == "1.5"]
    zero = max(axis)
    # Heights from the zero line in the ratio of the values (the axis ends at 100 %).
    assert (zero - ys[1]) / (zero - ys[0]) == pytest.approx(2, rel=0.01)
    assert (zero - ys[2]) / (zero - ys[0]) == pytest.approx(4, rel=0.01)
    labels = texts(root)
    assert f"100{NBSP}%" in labels and f"120{NBSP}%" not in labels
    assert labels.count("2025") == 1 and {"janv.", "févr.", "mars"} <= set(labels)


def test_lines_are_told_apart_by_dashes_and_markers_too():
    root = parse(coverage().svg)
    lines = {g.get("data-series"): g for g in root.iter(f"{NS}g") if g.get("data-series")}
    first = next(lines["0"].iter(f"{NS}polyline"))
    second = next(lines["1"].iter(f"{NS}polyline"))
    assert first.get("stroke-dasharray") is None and second.get("stroke-dasharray") == "8 4"
    assert next(lines["0"].iter(f"{NS}circle")) is not None
    assert next(lines["1"].iter(f"{NS}rect")) is not None  # squares


def test_a_decline_in_counts_is_written_in_the_unit():
    chart = line_chart(
        "Personnes", MONTHS[:2], [Series.of_counts("Fresnes", [1500, 1234])], unit=""
    )
    assert f"en baisse de 266 sur 2 mois (depuis 1{NNBSP}500 en janv. 2025)" in chart.summary


# --- Both -----------------------------------------------------------------------------------


HOSTILE = 'Logement <script>alert("x")</script> & « autres » \x07'


@pytest.mark.parametrize(
    "chart",
    [
        lambda: barriers(title=HOSTILE, categories=[HOSTILE, "Santé", "Travail"]),
        lambda: bar_chart(HOSTILE, ["A"], [Series(HOSTILE, [1.0]), Series("B", [2.0])]),
        lambda: line_chart(HOSTILE, MONTHS[:2], [Series(HOSTILE, [1.0, SECRET])]),
    ],
)
def test_texts_are_escaped_and_the_svg_stays_well_formed(chart):
    chart = chart()
    root = parse(chart.svg)  # would raise on a stray < or &
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert "\x07" not in chart.svg
    assert root.find(f"{NS}title").text.startswith("Logement <script>")
    html = render_to_string("includes/_chart.html", {"chart": chart})
    assert "<script>" not in html


def test_the_same_data_draws_the_same_svg_and_other_data_another_id():
    assert coverage().svg == coverage().svg
    assert barriers().svg == barriers().svg
    assert barriers().chart_id == barriers().chart_id
    other = barriers(series=[Series("Personnes concernées", [1.0, 2.0, 3.0])])
    assert other.chart_id != barriers().chart_id
    assert barriers(svg_id="2 freins").chart_id == "chart-2-freins"


@pytest.mark.parametrize("chart", [barriers, coverage])
def test_the_svg_is_an_image_named_and_described_that_scales(chart):
    chart = chart()
    root = parse(chart.svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart.chart_id}-title"
    assert root.find(f"{NS}title").get("id") == f"{chart.chart_id}-title"
    assert root.find(f"{NS}desc").text == chart.summary
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 900 ")
    assert "Marianne" in root.get("font-family")
    sizes = [int(text.get("font-size", root.get("font-size"))) for text in root.iter(f"{NS}text")]
    assert min(sizes) >= 12
    assert "style=" not in chart.svg  # the CSP forbids inline styles


def test_the_template_shows_the_svg_the_summary_and_every_figure_in_a_table():
    chart = barriers(
        series=[Series("Personnes concernées", [42.0, None, 21.0], counts=[84, None, 42])]
    )
    html = render_to_string("includes/_chart.html", {"chart": chart})
    assert chart.svg in html
    assert "<figcaption" in html and chart.summary.replace('"', "&quot;") in html
    assert "<summary>Voir les données</summary>" in html and "<details" in html
    assert '<details class="insertion-chart__data">' in html  # closed by default
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells == [f"42,0{NBSP}% (84)", "secret", f"21,0{NBSP}% (42)"]
    assert re.findall(r'<th scope="row">(.*?)</th>', html) == ["Logement", "Santé", "Travail"]
    assert "<caption>Freins par catégorie</caption>" in html
    opened = render_to_string("includes/_chart.html", {"chart": chart, "table_open": True})
    assert '<details class="insertion-chart__data" open>' in opened
