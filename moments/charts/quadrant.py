"""The satisfaction x impact quadrant of one analysis run (``quadrant_figure``), in named parts: inputs and ranges,
backdrop (tints, captions, crosshair), movement arrows, points, names, legend; built for a laptop and for a phone."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go
from django.utils.formats import get_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..outcomes import outcome_points_unit, summary_outcome_name
from .labels import label_layout
from .style import (
    FLAG_LABELS,
    INK,
    MARKER_OPACITY,
    MIN_PLACED,
    MUTED,
    QUADRANT_COLOURS,
    QUADRANT_INK,
    QUADRANT_SHORT_ACTIONS,
    QUADRANT_TINTS,
    QUADRANT_TITLES,
    QUADRANTS,
    SYMBOL_BRAND,
    SYMBOL_DEFAULT,
    SYMBOL_PAIN_POINT,
    _axis_range,
    _base_layout,
    _clean,
    _flags_list,
    _interval,
    _num,
    bubble_size,
    figure_json,
    marker_symbol,
    plain_text,
)
from .texts import hover_template, impact_unit_text, too_few_message


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
    y_title: str  # with %(outcome)s and %(unit)s
    legend_y: float


WIDE = QuadrantGeometry(
    height=560, margin={"l": 64, "r": 24, "t": 16, "b": 90}, plot_px=(620.0, 454.0), label_font=12, char_px=7.0,
    bubble_scale=1.0, long_captions=True, x_title=_("Satisfaction of those who experienced it (0-100)"),
    y_title=_("Impact on %(outcome)s (%(unit)s)"), legend_y=-0.12,
)  # fmt: skip
# A 390 px phone: the card leaves about 337 px for the figure, 280 px of it for the plot.
NARROW = QuadrantGeometry(
    height=460, margin={"l": 52, "r": 10, "t": 10, "b": 130}, plot_px=(270.0, 320.0), label_font=11, char_px=6.4,
    bubble_scale=0.7, long_captions=False, x_title=_("Satisfaction (0-100)"),
    y_title=_("%(outcome)s impact (%(unit)s)"), legend_y=-0.2,
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
    outcome_name: str
    previous: pd.DataFrame | None
    previous_label: str


def _quadrant_inputs(results: pd.DataFrame, summary: dict, previous, previous_label: str) -> _QuadrantInputs:
    """The placed moments (priority order), the thresholds and the axis ranges shared by every variant."""
    frame = results.copy()
    for column in ("moment", "stage"):  # names from the data: escaped before Plotly renders its HTML subset
        if column in frame:
            frame[column] = [plain_text(v) if v is not None else None for v in frame[column]]
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
        impact_unit=impact_unit_text(summary.get("impact_unit")),
        what_if_unit=outcome_points_unit(summary), outcome_name=summary_outcome_name(summary), previous=previous,
        previous_label=previous_label,
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
            text=f"<b>{str(QUADRANT_TITLES[quadrant]).upper()}</b>{action if geo.long_captions else ''}",
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
                row.url, row.moment, row.stage or "", str(QUADRANT_TITLES[quadrant]),
                f"{_num(row.satisfaction)}{_interval(_clean(row.satisfaction_low), _clean(row.satisfaction_high))}",
                f"{_num(row.impact, digits)}{_interval(_clean(row.impact_low), _clean(row.impact_high), digits)}",
                f"{_num(reach * 100 if reach is not None else None, 0)}%",
                f"{int(row.n):,}".replace(",", get_format("THOUSAND_SEPARATOR")),
                signed(row.occurrence_effect, row.occurrence_low, row.occurrence_high)
                or gettext("not enough non-experiencers"),
                f"{_num(stability * 100, 0)}%" if stability is not None else "–",
                signed(row.what_if, row.what_if_low, row.what_if_high) or "–",
                ", ".join(str(FLAG_LABELS.get(f, f)) for f in row.flags) or gettext("none"), row.moment_id,
            ]
        )  # fmt: skip
    return out


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
                x=rows["satisfaction"], y=rows["impact"], mode="markers", name=str(QUADRANT_TITLES[quadrant]),
                text=list(rows["moment"]),  # not drawn (the names are annotations); kept as the points' names
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
                hovertemplate=hover_template(inp.impact_unit, inp.what_if_unit, inp.outcome_name),
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
                    x=[None], y=[None], mode="markers", name=str(QUADRANT_TITLES[quadrant]), legendgroup=quadrant,
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
                    x=[None], y=[None], mode="markers", name=str(FLAG_LABELS[flag]), legendgroup=f"flag-{flag}",
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
    fig.update_xaxes(range=inp.x_range, title={"text": str(geo.x_title)})
    y_title = str(geo.y_title) % {"unit": inp.impact_unit, "outcome": inp.outcome_name}
    fig.update_yaxes(range=inp.y_range, title={"text": y_title})
    return fig


def _too_few_figure(placed: int, height: int) -> go.Figure:
    """No quadrant: with fewer than MIN_PLACED moments the thresholds and quadrants compare next to nothing."""
    message = too_few_message(placed, MIN_PLACED)
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
