"""The frise engine (insertion.core.frise) under both domain frises: month names, shapes, the
axis, the cleaning of texts."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.formats import date_format

from entretiens.forms.rows import MONTH_CHOICES
from insertion.core import frise as engine
from insertion.core.frise.text import _SPACES, XML_INVALID, clean
from insertion.release.frise import FollowUpEvent, frise_svg

NS = "{http://www.w3.org/2000/svg}"
LANE = engine.Lane("emploi", "Emploi", "#6a6af4", "#000091")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, parsed to prove it is well-formed


def test_month_names_are_djangos_in_the_active_language():
    assert engine.month_names()[:3] == ("janvier", "février", "mars")
    assert engine.month_names() == tuple(
        date_format(datetime.date(2000, month, 1), "F") for month in range(1, 13)
    )
    with translation.override("en"):
        assert engine.month_names()[0] == "January"
    assert engine.month_names()[0] == "janvier"


def test_the_months_of_the_interview_form_are_plain_strings():
    names = [name for value, name in MONTH_CHOICES if value]
    assert names == list(engine.month_names())
    assert all(type(name) is str for name in names)


def test_a_mark_of_an_unknown_shape_is_refused():
    with pytest.raises(ValueError, match="Forme inconnue"):
        engine.Mark("emploi", datetime.date(2020, 1, 1), "Serveur", "Serveur", "star")


@pytest.mark.parametrize("scale", [engine.MONTH_SCALE, engine.DAY_SCALE])
def test_both_scales_draw_lanes_today_and_an_axis(scale):
    marks = [
        engine.Mark("emploi", datetime.date(2020, 3, 1), "Serveur", "Serveur", "bar", end=None),
        engine.Mark("emploi", datetime.date(2021, 5, 1), "Cuisinier", "Cuisinier", "diamond"),
    ]
    root = parse(
        engine.draw(
            scale,
            lanes=[LANE],
            marks=marks,
            today=datetime.date(2022, 1, 10),
            svg_id="essai",
            title="Essai",
            desc="Deux éléments.",
        )
    )
    classes = [g.get("class") for g in root.iter(f"{NS}g")]
    assert classes.count("frise-lane") == 1 and classes.count("frise-item") == 2
    assert "frise-today" in classes and "frise-axis" in classes and "frise-tick" in classes


def test_the_axis_of_the_follow_up_covers_a_dlp_earlier_than_every_event():
    events = [FollowUpEvent("incarceration", datetime.date(2025, 6, 1), "Arrivée")]
    root = parse(
        frise_svg(
            events,
            today=datetime.date(2025, 7, 1),
            expected_release_date=datetime.date(2025, 1, 1),
        )
    )
    (dlp,) = [g for g in root.iter(f"{NS}g") if g.get("class") == "frise-dlp"]
    assert float(dlp.find(f"{NS}line").get("x1")) >= 176  # on the plot, not left of it


@pytest.mark.parametrize(
    "text",
    ["Serveur", " Serveur ", "a  b", "a\u00a0b", "a\x0bb\x00", "x\u2028y", "\ud800z", "\ufffe", ""],
)
def test_the_quick_way_of_cleaning_a_label_agrees_with_the_full_one(text):
    assert clean(text) == _SPACES.sub(" ", XML_INVALID.sub("", text)).strip()
