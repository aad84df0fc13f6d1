"""The « frise chronologique »: an accessible SVG drawn on the server, and its text alternative."""

import datetime
import json
import xml.etree.ElementTree as ET

import pytest

from entretiens.timeline import (
    KIND_LABELS,
    TimelineEvent,
    events_from_data,
    events_to_data,
    timeline_svg,
    timeline_text,
)

NS = "{http://www.w3.org/2000/svg}"
TODAY = datetime.date(2026, 3, 12)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, parsed to prove it is well-formed


def karim() -> list[TimelineEvent]:
    """A fictional life: school, a CAP, jobs (two overlapping), two stays in prison."""
    return [
        TimelineEvent("scolarite", "Collège Jean-Moulin, Créteil", (1998, 9), (2005, 6)),
        TimelineEvent("scolarite", "Lycée professionnel", (2005, 9), (2008, 6)),
        TimelineEvent("formation", "CAP cuisine", (2008, 6)),
        TimelineEvent("emploi", "Commis de cuisine — CDD", (2008, 9), (2010, 8)),
        TimelineEvent("emploi", "Préparateur de commandes", (2010, 10), (2013, 2)),
        TimelineEvent("emploi", "Plongeur", (2012, 5), (2014, 1)),
        TimelineEvent("incarceration", "Maison d'arrêt de Fresnes", (2014, 3), (2016, 9)),
        TimelineEvent("emploi", "Cuisinier — CDI", (2017, 1), (2022, 11)),
        TimelineEvent(
            "incarceration", "Centre pénitentiaire de Fresnes", (2023, 4), (2026, 3), ongoing=True
        ),
    ]


def lanes(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "frise-lane"]


def items(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "frise-item"]


def item_titled(root: ET.Element, fragment: str) -> ET.Element:
    (found,) = [g for g in items(root) if fragment in g.find(f"{NS}title").text]
    return found


def tick_years(root: ET.Element) -> list[int]:
    return [int(g.get("data-year")) for g in root.iter(f"{NS}g") if g.get("class") == "frise-tick"]


def drawn_labels(root: ET.Element) -> list[str]:
    """The visible labels of the items (not the halo drawn behind each)."""
    return [
        text.text
        for item in items(root)
        for text in item.findall(f"{NS}text")
        if text.get("aria-hidden") != "true"
    ]


def view_box_height(root: ET.Element) -> float:
    return float(root.get("viewBox").split()[3])


# --- The drawing --------------------------------------------------------------------------------


def test_the_svg_is_well_formed_and_labelled_by_its_title_and_description():
    root = parse(timeline_svg(karim(), today=TODAY, svg_id="frise-42"))

    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "frise-42-title frise-42-desc"
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 900 ")
    assert root.get("font-family") == "Marianne, Arial, sans-serif"
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id")) == (f"{NS}title", "frise-42-title")
    assert (desc.tag, desc.get("id")) == (f"{NS}desc", "frise-42-desc")
    assert title.text == "Frise chronologique du parcours"
    assert desc.text == (
        "2 périodes de scolarité, 1 diplôme, 4 périodes d'emploi, "
        "2 incarcérations dont 1 en cours, de 1998 à 2026."
    )


def test_an_unsafe_svg_id_is_made_into_a_valid_id():
    root = parse(timeline_svg(karim(), today=TODAY, svg_id='x" onload="alert(1)'))

    assert root.get("id") == "x--onload--alert-1-"
    assert all(not name.startswith("on") for element in root.iter() for name in element.attrib)


def test_one_lane_per_kind_present_in_the_order_of_the_kinds():
    events = [
        TimelineEvent("incarceration", "Maison d'arrêt", (2019, 1), (2020, 5)),
        TimelineEvent("scolarite", "Collège", (2005, 9), (2009, 6)),
        TimelineEvent("emploi", "Magasinier", (2015, 2), (2016, 3)),
    ]
    root = parse(timeline_svg(events, today=TODAY))

    assert [lane.get("data-kind") for lane in lanes(root)] == [
        "scolarite",
        "emploi",
        "incarceration",
    ]
    titles = [" ".join(t.text for t in lane.iter(f"{NS}text")) for lane in lanes(root)]
    assert titles == ["Scolarité", "Emploi", "Incarcération"]
    assert list(KIND_LABELS) == ["scolarite", "formation", "emploi", "incarceration"]


def test_the_ticks_cover_the_span_every_year_on_a_short_one():
    events = [
        TimelineEvent("formation", "Pré-qualification bâtiment", (2021, 9), (2022, 2)),
        TimelineEvent("emploi", "Maçon — intérim", (2022, 7), (2023, 12)),
    ]
    root = parse(timeline_svg(events, today=datetime.date(2024, 5, 2)))

    # From January 2021 to the end of 2024 (today), every year.
    assert tick_years(root) == [2021, 2022, 2023, 2024, 2025]


def test_the_ticks_cover_a_long_span_with_round_years():
    root = parse(timeline_svg(karim(), today=TODAY))

    years = tick_years(root)
    assert years[0] <= 1998 and years[-1] >= 2027  # the ongoing period runs into 2026
    assert years == [1998, 2000, 2005, 2010, 2015, 2020, 2025, 2027]
    written = [t.text for g in root.iter(f"{NS}g") if g.get("class") == "frise-tick" for t in g]
    assert [w for w in written if w] == [str(year) for year in years]


def test_a_lifetime_is_ticked_every_ten_years():
    events = [
        TimelineEvent("scolarite", "École", (1950, 9), (1960, 6)),
        TimelineEvent("emploi", "Ouvrier agricole", (1961, 3), (2019, 12)),
    ]
    years = tick_years(parse(timeline_svg(events, today=datetime.date(2020, 1, 15))))

    assert years == [1950, 1960, 1970, 1980, 1990, 2000, 2010, 2020, 2021]


def test_overlapping_periods_are_stacked_in_sub_rows():
    apart = [
        TimelineEvent("emploi", "Commis", (2008, 1), (2009, 12)),
        TimelineEvent("emploi", "Plongeur", (2016, 1), (2017, 12)),
    ]
    overlapping = [
        TimelineEvent("emploi", "Commis", (2008, 1), (2013, 12)),
        TimelineEvent("emploi", "Plongeur", (2012, 1), (2017, 12)),
    ]
    today = datetime.date(2018, 6, 1)
    root_apart = parse(timeline_svg(apart, today=today))
    root_overlapping = parse(timeline_svg(overlapping, today=today))

    def bar_y(root, label):
        return float(item_titled(root, label).find(f"{NS}rect").get("y"))

    assert bar_y(root_apart, "Commis") == bar_y(root_apart, "Plongeur")
    assert bar_y(root_overlapping, "Plongeur") > bar_y(root_overlapping, "Commis")
    assert [i.get("data-row") for i in items(root_overlapping)] == ["0", "1"]
    assert view_box_height(root_overlapping) > view_box_height(root_apart)


def test_labels_that_would_overlap_are_stacked_too():
    # Two short jobs a month apart on a long axis: the bars do not meet, their labels would.
    events = [
        TimelineEvent("emploi", "Préparateur de commandes", (2010, 1), (2010, 2)),
        TimelineEvent("emploi", "Agent d'entretien", (2010, 4), (2010, 5)),
        TimelineEvent("scolarite", "École", (1995, 9), (2005, 6)),
    ]
    root = parse(timeline_svg(events, today=TODAY))

    rows = {g.find(f"{NS}title").text.split(",")[0]: g.get("data-row") for g in items(root)}
    assert rows["Emploi : Préparateur de commandes"] != rows["Emploi : Agent d'entretien"]


def test_every_item_says_in_full_what_it_is_in_its_title():
    root = parse(timeline_svg(karim(), today=TODAY))

    titles = [item.find(f"{NS}title").text for item in items(root)]
    assert "Emploi : Commis de cuisine — CDD, de septembre 2008 à août 2010" in titles
    assert "Formation et diplômes : CAP cuisine, en 2008" in titles
    assert "Incarcération : Centre pénitentiaire de Fresnes, depuis avril 2023 (en cours)" in titles
    assert len(titles) == len(karim())


def test_a_long_label_is_cut_with_an_ellipsis_and_kept_whole_in_the_title():
    label = "Agent de propreté et d'hygiène en milieu hospitalier, société de nettoyage du Val"
    events = [TimelineEvent("emploi", label, (2019, 1), (2019, 6))]
    root = parse(timeline_svg(events, today=TODAY))

    (shown,) = drawn_labels(root)
    assert shown.endswith("…") and label.startswith(shown[:-1])
    assert len(shown) < len(label)
    assert item_titled(root, label) is not None


def test_a_diploma_is_a_diamond_and_an_ongoing_period_ends_with_an_arrow():
    root = parse(timeline_svg(karim(), today=TODAY))

    diploma = item_titled(root, "CAP cuisine")
    assert diploma.find(f"{NS}rect") is None
    assert len(diploma.find(f"{NS}polygon").get("points").split()) == 4
    ongoing = item_titled(root, "en cours")
    assert ongoing.find(f"{NS}rect") is not None
    assert len(ongoing.find(f"{NS}polygon").get("points").split()) == 3
    closed = item_titled(root, "Maison d'arrêt")
    assert closed.find(f"{NS}polygon") is None


def test_the_colours_come_from_the_dsfr_palette():
    root = parse(timeline_svg(karim(), today=TODAY))

    fills = {item_titled(root, label).find(f"{NS}rect").get("fill") for label in ("Plongeur",)}
    assert fills == {"#6a6af4"}
    assert item_titled(root, "CAP cuisine").find(f"{NS}polygon").get("fill") == "#00a95f"
    assert item_titled(root, "Maison d'arrêt").find(f"{NS}rect").get("fill") == "#3a3a3a"


def test_html_typed_in_a_label_is_shown_as_text():
    label = '<script>alert("frise")</script> & <b>fils</b>'
    events = [TimelineEvent("emploi", label, (2015, 1), (2024, 12))]
    svg = timeline_svg(events, today=TODAY)
    root = parse(svg)

    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(&quot;frise&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in svg
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in {"script", "b", "foreignObject"}]
    assert drawn_labels(root) == [label]


def test_control_characters_in_a_label_do_not_break_the_svg():
    events = [TimelineEvent("emploi", "Livreur\x0b\x00 à\nvélo\x1f", (2015, 1), (2016, 1))]
    root = parse(timeline_svg(events, today=TODAY))

    assert drawn_labels(root) == ["Livreur à vélo"]


def test_no_inline_style_anywhere():
    svg = timeline_svg(karim(), today=TODAY) + timeline_svg([], today=TODAY)

    assert "style" not in svg
    for root in (parse(timeline_svg(karim(), today=TODAY)), parse(timeline_svg([], today=TODAY))):
        assert all("style" not in element.attrib for element in root.iter())
        assert root.find(f".//{NS}style") is None


def test_an_empty_timeline_says_so():
    svg = timeline_svg([], today=TODAY, svg_id="frise-vide")
    root = parse(svg)

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "frise-vide-title frise-vide-desc"
    assert root.find(f"{NS}desc").text == "Aucun élément à afficher sur la frise."
    assert [t.text for t in root.iter(f"{NS}text")] == ["Aucun élément à afficher sur la frise"]
    assert not lanes(root)


def test_the_drawing_is_deterministic_whatever_the_order_given():
    events = karim()

    first = timeline_svg(events, today=TODAY)
    assert timeline_svg(list(reversed(events)), today=TODAY) == first
    assert timeline_svg(events, today=TODAY) == first


def test_the_height_grows_with_the_sub_rows():
    def many(n):
        return [TimelineEvent("emploi", f"Mission {i}", (2020, 1), (2021, 1)) for i in range(n)]

    heights = [view_box_height(parse(timeline_svg(many(n), today=TODAY))) for n in (1, 5, 20)]
    assert heights[0] < heights[1] < heights[2]
    assert heights[2] - heights[1] == pytest.approx(15 * (heights[1] - heights[0]) / 4)


def test_a_period_in_the_future_still_fits_on_the_axis():
    events = [TimelineEvent("formation", "Formation après la sortie", (2027, 9), ongoing=True)]
    root = parse(timeline_svg(events, today=TODAY))

    assert tick_years(root)[0] <= 2026 and tick_years(root)[-1] >= 2028


# --- Serialisation ------------------------------------------------------------------------------


def test_events_survive_a_round_trip_through_json():
    events = karim()

    data = json.loads(json.dumps(events_to_data(events)))

    assert events_from_data(data) == events
    assert data[2] == {
        "kind": "formation",
        "label": "CAP cuisine",
        "start": [2008, 6],
        "end": None,
        "ongoing": False,
    }


def test_malformed_items_are_left_out():
    good = {"kind": "emploi", "label": "Serveur", "start": [2015, 3], "end": [2016, 1]}
    data = [
        good,
        "emploi",
        None,
        {"kind": "piscine", "label": "?", "start": [2015, 3]},
        {"kind": "emploi", "start": [2015, 3]},
        {"kind": "emploi", "label": "Mois 13", "start": [2015, 13]},
        {"kind": "emploi", "label": "Année texte", "start": ["2015", 3]},
        {"kind": "emploi", "label": "Booléen", "start": [2015, True]},
        {"kind": "emploi", "label": "À l'envers", "start": [2016, 3], "end": [2015, 1]},
        {"kind": "emploi", "label": "Trois nombres", "start": [2015, 3, 1]},
        {"kind": "emploi", "label": "En cours ?", "start": [2015, 3], "ongoing": "oui"},
        {"kind": "emploi", "label": 12, "start": [2015, 3]},
    ]

    assert events_from_data(data) == [TimelineEvent("emploi", "Serveur", (2015, 3), (2016, 1))]
    assert events_from_data(None) == []
    assert events_from_data({"kind": "emploi"}) == []


def test_an_event_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="précède"):
        TimelineEvent("emploi", "Serveur", (2016, 3), (2015, 1))
    with pytest.raises(ValueError, match="inconnu"):
        TimelineEvent("vacances", "Serveur", (2016, 3))


# --- The text alternative -----------------------------------------------------------------------


def test_the_text_alternative_lists_every_event_by_start_with_its_period_in_french():
    rows = timeline_text(list(reversed(karim())), today=TODAY)

    assert rows[:3] == [
        {
            "kind_label": "Scolarité",
            "label": "Collège Jean-Moulin, Créteil",
            "period": "de septembre 1998 à juin 2005",
        },
        {
            "kind_label": "Scolarité",
            "label": "Lycée professionnel",
            "period": "de septembre 2005 à juin 2008",
        },
        {"kind_label": "Formation et diplômes", "label": "CAP cuisine", "period": "en 2008"},
    ]
    assert rows[4]["period"] == "d'octobre 2010 à février 2013"
    assert rows[-1] == {
        "kind_label": "Incarcération",
        "label": "Centre pénitentiaire de Fresnes",
        "period": "depuis avril 2023 (en cours)",
    }


@pytest.mark.parametrize(
    ("start", "end", "ongoing", "period"),
    [
        ((2015, 3), (2018, 6), False, "de mars 2015 à juin 2018"),
        ((2024, 1), (2026, 3), True, "depuis janvier 2024 (en cours)"),
        ((2024, 1), None, True, "depuis janvier 2024 (en cours)"),
        ((2012, 6), None, False, "en 2012"),
        ((2015, 4), (2018, 8), False, "d'avril 2015 à août 2018"),
        ((2015, 3), (2015, 6), False, "de mars à juin 2015"),
        ((2015, 10), (2015, 12), False, "d'octobre à décembre 2015"),
        ((2015, 7), (2015, 7), False, "en juillet 2015"),
    ],
)
def test_periods_in_french(start, end, ongoing, period):
    event = TimelineEvent("emploi", "Serveur", start, end, ongoing=ongoing)

    assert timeline_text([event], today=TODAY)[0]["period"] == period


def test_every_month_has_its_french_name_whatever_the_locale():
    events = [TimelineEvent("emploi", str(m), (2000, m), (2001, m)) for m in range(1, 13)]

    periods = [row["period"] for row in timeline_text(events, today=TODAY)]
    assert periods == [
        "de janvier 2000 à janvier 2001",
        "de février 2000 à février 2001",
        "de mars 2000 à mars 2001",
        "d'avril 2000 à avril 2001",
        "de mai 2000 à mai 2001",
        "de juin 2000 à juin 2001",
        "de juillet 2000 à juillet 2001",
        "d'août 2000 à août 2001",
        "de septembre 2000 à septembre 2001",
        "d'octobre 2000 à octobre 2001",
        "de novembre 2000 à novembre 2001",
        "de décembre 2000 à décembre 2001",
    ]


def test_the_text_alternative_of_nothing_is_empty():
    assert timeline_text([], today=TODAY) == []
