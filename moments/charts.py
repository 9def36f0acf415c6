"""Plotly figures of the dashboard, the moment detail and the report.

Pure: DataFrames and dicts in, ``plotly.graph_objects.Figure`` out; no database, no request. Views only embed the
figures (``figure_json``) and ``static/js/dashboard.js`` draws them with the plotly.js served from ``static/``.

Colours are the Okabe-Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies; every flag is
also drawn as a marker *shape*, so nothing relies on colour alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

QUADRANT_COLOURS = {
    "raise": "#D55E00",
    "amplify": "#009E73",
    "improve": "#E69F00",
    "reduce": "#0072B2",
    "insufficient_data": "#8a8f98",
}
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


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "top left")


def label_positions(
    x: list[float], y: list[float], names: list[str], sizes: list[float], x_range, y_range,
    *, plot_px=(700.0, 450.0), char_px=7.0, line_px=16.0,
) -> list[str]:  # fmt: skip
    """A text position per bubble that keeps labels off each other and off other bubbles (greedy, in input order).

    Each label is a box of about ``char_px`` per character by ``line_px``, in pixels of a plot of ``plot_px``;
    the first of ``LABEL_POSITIONS`` with no overlap wins, else the one overlapping least.
    """
    sx = plot_px[0] / ((x_range[1] - x_range[0]) or 1.0)
    sy = plot_px[1] / ((y_range[1] - y_range[0]) or 1.0)
    px = [(xi - x_range[0]) * sx for xi in x]
    py = [(y_range[1] - yi) * sy for yi in y]  # screen y grows downwards
    bubbles = [(cx - r, cy - r, cx + r, cy + r) for cx, cy, r in zip(px, py, [s / 2 for s in sizes], strict=True)]
    placed: list[tuple[float, float, float, float]] = []
    chosen = []

    def overlap(a, b) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return w * h if w > 0 and h > 0 else 0.0

    for i, name in enumerate(names):
        w, h, r = len(name) * char_px, line_px, sizes[i] / 2
        best, best_cost = LABEL_POSITIONS[0], None
        for position in LABEL_POSITIONS:
            vertical, horizontal = position.split()
            cx = {"center": px[i], "right": px[i] + r + w / 2 + 2, "left": px[i] - r - w / 2 - 2}[horizontal]
            cy = {"top": py[i] - r - h / 2 - 1, "bottom": py[i] + r + h / 2 + 1, "middle": py[i]}[vertical]
            if vertical == "top" and horizontal != "center":
                cx = px[i] + (w / 2 if horizontal == "right" else -w / 2)
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            cost = sum(overlap(box, other) for other in placed)
            cost += sum(overlap(box, bubble) for j, bubble in enumerate(bubbles) if j != i)
            outside = max(0.0, -box[0]) + max(0.0, box[2] - plot_px[0]) + max(0.0, -box[1])
            cost += outside * h
            if best_cost is None or cost < best_cost:
                best, best_cost, best_box = position, cost, box
            if cost == 0:
                break
        placed.append(best_box)
        chosen.append(best)
    return chosen


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


def quadrant_figure(
    results: pd.DataFrame,
    summary: dict,
    *,
    previous: pd.DataFrame | None = None,
    previous_label: str = "Previous position",
    height: int = 560,
) -> go.Figure:
    """The satisfaction x impact map of one analysis run.

    results: one row per moment; columns moment_id, moment (name), stage, quadrant, satisfaction,
    satisfaction_low, satisfaction_high (0-100), impact, impact_low, impact_high (summary["impact_unit"]), reach
    (share 0-1), n, occurrence_effect, occurrence_low, occurrence_high (outcome points), stability (0-1), what_if,
    what_if_low, what_if_high (outcome points), flags (list or ";"-joined), url (optional, opened on click).
    Rows with quadrant ``insufficient_data`` or no satisfaction / impact are *not* plotted: the page lists them.
    summary: threshold_satisfaction, threshold_impact, impact_unit, what_if_unit (from ``AnalysisRun.summary``).
    previous: optional frame (moment_id, satisfaction, impact) of a comparison run; an arrow goes from each
    moment's previous position to its current one.

    Figure: quadrant tints as layout shapes (below the data), crosshair lines at the thresholds, quadrant names
    and actions as corner annotations, one scatter trace per quadrant (colour) with one symbol per point (flags),
    bubble diameter by reach, error bars from the 95% intervals, hover with every number and interval, and legend
    entries for the flag shapes.
    """
    frame = results.copy()
    if "url" not in frame:
        frame["url"] = ""
    frame["flags"] = [_flags_list(v) for v in frame.get("flags", [[]] * len(frame))]
    placed_mask = (frame["quadrant"] != "insufficient_data") & frame["satisfaction"].notna() & frame["impact"].notna()
    placed = frame[placed_mask]
    ts = _clean(summary.get("threshold_satisfaction"))
    ti = _clean(summary.get("threshold_impact"))
    impact_unit = (summary.get("impact_unit") or "% of R^2, signed").replace("R^2", "R²")
    what_if_unit = summary.get("what_if_unit") or "NPS points"

    xs = list(placed["satisfaction"]) + list(placed["satisfaction_low"]) + list(placed["satisfaction_high"])
    ys = list(placed["impact"]) + list(placed["impact_low"]) + list(placed["impact_high"])
    if previous is not None and len(previous):
        xs += list(previous["satisfaction"])
        ys += list(previous["impact"])
    x_range = _axis_range([_clean(v) for v in xs], ts, 0.0, 100.0)
    y_range = _axis_range([_clean(v) for v in ys], ti, None, None)
    if ti is not None and y_range[0] > 0 and min(v for v in [_clean(v) for v in ys] if v is not None) >= 0:
        y_range[0] = max(0.0, y_range[0])
    y_pad = (y_range[1] - y_range[0]) * 0.10  # headroom for the quadrant labels
    y_range = [y_range[0] - y_pad * 0.4, y_range[1] + y_pad]

    fig = go.Figure()
    # Quadrant tints and labels.
    cx = ts if ts is not None else sum(x_range) / 2
    cy = ti if ti is not None else sum(y_range) / 2
    boxes = {
        "raise": (x_range[0], cx, cy, y_range[1], "left", "top"),
        "amplify": (cx, x_range[1], cy, y_range[1], "right", "top"),
        "improve": (x_range[0], cx, y_range[0], cy, "left", "bottom"),
        "reduce": (cx, x_range[1], y_range[0], cy, "right", "bottom"),
    }
    for quadrant, (x0, x1, y0, y1, xanchor, yanchor) in boxes.items():
        fig.add_shape(
            type="rect", x0=x0, x1=x1, y0=y0, y1=y1, xref="x", yref="y", layer="below", line={"width": 0},
            fillcolor=QUADRANT_TINTS[quadrant], name=f"tint-{quadrant}",
        )  # fmt: skip
        fig.add_annotation(
            x=x0 if xanchor == "left" else x1,
            y=y1 if yanchor == "top" else y0,
            xref="x",
            yref="y",
            xanchor=xanchor,
            yanchor=yanchor,
            xshift=8 if xanchor == "left" else -8,
            yshift=-6 if yanchor == "top" else 6,
            align=xanchor,
            showarrow=False,
            text=f"<b>{QUADRANT_TITLES[quadrant].upper()}</b><br><span style='font-size:11px'>"
            f"{QUADRANT_SHORT_ACTIONS[quadrant]}</span>",
            font={"color": QUADRANT_INK[quadrant], "size": 13},
            name=f"label-{quadrant}",
        )
    # Crosshair at the thresholds.
    if ts is not None:
        fig.add_shape(
            type="line", x0=ts, x1=ts, y0=y_range[0], y1=y_range[1], xref="x", yref="y",
            line={"color": "#6b7380", "width": 1.5, "dash": "dash"}, name="threshold-satisfaction",
        )  # fmt: skip
    if ti is not None:
        fig.add_shape(
            type="line", x0=x_range[0], x1=x_range[1], y0=ti, y1=ti, xref="x", yref="y",
            line={"color": "#6b7380", "width": 1.5, "dash": "dash"}, name="threshold-impact",
        )  # fmt: skip

    # Movement arrows from the comparison run.
    if previous is not None and len(previous):
        before = previous.set_index("moment_id")
        for row in placed.itertuples():
            if row.moment_id not in before.index:
                continue
            px, py = _clean(before.loc[row.moment_id, "satisfaction"]), _clean(before.loc[row.moment_id, "impact"])
            if px is None or py is None or (abs(px - row.satisfaction) < 1e-9 and abs(py - row.impact) < 1e-9):
                continue
            fig.add_annotation(
                x=row.satisfaction, y=row.impact, ax=px, ay=py, xref="x", yref="y", axref="x", ayref="y",
                showarrow=True, arrowhead=2, arrowsize=1.1, arrowwidth=1.6, arrowcolor="#4a5261", opacity=0.8,
                standoff=bubble_size(_clean(row.reach)) / 2 + 1, text="", name=f"move-{row.moment_id}",
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=[px], y=[py], mode="markers", showlegend=False, hoverinfo="skip",
                    marker={"size": 8, "color": "rgba(0,0,0,0)", "line": {"color": "#8a8f98", "width": 1.5},
                            "symbol": "circle"},
                    name="previous",
                )
            )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=previous_label, hoverinfo="skip",
                marker={"size": 8, "color": "rgba(0,0,0,0)", "line": {"color": "#8a8f98", "width": 1.5}},
            )
        )  # fmt: skip

    positions = dict(
        zip(
            placed.index,
            label_positions(
                list(placed["satisfaction"]), list(placed["impact"]), [str(m) for m in placed["moment"]],
                [bubble_size(_clean(r)) for r in placed["reach"]], x_range, y_range,
            ),
            strict=True,
        )
    )  # fmt: skip
    # One trace per quadrant: colour carries the quadrant, the symbol carries the flags.
    for quadrant in ("raise", "amplify", "improve", "reduce"):
        rows = placed[placed["quadrant"] == quadrant]
        if rows.empty:
            continue
        colour = QUADRANT_COLOURS[quadrant]
        symbols = [marker_symbol(f) for f in rows["flags"]]
        customdata = [
            [
                row.url,
                row.moment,
                row.stage or "",
                QUADRANT_TITLES[quadrant],
                f"{_num(row.satisfaction)}{_interval(_clean(row.satisfaction_low), _clean(row.satisfaction_high))}",
                f"{_num(row.impact, 2 if impact_unit == 'r' else 1)}"
                f"{_interval(_clean(row.impact_low), _clean(row.impact_high), 2 if impact_unit == 'r' else 1)}",
                f"{_num(_clean(row.reach) * 100 if _clean(row.reach) is not None else None, 0)}%",
                f"{int(row.n):,}",
                (
                    f"{_num(_clean(row.occurrence_effect), 1, True)}"
                    f"{_interval(_clean(row.occurrence_low), _clean(row.occurrence_high), 1, True)}"
                    if _clean(row.occurrence_effect) is not None
                    else "not enough non-experiencers"
                ),
                f"{_num(_clean(row.stability) * 100, 0)}%" if _clean(row.stability) is not None else "–",
                (
                    f"{_num(_clean(row.what_if), 1, True)}"
                    f"{_interval(_clean(row.what_if_low), _clean(row.what_if_high), 1, True)}"
                    if _clean(row.what_if) is not None
                    else "–"
                ),
                ", ".join(FLAG_LABELS.get(f, f) for f in row.flags) or "none",
                row.moment_id,
            ]
            for row in rows.itertuples()
        ]
        fig.add_trace(
            go.Scatter(
                x=rows["satisfaction"],
                y=rows["impact"],
                mode="markers+text",
                name=QUADRANT_TITLES[quadrant],
                legendgroup=quadrant,
                text=list(rows["moment"]),
                textposition=[positions[i] for i in rows.index],
                textfont={"size": 12, "color": INK},
                cliponaxis=False,
                marker={
                    "size": [bubble_size(_clean(r)) for r in rows["reach"]],
                    "sizemode": "diameter",
                    "color": [colour if not s.endswith("-open") else "rgba(255,255,255,0.6)" for s in symbols],
                    "symbol": symbols,
                    "opacity": 0.88,
                    "line": {"color": [colour if s.endswith("-open") else "#ffffff" for s in symbols], "width": 2},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "color": colour,
                    "thickness": 1.2,
                    "width": 0,
                    "array": list((rows["satisfaction_high"] - rows["satisfaction"]).clip(lower=0).fillna(0)),
                    "arrayminus": list((rows["satisfaction"] - rows["satisfaction_low"]).clip(lower=0).fillna(0)),
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "color": colour,
                    "thickness": 1.2,
                    "width": 0,
                    "array": list((rows["impact_high"] - rows["impact"]).clip(lower=0).fillna(0)),
                    "arrayminus": list((rows["impact"] - rows["impact_low"]).clip(lower=0).fillna(0)),
                },
                customdata=customdata,
                hovertemplate=(
                    "<b>%{customdata[1]}</b> · %{customdata[2]}<br>"
                    "Quadrant: <b>%{customdata[3]}</b><br>"
                    "Satisfaction: %{customdata[4]} (0-100, 95% interval)<br>"
                    f"Impact: %{{customdata[5]}} ({impact_unit})<br>"
                    "Reach: %{customdata[6]} · n = %{customdata[7]}<br>"
                    f"Occurrence effect: %{{customdata[8]}} {what_if_unit}<br>"
                    "Stability: %{customdata[9]} of resamples in this quadrant<br>"
                    f"What-if: %{{customdata[10]}} {what_if_unit}<br>"
                    "Flags: %{customdata[11]}<extra></extra>"
                ),
            )  # fmt: skip
        )
    # Legend entries for the shapes (drawn in neutral grey: they are not quadrants).
    present = {f for flags in placed["flags"] for f in flags}
    for flag, symbol in (
        ("pain_point", SYMBOL_PAIN_POINT),
        ("brand_moment", SYMBOL_BRAND),
        ("uncertain", "circle-open"),
    ):
        if flag in present:
            fig.add_trace(
                go.Scatter(
                    x=[None], y=[None], mode="markers", name=FLAG_LABELS[flag], legendgroup=f"flag-{flag}",
                    marker={"symbol": symbol, "size": 12, "color": "#5b6577", "line": {"color": "#5b6577", "width": 2}},
                    hoverinfo="skip",
                )
            )  # fmt: skip

    _base_layout(fig, height=height)
    fig.update_layout(
        showlegend=True,
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "font": {"size": 12}},
        margin={"l": 64, "r": 24, "t": 16, "b": 90},
        dragmode=False,
        clickmode="event",
    )
    fig.update_xaxes(range=x_range, title={"text": "Satisfaction of those who experienced it (0-100)"})
    fig.update_yaxes(range=y_range, title={"text": f"Impact on the outcome ({impact_unit})"})
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
            text=[f"{v:.1f}" if v is not None and math.isfinite(v) else "" for v in groups["outcome"]],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "#ffffff"},
        )  # fmt: skip
    )
    _base_layout(fig, height=260)
    fig.update_layout(margin={"l": 130, "r": 20, "t": 10, "b": 45}, bargap=0.35)
    fig.update_xaxes(title={"text": outcome_label}, zeroline=True, zerolinecolor="#9aa3b1")
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
