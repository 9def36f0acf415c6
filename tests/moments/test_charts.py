"""The dashboard's figures are pure functions of frames: tested without a database."""

import pandas as pd
import pytest

from moments import charts

SUMMARY = {"threshold_satisfaction": 62.5, "threshold_impact": 9.1, "impact_unit": "% of R^2, signed"}


def _row(moment_id, name, quadrant, sat, imp, reach=0.5, flags=(), **extra):
    row = {
        "moment_id": moment_id,
        "moment": name,
        "stage": "Use",
        "quadrant": quadrant,
        "satisfaction": sat,
        "satisfaction_low": None if sat is None else sat - 2,
        "satisfaction_high": None if sat is None else sat + 2,
        "impact": imp,
        "impact_low": None if imp is None else imp - 1,
        "impact_high": None if imp is None else imp + 1,
        "reach": reach,
        "n": 1000,
        "occurrence_effect": -3.0,
        "occurrence_low": -6.0,
        "occurrence_high": 0.5,
        "stability": 0.9,
        "what_if": 1.2,
        "what_if_low": 0.4,
        "what_if_high": 2.0,
        "flags": list(flags),
        "url": f"/journeys/1/moments/{moment_id}/",
    }
    row.update(extra)
    return row


@pytest.fixture
def results():
    return pd.DataFrame(
        [
            _row(1, "First bill", "raise", 48.0, 18.0),
            _row(2, "Installation", "amplify", 80.0, 15.0, flags=["brand_moment"]),
            _row(3, "Technician visit", "improve", 71.0, 3.0, reach=0.3, flags=["pain_point"]),
            _row(4, "Welcome pack", "reduce", 78.0, 2.0, reach=0.06, flags=["uncertain"]),
            _row(5, "Store visit", "insufficient_data", None, None, reach=0.005, flags=["insufficient_data"]),
        ]
    )


def _points(fig):
    """Plotted moments: (name, symbol) over the quadrant traces."""
    points = []
    for trace in fig.data:
        if trace.mode == "markers+text":
            symbols = trace.marker.symbol
            points += list(zip(trace.text, symbols, strict=True))
    return dict(points)


def test_insufficient_moments_are_left_out_of_the_chart(results):
    fig = charts.quadrant_figure(results, SUMMARY)
    assert set(_points(fig)) == {"First bill", "Installation", "Technician visit", "Welcome pack"}


def test_threshold_lines_sit_at_the_given_values(results):
    fig = charts.quadrant_figure(results, SUMMARY)
    shapes = {s.name: s for s in fig.layout.shapes}
    vertical, horizontal = shapes["threshold-satisfaction"], shapes["threshold-impact"]
    assert vertical.x0 == vertical.x1 == 62.5
    assert horizontal.y0 == horizontal.y1 == 9.1
    # Quadrant tints meet at the crosshair.
    assert shapes["tint-raise"].x1 == 62.5 and shapes["tint-raise"].y0 == 9.1


def test_flags_are_drawn_as_distinct_marker_symbols(results):
    points = _points(charts.quadrant_figure(results, SUMMARY))
    assert points["First bill"] == "circle"
    assert points["Installation"] == "star"
    assert points["Technician visit"] == "triangle-down"
    assert points["Welcome pack"] == "circle-open"
    assert charts.marker_symbol(["pain_point", "uncertain"]) == "triangle-down-open"


def test_each_quadrant_is_labelled_and_coloured(results):
    fig = charts.quadrant_figure(results, SUMMARY)
    labels = {a.name: a.text for a in fig.layout.annotations if (a.name or "").startswith("label-")}
    assert set(labels) == {"label-raise", "label-amplify", "label-improve", "label-reduce"}
    assert "RAISE" in labels["label-raise"]
    traces = {t.name: t for t in fig.data if t.mode == "markers+text"}
    assert traces["Raise"].error_x.array[0] == pytest.approx(2.0)


def test_bubbles_grow_with_reach_and_hover_shows_the_intervals(results):
    fig = charts.quadrant_figure(results, SUMMARY)
    traces = {t.name: t for t in fig.data if t.mode == "markers+text"}
    assert traces["Improve"].marker.size[0] > traces["Reduce"].marker.size[0]
    custom = traces["Raise"].customdata[0]
    assert custom[0] == "/journeys/1/moments/1/"
    assert "[46.0, 50.0]" in custom[4]
    assert "Impact" in traces["Raise"].hovertemplate


def test_comparison_draws_an_arrow_from_the_previous_position(results):
    previous = pd.DataFrame([{"moment_id": 1, "satisfaction": 40.0, "impact": 20.0}])
    fig = charts.quadrant_figure(results, SUMMARY, previous=previous)
    arrows = [a for a in fig.layout.annotations if a.name == "move-1"]
    assert len(arrows) == 1
    assert (arrows[0].ax, arrows[0].ay, arrows[0].x, arrows[0].y) == (40.0, 20.0, 48.0, 18.0)


def test_detail_figures_build_from_plain_frames():
    dist = pd.DataFrame({"level": [1, 2, 3], "count": [1, 5, 4], "share": [0.1, 0.5, 0.4]})
    assert charts.distribution_figure(dist, threshold_level=2.5).data[0].type == "bar"
    by_level = pd.DataFrame(
        {"level": [1, 2], "outcome": [-40.0, 10.0], "outcome_low": [-60.0, 0.0], "outcome_high": [-20, 20], "n": [5, 9]}
    )
    assert list(charts.outcome_by_level_figure(by_level).data[0].x) == [1, 2]
    groups = pd.DataFrame(
        {"group": ["Experienced", "Did not"], "outcome": [5.0, 25.0], "outcome_low": [1, 20], "outcome_high": [9, 30],
         "n": [300, 700]}
    )  # fmt: skip
    assert charts.occurrence_figure(groups, pain_point=True).data[0].marker.color[0] == "#D55E00"
    json_ready = charts.figure_json(charts.quadrant_figure(pd.DataFrame([_row(1, "A", "raise", 50.0, 10.0)]), {}))
    assert json_ready["data"]
