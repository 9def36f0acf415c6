"""A Dutch CX manager: the browser asks for Dutch, so the login page and the dashboard speak Dutch with decimal
commas; the header's switcher turns the same page English and the choice is saved for the user."""

import re

import pytest
from playwright.sync_api import expect

from cxapp.models import UserPreference
from tests.conftest import PASSWORD
from tests.factories import broadband_journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
