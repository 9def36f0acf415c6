"""Plotly figures of the dashboard, the moment detail and the report.

Pure: DataFrames and dicts in, ``plotly.graph_objects.Figure`` out; no database, no request. Views only embed the
figures (``figure_json``) and ``static/js/dashboard.js`` draws them with the plotly.js basic bundle served from
``static/vendor/plotly/`` (scatter and bar traces, annotations, shapes, error bars: keep to those, or change the
bundle). Every title and label is final here: the script only picks the phone variant (``layout.meta.narrow``).

Colours are the Okabe-Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies; every flag is
also drawn as a marker *shape*, so nothing relies on colour alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

QUADRANT_COLOURS = {
    "raise": "#D55E00",
    "amplify": "#008F68",
    "improve": "#A87000",
    "reduce": "#0072B2",
    "insufficient_data": "#8a8f98",
}
# Okabe-Ito hues, amplify and improve darkened (Okabe-Ito #009E73 and #E69F00 reach 3.2:1 and 2.1:1 on their tints):
# a bubble must stand out from its quadrant's tint at 3:1 at least (WCAG 2.2, 1.4.11 non-text contrast), as
# ``tests/moments/test_charts.py`` checks with MARKER_OPACITY.
MARKER_OPACITY = 0.92
# Text on the tinted quadrants: darker shades of the same hues, for contrast on white (WCAG AA at 12px).
QUADRANT_INK = {"raise": "#9c4400", "amplify": "#006b4f", "improve": "#7a5400", "reduce": "#00528a"}
QUADRANT_TINTS = {
    "raise": "rgba(213, 94, 0, 0.07)",
    "amplify": "rgba(0, 158, 115, 0.07)",
    "improve": "rgba(230, 159, 0, 0.08)",
    "reduce": "rgba(0, 114, 178, 0.06)",
}
QUADRANT_TITLES = {
    "raise": "Raise",
    "amplify": "Amplify",
    "improve": "Improve",
    "reduce": "Reduce",
    "insufficient_data": "Insufficient data",
}
QUADRANT_SHORT_ACTIONS = {
    "raise": "Disappoints where it matters: fix first",
    "amplify": "Delights where it matters: let more customers have it",
    "improve": "Improve where cheap; not a priority",
    "reduce": "Over-delivering: reduce effort or cost",
}
QUADRANTS = ("raise", "amplify", "improve", "reduce")
FLAG_LABELS = {
    "pain_point": "Pain point",
    "uncertain": "Uncertain",
    "brand_moment": "Brand moment",
    "insufficient_data": "Insufficient data",
}
INK = "#1d2433"
MUTED = "#5b6577"
GRID = "#e6e9ef"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
# Fewer placed moments than this and the quadrant says nothing (thresholds from one or two points): a sentence
# replaces the chart (``static/js/dashboard.js`` shows ``layout.meta.message``).
MIN_PLACED = 3

# Marker shape per flag: a pain point points down (it costs outcome whatever its rating), a brand moment is a star,
# an uncertain placement is drawn open (outline only), combining with either shape.
SYMBOL_PAIN_POINT = "triangle-down"
SYMBOL_BRAND = "star"
SYMBOL_DEFAULT = "circle"


def marker_symbol(flags: Iterable[str]) -> str:
    """Plotly marker symbol for a moment's flags (pain point > brand moment > circle; ``-open`` if uncertain)."""
    flags = set(flags)
    base = SYMBOL_PAIN_POINT if "pain_point" in flags else SYMBOL_BRAND if "brand_moment" in flags else SYMBOL_DEFAULT
    return f"{base}-open" if "uncertain" in flags else base


def bubble_size(reach: float | None) -> float:
    """Marker diameter in px for a reach share 0-1 (10 px floor, so that a rare moment stays visible)."""
    if reach is None or not math.isfinite(reach):
        return 10.0
    return 10.0 + 38.0 * math.sqrt(max(0.0, min(1.0, reach)))


def _rgb(colour: str) -> tuple[float, float, float, float]:
    """(r, g, b, alpha) of ``#rrggbb`` or ``rgba(r, g, b, a)``."""
    if colour.startswith("#"):
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), 1.0
    r, g, b, a = (float(v) for v in colour[colour.index("(") + 1 : -1].split(","))
    return r, g, b, a


def colour_over(colour: str, background: str = "#ffffff", alpha: float | None = None) -> str:
    """``colour`` painted with its alpha (or ``alpha``) over an opaque ``background``, as ``#rrggbb``."""
    r, g, b, a = _rgb(colour)
    a = a if alpha is None else alpha
    br, bg, bb, _ = _rgb(background)
    return "#" + "".join(f"{round(c * a + d * (1 - a)):02x}" for c, d in ((r, br), (g, bg), (b, bb)))


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two opaque ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [c / 255 for c in _rgb(colour)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# ---------------------------------------------------------------------------------------------- label placement
@dataclass(frozen=True)
class LabelPlacement:
    """Where a bubble's name goes: a pixel offset of the label's centre from the bubble's centre (screen y grows
    downwards), the text shown (the name, or the rank when no place is free for the name), the label's box in plot
    pixels, and whether a leader line is needed (the label is not touching its bubble)."""

    dx: float
    dy: float
    text: str
    box: tuple[float, float, float, float]
    leader: bool


# Screen directions (x right, y down) tried in this order at each distance, then farther out.
LABEL_DIRECTIONS = ((1, 0), (0, -1), (-1, 0), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))
LABEL_GAPS = (2.0, 14.0, 28.0, 44.0, 64.0)


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _label_box(cx: float, cy: float, r: float, w: float, h: float, direction, gap: float):
    dx, dy = direction
    if dx and dy:  # diagonal: a corner of the label touches the ring at 45 degrees
        ex, ey = cx + dx * (r + gap) * 0.7071, cy + dy * (r + gap) * 0.7071
        left, top = (ex if dx > 0 else ex - w), (ey if dy > 0 else ey - h)
    elif dx:
        left, top = (cx + r + gap if dx > 0 else cx - r - gap - w), cy - h / 2
    else:
        left, top = cx - w / 2, (cy + r + gap if dy > 0 else cy - r - gap - h)
    return (left, top, left + w, top + h)


def label_layout(
    centres: list[tuple[float, float]],
    radii: list[float],
    names: list[str],
    *,
    plot_px: tuple[float, float],
    obstacles: list[tuple[float, float, float, float]] = (),
    short_names: list[str] | None = None,
    char_px: float = 7.0,
    line_px: float = 16.0,
) -> list[LabelPlacement]:
    """A place for every bubble's name, in plot pixels, so that no label covers another label, a bubble, an
    obstacle (the quadrant captions) or the plot's edge.

    Steps (greedy, in input order, so put the most important moments first): a label is a box of ``char_px`` per
    character by ``line_px``; it is tried beside its bubble in eight directions, then at growing distances with a
    leader line (``LABEL_GAPS``); the first free place wins. Where none is free, the short name (the rank) is
    tried the same way; where that fails too, the place that overlaps least. A cartographic point-labelling
    heuristic (Imhof's preferred positions, without the search over swaps).
    """
    width, height = plot_px
    bubbles = [(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radii, strict=True)]
    placed: list[tuple[float, float, float, float]] = []
    result = []

    def cost(box) -> float:
        outside = max(0.0, -box[0]) + max(0.0, box[2] - width) + max(0.0, -box[1]) + max(0.0, box[3] - height)
        return (
            sum(_overlap(box, other) for other in placed)
            + sum(_overlap(box, bubble) for bubble in bubbles)
            + sum(_overlap(box, obstacle) for obstacle in obstacles)
            + outside * line_px * 4
        )

    for i, ((cx, cy), r) in enumerate(zip(centres, radii, strict=True)):
        texts = [names[i]] + ([short_names[i]] if short_names and short_names[i] != names[i] else [])
        best = None
        for text in texts:
            w, h = len(text) * char_px + 6, line_px
            for gap in LABEL_GAPS:
                for direction in LABEL_DIRECTIONS:
                    box = _label_box(cx, cy, r, w, h, direction, gap)
                    c = cost(box)
                    if best is None or c < best[0]:
                        best = (c, text, box, gap)
                    if c == 0:
                        break
                if best[0] == 0:
                    break
            if best[0] == 0:
                break
        _, text, box, gap = best
        placed.append(box)
        result.append(
            LabelPlacement(
                dx=(box[0] + box[2]) / 2 - cx, dy=(box[1] + box[3]) / 2 - cy, text=text, box=box, leader=gap > 2.0
            )
        )
    return result


# ---------------------------------------------------------------------------------------------- helpers
def _num(value, digits: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if round(value, digits) == 0:
        value = 0.0
        signed = False  # zero has no sign
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")


def _interval(low, high, digits: int = 1, signed: bool = False) -> str:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f" [{_num(low, digits, signed)}, {_num(high, digits, signed)}]"


def _flags_list(value) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [f for f in value.split(";") if f]
    return list(value)


def _clean(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _axis_range(values: Iterable[float | None], anchor: float | None, lo_bound, hi_bound, pad_share=0.08):
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if anchor is not None and math.isfinite(anchor):
        finite.append(anchor)
    if not finite:
        return [0.0 if lo_bound is None else lo_bound, 100.0 if hi_bound is None else hi_bound]
    lo, hi = min(finite), max(finite)
    pad = max((hi - lo) * pad_share, 1.0 if hi_bound == 100 else abs(hi) * 0.05 + 0.01)
    lo, hi = lo - pad, hi + pad
    if lo_bound is not None:
        lo = max(lo, lo_bound)
    if hi_bound is not None:
        hi = min(hi, hi_bound)
    return [lo, hi]


def _base_layout(fig: go.Figure, *, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 40 if title else 16, "b": 50},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        font={"family": FONT, "color": INK, "size": 13},
        hoverlabel={"bgcolor": "#ffffff", "bordercolor": "#c5ccd6", "font": {"family": FONT, "color": INK}},
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}} if title else None,
    )
    fig.update_xaxes(gridcolor=GRID, zeroline=False, linecolor="#c5ccd6", ticks="outside", tickcolor="#c5ccd6")
    fig.update_yaxes(gridcolor=GRID, zeroline=False, linecolor="#c5ccd6", ticks="outside", tickcolor="#c5ccd6")
    return fig


# ---------------------------------------------------------------------------------------------- quadrant figure
@dataclass(frozen=True)
class QuadrantGeometry:
    """The pixel geometry one variant of the quadrant figure is laid out for: labels are placed in pixels, so the
    figure is built once for a laptop-sized chart and once for a phone (``layout.meta.narrow``).

    ``plot_px`` is the plotting area assumed for label placement: the narrowest chart of its kind (labels keep
    their pixel distance from their bubble while a wider chart only spreads the bubbles apart)."""

    height: int
    margin: dict
    plot_px: tuple[float, float]
    label_font: int
    char_px: float
    bubble_scale: float
    long_captions: bool
    x_title: str
    y_title: str  # with {unit}
    legend_y: float


WIDE = QuadrantGeometry(
    height=560, margin={"l": 64, "r": 24, "t": 16, "b": 90}, plot_px=(620.0, 454.0), label_font=12, char_px=7.0,
    bubble_scale=1.0, long_captions=True, x_title="Satisfaction of those who experienced it (0-100)",
    y_title="Impact on the outcome ({unit})", legend_y=-0.12,
)  # fmt: skip
# A 390 px phone: the card leaves about 337 px for the figure, 280 px of it for the plot.
NARROW = QuadrantGeometry(
    height=460, margin={"l": 52, "r": 10, "t": 10, "b": 130}, plot_px=(270.0, 320.0), label_font=11, char_px=6.4,
    bubble_scale=0.7, long_captions=False, x_title="Satisfaction (0-100)", y_title="Impact ({unit})",
    legend_y=-0.2,
)  # fmt: skip
NARROW_BREAKPOINT_PX = 640  # static/js/dashboard.js draws layout.meta.narrow below this chart width


@dataclass
class _QuadrantInputs:
    placed: pd.DataFrame
    ts: float | None
    ti: float | None
    x_range: list[float]
    y_range: list[float]
    impact_unit: str
    what_if_unit: str
    previous: pd.DataFrame | None
    previous_label: str


def _quadrant_inputs(results: pd.DataFrame, summary: dict, previous, previous_label: str) -> _QuadrantInputs:
    """The placed moments (priority order), the thresholds and the axis ranges shared by every variant."""
    frame = results.copy()
    if "url" not in frame:
        frame["url"] = ""
    frame["flags"] = [_flags_list(v) for v in frame.get("flags", [[]] * len(frame))]
    placed_mask = (frame["quadrant"] != "insufficient_data") & frame["satisfaction"].notna() & frame["impact"].notna()
    placed = frame[placed_mask]
    if "rank" in placed:
        placed = placed.sort_values("rank", kind="stable")
    ts = _clean(summary.get("threshold_satisfaction"))
    ti = _clean(summary.get("threshold_impact"))
    if previous is not None and not len(previous):
        previous = None

    xs = list(placed["satisfaction"]) + list(placed["satisfaction_low"]) + list(placed["satisfaction_high"])
    ys = list(placed["impact"]) + list(placed["impact_low"]) + list(placed["impact_high"])
    if previous is not None:
        xs += list(previous["satisfaction"])
        ys += list(previous["impact"])
    x_range = _axis_range([_clean(v) for v in xs], ts, 0.0, 100.0)
    y_values = [v for v in (_clean(v) for v in ys) if v is not None]
    y_range = _axis_range(y_values, ti, None, None)
    if ti is not None and y_range[0] > 0 and y_values and min(y_values) >= 0:
        y_range[0] = max(0.0, y_range[0])
    y_pad = (y_range[1] - y_range[0]) * 0.10  # headroom for the quadrant captions
    y_range = [y_range[0] - y_pad * 0.6, y_range[1] + y_pad]
    return _QuadrantInputs(
        placed=placed, ts=ts, ti=ti, x_range=x_range, y_range=y_range,
        impact_unit=(summary.get("impact_unit") or "% of R^2, signed").replace("R^2", "R²"),
        what_if_unit=summary.get("what_if_unit") or "NPS points", previous=previous, previous_label=previous_label,
    )  # fmt: skip


def _caption_boxes(geo: QuadrantGeometry) -> dict[str, tuple[float, float, float, float]]:
    """Each quadrant caption's box in plot pixels (they sit in the plot's corners): obstacles for the labels."""
    width, height = geo.plot_px
    boxes = {}
    for quadrant in QUADRANTS:
        w = len(QUADRANT_TITLES[quadrant]) * 10.0 + 4
        h = 20.0
        if geo.long_captions:
            w, h = max(w, len(QUADRANT_SHORT_ACTIONS[quadrant]) * 6.3 + 4), 36.0
        left = 8.0 if quadrant in ("raise", "improve") else width - 8.0 - w
        top = 6.0 if quadrant in ("raise", "amplify") else height - 6.0 - h
        boxes[quadrant] = (left, top, left + w, top + h)
    return boxes


def _backdrop_add(fig: go.Figure, inp: _QuadrantInputs, geo: QuadrantGeometry) -> None:
    """Quadrant tints (below the data), their captions in the plot's corners, and the crosshair."""
    x_range, y_range = inp.x_range, inp.y_range
    cx = inp.ts if inp.ts is not None else sum(x_range) / 2
    cy = inp.ti if inp.ti is not None else sum(y_range) / 2
    boxes = {
        "raise": (x_range[0], cx, cy, y_range[1]),
        "amplify": (cx, x_range[1], cy, y_range[1]),
        "improve": (x_range[0], cx, y_range[0], cy),
        "reduce": (cx, x_range[1], y_range[0], cy),
    }
    for quadrant, (x0, x1, y0, y1) in boxes.items():
        left, top = quadrant in ("raise", "improve"), quadrant in ("raise", "amplify")
        fig.add_shape(
            type="rect", x0=x0, x1=x1, y0=y0, y1=y1, xref="x", yref="y", layer="below", line={"width": 0},
            fillcolor=QUADRANT_TINTS[quadrant], name=f"tint-{quadrant}",
        )  # fmt: skip
        action = f"<br><span style='font-size:11px'>{QUADRANT_SHORT_ACTIONS[quadrant]}</span>"
        fig.add_annotation(
            x=0 if left else 1, y=1 if top else 0, xref="x domain", yref="y domain",
            xanchor="left" if left else "right", yanchor="top" if top else "bottom",
            xshift=8 if left else -8, yshift=-6 if top else 6, align="left" if left else "right", showarrow=False,
            text=f"<b>{QUADRANT_TITLES[quadrant].upper()}</b>{action if geo.long_captions else ''}",
            font={"color": QUADRANT_INK[quadrant], "size": 13}, name=f"label-{quadrant}",
        )  # fmt: skip
    line = {"color": "#6b7380", "width": 1.5, "dash": "dash"}
    if inp.ts is not None:
        fig.add_shape(
            type="line", x0=inp.ts, x1=inp.ts, y0=y_range[0], y1=y_range[1], xref="x", yref="y", line=line,
            name="threshold-satisfaction",
        )  # fmt: skip
    if inp.ti is not None:
        fig.add_shape(
            type="line", x0=x_range[0], x1=x_range[1], y0=inp.ti, y1=inp.ti, xref="x", yref="y", line=line,
            name="threshold-impact",
        )  # fmt: skip


def _movement_add(fig: go.Figure, inp: _QuadrantInputs, geo: QuadrantGeometry) -> None:
    """An arrow from each moment's position in the comparison run to its current one, and a legend entry."""
    if inp.previous is None:
        return
    before = inp.previous.set_index("moment_id")
    hollow = {"size": 8, "color": "rgba(0,0,0,0)", "line": {"color": "#8a8f98", "width": 1.5}, "symbol": "circle"}
    for row in inp.placed.itertuples():
        if row.moment_id not in before.index:
            continue
        px, py = _clean(before.loc[row.moment_id, "satisfaction"]), _clean(before.loc[row.moment_id, "impact"])
        if px is None or py is None or (abs(px - row.satisfaction) < 1e-9 and abs(py - row.impact) < 1e-9):
            continue
        fig.add_annotation(
            x=row.satisfaction, y=row.impact, ax=px, ay=py, xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=2, arrowsize=1.1, arrowwidth=1.6, arrowcolor="#4a5261", opacity=0.8,
            standoff=bubble_size(_clean(row.reach)) * geo.bubble_scale / 2 + 1, text="", name=f"move-{row.moment_id}",
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[px], y=[py], mode="markers", showlegend=False, hoverinfo="skip", marker=hollow, name="previous"
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=[None], y=[None], mode="markers", name=inp.previous_label, hoverinfo="skip", marker=hollow)
    )


def _hover_rows(rows: pd.DataFrame, quadrant: str, impact_unit: str) -> list[list]:
    """customdata per point: url, name, stage, quadrant, then every number with its interval as text."""
    digits = 2 if impact_unit == "r" else 1

    def signed(value, low, high) -> str | None:
        value = _clean(value)
        return None if value is None else f"{_num(value, 1, True)}{_interval(_clean(low), _clean(high), 1, True)}"

    out = []
    for row in rows.itertuples():
        reach, stability = _clean(row.reach), _clean(row.stability)
        out.append(
            [
                row.url, row.moment, row.stage or "", QUADRANT_TITLES[quadrant],
                f"{_num(row.satisfaction)}{_interval(_clean(row.satisfaction_low), _clean(row.satisfaction_high))}",
                f"{_num(row.impact, digits)}{_interval(_clean(row.impact_low), _clean(row.impact_high), digits)}",
                f"{_num(reach * 100 if reach is not None else None, 0)}%", f"{int(row.n):,}",
                signed(row.occurrence_effect, row.occurrence_low, row.occurrence_high) or "not enough non-experiencers",
                f"{_num(stability * 100, 0)}%" if stability is not None else "–",
                signed(row.what_if, row.what_if_low, row.what_if_high) or "–",
                ", ".join(FLAG_LABELS.get(f, f) for f in row.flags) or "none", row.moment_id,
            ]
        )  # fmt: skip
    return out


def _hover_template(impact_unit: str, what_if_unit: str) -> str:
    return (
        "<b>%{customdata[1]}</b> · %{customdata[2]}<br>"
        "Quadrant: <b>%{customdata[3]}</b><br>"
        "Satisfaction: %{customdata[4]} (0-100, 95% interval)<br>"
        f"Impact: %{{customdata[5]}} ({impact_unit})<br>"
        "Reach: %{customdata[6]} · n = %{customdata[7]}<br>"
        f"Occurrence effect: %{{customdata[8]}} {what_if_unit}<br>"
        "Stability: %{customdata[9]} of resamples in this quadrant<br>"
        f"What-if: %{{customdata[10]}} {what_if_unit}<br>"
        "Flags: %{customdata[11]}<extra></extra>"
    )


def _error_bar(centre: pd.Series, low: pd.Series, high: pd.Series, colour: str) -> dict:
    return {
        "type": "data", "symmetric": False, "color": colour, "thickness": 1.2, "width": 0,
        "array": list((high - centre).clip(lower=0).fillna(0)),
        "arrayminus": list((centre - low).clip(lower=0).fillna(0)),
    }  # fmt: skip


def _points_add(fig: go.Figure, inp: _QuadrantInputs, geo: QuadrantGeometry) -> None:
    """One trace per quadrant: colour carries the quadrant, the symbol the flags, the diameter the reach. The
    traces stay out of the legend: their first point's symbol would stand for the whole quadrant there."""
    for quadrant in QUADRANTS:
        rows = inp.placed[inp.placed["quadrant"] == quadrant]
        if rows.empty:
            continue
        colour = QUADRANT_COLOURS[quadrant]
        symbols = [marker_symbol(f) for f in rows["flags"]]
        fig.add_trace(
            go.Scatter(
                x=rows["satisfaction"], y=rows["impact"], mode="markers", name=QUADRANT_TITLES[quadrant],
                legendgroup=quadrant, showlegend=False, cliponaxis=False, meta={"quadrant": quadrant},
                marker={
                    "size": [bubble_size(_clean(r)) * geo.bubble_scale for r in rows["reach"]], "sizemode": "diameter",
                    "color": [colour if not s.endswith("-open") else "rgba(255,255,255,0.6)" for s in symbols],
                    "symbol": symbols, "opacity": MARKER_OPACITY,
                    "line": {"color": [colour if s.endswith("-open") else "#ffffff" for s in symbols], "width": 2},
                },
                error_x=_error_bar(rows["satisfaction"], rows["satisfaction_low"], rows["satisfaction_high"], colour),
                error_y=_error_bar(rows["impact"], rows["impact_low"], rows["impact_high"], colour),
                customdata=_hover_rows(rows, quadrant, inp.impact_unit),
                hovertemplate=_hover_template(inp.impact_unit, inp.what_if_unit),
            )
        )  # fmt: skip


def _labels_add(fig: go.Figure, inp: _QuadrantInputs, geo: QuadrantGeometry) -> None:
    """Every bubble's name as an annotation placed by ``label_layout`` (clear of the other labels, the bubbles and
    the captions), with a leader line when it had to move away from its bubble."""
    placed = inp.placed
    width, height = geo.plot_px
    sx = width / ((inp.x_range[1] - inp.x_range[0]) or 1.0)
    sy = height / ((inp.y_range[1] - inp.y_range[0]) or 1.0)
    centres = [
        ((x - inp.x_range[0]) * sx, (inp.y_range[1] - y) * sy)
        for x, y in zip(placed["satisfaction"], placed["impact"], strict=True)
    ]
    radii = [bubble_size(_clean(r)) * geo.bubble_scale / 2 for r in placed["reach"]]
    names = [str(m) for m in placed["moment"]]
    short = None
    if "rank" in placed:
        short = [str(int(r)) if pd.notna(r) else n for r, n in zip(placed["rank"], names, strict=True)]
    layout = label_layout(
        centres, radii, names, plot_px=geo.plot_px, obstacles=list(_caption_boxes(geo).values()), short_names=short,
        char_px=geo.char_px, line_px=geo.label_font + 5.0,
    )  # fmt: skip
    for row, radius, label in zip(placed.itertuples(), radii, layout, strict=True):
        common = {
            "x": row.satisfaction, "y": row.impact, "xref": "x", "yref": "y", "text": label.text,
            "font": {"size": geo.label_font, "color": INK}, "bgcolor": "rgba(255,255,255,0.8)", "borderpad": 1,
            "xanchor": "center", "yanchor": "middle", "name": f"name-{row.moment_id}", "hovertext": row.moment,
        }  # fmt: skip
        if label.leader:
            fig.add_annotation(
                **common, showarrow=True, ax=label.dx, ay=label.dy, arrowhead=0, arrowwidth=1, arrowcolor=MUTED,
                standoff=radius,
            )  # fmt: skip
        else:
            fig.add_annotation(**common, showarrow=False, xshift=label.dx, yshift=-label.dy)


def _legend_add(fig: go.Figure, inp: _QuadrantInputs) -> None:
    """Legend-only entries: a circle in each present quadrant's colour, then the flag shapes in neutral grey."""
    present_quadrants = set(inp.placed["quadrant"])
    for quadrant in QUADRANTS:
        if quadrant in present_quadrants:
            fig.add_trace(
                go.Scatter(
                    x=[None], y=[None], mode="markers", name=QUADRANT_TITLES[quadrant], legendgroup=quadrant,
                    marker={"symbol": SYMBOL_DEFAULT, "size": 12, "color": QUADRANT_COLOURS[quadrant]},
                    hoverinfo="skip", meta={"legend": quadrant},
                )
            )  # fmt: skip
    present = {f for flags in inp.placed["flags"] for f in flags}
    for flag, symbol in (
        ("pain_point", SYMBOL_PAIN_POINT),
        ("brand_moment", SYMBOL_BRAND),
        ("uncertain", "circle-open"),
    ):
        if flag in present:
            fig.add_trace(
                go.Scatter(
                    x=[None], y=[None], mode="markers", name=FLAG_LABELS[flag], legendgroup=f"flag-{flag}",
                    marker={"symbol": symbol, "size": 12, "color": MUTED, "line": {"color": MUTED, "width": 2}},
                    hoverinfo="skip", meta={"legend": flag},
                )
            )  # fmt: skip


def _quadrant_variant(inp: _QuadrantInputs, geo: QuadrantGeometry) -> go.Figure:
    fig = go.Figure()
    _backdrop_add(fig, inp, geo)
    _movement_add(fig, inp, geo)
    _points_add(fig, inp, geo)
    _labels_add(fig, inp, geo)
    _legend_add(fig, inp)
    _base_layout(fig, height=geo.height)
    fig.update_layout(
        showlegend=True,
        legend={"orientation": "h", "yanchor": "top", "y": geo.legend_y, "x": 0, "font": {"size": geo.label_font}},
        margin=geo.margin, dragmode=False, clickmode="event",
    )  # fmt: skip
    fig.update_xaxes(range=inp.x_range, title={"text": geo.x_title})
    fig.update_yaxes(range=inp.y_range, title={"text": geo.y_title.format(unit=inp.impact_unit)})
    return fig


def _too_few_figure(placed: int, height: int) -> go.Figure:
    """No quadrant: with fewer than MIN_PLACED moments the thresholds and quadrants compare next to nothing."""
    who = "No moment has" if placed == 0 else ("Only 1 moment has" if placed == 1 else f"Only {placed} moments have")
    message = (
        f"{who} enough respondents to be placed. A quadrant needs at least {MIN_PLACED} to compare; "
        "the table lists every moment."
    )
    fig = go.Figure()
    _base_layout(fig, height=min(height, 200))
    fig.update_layout(meta={"message": message}, xaxis={"visible": False}, yaxis={"visible": False})
    fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", text=message, showarrow=False, font={"color": MUTED})
    return fig


def quadrant_figure(
    results: pd.DataFrame,
    summary: dict,
    *,
    previous: pd.DataFrame | None = None,
    previous_label: str = "Previous position",
    height: int = 560,
) -> go.Figure:
    """The satisfaction x impact map of one analysis run.

    results: one row per moment; columns moment_id, moment (name), stage, quadrant, rank (optional: label order,
    and the short label of a crowded bubble), satisfaction, satisfaction_low, satisfaction_high (0-100), impact,
    impact_low, impact_high (summary["impact_unit"]), reach (share 0-1), n, occurrence_effect, occurrence_low,
    occurrence_high (outcome points), stability (0-1), what_if, what_if_low, what_if_high (outcome points), flags
    (list or ";"-joined), url (optional, opened on click).
    Rows with quadrant ``insufficient_data`` or no satisfaction / impact are *not* plotted: the page lists them.
    summary: threshold_satisfaction, threshold_impact, impact_unit, what_if_unit (from ``AnalysisRun.summary``).
    previous: optional frame (moment_id, satisfaction, impact) of a comparison run; an arrow goes from each
    moment's previous position to its current one.

    Figure: quadrant tints as layout shapes (below the data), crosshair lines at the thresholds, quadrant names
    and actions as corner captions, one scatter trace per quadrant (colour) with one symbol per point (flags),
    bubble diameter by reach, error bars from the 95% intervals, hover with every number and interval, names as
    annotations placed clear of each other and of the captions, and legend-only entries for the quadrant colours
    and the flag shapes. ``layout.meta.narrow`` holds the same figure laid out for a phone. With fewer than
    ``MIN_PLACED`` placed moments: no quadrant, ``layout.meta.message`` says why.
    """
    inp = _quadrant_inputs(results, summary, previous, previous_label)
    if len(inp.placed) < MIN_PLACED:
        return _too_few_figure(len(inp.placed), height)
    wide = replace(WIDE, height=height, plot_px=(WIDE.plot_px[0], WIDE.plot_px[1] + height - WIDE.height))
    fig = _quadrant_variant(inp, wide)
    fig.update_layout(meta={"narrow": figure_json(_quadrant_variant(inp, NARROW))})
    return fig


def distribution_figure(distribution: pd.DataFrame, *, threshold_level: float | None = None) -> go.Figure:
    """Satisfaction distribution of one moment on the survey scale.

    distribution: columns level (a scale point, e.g. 1..10), count (respondents), share (0-1).
    threshold_level: optional satisfaction threshold converted to the survey scale, drawn as a dashed line.
    """
    fig = go.Figure(
        go.Bar(
            x=distribution["level"],
            y=distribution["share"] * 100,
            customdata=distribution["count"],
            marker={"color": "#0072B2"},
            hovertemplate="Rating %{x}: %{y:.1f}% (%{customdata:,} respondents)<extra></extra>",
            name="Share of experiencers",
        )
    )
    if threshold_level is not None and math.isfinite(threshold_level):
        fig.add_vline(x=threshold_level, line={"color": "#6b7380", "dash": "dash", "width": 1.5})
        fig.add_annotation(
            x=threshold_level, y=1.0, yref="paper", yanchor="bottom", text="threshold", showarrow=False,
            font={"size": 11, "color": MUTED},
        )  # fmt: skip
    _base_layout(fig, height=300)
    fig.update_xaxes(title={"text": "Rating on the survey scale"}, dtick=1)
    fig.update_yaxes(title={"text": "% of experiencers"}, rangemode="tozero")
    return fig


def outcome_by_level_figure(by_level: pd.DataFrame, *, outcome_label: str = "NPS") -> go.Figure:
    """Outcome of the respondents at each satisfaction level of the moment.

    by_level: columns level, outcome (NPS points / rate % / mean), outcome_low, outcome_high (95%), n.
    Levels with n = 0 are dropped.
    """
    frame = by_level[by_level["n"] > 0]
    fig = go.Figure(
        go.Scatter(
            x=frame["level"],
            y=frame["outcome"],
            mode="lines+markers",
            line={"color": "#009E73", "width": 2.5},
            marker={"size": 8},
            error_y={
                "type": "data",
                "symmetric": False,
                "color": "#009E73",
                "thickness": 1.2,
                "array": list((frame["outcome_high"] - frame["outcome"]).fillna(0)),
                "arrayminus": list((frame["outcome"] - frame["outcome_low"]).fillna(0)),
            },
            customdata=np.column_stack([frame["n"], frame["outcome_low"], frame["outcome_high"]]),
            hovertemplate=(
                f"Rating %{{x}}: {outcome_label} %{{y:.1f}} [%{{customdata[1]:.1f}}, %{{customdata[2]:.1f}}]"
                "<br>n = %{customdata[0]:,}<extra></extra>"
            ),
            name=outcome_label,
        )  # fmt: skip
    )
    _base_layout(fig, height=300)
    fig.update_xaxes(title={"text": "Rating of this moment"}, dtick=1)
    fig.update_yaxes(title={"text": outcome_label})
    return fig


def occurrence_figure(groups: pd.DataFrame, *, outcome_label: str = "NPS", pain_point: bool = False) -> go.Figure:
    """Outcome of those who experienced the moment versus those who did not.

    groups: two rows, columns group ("Experienced" / "Did not experience"), outcome, outcome_low, outcome_high, n.
    Each bar's value is written past the far end of its interval (an annotation named ``value-<row>``), never on
    the bar, where the error bar would strike through it.
    """
    colours = ["#D55E00" if pain_point else "#0072B2", "#8a8f98"]
    fig = go.Figure(
        go.Bar(
            y=groups["group"],
            x=groups["outcome"],
            orientation="h",
            marker={"color": colours[: len(groups)]},
            error_x={
                "type": "data",
                "symmetric": False,
                "color": INK,
                "thickness": 1.4,
                "array": list((groups["outcome_high"] - groups["outcome"]).fillna(0)),
                "arrayminus": list((groups["outcome"] - groups["outcome_low"]).fillna(0)),
            },
            customdata=np.column_stack([groups["n"], groups["outcome_low"], groups["outcome_high"]]),
            hovertemplate=(
                f"%{{y}}: {outcome_label} %{{x:.1f}} [%{{customdata[1]:.1f}}, %{{customdata[2]:.1f}}]"
                "<br>n = %{customdata[0]:,}<extra></extra>"
            ),
            textposition="none",
        )  # fmt: skip
    )
    ends = []
    for i, row in enumerate(groups.itertuples()):
        value = _clean(row.outcome)
        if value is None:
            continue
        low, high = _clean(row.outcome_low), _clean(row.outcome_high)
        positive = value >= 0
        end = (
            max(v for v in (value, high, 0.0) if v is not None)
            if positive
            else min(v for v in (value, low, 0.0) if v is not None)
        )
        ends.append(end)
        fig.add_annotation(
            x=end, y=row.group, xref="x", yref="y", text=_num(value), showarrow=False,
            xanchor="left" if positive else "right", xshift=6 if positive else -6, font={"color": INK, "size": 12},
            name=f"value-{i}",
        )  # fmt: skip
    _base_layout(fig, height=260)
    fig.update_layout(margin={"l": 130, "r": 20, "t": 10, "b": 45}, bargap=0.35)
    fig.update_xaxes(title={"text": outcome_label}, zeroline=True, zerolinecolor="#9aa3b1")
    if ends:  # room for the values past the intervals
        lo, hi = min([*ends, 0.0]), max([*ends, 0.0])
        pad = (hi - lo) * 0.15 or 1.0
        fig.update_xaxes(range=[lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0)])
    fig.update_yaxes(autorange="reversed")
    return fig


def trend_figure(trend: pd.DataFrame) -> go.Figure:
    """Satisfaction of the moment across waves, with 95% intervals.

    trend: columns wave (name, in time order), satisfaction, satisfaction_low, satisfaction_high (0-100), n.
    """
    fig = go.Figure(
        go.Scatter(
            x=trend["wave"],
            y=trend["satisfaction"],
            mode="lines+markers",
            line={"color": "#0072B2", "width": 2.5},
            marker={"size": 9},
            error_y={
                "type": "data",
                "symmetric": False,
                "color": "#0072B2",
                "thickness": 1.2,
                "array": list((trend["satisfaction_high"] - trend["satisfaction"]).fillna(0)),
                "arrayminus": list((trend["satisfaction"] - trend["satisfaction_low"]).fillna(0)),
            },
            customdata=np.column_stack([trend["n"], trend["satisfaction_low"], trend["satisfaction_high"]]),
            hovertemplate=(
                "%{x}: %{y:.1f} [%{customdata[1]:.1f}, %{customdata[2]:.1f}]<br>n = %{customdata[0]:,}<extra></extra>"
            ),
            name="Satisfaction",
        )  # fmt: skip
    )
    _base_layout(fig, height=260)
    fig.update_xaxes(title={"text": "Wave"}, type="category")
    # At least 20 points of scale, so that a one-point wobble does not look like a collapse.
    values = [v for v in pd.concat([trend["satisfaction_low"], trend["satisfaction_high"]]) if pd.notna(v)]
    if values:
        lo, hi = min(values), max(values)
        mid, half = (lo + hi) / 2, max((hi - lo) / 2 + 2, 10.0)
        fig.update_yaxes(range=[max(0.0, mid - half), min(100.0, mid + half)])
    fig.update_yaxes(title={"text": "Satisfaction (0-100)"})
    return fig


def segment_figure(segments: pd.DataFrame) -> go.Figure:
    """Satisfaction of the moment per segment value, grouped by segment.

    segments: columns segment (e.g. "region"), value (e.g. "North"), satisfaction, satisfaction_low,
    satisfaction_high (0-100), n.
    """
    frame = segments.copy()
    frame["label"] = frame["segment"].astype(str) + ": " + frame["value"].astype(str)
    fig = go.Figure(
        go.Bar(
            y=frame["label"],
            x=frame["satisfaction"],
            orientation="h",
            marker={"color": "#56B4E9"},
            error_x={
                "type": "data",
                "symmetric": False,
                "color": INK,
                "thickness": 1.2,
                "array": list((frame["satisfaction_high"] - frame["satisfaction"]).fillna(0)),
                "arrayminus": list((frame["satisfaction"] - frame["satisfaction_low"]).fillna(0)),
            },
            customdata=np.column_stack([frame["n"], frame["satisfaction_low"], frame["satisfaction_high"]]),
            hovertemplate=(
                "%{y}: %{x:.1f} [%{customdata[1]:.1f}, %{customdata[2]:.1f}]<br>n = %{customdata[0]:,}<extra></extra>"
            ),
        )  # fmt: skip
    )
    _base_layout(fig, height=max(200, 34 * len(frame) + 70))
    fig.update_layout(margin={"l": 150, "r": 20, "t": 10, "b": 45})
    fig.update_xaxes(title={"text": "Satisfaction (0-100)"})
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def figure_json(fig: go.Figure) -> dict:
    """The figure as plain JSON-ready data for ``json_script`` (numpy arrays and NaN made JSON-safe)."""
    return json.loads(fig.to_json())
