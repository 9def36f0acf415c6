"""The moment page's figures: rating distribution, outcome by rating, occurrence, trend over waves, segments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import gettext

from .style import INK, MUTED, _base_layout, _clean, _num, plain_text


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
            hovertemplate=gettext("Rating {x}: {y}% ({n} respondents)").format(
                x="%{x}", y="%{y:.1f}", n="%{customdata:,}"
            )
            + "<extra></extra>",
            name=gettext("Share of experiencers"),
        )
    )
    if threshold_level is not None and math.isfinite(threshold_level):
        fig.add_vline(x=threshold_level, line={"color": "#6b7380", "dash": "dash", "width": 1.5})
        fig.add_annotation(
            x=threshold_level, y=1.0, yref="paper", yanchor="bottom", text=gettext("threshold"), showarrow=False,
            font={"size": 11, "color": MUTED},
        )  # fmt: skip
    _base_layout(fig, height=300)
    fig.update_xaxes(title={"text": gettext("Rating on the survey scale")}, dtick=1)
    fig.update_yaxes(title={"text": gettext("{pct} of experiencers").format(pct="%")}, rangemode="tozero")
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
                gettext("Rating {x}:").format(x="%{x}")
                + f" {outcome_label} %{{y:.1f}} [%{{customdata[1]:.1f}}, %{{customdata[2]:.1f}}]"
                "<br>n = %{customdata[0]:,}<extra></extra>"
            ),
            name=outcome_label,
        )  # fmt: skip
    )
    _base_layout(fig, height=300)
    fig.update_xaxes(title={"text": gettext("Rating of this moment")}, dtick=1)
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
            x=[plain_text(w) for w in trend["wave"]],
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
            name=gettext("Satisfaction"),
        )  # fmt: skip
    )
    _base_layout(fig, height=260)
    fig.update_xaxes(title={"text": gettext("Wave")}, type="category")
    # At least 20 points of scale, so that a one-point wobble does not look like a collapse.
    values = [v for v in pd.concat([trend["satisfaction_low"], trend["satisfaction_high"]]) if pd.notna(v)]
    if values:
        lo, hi = min(values), max(values)
        mid, half = (lo + hi) / 2, max((hi - lo) / 2 + 2, 10.0)
        fig.update_yaxes(range=[max(0.0, mid - half), min(100.0, mid + half)])
    fig.update_yaxes(title={"text": gettext("Satisfaction (0-100)")})
    return fig


def segment_figure(segments: pd.DataFrame) -> go.Figure:
    """Satisfaction of the moment per segment value, grouped by segment.

    segments: columns segment (e.g. "region"), value (e.g. "North"), satisfaction, satisfaction_low,
    satisfaction_high (0-100), n.
    """
    frame = segments.copy()
    frame["label"] = [plain_text(f"{s}: {v}") for s, v in zip(frame["segment"], frame["value"], strict=True)]
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
    fig.update_xaxes(title={"text": gettext("Satisfaction (0-100)")})
    fig.update_yaxes(autorange="reversed", type="category")
    return fig
