"""Colours, marker shapes, number formats and the base layout shared by every figure.

Words are translated when a figure is built (the active language; ``moments/caching.py`` keys the cache by it).
Colours are the Okabe-Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies; every flag is
also drawn as a marker *shape*, so nothing relies on colour alone.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable

import plotly.graph_objects as go
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

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
    "raise": _("Raise"),
    "amplify": _("Amplify"),
    "improve": _("Improve"),
    "reduce": _("Reduce"),
    "insufficient_data": _("Insufficient data"),
}
QUADRANT_SHORT_ACTIONS = {
    "raise": _("Disappoints where it matters: fix first"),
    "amplify": _("Delights where it matters: let more customers have it"),
    "improve": _("Improve where cheap; not a priority"),
    "reduce": _("Over-delivering: reduce effort or cost"),
}
QUADRANTS = ("raise", "amplify", "improve", "reduce")
FLAG_LABELS = {
    "pain_point": _("Pain point"),
    "uncertain": _("Uncertain"),
    "brand_moment": _("Brand moment"),
    "insufficient_data": _("Insufficient data"),
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


def _num(value, digits: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if round(value, digits) == 0:
        value = 0.0
        signed = False  # zero has no sign
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−").replace(".", get_format("DECIMAL_SEPARATOR"))


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
        separators=get_format("DECIMAL_SEPARATOR") + get_format("THOUSAND_SEPARATOR"),  # axis ticks: "62,5" in Dutch
        hoverlabel={"bgcolor": "#ffffff", "bordercolor": "#c5ccd6", "font": {"family": FONT, "color": INK}},
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}} if title else None,
    )
    fig.update_xaxes(gridcolor=GRID, zeroline=False, linecolor="#c5ccd6", ticks="outside", tickcolor="#c5ccd6")
    fig.update_yaxes(gridcolor=GRID, zeroline=False, linecolor="#c5ccd6", ticks="outside", tickcolor="#c5ccd6")
    return fig


def figure_json(fig: go.Figure) -> dict:
    """The figure as plain JSON-ready data for ``json_script`` (numpy arrays and NaN made JSON-safe)."""
    return json.loads(fig.to_json())


def plain_text(value) -> str:
    """Text from the data (a moment, stage, wave or segment name) as Plotly must receive it: escaped. Plotly.js
    renders a small HTML subset in every text (``<a href>``, ``<b>``...), so an unescaped name could draw a link to
    anywhere; its entities (``&lt;``) are shown as the characters."""
    return html.escape("" if value is None else str(value), quote=True)
