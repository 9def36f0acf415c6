"""The mapping page as an analyst uses it: the form is posted exactly as the page renders it (the proposal alone,
or with the edits named in each test), the import runs, and the stored numbers are compared with numbers computed
by hand from the file with pandas."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from journeys.models import Moment
from moments.selectors import journey_ratings_frame
from surveys import services
from surveys.models import Response, Upload, UploadStatus
from tests.factories import JourneyFactory, MomentFactory
from tests.surveys.helpers import read_like_the_worker

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The values a browser would submit for the form with id ``mapping-form``."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.inside = False
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "mapping-form"
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit",):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[a["name"]] = "on"
            else:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select, self.first_option = a.get("name"), None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
                self.values.setdefault(self.select, self.first_option)
            if "selected" in a:
                self.values[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.values[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def page_form(html: bytes) -> dict[str, str]:
    parser = _Form()
    parser.feed(html.decode())
    return parser.values


@pytest.fixture
def journey(organisation):
    return JourneyFactory(organisation=organisation, name="Films", slug="films")


def upload_through_the_form(client, journey, path_or_bytes, name: str) -> Upload:
    content = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    response = client.post(
        "/uploads/new/", {"journey": journey.pk, "survey": "W1", "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302, response.content[:2000]
    return read_like_the_worker(Upload.objects.get(original_name=name).pk)


def confirm_and_import(client, upload: Upload, form: dict[str, str]) -> Upload:
    response = client.post(f"/uploads/{upload.pk}/mapping/", form)
    assert response.status_code == 302, re.findall(rb'id="mapping-error">([^<]*)', response.content)
    services.upload_ingest(upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def mean_by_moment(journey) -> dict[str, float]:
    frame = journey_ratings_frame(journey=journey)
    return {m.name: float(np.nanmean(frame.ratings[:, j])) for j, m in enumerate(frame.moments)}


QUESTION = (
    "Please rank the following parts of your most recent visit to our branch in order of how much they mattered "
    "to you, with 1 being the part that mattered most and 6 being the part that mattered the least: "
)
ENDINGS = ["staff", "queues", "opening hours", "parking", "coffee corner", "signage"]


def test_six_long_headers_sharing_their_question_stay_six_moments(client, analyst, journey):
    """Headers over 200 characters that differ only at the end: the page's default names were cut to the same
    200 characters and the six columns became one moment carrying the last column's numbers."""
    assert all(len(QUESTION + e) > 200 for e in ENDINGS)
    MomentFactory(journey=journey, name="Food", slug="food", position=1)  # matched: the rest is ignored
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "How likely are you to recommend us?", "Food", *[QUESTION + e for e in ENDINGS]])
    for i in range(30):
        writer.writerow([f"r{i}", i % 11, i % 5 + 1, *[(i + 2 * j) % 5 + 1 for j in range(6)]])
    client.force_login(analyst)
    upload = upload_through_the_form(client, journey, out.getvalue().encode(), "long.csv")
    page = client.get(f"/uploads/{upload.pk}/mapping/")
    form = page_form(page.content)
    assert upload.mapping["moments"] == {"Food": "Food"}
    for i in range(3, 9):  # the analyst marks the six ranking columns as moments, keeping the names shown
        assert form[f"role-{i}"] == "ignore"
        form[f"role-{i}"] = "moment"

    upload = confirm_and_import(client, upload, form)

    assert upload.status == UploadStatus.DONE, upload.message
    assert sorted(upload.mapping["moments"]) == sorted(["Food", *ENDINGS])
    assert len(set(upload.mapping["moments"].values())) == 7
    means = mean_by_moment(journey)
    for j, ending in enumerate(ENDINGS):
        by_hand = np.array([(i + 2 * j) % 5 + 1 for i in range(30)], dtype=float)
        assert means[ending] == pytest.approx(((by_hand - 1) / 4 * 100).mean())


def test_two_columns_given_one_name_are_refused_not_merged(client, analyst, journey, tmp_path):
    text = "id,ltr,a,b\n" + "".join(f"r{i},{i % 11},{i % 5 + 1},{(i * 2) % 5 + 1}\n" for i in range(20))
    client.force_login(analyst)
    upload = upload_through_the_form(client, journey, text.encode(), "dup.csv")
    form = page_form(client.get(f"/uploads/{upload.pk}/mapping/").content)
    form.update({"role-2": "moment", "name-2": "Service", "role-3": "moment", "name-3": "service"})

    response = client.post(f"/uploads/{upload.pk}/mapping/", form)

    assert response.status_code == 200
    assert "Columns &#x27;a&#x27; and &#x27;b&#x27; are both named “service”" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PENDING_MAPPING


def test_a_stray_value_in_a_hinted_column_is_a_row_error_on_the_page_path(client, analyst, journey):
    rows = "".join(f"r{i},{i % 11},{7 if i == 10 else i % 5 + 1},{(i * 3) % 5 + 1}\n" for i in range(60))
    text = "id,How likely are you to recommend us?,Checkout rating (1-5),Delivery rating\n" + rows
    client.force_login(analyst)
    upload = upload_through_the_form(client, journey, text.encode(), "checkout.csv")
    page = client.get(f"/uploads/{upload.pk}/mapping/")
    form = page_form(page.content)
    assert form["scale-2"] == "1-5" and form["scale-3"] == "1-5"

    upload = confirm_and_import(client, upload, form)

    assert upload.status == UploadStatus.FAILED and upload.rows_invalid == 1
    errors = services.upload_errors(upload=upload)
    assert errors.values.tolist() == [[12, "Checkout rating (1-5)", "7", "out of scale 1-5"]]
    form["skip_invalid"] = "on"
    upload = confirm_and_import(client, upload, form)
    checkout = np.array([i % 5 + 1 for i in range(60) if i != 10], dtype=float)
    assert mean_by_moment(journey)["Checkout rating (1-5)"] == pytest.approx(((checkout - 1) / 4 * 100).mean())


def test_label_codes_shown_on_the_page_can_be_edited(client, analyst, journey):
    answers = ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied", "N/A"]
    text = "id,How likely are you to recommend us?,Support\n" + "".join(
        f"r{i},{i % 11},{answers[i % 6]}\n" for i in range(36)
    )
    client.force_login(analyst)
    upload = upload_through_the_form(client, journey, text.encode(), "labels.csv")
    form = page_form(client.get(f"/uploads/{upload.pk}/mapping/").content)
    assert form["labels-2"] == (
        "Very dissatisfied = 1; Dissatisfied = 2; Neutral = 3; Satisfied = 4; Very satisfied = 5"
    )
    assert form["scale-2"] == "1-5"
    bad = {**form, "scale-2": "one to five", "labels-3": ""}
    response = client.post(f"/uploads/{upload.pk}/mapping/", bad)
    assert "&#x27;scales&#x27; of &#x27;Support&#x27; must be [MIN, MAX]" in response.content.decode()
    response = client.post(f"/uploads/{upload.pk}/mapping/", {**form, "labels-2": "Very satisfied: 5"})
    assert "“Very satisfied: 5” is not LABEL = CODE" in response.content.decode()
    assert 'value="one to five"' not in response.content.decode()
    # the analyst puts Neutral and Dissatisfied together (codes 1-4)
    form["labels-2"] = "Very dissatisfied = 1; Dissatisfied = 2; Neutral = 2; Satisfied = 3; Very satisfied = 4"
    form["scale-2"] = "1-4"

    upload = confirm_and_import(client, upload, form)

    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.mapping["labels"]["Support"]["Neutral"] == 2.0
    codes = {"Very satisfied": 4, "Satisfied": 3, "Neutral": 2, "Dissatisfied": 2, "Very dissatisfied": 1}
    by_hand = np.array([codes[answers[i % 6]] for i in range(36) if i % 6 != 5], dtype=float)
    assert mean_by_moment(journey)["Support"] == pytest.approx(((by_hand - 1) / 3 * 100).mean())


def test_starwars_imports_with_the_proposal_alone(client, analyst, journey, shared_data):
    path = shared_data / "exports/surveymonkey/StarWars.csv"
    client.force_login(analyst)
    upload = upload_through_the_form(client, journey, path, "StarWars.csv")
    page = client.get(f"/uploads/{upload.pk}/mapping/")
    assert b"Very unfavorably = 1; Somewhat unfavorably = 2" in page.content

    upload = confirm_and_import(client, upload, page_form(page.content))

    assert upload.status == UploadStatus.DONE, upload.message
    raw = pd.read_csv(path, encoding="cp1252", skiprows=[1])
    fan = raw.iloc[:, 2]
    assert upload.rows_total == 1186
    assert upload.rows_imported == int(fan.notna().sum()) == 836
    assert upload.rows_invalid == int(fan.isna().sum())  # reported as "missing outcome", skipped
    codes = {"Very unfavorably": 1, "Somewhat unfavorably": 2, "Neither favorably nor unfavorably (neutral)": 3,
             "Somewhat favorably": 4, "Very favorably": 5}  # fmt: skip
    han = raw.loc[fan.notna(), raw.columns[15]].map(codes).dropna()
    jar_jar = raw.loc[fan.notna(), raw.columns[26]].map(codes).dropna()
    means = mean_by_moment(journey)
    assert means["Han Solo"] == pytest.approx(((han - 1) / 4 * 100).mean())
    assert means["Jar Jar Binks"] == pytest.approx(((jar_jar - 1) / 4 * 100).mean())
    assert means["Han Solo"] > 80 > 50 > means["Jar Jar Binks"]
    names = set(Moment.objects.filter(journey=journey).values_list("name", flat=True))
    assert len(names) == 14 and not any(n.startswith("Star Wars: Episode") for n in names)  # no ranking moments
    segment_keys = set().union(*Response.objects.values_list("segments", flat=True)[:50])
    assert {"Gender", "Age", "Household Income", "Education"} <= segment_keys


def test_airline_imports_with_the_proposal_alone(client, analyst, journey, shared_data):
    path = shared_data / "airline/test.csv"
    client.force_login(analyst)
    upload = upload_through_the_form(client, journey, path, "test.csv")
    page = client.get(f"/uploads/{upload.pk}/mapping/")
    form = page_form(page.content)
    assert form["not_applicable"] == "0"

    upload = confirm_and_import(client, upload, form)

    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.rows_imported == 25_976 and upload.rows_invalid == 0
    wifi = pd.read_csv(path)["Inflight wifi service"]
    frame = journey_ratings_frame(journey=journey)
    j = [m.name for m in frame.moments].index("Inflight wifi service")
    assert float(np.nanmean(frame.ratings[:, j])) == pytest.approx(((wifi[wifi > 0] - 1) / 4 * 100).mean())
    assert round(float(np.nanmean(frame.ratings[:, j])), 1) == 45.3  # 54.5 when the zeros counted as ratings
    assert np.isfinite(frame.ratings[:, j]).sum() == int((wifi > 0).sum()) == 25_976 - 813  # reach 96.9%, not 100%


def test_qualtrics_sample_without_outcome_or_ratings_says_what_is_missing(client, analyst, journey, shared_data):
    client.force_login(analyst)
    upload = upload_through_the_form(
        client, journey, shared_data / "exports/qualtrics/qualtRics_sample.csv", "qualtrics.csv"
    )
    page = client.get(f"/uploads/{upload.pk}/mapping/")
    assert b"No outcome column was found" in page.content
    assert b"No column looks like a rating of a moment" in page.content
    form = page_form(page.content)

    response = client.post(f"/uploads/{upload.pk}/mapping/", form)  # the proposal alone
    assert "&#x27;outcome&#x27; is required" in response.content.decode()
    form["outcome"] = "6"  # "Finished"
    form["outcome_type"] = "numeric"
    response = client.post(f"/uploads/{upload.pk}/mapping/", form)
    assert "No column is mapped to a moment" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PENDING_MAPPING and Response.objects.count() == 0

    form["without_moments"] = "on"
    upload = confirm_and_import(client, upload, form)
    assert upload.status == UploadStatus.DONE and upload.rows_imported == 1  # the file's one response
    assert "no column was mapped to a moment" in upload.message
