"""The charts as Chromium draws them (issue 17): names that overlap neither each other nor the quadrant captions on
a laptop and a phone, a legend that shows quadrants as coloured circles, no mode bar on a phone and none of its
buttons in the tab order, a sentence instead of a quadrant for fewer than 3 moments, focus rings at 3:1, and every
chart of the dashboard and the moment page drawn by the vendored plotly.js basic bundle.

The figure-level tests load the real figure JSON, app.css, plotly.js and dashboard.js from ``static/`` into a page
of their own (no server); the page-level ones use the live server with the demo generator's journey.
"""

import json
import re

import pandas as pd
import pytest

from moments import charts
from tests.conftest import REPO_ROOT, browser_login
from tests.moments.test_charts import SUMMARY, _row, crowded_results, demo_results

pytestmark = pytest.mark.browser

STATIC = REPO_ROOT / "static"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
CAPTIONS = ("RAISE", "AMPLIFY", "IMPROVE", "REDUCE")


def _harness(tmp_path, figure: dict) -> str:
    """A page shaped like the dashboard's chart card, drawing ``figure`` with the app's own static files."""
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{(STATIC / "css/app.css").as_uri()}"></head><body>
<main class="container-wide"><div class="chart-layout"><section class="card chart-card">
<div id="quadrant-chart" class="plot plot-quadrant js-plot" data-figure="figure" data-clickable="true"
 role="img" aria-label="Quadrant chart"></div></section><aside class="chart-side"></aside></div></main>
<script id="figure" type="application/json">{json.dumps(figure)}</script>
<script src="{(STATIC / "vendor/plotly/plotly.min.js").as_uri()}"></script>
<script src="{(STATIC / "js/dashboard.js").as_uri()}"></script></body></html>"""
    path = tmp_path / "chart.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


@pytest.fixture
def draw(browser, tmp_path):
    """draw(figure, viewport) -> the page with the chart drawn; fails on any script error."""
    contexts = []

    def _draw(figure: dict, viewport: dict):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(_harness(tmp_path, figure))
        page.locator("#quadrant-chart.is-drawn").wait_for(timeout=15_000)
        assert errors == []
        return page

    yield _draw
    for context in contexts:
        context.close()


def _figure(results: pd.DataFrame, summary: dict) -> dict:
    return charts.figure_json(charts.quadrant_figure(results, summary))


def _annotation_boxes(page) -> list[dict]:
    """Text and on-screen box of every annotation with text (arrow-only ones have none)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#quadrant-chart .annotation')].map(a => {
             const text = a.querySelector('.annotation-text');
             const r = a.querySelector('rect.bg').getBoundingClientRect();
             return {text: text ? text.textContent : '', box: [r.left, r.top, r.right, r.bottom]};
           }).filter(a => a.text)"""
    )


def _intersect(a, b, tolerance: float = 1.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tolerance and min(a[3], b[3]) - max(a[1], b[1]) > tolerance


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("journey", ["demo", "22 moments"])
def test_names_overlap_neither_each_other_nor_the_quadrant_captions(draw, journey, viewport):
    results, summary = demo_results() if journey == "demo" else (crowded_results(), SUMMARY)
    page = draw(_figure(results, summary), viewport)
    boxes = _annotation_boxes(page)
    captions = [b for b in boxes if b["text"].startswith(CAPTIONS)]
    names = [b for b in boxes if not b["text"].startswith(CAPTIONS)]
    placed = results[results["quadrant"] != "insufficient_data"]
    assert len(captions) == 4
    assert len(names) == len(placed)  # every bubble is named (or numbered by its rank when crowded)
    if journey == "demo":
        assert {b["text"] for b in names} == set(placed["moment"])
    for i, label in enumerate(names):
        for other in names[i + 1 :] + captions:
            assert not _intersect(label["box"], other["box"]), (label, other)


def test_on_a_phone_there_is_no_mode_bar_over_the_labels_and_the_titles_are_the_short_ones(draw):
    page = draw(_figure(*demo_results()), PHONE)
    assert page.locator("#quadrant-chart .modebar-btn").count() == 0
    assert page.locator("#quadrant-chart .xtitle").text_content() == "Satisfaction (0-100)"
    assert page.locator("#quadrant-chart .ytitle").text_content() == "NPS impact (% of R², signed)"


def test_on_a_laptop_the_mode_bar_takes_no_tab_stop(draw):
    page = draw(_figure(*demo_results()), LAPTOP)
    assert page.locator("#quadrant-chart .modebar-btn").count() >= 3  # still there for the mouse
    focusable = page.evaluate(
        "() => [...document.querySelectorAll('#quadrant-chart .modebar *')].filter(e => e.tabIndex >= 0).length"
    )
    assert focusable == 0
    assert page.locator("#quadrant-chart .xtitle").text_content() == charts.WIDE.x_title


def test_the_legend_draws_each_quadrant_as_a_circle_in_its_colour(draw):
    flagged = pd.DataFrame(
        [
            _row(1, "First bill", "raise", 48.0, 18.0, flags=["pain_point"]),
            _row(2, "Installation", "amplify", 80.0, 15.0, flags=["pain_point"]),
            _row(3, "Technician visit", "improve", 50.0, 3.0, flags=["pain_point"]),
            _row(4, "Welcome pack", "reduce", 78.0, 2.0, flags=["uncertain"]),
        ]
    )
    page = draw(_figure(flagged, SUMMARY), LAPTOP)
    entries = page.evaluate(
        """() => [...document.querySelectorAll('#quadrant-chart .legend .traces')].map(t => {
             const p = t.querySelector('.legendpoints path.scatterpts');
             return {name: t.querySelector('.legendtext').textContent, d: p ? p.getAttribute('d') : null,
                     fill: p ? getComputedStyle(p).fill : null};
           })"""
    )
    by_name = {e["name"]: e for e in entries}
    for quadrant in charts.QUADRANTS:
        entry = by_name[charts.QUADRANT_TITLES[quadrant]]
        assert entry["d"] and "A" in entry["d"], entry  # a circle is drawn with arcs; a triangle has none
        hex_colour = charts.QUADRANT_COLOURS[quadrant].lstrip("#")
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
        assert entry["fill"] == f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})", entry
    assert "A" not in by_name["Pain point"]["d"]


def test_fewer_than_three_moments_show_a_sentence_instead_of_a_quadrant(draw):
    two = pd.DataFrame([_row(1, "First bill", "raise", 48.0, 18.0), _row(2, "Installation", "amplify", 80.0, 15.0)])
    page = draw(_figure(two, SUMMARY), LAPTOP)
    chart = page.locator("#quadrant-chart")
    assert chart.locator(".main-svg").count() == 0
    assert "at least 3" in chart.inner_text()
    assert chart.get_attribute("role") is None  # no longer announced as an image


# ---------------------------------------------------------------------------------------------- real pages
def _rgb_hex(css: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.fixture
def demo_journey(organisation, manager, settings, transactional_db):
    from tests.factories import broadband_journey

    settings.MOMENTUM_BOOTSTRAP = 30
    return broadband_journey(organisation, respondents_per_wave=400)


def _logged_in(browser, live_server, viewport=LAPTOP):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    browser_login(page, "bob")
    return context, page, errors


def test_the_dashboard_draws_with_the_basic_bundle_keeps_one_tab_stop_at_most_and_rings_focus_at_3_to_1(
    browser, live_server, demo_journey
):
    context, page, errors = _logged_in(browser, live_server)
    try:
        page.goto(f"/journeys/{demo_journey.pk}/")
        page.locator("#quadrant-chart.is-drawn").wait_for()
        assert page.evaluate("() => Plotly.version") == "4.1.1"
        bundle = "() => fetch(document.querySelector('script[src*=plotly]').src).then(r => r.text())"
        assert "plotly.js (basic" in page.evaluate(f"{bundle}.then(t => t.slice(0, 60))")
        assert page.locator("#quadrant-chart .annotation").count() >= 9 + 4  # names and captions
        assert errors == []

        # Tab through the whole page: the chart may hold one stop at most (it holds none).
        stops_in_chart = 0
        for _ in range(120):
            page.keyboard.press("Tab")
            where = page.evaluate(
                "() => document.activeElement.closest('#quadrant-chart') ? 'chart' : document.activeElement.tagName"
            )
            stops_in_chart += where == "chart"
            if where == "BODY":
                break
        assert stops_in_chart <= 1

        # Focus rings: 3:1 against the white card and against the dark top bar.
        select = page.locator("#id_method")
        select.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
        ring = _rgb_hex(select.evaluate("e => getComputedStyle(e).outlineColor"))
        assert select.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
        assert charts.contrast_ratio(ring, "#ffffff") >= 3.0, ring
        assert charts.contrast_ratio(ring, "#f5f7fa") >= 3.0, ring
        nav = page.locator(".mainnav a").first
        nav.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        top_ring = _rgb_hex(nav.evaluate("e => getComputedStyle(e).outlineColor"))
        assert charts.contrast_ratio(top_ring, "#10213a") >= 3.0, top_ring
    finally:
        context.close()


def test_every_moment_chart_draws_and_no_value_sits_under_an_error_bar(browser, live_server, demo_journey):
    context, page, errors = _logged_in(browser, live_server)
    try:
        page.goto(f"/journeys/{demo_journey.pk}/")
        page.locator("#quadrant-chart.is-drawn").wait_for()
        page.locator("#priorities-table tbody tr").first.locator("a").first.click()
        page.wait_for_url(lambda url: "/moments/" in url)
        plots = page.locator(".js-plot")
        assert plots.count() >= 4
        for i in range(plots.count()):
            plots.nth(i).locator(".main-svg").first.wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plot')].every(e => e.classList.contains('is-drawn'))"
        )
        assert errors == []
        occurrence = page.locator("#plot-occurrence")
        if occurrence.count():
            overlaps = occurrence.evaluate(
                """el => {
                  const boxes = s => [...el.querySelectorAll(s)].map(n => n.getBoundingClientRect());
                  const values = boxes('.annotation rect.bg'), bars = boxes('.errorbar path');
                  const hit = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                                        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
                  return {values: values.length, hits: values.filter(v => bars.some(b => hit(v, b))).length};
                }"""
            )
            assert overlaps["values"] >= 1 and overlaps["hits"] == 0, overlaps
    finally:
        context.close()
