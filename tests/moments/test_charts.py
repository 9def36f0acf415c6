"""The dashboard's figures are pure functions of frames: tested without a database."""

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from moments import charts
from moments.charts import quadrant as quadrant_parts

REPO = Path(__file__).resolve().parents[2]
DEMO = json.loads((Path(__file__).parent / "data" / "demo_quadrant.json").read_text())

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


def _quadrant_traces(fig) -> dict:
    return {t.name: t for t in fig.data if t.meta and "quadrant" in t.meta}


def _points(fig):
    """Plotted moments: (name, symbol) over the quadrant traces."""
    points = []
    for trace in _quadrant_traces(fig).values():
        points += [(c[1], symbol) for c, symbol in zip(trace.customdata, trace.marker.symbol, strict=True)]
    return dict(points)


def _names(fig) -> dict[str, str]:
    """Label annotation name -> text."""
    return {a.name: a.text for a in fig.layout.annotations if (a.name or "").startswith("name-")}


def demo_results() -> tuple[pd.DataFrame, dict]:
    """The demo's Broadband 2026 Q2 run as the dashboard draws it (tests/moments/data/demo_quadrant.json)."""
    return pd.DataFrame(DEMO["results"]), DEMO["summary"]


def crowded_results(k: int = 22, seed: int = 3) -> pd.DataFrame:
    """A k-moment journey with realistic names, bunched around the thresholds as real journeys are."""
    rng = np.random.default_rng(seed)
    words = ["Online", "Store", "Phone", "Account", "Billing", "Delivery", "Setup", "Support", "Renewal", "App"]
    kinds = ["order", "visit", "call", "update", "check", "return", "chat", "payment", "login", "upgrade"]
    rows = []
    for i in range(k):
        sat, imp = float(rng.normal(70, 8)), float(rng.normal(5, 3))
        quadrant = ("raise" if imp >= 5 else "improve") if sat < 70 else ("amplify" if imp >= 5 else "reduce")
        name = f"{words[i % 10]} {kinds[(i * 3 + i // 10) % 10]}"
        rows.append(_row(i + 1, name, quadrant, sat, imp, reach=float(rng.uniform(0.05, 0.95)), rank=i + 1))
    return pd.DataFrame(rows)


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
    traces = _quadrant_traces(fig)
    assert traces["Raise"].error_x.array[0] == pytest.approx(2.0)


def test_bubbles_grow_with_reach_and_hover_shows_the_intervals(results):
    fig = charts.quadrant_figure(results, SUMMARY)
    traces = _quadrant_traces(fig)
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
    three = pd.DataFrame(
        [_row(1, "A", "raise", 50.0, 10.0), _row(2, "B", "amplify", 70.0, 12.0), _row(3, "C", "reduce", 80.0, 2.0)]
    )
    json_ready = charts.figure_json(charts.quadrant_figure(three, {}))
    assert json_ready["data"]
    json.dumps(json_ready)  # the phone variant in layout.meta is JSON too


# ------------------------------------------------------------------------------------ issue 17: the chart items
def test_the_legend_shows_each_quadrant_as_a_circle_in_its_colour_whatever_its_first_point(results):
    # Each quadrant's first point here carries a flag shape: the legend must not borrow it (issue 17).
    flagged = pd.DataFrame(
        [
            _row(1, "First bill", "raise", 48.0, 18.0, flags=["pain_point"]),
            _row(2, "Installation", "amplify", 80.0, 15.0, flags=["brand_moment"]),
            _row(3, "Technician visit", "improve", 50.0, 3.0, flags=["pain_point"]),
            _row(4, "Welcome pack", "reduce", 78.0, 2.0, flags=["uncertain"]),
        ]
    )
    fig = charts.quadrant_figure(flagged, SUMMARY)
    in_legend = [t for t in fig.data if t.showlegend is not False and t.name]
    by_name = {t.name: t for t in in_legend}
    for quadrant in charts.QUADRANTS:
        entry = by_name[charts.QUADRANT_TITLES[quadrant]]
        assert entry.marker.symbol == "circle"
        assert entry.marker.color == charts.QUADRANT_COLOURS[quadrant]
    assert by_name["Pain point"].marker.symbol == "triangle-down"
    assert all(t.showlegend is False for t in _quadrant_traces(fig).values())
    assert [t.name for t in in_legend][:4] == ["Raise", "Amplify", "Improve", "Reduce"]


def test_bubbles_stand_out_from_their_quadrant_tint_at_3_to_1():
    for quadrant in charts.QUADRANTS:
        tint = charts.colour_over(charts.QUADRANT_TINTS[quadrant])
        bubble = charts.colour_over(charts.QUADRANT_COLOURS[quadrant], tint, alpha=charts.MARKER_OPACITY)
        assert charts.contrast_ratio(bubble, tint) >= 3.0, quadrant
    assert charts.contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)


def _boxes_overlap(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


def _layout_boxes(results: pd.DataFrame, summary: dict, geo) -> tuple[list, list, list[str]]:
    """The label boxes quadrant_figure places (same inputs, same geometry), the caption boxes, the label texts."""
    inp = quadrant_parts._quadrant_inputs(results, summary, None, "")
    width, height = geo.plot_px
    sx = width / (inp.x_range[1] - inp.x_range[0])
    sy = height / (inp.y_range[1] - inp.y_range[0])
    points = zip(inp.placed["satisfaction"], inp.placed["impact"], strict=True)
    centres = [((x - inp.x_range[0]) * sx, (inp.y_range[1] - y) * sy) for x, y in points]
    radii = [charts.bubble_size(r) * geo.bubble_scale / 2 for r in inp.placed["reach"]]
    short = [str(r) for r in inp.placed["rank"]]
    layout = charts.label_layout(
        centres, radii, list(inp.placed["moment"]), plot_px=geo.plot_px, short_names=short,
        obstacles=list(quadrant_parts._caption_boxes(geo).values()), char_px=geo.char_px, line_px=geo.label_font + 5.0,
    )  # fmt: skip
    bubbles = [(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radii, strict=True)]
    return (
        [p.box for p in layout],
        bubbles + list(quadrant_parts._caption_boxes(geo).values()),
        [p.text for p in layout],
    )


@pytest.mark.parametrize("geo", [charts.WIDE, charts.NARROW], ids=["laptop", "phone"])
@pytest.mark.parametrize("journey", ["demo", "22 moments"])
def test_labels_overlap_neither_each_other_nor_bubbles_nor_the_quadrant_captions(journey, geo):
    results, summary = demo_results() if journey == "demo" else (crowded_results(), SUMMARY)
    labels, obstacles, texts = _layout_boxes(results, summary, geo)
    for i, box in enumerate(labels):
        assert 0 <= box[0] and box[2] <= geo.plot_px[0] and 0 <= box[1] and box[3] <= geo.plot_px[1], texts[i]
        assert not any(_boxes_overlap(box, other) for other in labels[i + 1 :]), texts[i]
        assert not any(_boxes_overlap(box, other) for other in obstacles), texts[i]
    names = set(results.loc[results["quadrant"] != "insufficient_data", "moment"])
    if journey == "demo":
        assert set(texts) == names  # every demo bubble carries its name, on a phone too
    else:  # the rest carry their rank, as in the table under the chart
        assert sum(t in names for t in texts) >= (0.9 if geo is charts.WIDE else 0.5) * len(texts)


def test_every_placed_moment_is_named_on_the_chart_and_on_the_phone_variant(results):
    fig = charts.quadrant_figure(results, SUMMARY)
    expected = {"First bill", "Installation", "Technician visit", "Welcome pack"}
    assert set(_names(fig).values()) == expected
    narrow = fig.layout.meta["narrow"]
    assert {a["text"] for a in narrow["layout"]["annotations"] if a.get("name", "").startswith("name-")} == expected
    assert not any(t.mode and "text" in t.mode for t in fig.data)  # names are annotations, not trace text


def test_charts_write_the_final_axis_titles_for_laptop_and_phone_and_the_script_rewrites_none(results):
    fig = charts.quadrant_figure(results, SUMMARY)
    assert fig.layout.xaxis.title.text == "Satisfaction of those who experienced it (0-100)"
    assert fig.layout.yaxis.title.text == "Impact on NPS (% of R², signed)"
    narrow = fig.layout.meta["narrow"]["layout"]
    assert narrow["xaxis"]["title"]["text"] == "Satisfaction (0-100)"
    assert narrow["yaxis"]["title"]["text"] == "NPS impact (% of R², signed)"
    assert narrow["xaxis"]["range"] == list(fig.layout.xaxis.range)
    captions = [a["text"] for a in narrow["annotations"] if a.get("name", "").startswith("label-")]
    assert captions and all("<br>" not in c for c in captions)  # the phone's captions are the names alone
    script = (REPO / "static" / "js" / "dashboard.js").read_text()
    assert "title.text.replace" not in script and ".replace(/" not in script  # issue 10, item 8


@pytest.mark.parametrize("placed", [0, 1, 2])
def test_fewer_than_three_placed_moments_draw_no_quadrant_but_a_sentence(placed):
    rows = [_row(i + 1, f"M{i}", "raise", 50.0 + i, 10.0 + i) for i in range(placed)]
    rows.append(_row(9, "Rare", "insufficient_data", None, None, flags=["insufficient_data"]))
    fig = charts.quadrant_figure(pd.DataFrame(rows), SUMMARY)
    assert not [t for t in fig.data if t.x is not None and any(v is not None for v in t.x)]
    assert "at least 3" in fig.layout.meta["message"]
    assert not [s for s in fig.layout.shapes if (s.name or "").startswith("tint-")]


def test_occurrence_values_sit_past_their_interval_not_under_the_error_bar():
    groups = pd.DataFrame(
        {"group": ["Experienced", "Did not experience"], "outcome": [5.0, -12.0], "outcome_low": [1.0, -20.0],
         "outcome_high": [9.0, -4.0], "n": [300, 700]}
    )  # fmt: skip
    fig = charts.occurrence_figure(groups)
    assert fig.data[0].textposition == "none"  # no value drawn on the bar itself
    values = {a.name: a for a in fig.layout.annotations if (a.name or "").startswith("value-")}
    assert (values["value-0"].x, values["value-0"].xanchor, values["value-0"].text) == (9.0, "left", "5.0")
    assert (values["value-1"].x, values["value-1"].xanchor, values["value-1"].text) == (-20.0, "right", "−12.0")
    low, high = fig.layout.xaxis.range
    assert low < -20.0 and high > 9.0  # room for the values beside the whiskers


def test_no_chart_function_is_longer_than_80_lines_nor_module_than_about_400():
    lengths = {}
    for path in sorted((REPO / "moments" / "charts").glob("*.py")):
        text = path.read_text()
        assert text.count("\n") <= 410, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                lengths[f"{path.stem}.{node.name}"] = node.end_lineno - node.lineno + 1
    assert max(lengths.values()) <= 80, {k: v for k, v in lengths.items() if v > 80}
    assert "quadrant.quadrant_figure" in lengths
