"""Charts as data: series in, SVG geometry out (server-rendered, no script, no external
resource), plus the same numbers as rows for an accessible table and a CSV file.

A chart object is built in a view (or a report writer) and handed to one of the templates
`charts/_bar.html`, `charts/_line.html`, `charts/_scatter.html`, which only place what is
computed here. Coordinates are SVG user units in a `width` × `height` viewBox that is small
on purpose: scaled to a 375 px phone the 11-unit labels stay readable.

Values may be None (nothing to show that week): a bar is left out, a line breaks.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Number = int | float | Decimal

# A colour-blind-safe palette (Okabe–Ito), in the order series take it.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")

# The frame every chart shares (user units).
WIDTH, HEIGHT = 330, 230
LEFT, RIGHT, TOP, BOTTOM = 52, 18, 28, 50
MAX_X_LABELS = 6
CHAR_WIDTH = 6.2  # about the mean advance of an 11-unit sans-serif character
# The least span a value axis shows, so a few tiny values do not get a microscope
# (ticks 0.00001 d apart) but a readable scale from zero.
MIN_SPAN = {"count": 1, "days": 1, "money": 10, "percent": 0.1}


# ——— formats: one for tick labels and table cells, the raw value goes to CSV ———


def fmt_count(v: Number | None) -> str:
    return "–" if v is None else f"{v:,.0f}" if float(v) == int(v) else f"{v:,.1f}"


def fmt_percent(v: Number | None) -> str:
    return "–" if v is None else f"{float(v) * 100:.0f} %"


def fmt_days(v: Number | None) -> str:
    return "–" if v is None else f"{float(v):.1f} d" if float(v) != int(v) else f"{int(v)} d"


def fmt_money(v: Number | None) -> str:
    if v is None:
        return "–"
    v = float(v)
    if abs(v) >= 10_000:
        return f"${v / 1000:,.0f}k"
    if abs(v) >= 1000:
        return f"${v / 1000:,.1f}k"
    return f"${v:,.0f}"


FORMATS: dict[str, Callable[[Number | None], str]] = {
    "count": fmt_count,
    "percent": fmt_percent,
    "days": fmt_days,
    "money": fmt_money,
}


def raw(v: Number | None) -> str:
    """A value as CSV and `data-value` carry it: exact, empty for None."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


# ——— axes ———


def _nice(x: float, *, round_: bool) -> float:
    """Heckbert's nice number: 1, 2, 5 or 10 times a power of ten near x."""
    exp = math.floor(math.log10(x))
    f = x / 10**exp
    if round_:
        nf = 1 if f < 1.5 else 2 if f < 3 else 5 if f < 7 else 10
    else:
        nf = 1 if f <= 1 else 2 if f <= 2 else 5 if f <= 5 else 10
    return nf * 10**exp


def nice_ticks(lo: float, hi: float, *, count: int = 5, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi] (about `count` of them): the first ≤ lo, the
    last ≥ hi. An empty range (no data, or one value) still gets a usable axis."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        hi = lo + (abs(lo) or 1)
    step = _nice(_nice(hi - lo, round_=False) / max(count - 1, 1), round_=True)
    if integer:
        step = max(step, 1)
    start, stop = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    digits = max(0, -math.floor(math.log10(step)))
    return [round(i * step, digits) for i in range(start, stop + 1)]


@dataclass(frozen=True)
class Scale:
    """A linear map from data values to pixels (the range may run backwards, as y does)."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, v: Number) -> float:
        return round(self.start + (float(v) - self.lo) / (self.hi - self.lo) * (self.end - self.start), 1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    wrap: bool = False  # too wide for its room: written on two lines

    @property
    def lines(self) -> tuple[str, ...]:
        if not self.wrap or " " not in self.label:
            return (self.label,)
        head, _, tail = self.label.rpartition(" ")
        return (head, tail)


@dataclass
class Chart(abc.ABC):
    """What every chart has: a name (the id prefix and the CSV's file name), a title and
    description (<title>/<desc>), axis titles, the frame, a legend, the table. Abstract: a
    kind of chart that does not say its columns, rows and table cannot be made."""

    name: str
    title: str
    description: str
    x_title: str
    y_title: str
    width: int = field(default=WIDTH, init=False)
    height: int = field(default=HEIGHT, init=False)
    left: int = field(default=LEFT, init=False)
    right: int = field(default=WIDTH - RIGHT, init=False)
    top: int = field(default=TOP, init=False)
    bottom: int = field(default=HEIGHT - BOTTOM, init=False)
    csv_url: str | None = None  # where the page offers the same numbers as a file

    @property
    def mid_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def mid_y(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def x_title_y(self) -> int:
        return self.height - 6

    @property
    @abc.abstractmethod
    def columns(self) -> list[str]:
        """The table's and the CSV's header."""

    @abc.abstractmethod
    def rows(self) -> list[list[Number | str | None]]:
        """One row per category or point: exact values."""

    @abc.abstractmethod
    def table(self) -> list[list[dict]]:
        """Rows for the HTML table: each cell's text and its exact value."""

    def csv_rows(self) -> list[list[str]]:
        """The header and one row per category, exact values (empty for none)."""
        return [self.columns] + [[c if isinstance(c, str) else raw(c) for c in row] for row in self.rows()]


@dataclass
class CategoryChart(Chart):
    """Bars and lines: one x position per category (a week, an age band), series over them."""

    categories: Sequence[str] = ()
    series: Sequence[Series] = ()
    format: str = "count"
    keys: Sequence[str] | None = None  # the categories as CSV writes them (e.g. ISO dates)
    y_max: float | None = None  # a fixed top (1.0 for shares)

    def __post_init__(self):
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(f"Series {s.name!r} has {len(s.values)} values for {len(self.categories)} categories.")

    @property
    def fmt(self) -> Callable[[Number | None], str]:
        return FORMATS[self.format]

    @property
    def empty(self) -> bool:
        return all(v is None for s in self.series for v in s.values)

    def _extent(self) -> tuple[float, float]:
        values = [float(v) for s in self.series for v in s.values if v is not None]
        lo, hi = min([0.0, *values]), max([0.0, *values])
        if self.y_max is not None:
            hi = max(hi, self.y_max)
        return lo, hi

    def _y_ticks_values(self) -> list[float]:
        lo, hi = self._extent()
        hi = max(hi, lo + MIN_SPAN[self.format])
        return nice_ticks(lo, hi, integer=self.format == "count")

    @property
    def y_scale(self) -> Scale:
        ticks = self._y_ticks_values()
        return Scale(ticks[0], ticks[-1], self.bottom, self.top)

    @property
    def y_ticks(self) -> list[Tick]:
        scale = self.y_scale
        return [Tick(scale(t), self.fmt(t)) for t in self._y_ticks_values()]

    @property
    def baseline(self) -> float:
        return self.y_scale(0)

    @property
    def band(self) -> float:
        return (self.right - self.left) / max(len(self.categories), 1)

    def center(self, i: int) -> float:
        return round(self.left + self.band * (i + 0.5), 1)

    @property
    def x_ticks(self) -> list[Tick]:
        """A label under every k-th category, so at most MAX_X_LABELS fit."""
        every = max(1, math.ceil(len(self.categories) / MAX_X_LABELS))
        last = len(self.categories) - 1
        room = self.band * every - 4
        return [
            Tick(self.center(i), c, wrap=len(c) * CHAR_WIDTH > room)
            for i, c in enumerate(self.categories)
            if (last - i) % every == 0
        ]

    @property
    def legend(self) -> list[dict]:
        """One swatch per series; none for a single series (the axis title names it)."""
        if len(self.series) < 2:
            return []
        return [
            {"name": s.name, "color": PALETTE[i % len(PALETTE)], "x": self.left + 110 * i, "y": 13}
            for i, s in enumerate(self.series)
        ]

    @property
    def columns(self) -> list[str]:
        return [self.x_title, *(s.name for s in self.series)]

    def rows(self) -> list[list[Number | str | None]]:
        keys = self.keys or self.categories
        return [[keys[i], *(s.values[i] for s in self.series)] for i in range(len(self.categories))]

    def table(self) -> list[list[dict]]:
        return [
            [{"text": c, "value": (self.keys or self.categories)[i]}]
            + [{"text": self.fmt(s.values[i]), "value": raw(s.values[i])} for s in self.series]
            for i, c in enumerate(self.categories)
        ]


@dataclass
class BarChart(CategoryChart):
    """Bars per category; several series side by side, or stacked (stacked=True)."""

    kind = "bar"
    stacked: bool = False

    def _extent(self) -> tuple[float, float]:
        if not self.stacked:
            return super()._extent()
        lo, hi = 0.0, 0.0
        for i in range(len(self.categories)):
            values = [float(s.values[i]) for s in self.series if s.values[i] is not None]
            lo = min(lo, sum(v for v in values if v < 0))
            hi = max(hi, sum(v for v in values if v > 0))
        if self.y_max is not None:
            hi = max(hi, self.y_max)
        return lo, hi

    @property
    def bars(self) -> list[dict]:
        """One rect per value: x, y, width, height, colour and a tooltip."""
        y = self.y_scale
        inner = self.band * 0.7
        width = inner if self.stacked or not self.series else inner / len(self.series)
        out = []
        for i, category in enumerate(self.categories):
            x0 = self.center(i) - inner / 2
            up = down = 0.0  # the stack's running tops, above and below zero
            for j, s in enumerate(self.series):
                v = s.values[i]
                if v is None:
                    continue
                v = float(v)
                if self.stacked:
                    base = up if v >= 0 else down
                    top = base + v
                    if v >= 0:
                        up = top
                    else:
                        down = top
                    x = x0
                else:
                    base, top = 0.0, v
                    x = x0 + j * width
                y1, y2 = y(base), y(top)
                out.append(
                    {
                        "x": round(x, 1),
                        "y": min(y1, y2),
                        "width": round(width, 1),
                        "height": round(abs(y1 - y2), 1),
                        "color": PALETTE[j % len(PALETTE)],
                        "label": f"{category}: {s.name} {self.fmt(v)}",
                    }
                )
        return out


@dataclass
class LineChart(CategoryChart):
    """Lines over the categories; a None value breaks its line (no made-up bridge)."""

    kind = "line"

    @property
    def lines(self) -> list[dict]:
        """Per series: its colour, its SVG path (one `M … L …` run per unbroken stretch) and
        its points (a lone point between gaps is drawn as a dot)."""
        y = self.y_scale
        out = []
        for j, s in enumerate(self.series):
            parts, points, run = [], [], []
            for i, v in enumerate([*s.values, None]):
                if v is None:
                    if run:
                        parts.append("M" + " L".join(f"{px} {py}" for px, py in run))
                    run = []
                    continue
                point = (self.center(i), y(v))
                run.append(point)
                points.append({"x": point[0], "y": point[1], "label": f"{self.categories[i]}: {s.name} {self.fmt(v)}"})
            out.append({"name": s.name, "color": PALETTE[j % len(PALETTE)], "path": " ".join(parts), "points": points})
        return out


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float
    n: int = 1  # the dot's weight (its area grows with n)


@dataclass
class ScatterChart(Chart):
    """Points in a fixed x × y domain (e.g. stated confidence × kept share), optionally the
    diagonal y = x; each point's dot grows with its weight. Values outside the domain are
    drawn on its edge (and flagged `clipped`)."""

    kind = "scatter"
    points: Sequence[Point] = ()
    domain: tuple[float, float] = (0.0, 1.0)
    format: str = "percent"
    diagonal: bool = False
    label_title: str = "Group"
    n_title: str = "n"

    @property
    def fmt(self) -> Callable[[Number | None], str]:
        return FORMATS[self.format]

    @property
    def empty(self) -> bool:
        return not any(p.n for p in self.points)

    @property
    def ticks(self) -> list[float]:
        return nice_ticks(*self.domain)

    @property
    def x_scale(self) -> Scale:
        t = self.ticks
        return Scale(t[0], t[-1], self.left, self.right)

    @property
    def y_scale(self) -> Scale:
        t = self.ticks
        return Scale(t[0], t[-1], self.bottom, self.top)

    @property
    def x_ticks(self) -> list[Tick]:
        return [Tick(self.x_scale(t), self.fmt(t)) for t in self.ticks]

    @property
    def y_ticks(self) -> list[Tick]:
        return [Tick(self.y_scale(t), self.fmt(t)) for t in self.ticks]

    @property
    def diagonal_line(self) -> dict | None:
        if not self.diagonal:
            return None
        lo, hi = self.ticks[0], self.ticks[-1]
        return {"x1": self.x_scale(lo), "y1": self.y_scale(lo), "x2": self.x_scale(hi), "y2": self.y_scale(hi)}

    @property
    def dots(self) -> list[dict]:
        lo, hi = self.ticks[0], self.ticks[-1]
        most = max((p.n for p in self.points), default=0) or 1
        out = []
        for p in self.points:
            if not p.n:
                continue
            x, y = min(max(p.x, lo), hi), min(max(p.y, lo), hi)
            out.append(
                {
                    "x": self.x_scale(x),
                    "y": self.y_scale(y),
                    "r": round(4 + 8 * (p.n / most) ** 0.5, 1),
                    "clipped": (x, y) != (p.x, p.y),
                    "label": f"{p.label}: {self.x_title.lower()} {self.fmt(p.x)}, "
                    f"{self.y_title.lower()} {self.fmt(p.y)} of {p.n}",
                }
            )
        return out

    @property
    def legend(self) -> list[dict]:
        return []

    @property
    def columns(self) -> list[str]:
        return [self.label_title, self.x_title, self.y_title, self.n_title]

    def rows(self) -> list[list[Number | str | None]]:
        return [[p.label, p.x if p.n else None, p.y if p.n else None, p.n] for p in self.points]

    def table(self) -> list[list[dict]]:
        return [
            [
                {"text": label, "value": label},
                {"text": self.fmt(x), "value": raw(x)},
                {"text": self.fmt(y), "value": raw(y)},
                {"text": fmt_count(n), "value": raw(n)},
            ]
            for label, x, y, n in self.rows()
        ]
