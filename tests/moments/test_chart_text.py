"""Names from the data reach Plotly escaped: its HTML subset must never turn a moment name into a link."""

import json

import pandas as pd

from moments import charts
from moments.charts_moved import moved_waterfall_figure
from tests.moments.test_charts import demo_results

HOSTILE = '<a href="https://evil.example/login">Billing</a>'


def _texts(figure) -> str:
    return json.dumps(charts.figure_json(figure))


def _demo_with(name: str, stage: str):
    frame, summary = demo_results()
    frame.loc[0, "moment"], frame.loc[0, "stage"] = name, stage
    return frame, summary


def test_the_quadrant_chart_escapes_moment_and_stage_names():
    text = _texts(charts.quadrant_figure(*_demo_with(HOSTILE, "<b>Use</b>")))
    assert "evil.example" in text  # the name is there, as text
    assert "<a href" not in text and "<b>Use</b>" not in text
    assert "&lt;a href=&quot;https://evil.example/login&quot;&gt;Billing&lt;/a&gt;" in text


def test_the_segment_trend_and_waterfall_charts_escape_their_labels():
    segments = pd.DataFrame(
        {"segment": ["region"], "value": [HOSTILE], "satisfaction": [50.0], "satisfaction_low": [45.0],
         "satisfaction_high": [55.0], "n": [80]}
    )  # fmt: skip
    trend = pd.DataFrame(
        {"wave": [HOSTILE, "W2"], "satisfaction": [50.0, 52.0], "satisfaction_low": [45.0, 47.0],
         "satisfaction_high": [55.0, 57.0], "n": [80, 90]}
    )  # fmt: skip
    moved = {
        "summary": {
            "outcome_name": "NPS", "unit": "points", "fdr_q": 0.05, "before": 10.0, "after": 5.0, "n_before": 300,
            "n_after": 300, "change": -5.0, "change_low": -9.0, "change_high": -1.0,
            "remainder": -1.0,
        },
        "before": {"label": HOSTILE},
        "after": {"label": "W2"},
        "moments": [{"name": HOSTILE, "moment_id": 1, "contribution": -4.0, "contribution_low": -6.0,
                     "contribution_high": -2.0, "contribution_q": 0.01, "significant": True}],
    }  # fmt: skip
    for figure in (charts.segment_figure(segments), charts.trend_figure(trend), moved_waterfall_figure(moved)):
        text = _texts(figure)
        assert "<a href" not in text
