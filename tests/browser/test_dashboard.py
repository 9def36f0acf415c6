"""A CX manager reads the dashboard in Chromium: the analysis computes on the real worker, the chart and the table
follow the filters, the exports hold the same list, and a moment opens from the table."""

import csv
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from moments.exports import EXPORT_COLUMNS
from tests.conftest import browser_login
from tests.factories import broadband_journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = 90_000  # ms: the worker computes the run while the page polls


def _table(page) -> list[list[str]]:
    rows = page.locator("#priorities-table tbody tr")
    return [[cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def _wait_for_chart(page) -> None:
    page.locator("#quadrant-chart.is-drawn").wait_for(timeout=LONG)


def test_a_manager_filters_the_dashboard_exports_it_and_opens_a_moment(
    page, celery_worker, manager, organisation, settings
):
    settings.MOMENTUM_BOOTSTRAP = 40
    journey = broadband_journey(organisation, compute=False)
    browser_login(page, "bob")

    # Nothing is computed yet: the page shows the progress bar, polls, and draws the result by itself.
    first = page.goto(f"/journeys/{journey.pk}/")
    assert "js-run-progress" in first.text()
    _wait_for_chart(page)
    assert page.title() == "Broadband · Priorities · Momentum"
    assert page.locator("#quadrant-chart .scatterlayer .point").count() >= 9
    expect(page.get_by_role("heading", name="Top 3 priorities")).to_be_visible()
    expect(page.locator(".top-list li")).to_have_count(3)
    before = _table(page)
    assert before[0][0] == "1" and "Raise" in before[0][2]

    # A different impact method: a new run, computed by the worker, then a different chart and table.
    page.get_by_label("Impact method").select_option("correlation")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(lambda url: "method=correlation" in url)
    _wait_for_chart(page)
    expect(page.locator(".kpi-method")).to_contain_text("Correlation")
    after = _table(page)
    assert [row[1] for row in after] != [row[1] for row in before] or [row[4] for row in after] != [
        row[4] for row in before
    ]  # impact is a correlation now, so the column (and usually the order) changes

    # Sorting by a header button.
    page.get_by_role("button", name="Satisfaction").click()
    satisfaction = [float(r[3].split()[0]) for r in _table(page) if r[3] and r[3][0].isdigit()]
    assert satisfaction == sorted(satisfaction)
    page.get_by_role("button", name="#").click()  # back to the priority order

    # Exports of the current view hold the table's list, in the same order.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    with open(download.value.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    names = [row[1].split("\n")[0] for row in after]
    assert [r[1] for r in rows[1:]] == names
    assert download.value.suggested_filename.endswith(".csv")

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.worksheets[0]
    assert tuple(c.value for c in sheet[1]) == EXPORT_COLUMNS
    assert [sheet.cell(row=i + 2, column=2).value for i in range(len(names))] == names

    # A row opens the moment, keeping the view's filters.
    top = names[0]
    page.locator("#priorities-table tbody tr").first.get_by_role("link", name=top).click()
    page.wait_for_url(lambda url: "/moments/" in url and "method=correlation" in url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(top)
    page.locator("#plot-distribution.is-drawn").wait_for(timeout=LONG)
    expect(page.get_by_role("heading", name="What if we fixed it?")).to_be_visible()
    assert page.locator("#plot-trend .scatterlayer .point").count() == 2  # both waves


def test_a_run_that_fails_shows_its_message_and_the_page_stops_polling(
    page, celery_worker, manager, organisation, settings
):
    """Issue 17: a view whose run cannot produce results once reloaded every 0.8 s, each reload a new failed run,
    and never showed why. Now the poll shows the run's message and stops."""
    from moments.models import AnalysisRun, RunStatus

    settings.MOMENTUM_BOOTSTRAP = 40
    journey = broadband_journey(organisation, compute=False)
    latest = journey.surveys.order_by("period_start").last()
    browser_login(page, "bob")
    reloads = []
    page.on("framenavigated", lambda frame: reloads.append(frame.url) if frame == page.main_frame else None)

    first = page.goto(f"/journeys/{journey.pk}/?wave={latest.pk}&segment.region=Atlantis")
    assert "js-run-progress" in first.text()
    expect(page.get_by_role("heading", name="The analysis failed")).to_be_visible(timeout=LONG)
    expect(page.locator(".js-run-progress")).to_contain_text("No responses with an outcome")
    page.wait_for_timeout(2500)  # a reload loop would have created more runs by now
    assert AnalysisRun.objects.filter(journey=journey).count() == 1
    assert AnalysisRun.objects.get(journey=journey).status == RunStatus.FAILED
    assert len(reloads) == 1  # the first navigation only


def test_filters_being_changed_survive_the_poll(page, celery_worker, manager, organisation, settings):
    """The poll reloaded the page when the run finished, clearing the checkboxes the user was ticking."""
    settings.MOMENTUM_BOOTSTRAP = 300  # long enough to tick a box before it finishes
    journey = broadband_journey(organisation, compute=False)
    first_wave = journey.surveys.order_by("period_start").first()
    browser_login(page, "bob")

    page.goto(f"/journeys/{journey.pk}/")
    expect(page.locator(".js-run-progress")).to_be_visible()
    box = page.locator(f'input[name="wave"][value="{first_wave.pk}"]')
    box.check()
    page.get_by_label("North").check()
    expect(page.get_by_role("heading", name="The analysis is ready")).to_be_visible(timeout=LONG)
    assert box.is_checked() and page.get_by_label("North").is_checked()
    assert "wave=" not in page.url  # not reloaded, nothing applied behind the user's back

    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(lambda url: f"wave={first_wave.pk}" in url and "segment.region=North" in url)
    expect(page.locator(f'input[name="wave"][value="{first_wave.pk}"]')).to_be_checked()
    expect(page.get_by_label("North")).to_be_checked()
