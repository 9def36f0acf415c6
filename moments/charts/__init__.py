"""Plotly figures of the dashboard, the moment detail and the report.

Pure: DataFrames and dicts in, ``plotly.graph_objects.Figure`` out; no database, no request. Views only embed the
figures (``figure_json``) and ``static/js/dashboard.js`` draws them with the plotly.js basic bundle served from
``static/vendor/plotly/`` (scatter and bar traces, annotations, shapes, error bars: keep to those, or change the
bundle). Every title and label is final here: the script only picks the phone variant (``layout.meta.narrow``).

``style`` (palette, shapes, number formats, base layout), ``labels`` (name placement), ``quadrant`` (the dashboard's
map), ``detail`` (the moment page's figures).
"""

from .detail import distribution_figure, occurrence_figure, outcome_by_level_figure, segment_figure, trend_figure
from .labels import LabelPlacement, label_layout
from .quadrant import NARROW, NARROW_BREAKPOINT_PX, WIDE, QuadrantGeometry, quadrant_figure
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
    bubble_size,
    colour_over,
    contrast_ratio,
    figure_json,
    marker_symbol,
)

__all__ = [
    "FLAG_LABELS",
    "INK",
    "MARKER_OPACITY",
    "MIN_PLACED",
    "MUTED",
    "NARROW",
    "NARROW_BREAKPOINT_PX",
    "QUADRANTS",
    "QUADRANT_COLOURS",
    "QUADRANT_INK",
    "QUADRANT_SHORT_ACTIONS",
    "QUADRANT_TINTS",
    "QUADRANT_TITLES",
    "WIDE",
    "LabelPlacement",
    "QuadrantGeometry",
    "bubble_size",
    "colour_over",
    "contrast_ratio",
    "distribution_figure",
    "figure_json",
    "label_layout",
    "marker_symbol",
    "occurrence_figure",
    "outcome_by_level_figure",
    "quadrant_figure",
    "segment_figure",
    "trend_figure",
]
