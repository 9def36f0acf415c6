"""A CX manager switches the dashboard from NPS to Retention with the keyboard, reads the new KPI header, and opens
the outcomes side-by-side view, whose missing run the real worker computes while the page shows its progress."""

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.moments.outcomes_data import two_outcome_data, two_outcome_journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = 90_000  # ms: the worker computes the runs while the pages poll


def test_a_manager_switches_outcome_and_compares_them_side_by_side(
    page, celery_worker, manager, organisation, settings
):
    settings.MOMENTUM_BOOTSTRAP = 40
    journey = two_outcome_journey(organisation)
    browser_login(page, "bob")

    page.goto(f"/journeys/{journey.pk}/?method=correlation")
    page.locator("#quadrant-chart.is-drawn").wait_for(timeout=LONG)
    kpi = page.locator(".kpi-outcome")
    expect(kpi.locator(".kpi-label")).to_have_text("NPS")
    expect(kpi.locator(".ppd")).to_be_visible()  # the promoter bar, for NPS only
    selector = page.get_by_role("navigation", name="Impact on")
    expect(selector.get_by_role("link", name="NPS")).to_have_attribute("aria-current", "page")

    # The selector is a row of links: reachable with Tab, followed with Enter; the outcome goes into the URL.
    retention = selector.get_by_role("link", name="Retention")
    retention.focus()
    expect(retention).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "outcome=Retention" in url and "method=correlation" in url)
    page.locator("#quadrant-chart.is-drawn").wait_for(timeout=LONG)
    expect(kpi.locator(".kpi-label")).to_have_text("Retention rate")
    _, _, retained = two_outcome_data()
    expect(kpi.locator(".kpi-value")).to_have_text(f"{100 * retained.mean():.1f}%")
    expect(kpi.locator(".kpi-sub").first).to_contain_text("95% interval")
    expect(kpi.locator(".ppd")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Impact on").get_by_role("link", name="Retention")).to_have_attribute(
        "aria-current", "page"
    )
    title = page.evaluate("document.getElementById('quadrant-chart').layout.yaxis.title.text")
    assert title.startswith("Impact on Retention")
    first = page.locator("#priorities-table tbody tr").first
    expect(first).to_contain_text("Contract renewal")  # Retention's top priority (NPS's is Billing)

    # Side by side: both outcomes' runs are finished now; every moment differs, said in words.
    page.get_by_role("link", name="Outcomes side by side").first.click()
    page.wait_for_url(lambda url: "/outcomes/" in url)
    page.locator("#outcomes-table").wait_for(timeout=LONG)
    expect(page.locator(".sbs-story")).to_contain_text("Drives Retention, not NPS: Contract renewal, App", timeout=LONG)
    expect(page.locator(".sbs-story")).to_contain_text("Drives NPS, not Retention: Billing, Installation")
    headers = page.locator("#outcomes-table thead th")
    expect(headers.nth(1)).to_contain_text("NPS")
    expect(headers.nth(2)).to_contain_text("Retention")
    # Sorting by the Retention column (impact), with the keyboard.
    button = headers.nth(2).get_by_role("button", name="Retention")
    button.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # descending
    expect(page.locator("#outcomes-table tbody tr").first.locator("th")).to_contain_text("App")
