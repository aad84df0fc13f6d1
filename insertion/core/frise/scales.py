"""The two scales of the frise engine: their measures (``Layout``) and their axes, which place a
date on the drawing and choose the ticks and their words."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from insertion.core.frise.text import text_width

WIDTH = 900
PLOT_LEFT = 176
TEXT_RIGHT = 894  # labels may run into the right margin, never past it


@dataclass(frozen=True)
class Layout:
    """The measures of one scale's drawing, in SVG units (the drawing is WIDTH wide)."""

    plot_right: float
    gutter_w: float  # lane titles wrap within this width
    top: float  # room above the lanes for the rules' labels
    row_h: float  # one sub-row: a label line, then the marks
    mark_y: float  # middle of the marks below a sub-row's top
    label_baseline: float
    axis_h: float
    label_size: int
    lane_title_size: int
    max_label_w: float  # a label longer than this (and than its bar) is cut with an ellipsis
    item_gap: float
    mark_r: float
    halo_w: int  # the halo of a label's own lane colour, so that no line crosses it
    label_overhang: float  # how far left of the plot a label may start
    empty_h: int
    max_rows: int | None  # past these sub-rows, marks lose their labels (their titles keep them)
    pack_by_left_edge: bool  # else in the domain's order (by date)
    rule_overhang: float  # the rules' lines start this far above the lanes
    today_label_above: float
    tick_len: float
    tick_w: str
    tick_label_below: float


class _MonthAxis:
    """Whole years, January of the first to the end of the last (today included); ticks on the
    years, round ones on a long span, and months, quarters or years between."""

    MIN_TICK_LABEL_GAP = 40  # between the centres of two year labels

    def __init__(self, layout: Layout, low: datetime.date, high: datetime.date, today):
        today_index = self.unit(today)
        first, end = min(low.year, today.year), max(self.unit(high), today_index) // 12 + 1
        span = end - first
        step = 1 if span <= 12 else 2 if span <= 24 else 5 if span <= 60 else 10
        self.first, self.scale = first, (layout.plot_right - PLOT_LEFT) / (span * 12)
        # The major ticks: both ends of the axis and the round years between.
        major = [first, *range(-(-(first + 1) // step) * step, end, step), end]
        self.grid = [self.edge(year * 12) for year in major]
        # Minor ticks: months on a short axis, quarters, then years (every 5 on a long axis).
        every = 1 if span <= 3 else 3 if span <= 8 else 12
        self.minor = [
            self.edge(month)
            for month in range(first * 12, end * 12 + 1, every)
            if not (month % 12 == 0 and (month // 12 in major or (step == 10 and month // 12 % 5)))
        ]
        # The ends are always written, a round year only if it leaves room beside the ends (1998
        # and 2000 may both be written, 1999 and 2000 not).
        x_ends = [self.edge(year * 12) for year in (first, end)]
        self.ticks = [
            (self.edge(year * 12), "year", str(year), "")
            if year not in (first, end)
            and min(abs(self.edge(year * 12) - x) for x in x_ends) < self.MIN_TICK_LABEL_GAP
            else (self.edge(year * 12), "year", str(year), str(year))
            for year in major
        ]

    @staticmethod
    def unit(day: datetime.date) -> int:
        return day.year * 12 + day.month - 1

    def edge(self, month_index: float) -> float:
        return PLOT_LEFT + (month_index - self.first * 12) * self.scale

    def centre(self, month_index: int) -> float:
        return self.edge(month_index + 0.5)

    def at(self, day: datetime.date) -> float:
        return self.edge(self.unit(day) + (day.day - 1) / 31)


SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin")
SHORT_MONTHS += ("juil.", "août", "sept.", "oct.", "nov.", "déc.")
# The Imprimerie nationale's abbreviations, which Django has not ("N" gives "jan." and "fév.").


class _DayAxis:
    """From the first day to the last, today included, with a margin of 2 % on each side so that
    a mark on either end is drawn whole; ticks on the first of every month, or fewer."""

    MIN_TICK_LABEL_GAP = 13

    def __init__(self, layout: Layout, low: datetime.date, high: datetime.date, today):
        last = max(high, today)
        span = max((last - low).days, 30)
        margin = max(span // 50, 1)
        domain_start = low - datetime.timedelta(days=margin)
        domain_days = span + 2 * margin
        self.first = domain_start.toordinal()
        self.scale = (layout.plot_right - PLOT_LEFT) / domain_days
        step = next(
            (s for limit, s in ((430, 1), (850, 2), (1500, 3), (3000, 6)) if domain_days <= limit),
            12,
        )
        months = []
        month = datetime.date(domain_start.year, domain_start.month, 1)
        domain_end = domain_start + datetime.timedelta(days=domain_days)
        while month <= domain_end:
            if month >= domain_start and (month.month - 1) % step == 0:
                months.append(month)
            month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        self.grid, self.minor, self.ticks = [], [], []
        last_label_x = None
        for index, tick in enumerate(months):
            x = self.at(tick) - 0.5 * self.scale
            text = SHORT_MONTHS[tick.month - 1]
            if tick.month == 1 or index == 0 or last_label_x is None:
                text = f"{text} {tick.year}"
            width = text_width(text, layout.label_size)
            label = ""
            if (
                last_label_x is None or x - width / 2 - last_label_x >= self.MIN_TICK_LABEL_GAP
            ) and (x + width / 2 <= TEXT_RIGHT):
                label, last_label_x = text, x + width / 2
            self.grid.append(x)
            self.ticks.append((x, "month", f"{tick:%Y-%m}", label))

    @staticmethod
    def unit(day: datetime.date) -> int:
        return day.toordinal()

    def edge(self, day_number: int) -> float:
        return PLOT_LEFT + (day_number - self.first) * self.scale

    def centre(self, day_number: int) -> float:
        return PLOT_LEFT + ((day_number - self.first) + 0.5) * self.scale

    def at(self, day: datetime.date) -> float:
        return self.centre(day.toordinal())


@dataclass(frozen=True)
class Scale:
    layout: Layout
    axis: type[_MonthAxis] | type[_DayAxis]


MONTH_SCALE = Scale(
    Layout(
        plot_right=870,
        gutter_w=140,
        top=28,
        row_h=38,
        mark_y=26,
        label_baseline=14,
        axis_h=44,
        label_size=13,
        lane_title_size=14,
        max_label_w=200,
        item_gap=10,
        mark_r=6.5,
        halo_w=6,
        label_overhang=4,
        empty_h=64,
        max_rows=None,
        pack_by_left_edge=True,
        rule_overhang=6,
        today_label_above=10,
        tick_len=8,
        tick_w="1.5",
        tick_label_below=24,
    ),
    _MonthAxis,
)
DAY_SCALE = Scale(
    Layout(
        plot_right=860,
        gutter_w=150,
        top=44,
        row_h=34,
        mark_y=24,
        label_baseline=13,
        axis_h=40,
        label_size=12,
        lane_title_size=13,
        max_label_w=170,
        item_gap=8,
        mark_r=6,
        halo_w=5,
        label_overhang=20,
        empty_h=60,
        max_rows=3,
        pack_by_left_edge=False,
        rule_overhang=4,
        today_label_above=26,
        tick_len=6,
        tick_w="1",
        tick_label_below=22,
    ),
    _DayAxis,
)
