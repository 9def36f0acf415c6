"""The "What moved" waterfall (issue 12): pure, a ``services_moved.moved_compute`` result in, a Plotly figure out.

Bars, left to right: the outcome in the first period (from 0, with its 95% interval), one floating bar per
attributed moment sorted by the size of its contribution (from the running total to the running total plus the
contribution, its bootstrap 95% interval as an error bar at the bar's end), the remainder (same), and the outcome
in the second period. Moments whose contribution is not distinguishable from zero (BH ``contribution_q`` above the
false discovery rate) are drawn muted. Hover shows the numbers behind a bar; ``customdata[0]`` is the moment's
page, which ``static/js/dashboard.js`` opens on a click (``data-clickable``). Only bar traces and error bars: the
plotly.js basic bundle the pages serve.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import plotly.graph_objects as go
from django.utils.translation import gettext

from .charts.style import FONT, GRID, INK, MUTED, figure_json, plain_text
from .words import local_digits

FALL = "#D55E00"  # Okabe-Ito vermilion: a contribution that lowers the outcome
RISE = "#0072B2"  # Okabe-Ito blue: one that raises it (never red / green alone: shape and sign say it too)
LEVEL = "#1d2433"
MUTED_BAR = "#c4c9d2"
REMAINDER = "#8a8f98"

# Part of the figure cache's key (views/moved.py): bump it when the drawing changes, so no old figure is served.
FIGURE_VERSION = 3

__all__ = ["FIGURE_VERSION", "figure_json", "moved_waterfall_figure"]


def _fmt(value, digits: int = 1, signed: bool = True) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if round(value, digits) == 0:
        value, signed = 0.0, False
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return local_digits(text).replace("-", "\u2212")


def _interval(low, high, digits: int = 1, sep: str = " (") -> str:
    """ " (95% interval a to b)", or with sep=", " the same inside a parenthesis already open."""
    if low is None or high is None:
        return ")" if sep == ", " else ""
    return sep + gettext("95%% interval %(low)s to %(high)s)") % {"low": _fmt(low, digits), "high": _fmt(high, digits)}


def moved_waterfall_figure(result: Mapping, *, moment_url: Callable[[int], str] | None = None) -> go.Figure:
    """The waterfall of one comparison.

    result: ``services_moved.moved_compute`` output (summary: outcome_name, unit, before/after with intervals,
    remainder with its interval, fdr_q; moments: name, moment_id, contribution with interval, contribution_q,
    significant, satisfaction before / after / change with interval, reach before / after, the two effects).
    moment_url: moment id -> URL of its page (the click target); none when omitted.
    """
    summary = result["summary"]
    name = gettext(summary["outcome_name"])
    unit = gettext(summary.get("unit")) if summary.get("unit") else ""
    fdr_q = summary.get("fdr_q") or 0.05
    # names from the data, escaped for Plotly's HTML subset
    rows = [{**m, "name": plain_text(m["name"])} for m in result["moments"] if m.get("contribution") is not None]
    rows.sort(key=lambda m: -abs(m["contribution"]))

    def distinct(m) -> bool:
        return m.get("contribution_q") is not None and m["contribution_q"] <= fdr_q

    before_label = plain_text(result["before"]["label"] or gettext("Before"))
    after_label = plain_text(result["after"]["label"] or gettext("After"))
    if before_label == after_label:
        after_label += " "  # two bars need two categories

    x, base, y, colours, lines, err_plus, err_minus, hover, custom = [], [], [], [], [], [], [], [], []

    def add(label, start, size, colour, low, high, text, url=""):
        x.append(label)
        base.append(start)
        y.append(size)
        colours.append(colour)
        lines.append(INK if colour not in (MUTED_BAR, REMAINDER) else MUTED)
        # the interval of the bar's end, start + [low, high] (a level's bars start at 0, a contribution's at the
        # running total); clamped at 0 where a percentile interval leaves out its own estimate
        err_plus.append(0.0 if high is None else max(high - size, 0.0))
        err_minus.append(0.0 if low is None else max(size - low, 0.0))
        hover.append(text)
        custom.append([url])

    before, after = summary["before"], summary["after"]
    add(
        before_label,
        0.0,
        before,
        LEVEL,
        summary.get("before_low"),
        summary.get("before_high"),
        gettext("<b>%(name)s in %(period)s</b>") % {"name": name, "period": before_label}
        + f"<br>{_fmt(before)}{_interval(summary.get('before_low'), summary.get('before_high'))}"
        + "<br>n = "
        + local_digits(f"{summary['n_before']:,}"),
    )
    total = before
    for m in rows:
        c = m["contribution"]
        colour = (FALL if c < 0 else RISE) if distinct(m) else MUTED_BAR
        text = (
            f"<b>{m['name']}</b><br>"
            + (gettext("contribution %(value)s %(unit)s") % {"value": _fmt(c), "unit": unit}).rstrip()
            + _interval(m.get("contribution_low"), m.get("contribution_high"))
            + "<br>"
            + gettext("satisfaction %(before)s → %(after)s (change %(change)s")
            % {
                "before": _fmt(m.get("satisfaction_before"), 0, False),
                "after": _fmt(m.get("satisfaction_after"), 0, False),
                "change": _fmt(m.get("satisfaction_change")),
            }
            + _interval(m.get("satisfaction_change_low"), m.get("satisfaction_change_high"), sep=", ")
            + "<br>"
            + gettext("reach %(before)s → %(after)s")
            % {
                "before": _fmt(100 * (m.get("reach_before") or 0), 0, False) + "%",
                "after": _fmt(100 * (m.get("reach_after") or 0), 0, False) + "%",
            }
            + "<br>"
            + gettext("satisfaction effect %(satisfaction)s · reach effect %(reach)s")
            % {"satisfaction": _fmt(m.get("satisfaction_effect")), "reach": _fmt(m.get("reach_effect"))}
            + (
                "<br><b>" + gettext("moved") + "</b>"
                if m.get("significant")
                else ""
                if distinct(m)
                else "<br>" + gettext("not distinguishable from 0")
            )
        )
        url = moment_url(m["moment_id"]) if moment_url and m.get("moment_id") else ""
        add(m["name"], total, c, colour, m.get("contribution_low"), m.get("contribution_high"), text, url)
        total += c
    remainder = summary["remainder"]
    add(
        gettext("Remainder"),
        total,
        remainder,
        REMAINDER,
        summary.get("remainder_low"),
        summary.get("remainder_high"),
        (f"<b>{gettext('Remainder')}</b><br>{_fmt(remainder)} {unit}").rstrip()
        + _interval(summary.get("remainder_low"), summary.get("remainder_high"))
        + "<br>"
        + gettext("what the moments do not explain<br>(other causes, sampling noise)"),
    )
    add(
        after_label,
        0.0,
        after,
        LEVEL,
        summary.get("after_low"),
        summary.get("after_high"),
        gettext("<b>%(name)s in %(period)s</b>") % {"name": name, "period": after_label}
        + f"<br>{_fmt(after)}{_interval(summary.get('after_low'), summary.get('after_high'))}"
        + "<br>n = "
        + local_digits(f"{summary['n_after']:,}")
        + "<br>"
        + gettext("change %(change)s") % {"change": _fmt(summary["change"])}
        + _interval(summary.get("change_low"), summary.get("change_high")),
    )
    figure = go.Figure(
        go.Bar(
            x=x,
            y=y,
            base=base,
            marker={"color": colours, "line": {"color": lines, "width": 1}},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": err_plus,
                "arrayminus": err_minus,
                "color": INK,
                "thickness": 1.2,
                "width": 5,
            },
            customdata=custom,
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
        )
    )
    figure.update_layout(
        title={
            "text": gettext("What moved %(name)s: %(before)s → %(after)s")
            % {"name": name, "before": before_label, "after": after_label},
            "x": 0.01,
            "font": {"size": 15},
        },
        font={"family": FONT, "color": INK, "size": 12},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        margin={"l": 56, "r": 16, "t": 48, "b": 96},
        bargap=0.25,
        yaxis={"title": {"text": f"{name} ({unit})" if unit else name}, "gridcolor": GRID, "zerolinecolor": MUTED},
        xaxis={"tickangle": -30, "automargin": True},
        hoverlabel={"align": "left"},
        height=420,
        meta={
            "moments": [m["name"] for m in rows],
            "muted": [m["name"] for m in rows if not distinct(m)],
        },
    )
    return figure
