"""Classes of the filled maps, their colours, and the legends that explain a map's colours.

The district choropleths (``geo.district_layers``) and the H3 totals of idle land (``geo.layers``)
share the classes: ``class_breaks`` cuts the values into up to five quantile classes,
``classify`` gives each value its class and ``palette`` the classes' colours; a ``Legend`` pairs
each colour with what it stands for and ``legend_html`` shows it beside the map.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.i18n import fmt_number

# Sequential reds (ColorBrewer "Reds", 5 classes): reads on a projector and in greyscale print.
CLASS_COLOURS = ((254, 229, 217), (252, 174, 145), (251, 106, 74), (222, 45, 38), (165, 15, 21))
# Where more is better (spare grid capacity, a disposal rate) the darkest class must not read as
# alarm: the district with the most headroom was darkest red on a projector above the same district
# in green in the bar chart (tester 11). ColorBrewer "Greens", 5 classes.
GOOD_COLOURS = ((237, 248, 233), (186, 228, 179), (116, 196, 118), (49, 163, 84), (0, 109, 44))
RAMPS = {"worse": CLASS_COLOURS, "better": GOOD_COLOURS}  # what more of the mapped value means
NO_DATA_COLOUR = (220, 220, 220)


@dataclass(frozen=True)
class Legend:
    """What a map's colours mean: a title and (colour, label) per class or category."""

    title: str
    entries: tuple[tuple[tuple[int, int, int], str], ...]  # (colour, label) per class


def class_breaks(values: pd.Series, classes: int = 5) -> list[float]:
    """Upper bounds of quantile classes, de-duplicated (few distinct values -> fewer classes).
    Zeros beside positive values are a class of their own: under one industrial chain seven
    districts had none, the quantiles fell on 0, and 10.4 亿元 shared a class with 310.4 under a
    legend of "0.0 – 0.0" and "0.0 – 310.4" (tester 17)."""
    clean = values.dropna().astype(float)
    if clean.empty:
        return []
    zero = clean == 0
    # (not with negative values, such as an overloaded level's headroom: zero is then no floor)
    if zero.any() and (clean > 0).any() and (clean >= 0).all() and classes > 1:
        return [0.0, *class_breaks(clean[~zero], classes - 1)]
    classes = min(classes, clean.nunique())
    qs = np.quantile(clean, np.linspace(0, 1, classes + 1)[1:])
    return sorted(set(float(q) for q in qs))


def classify(values: pd.Series, breaks: list[float]) -> list[int | None]:
    """Each value's class (index into ``breaks``), None for a missing value."""
    out = []
    for v in values:
        if v is None or pd.isna(v):
            out.append(None)
        else:
            out.append(next(i for i, b in enumerate(breaks) if v <= b + 1e-9) if breaks else None)
    return out


def palette(n: int, breaks: list[float] | None = None, more: str = "worse") -> tuple[tuple[int, int, int], ...]:
    """``n`` colours spread over the ramp of ``RAMPS[more]`` (reds by default), lightest first. One
    class of nothing but zeros (no project matches the filters) is the lightest: in the middle
    red, a city where nothing matched looked filled with investment."""
    ramp = RAMPS[more]
    if n <= 0:
        return ()
    if n == 1:
        return (ramp[0] if breaks == [0.0] else ramp[2],)
    idx = np.round(np.linspace(0, len(ramp) - 1, n)).astype(int)
    return tuple(ramp[i] for i in idx)


def break_labels(breaks: list[float], values: pd.Series, unit: str, decimals: int, lang: str) -> list[str]:
    """"low – high unit" per class: the smallest and largest value in it, one value alone ("0 亿元").
    The values themselves, not the quantile bounds: bounds shared by two classes ("54.6 – 55.8 % /
    55.8 – 57.7 %") did not say where a district at 55.8 was, and bounds between values named
    figures no district had (tester 17)."""
    clean = values.dropna().astype(float).to_numpy()
    labels, previous = [], -np.inf
    for b in breaks:
        inside = clean[(clean > previous + 1e-9) & (clean <= b + 1e-9)]
        low, high = (float(inside.min()), float(inside.max())) if len(inside) else (b, b)
        same = fmt_number(low, "", decimals, lang) == fmt_number(high, "", decimals, lang)
        labels.append(fmt_number(high, unit, decimals, lang) if same else
                      f"{fmt_number(low, '', decimals, lang)} – {fmt_number(high, unit, decimals, lang)}")
        previous = b
    return labels


def legend_html(legend: Legend) -> str:
    """The legend as HTML for ``st.html``: exact colour swatches and labels (escaped: labels can
    come from data). Plain HTML, not a Vega-Lite chart: the browser draws it at once, where a
    chart made a fresh browser load Vega's code first (~0.3 s of the overview's cold start) and
    redraw a chart on every rerun."""
    rows = "".join(f'<div style="display:flex;align-items:center;gap:0.5rem;margin:0.3rem 0">'
                   f'<span style="flex:none;width:1.1rem;height:1.1rem;opacity:0.9;background:rgb{tuple(colour)}">'
                   f'</span><span>{html.escape(label)}</span></div>' for colour, label in legend.entries)
    return (f'<div class="zz-legend" style="font-size:0.9rem">'
            f'<div style="font-weight:600;margin-bottom:0.3rem">{html.escape(legend.title)}</div>{rows}</div>')
