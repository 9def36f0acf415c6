"""An analyst imports a real export through the web form and watches the import finish (Chromium + real worker)."""

import os
import re

import pytest
from playwright.sync_api import expect

from surveys.models import Response, Upload
from tests.conftest import browser_login
from tests.factories import JourneyFactory

SCREENSHOTS = bool(os.environ.get("MOMENTUM_SCREENSHOTS"))  # set it to look at the mapping pages in /tmp
pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_analyst_uploads_the_airline_survey_maps_it_and_watches_it_import(
    page, analyst, organisation, shared_data, celery_worker
):
    journey = JourneyFactory(organisation=organisation, name="Airline", slug="airline")
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
    expect(page.get_by_label("Column of outcome 1").locator("option:checked")).to_have_text("satisfaction")
    expect(page.get_by_label("Name of outcome 1")).to_have_value("satisfaction")
    expect(page.get_by_label("Type of outcome 1")).to_have_value("binary")
    expect(page.get_by_label("Positive values of outcome 1 (binary)")).to_have_value("satisfied")
    # a second outcome row is offered empty; its positive values apply to a binary outcome only
    expect(page.get_by_label("Column of outcome 2").locator("option:checked")).to_have_text("(none)")
    expect(page.get_by_label("Positive values of outcome 2 (binary)")).to_be_disabled()
    page.get_by_label("Type of outcome 2").select_option("binary")
    expect(page.get_by_label("Positive values of outcome 2 (binary)")).to_be_enabled()
    page.get_by_label("Type of outcome 2").select_option("nps")
    expect(page.get_by_label("Use of column Seat comfort")).to_have_value("moment")
    # proposed from the data, not typed: 0 = not applicable in this survey, every service item on 1-5
    expect(page.get_by_label("Not-applicable codes")).to_have_value("0")
    expect(page.get_by_label("Scale of column Inflight wifi service")).to_have_value("1-5")
    expect(page.get_by_label("Scale of column Seat comfort")).to_have_value("1-5")
    expect(page.get_by_label("Use of column Age")).to_have_value("ignore")  # 75 ages: not a segment as such
    expect(page.get_by_label("Use of column Gender")).to_have_value("segment")
    if SCREENSHOTS:
        page.screenshot(path="/tmp/ingest-airline-mapping.png", full_page=True)
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


def test_the_starwars_surveymonkey_export_imports_with_the_proposal_alone(
    page, analyst, organisation, shared_data, celery_worker
):
    journey = JourneyFactory(organisation=organisation, name="Star Wars", slug="star-wars")
    browser_login(page, "alice")
    page.goto("/uploads/new/")
    page.get_by_label("Journey").select_option(str(journey.pk))
    page.get_by_label("Wave").fill("2014")
    page.get_by_label("Survey export").set_input_files(shared_data / "exports" / "surveymonkey" / "StarWars.csv")
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page).to_have_url(re.compile(r"/uploads/\d+/mapping/$"))
    # the characters' answer labels are a 1-5 scale, the ranking and "seen" columns are left out, demographics
    # are segments
    expect(page.get_by_label("Use of column Han Solo")).to_have_value("moment")
    expect(page.get_by_label("Answer labels of column Han Solo")).to_have_value(
        "Very unfavorably = 1; Somewhat unfavorably = 2; Neither favorably nor unfavorably (neutral) = 3; "
        "Somewhat favorably = 4; Very favorably = 5"
    )
    expect(page.get_by_label("Scale of column Han Solo")).to_have_value("1-5")
    expect(page.get_by_label("Not-applicable codes")).to_have_value("Unfamiliar (N/A)")
    for column in ("Gender", "Age", "Household Income", "Education", "Location (Census Region)"):
        expect(page.get_by_label(f"Use of column {column}", exact=True)).to_have_value("segment")
    ranking = page.locator("select[name^=role-]").nth(9)  # the first ranking column
    expect(ranking).to_have_value("ignore")
    expect(page.get_by_label("Skip invalid rows")).to_be_checked()  # 350 respondents did not answer "fan?"
    if SCREENSHOTS:
        page.screenshot(path="/tmp/ingest-starwars-mapping.png", full_page=True)
    page.get_by_role("button", name="Import").click()

    expect(page.locator("#upload-status")).to_have_text("Done", timeout=90_000)
    expect(page.locator('[data-count="rows_imported"]')).to_have_text("836")
    expect(page.locator('[data-count="rows_invalid"]')).to_have_text("350")
    upload = Upload.objects.get()
    assert len(upload.mapping["moments"]) == 14 and len(upload.mapping["labels"]) == 14
