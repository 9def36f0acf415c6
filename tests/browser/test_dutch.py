"""A Dutch CX manager: the browser asks for Dutch, so the login page and the dashboard speak Dutch with decimal
commas; the header's switcher turns the same page English and the choice is saved for the user."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cxapp.models import UserPreference
from tests.conftest import PASSWORD
from tests.factories import broadband_journey
from tests.surveys.helpers import synthetic_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = bool(os.environ.get("MOMENTUM_SCREENSHOTS"))  # set it to retake docs/screenshots/*-nl.png
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def dutch_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="nl-NL")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_dutch_browser_gets_dutch_then_switches_to_english(dutch_page, manager, organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 40
    journey = broadband_journey(organisation)
    page = dutch_page

    page.goto("/login/")
    expect(page.get_by_role("heading", name="Inloggen bij Momentum")).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill("bob")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(f"/journeys/{journey.pk}/")
    page.locator("#quadrant-chart.is-drawn").wait_for()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="Top 3 prioriteiten")).to_be_visible()
    legend = page.locator(".legend-list")
    for name in ("Verhogen", "Versterken", "Verbeteren", "Minder doen"):
        expect(legend).to_contain_text(name)
    expect(page.locator("#quadrant-chart")).to_contain_text("VERHOGEN")  # the chart's corner caption
    table = page.locator("#priorities-table")
    expect(table.get_by_role("button", name="Tevredenheid")).to_be_visible()
    satisfaction = table.locator("tbody tr").first.locator("td").nth(3).inner_text()
    assert re.match(r"^\d+,\d\s", satisfaction), satisfaction  # "61,4 58,9 tot 63,8": a decimal comma
    assert "." not in satisfaction and "tot" in satisfaction
    expect(page.locator(".kpi-method")).to_contain_text("Relatieve gewichten")

    page.get_by_label("Taal").select_option("en-gb")
    page.get_by_role("button", name="Taal wijzigen").click()
    expect(page.get_by_role("heading", name="Top 3 priorities")).to_be_visible()
    page.locator("#quadrant-chart.is-drawn").wait_for()
    expect(page.locator(".legend-list")).to_contain_text("Amplify")
    satisfaction = page.locator("#priorities-table tbody tr").first.locator("td").nth(3).inner_text()
    assert re.match(r"^\d+\.\d\s", satisfaction), satisfaction
    assert UserPreference.objects.get(user=manager).language == "en-gb"


@pytest.mark.worker
def test_the_main_flow_in_dutch(dutch_page, manager, analyst, organisation, settings, celery_worker, tmp_path):
    """Login, dashboard, a filter computed by the worker, the moment page and an upload with a row error, all in
    Dutch with decimal commas; screenshots of the Dutch pages with MOMENTUM_SCREENSHOTS=1 (docs/screenshots)."""
    settings.MOMENTUM_BOOTSTRAP = 40
    journey = broadband_journey(organisation)
    page = dutch_page
    english = re.compile(r"\b(the|and|of|to|with|Satisfaction|Reach|Impact method|Apply|Priorities)\b")

    page.goto("/login/")
    page.get_by_label("Gebruikersnaam").fill("alice")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/login/" not in url)

    # the dashboard, then a segment filter: a new run, computed by the worker, drawn by the page itself
    page.goto(f"/journeys/{journey.pk}/")
    page.locator("#quadrant-chart.is-drawn").wait_for()
    expect(page.get_by_role("heading", name="Top 3 prioriteiten")).to_be_visible()
    if SCREENSHOTS:  # the unfiltered dashboard and its first moment
        page.screenshot(path=str(SCREENSHOT_DIR / "dashboard-nl.png"), full_page=True)
        page.locator("#priorities-table tbody tr").first.locator("a").first.click()
        page.locator(".js-plot.is-drawn").first.wait_for()
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENSHOT_DIR / "moment-nl.png"), full_page=True)
        page.go_back()
        page.locator("#quadrant-chart.is-drawn").wait_for()
    page.locator(".filters input[type=checkbox][name^=segment]").first.check()
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_url(lambda url: "segment" in url)
    progress = page.locator(".js-run-progress .js-run-message")
    if progress.count():  # the worker may already be done: then the page has no progress box
        expect(progress).not_to_contain_text("Queued")
    page.locator("#quadrant-chart.is-drawn").wait_for(timeout=90_000)
    table = page.locator("#priorities-table")
    first = table.locator("tbody tr").first
    satisfaction = first.locator("td").nth(3).inner_text()
    assert re.match(r"^\d+,\d\s", satisfaction) and "tot" in satisfaction, satisfaction
    action = first.locator(".action-text").inner_text()
    assert not english.search(action), action

    # the moment page, keeping the filter
    name = first.locator("a").first.inner_text()
    first.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_role("heading", name="Wat als we het oplossen?")).to_be_visible()
    assert "segment" in page.url
    text = page.locator("main").inner_text()
    assert re.search(r"\d+,\d", text), "no decimal comma on the moment page"
    assert "Tevredenheid" in text and "Satisfaction" not in text

    # an upload with a row error: the forms, the mapping page, the progress and the errors table in Dutch
    path = synthetic_csv(tmp_path / "meting.csv", 40, bad_lines=(5,))
    page.goto("/uploads/new/")
    page.get_by_label("Klantreis").select_option(str(journey.pk))
    page.get_by_label("Meting").fill("2026 K3")
    page.get_by_label("Enquête-export").set_input_files(path)
    expect(page.locator("#file-name")).to_have_text("Gekozen: meting.csv")
    page.get_by_role("button", name="Uploaden en kolommen koppelen").click()
    expect(page.get_by_role("heading", name="Eerste rijen van het bestand")).to_be_visible()
    page.get_by_label("Schaal van kolom m2").fill("1-5")
    page.get_by_label("Ongeldige rijen overslaan").check()
    page.get_by_role("button", name="Inlezen").click()
    expect(page.locator("#upload-status")).to_have_text("Klaar", timeout=90_000)
    expect(page.locator('[data-count="rows_invalid"]')).to_have_text("1")
    expect(page.locator("#upload-message")).to_contain_text("39 rijen ingelezen")
    expect(page.get_by_role("cell", name="buiten de schaal 1-5")).to_be_visible()
    assert "out of scale" not in page.locator("main").inner_text()
