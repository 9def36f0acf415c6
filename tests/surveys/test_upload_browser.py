"""An analyst imports a real export through the web form and watches the import finish (Chromium + real worker)."""

import re

import pytest
from playwright.sync_api import expect

from journeys.models import Journey
from surveys.models import Response, Upload
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_analyst_uploads_the_airline_survey_maps_it_and_watches_it_import(
    page, analyst, organisation, shared_data, celery_worker
):
    journey = Journey.objects.create(organisation=organisation, name="Airline", slug="airline")
    browser_login(page, "alice")

    page.get_by_role("link", name="Uploads").click()
    page.get_by_role("link", name="Upload a survey export").click()
    page.get_by_label("Journey").select_option(str(journey.pk))
    page.get_by_label("Wave").fill("Test 2020")
    page.get_by_label("Survey export").set_input_files(shared_data / "airline" / "test.csv")
    expect(page.locator("#file-name")).to_have_text("Selected: test.csv")
    page.get_by_role("button", name="Upload and map columns").click()

    # the mapping step: a preview and the proposal in dropdowns, completed by the analyst
    expect(page).to_have_url(re.compile(r"/uploads/\d+/mapping/$"))
    expect(page.get_by_role("heading", name="First rows of the file")).to_be_visible()
    expect(page.locator("table.preview tbody tr")).to_have_count(10)
    expect(page.get_by_label("Outcome", exact=True).locator("option:checked")).to_have_text("satisfaction")
    expect(page.get_by_label("Outcome type")).to_have_value("binary")
    expect(page.get_by_label("Positive values (binary)")).to_have_value("satisfied")
    expect(page.get_by_label("Use of column Seat comfort")).to_have_value("moment")
    page.get_by_label("Not-applicable codes").fill("0")  # 0 = not applicable in this survey
    page.get_by_label("Scale minimum").fill("1")
    page.get_by_label("Scale maximum").fill("5")
    page.get_by_role("button", name="Import").click()

    # the progress page polls status.json until the import is done, then shows the counts
    expect(page).to_have_url(re.compile(r"/uploads/\d+/$"))
    expect(page.locator("#upload-status")).to_have_text("Done", timeout=90_000)
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator('[data-count="rows_imported"]')).to_have_text("25,976")
    expect(page.locator('[data-count="responses_created"]')).to_have_text("25,976")
    expect(page.locator('[data-count="rows_invalid"]')).to_have_text("0")
    upload = Upload.objects.get()
    assert upload.mapping["not_applicable"] == ["0"]
    assert Response.objects.filter(survey__journey=journey).count() == 25_976
