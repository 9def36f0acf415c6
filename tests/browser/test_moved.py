"""A CX manager chooses a comparison wave in Chromium and reads "What moved": the waterfall, its sentence, the
numbers behind a bar on hover, and the moment that opens on a click."""

import pytest
from playwright.sync_api import expect

from moments import services
from tests.conftest import browser_login
from tests.moments.moved_data import moved_journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = 90_000


def test_a_manager_compares_two_waves_and_reads_what_moved(page, manager, organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 100
    journey = moved_journey(organisation)
    q1, q2 = journey.surveys.order_by("name")
    for wave in (q1, q2):
        run = services.analysis_request(journey=journey, survey_ids=[wave.pk], enqueue=False)
        services.analysis_run_compute(run_id=run.pk)
    browser_login(page, "bob")
    page.goto(f"/journeys/{journey.pk}/?wave={q2.pk}")
    page.locator("#quadrant-chart.is-drawn").wait_for(timeout=LONG)
    expect(page.locator("#moved-chart")).to_have_count(0)  # no comparison yet: only the period selects
    expect(page.get_by_label("From period")).to_be_visible()

    page.get_by_label("Compare with").select_option(label="2026 Q1")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(lambda url: f"compare={q1.pk}" in url)
    chart = page.locator("#moved-chart.is-drawn")
    chart.wait_for(timeout=LONG)
    expect(page.get_by_role("heading", name="What moved NPS")).to_be_visible()
    sentence = page.locator(".js-moved-sentence").inner_text()
    assert sentence.startswith("NPS fell") and "Installation explains" in sentence

    ticks = page.locator("#moved-chart .xtick text").evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert ticks[:2] == ["2026 Q1", "Installation"]  # the largest contribution first
    assert ticks[-2:] == ["Remainder", "2026 Q2"]
    bars = page.locator("#moved-chart .bars .point")
    assert bars.count() == len(ticks)
    assert page.locator("#moved-chart .errorbar").count() == len(ticks)  # an interval on every bar

    # hover over installation's bar: the numbers behind it; a click opens the moment
    chart.scroll_into_view_if_needed()
    box = bars.nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = page.locator("#moved-chart .hoverlayer .hovertext")
    expect(hover).to_contain_text("contribution")
    expect(hover).to_contain_text("satisfaction")
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(lambda url: "/moments/" in url)
    expect(page.get_by_role("heading", name="Installation")).to_be_visible()

    # two quarters of submission dates instead of waves: the same respondents here, so the same sentence
    page.go_back()
    page.locator("#moved-chart.is-drawn").wait_for(timeout=LONG)
    page.get_by_label("From period").select_option("2026-Q1")
    page.get_by_label("to period").select_option("2026-Q2")
    page.get_by_role("button", name="Compare periods").click()
    page.wait_for_url(lambda url: "moved_from=2026-Q1" in url)
    page.locator("#moved-chart.is-drawn").wait_for(timeout=LONG)
    expect(page.get_by_role("heading", name="What moved NPS")).to_contain_text("2026-Q1 → 2026-Q2")
    assert page.locator(".js-moved-sentence").inner_text() == sentence
