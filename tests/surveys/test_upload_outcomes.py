"""Issue 11 through the real pages and the real worker: one file with an NPS question and a yes/no retention
question is mapped on the page (the proposal finds both), imported once by the worker, and both outcomes are
stored per response and loaded by name; the next wave is proposed the saved outcomes, a type conflict across
waves is refused on the page, and the old single-outcome mapping still imports as before (also by the API)."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from moments.selectors import journey_ratings_frame
from surveys.models import Response, Survey, Upload, UploadStatus
from surveys.outcomes import Outcome
from surveys.selectors import journey_outcomes
from tests.factories import JourneyFactory
from tests.surveys.helpers import report_text
from tests.surveys.test_upload_mapping_page import page_form

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LTR = "How likely are you to recommend us to a friend? (0-10)"
STAY = "Will you stay with us next year?"


def wave_csv(seed: int, n: int = 300) -> tuple[bytes, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ltr = rng.integers(0, 11, n).astype(object)
    stay = rng.choice(["Yes", "No"], n, p=[0.7, 0.3]).astype(object)
    ltr[rng.random(n) < 0.05] = ""  # some skipped the NPS question, some the retention question
    stay[rng.random(n) < 0.05] = ""
    stay[0], ltr[0] = "Yes", ""  # line 2: no NPS, but a retention answer: kept
    frame = pd.DataFrame(
        {
            "Respondent ID": [f"R{seed}-{i:04d}" for i in range(n)],
            LTR: ltr,
            STAY: stay,
            "Ordering (1-5)": rng.integers(1, 6, n),
            "Installation (1-5)": rng.integers(1, 6, n),
            "Region": rng.choice(["North", "South"], n),
        }
    )
    frame.loc[5, [LTR, STAY]] = ""  # line 7: neither outcome answered: a row error ("missing outcome")
    return frame.to_csv(index=False).encode(), frame


def upload_file(client, journey, content: bytes, name: str, wave: str) -> Upload:
    response = client.post(
        "/uploads/new/", {"journey": journey.pk, "survey": wave, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302, response.content[:2000]
    return wait_read(Upload.objects.get(original_name=name))


def wait_read(upload: Upload, timeout: float = 60) -> Upload:
    """The live worker reads a new upload's file first (in its child process); the mapping page follows."""
    deadline = time.monotonic() + timeout
    while not (upload := Upload.objects.get(pk=upload.pk)).is_read and upload.status != "failed":
        assert time.monotonic() < deadline, upload.message
        time.sleep(0.1)
    return upload


def wait_done(upload: Upload, timeout: float = 90) -> Upload:
    deadline = time.monotonic() + timeout
    while (upload := Upload.objects.get(pk=upload.pk)).status in ("queued", "running"):
        assert time.monotonic() < deadline, upload.message
        time.sleep(0.1)
    return upload


def expected(frame: pd.DataFrame, column: str, kind: str) -> dict[str, float | None]:
    values = frame[column].replace("", np.nan)
    if kind == "binary":
        values = values.map({"Yes": 1.0, "No": 0.0})
    return {rid: (None if pd.isna(v) else float(v)) for rid, v in zip(frame["Respondent ID"], values, strict=True)}


@pytest.fixture
def journey(organisation):
    return JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")


def test_nps_and_retention_from_one_file_through_the_page_and_the_worker(client, analyst, journey, celery_worker):
    client.force_login(analyst)
    content, frame = wave_csv(1)
    upload = upload_file(client, journey, content, "w1.csv", "W1")
    page = client.get(f"/uploads/{upload.pk}/mapping/")
    form = page_form(page.content)
    columns = list(frame.columns)
    # the proposal: NPS first, Retention beside it, two blank rows to add more
    assert (form["outcome"], form["outcome_type"], form["outcome_name"]) == (str(columns.index(LTR)), "nps", "NPS")
    assert (form["outcome-column-1"], form["outcome-name-1"], form["outcome-type-1"], form["outcome-positive-1"]) == (
        str(columns.index(STAY)), "Retention", "binary", "Yes",
    )  # fmt: skip
    assert form["outcome-column-2"] == form["outcome-column-3"] == "" and form["outcome_rows"] == "4"
    assert form["skip_invalid"] == "on"  # a row answering no outcome is reported, the others import

    response = client.post(f"/uploads/{upload.pk}/mapping/", form)
    assert response.status_code == 302, response.content[:3000]
    upload = wait_done(upload)

    assert upload.status == UploadStatus.DONE, upload.message
    assert upload.attempts == 1  # imported once
    assert (upload.rows_total, upload.rows_imported, upload.rows_invalid) == (300, 299, 1)
    assert "7,Will you stay with us next year?,,missing outcome" in report_text(upload)
    wave = Survey.objects.get(journey=journey, name="W1")
    assert wave.outcomes == [
        {"name": "NPS", "type": "nps", "positive": [], "unit": ""},
        {"name": "Retention", "type": "binary", "positive": ["Yes"], "unit": ""},
    ]
    assert wave.mapping["outcome"] == LTR  # the first outcome stays the mapping's single one
    assert wave.mapping["outcomes"] == {"Retention": {"column": STAY, "type": "binary", "positive": ["Yes"]}}
    stored = dict(Response.objects.filter(survey=wave).values_list("respondent_id", "outcomes"))
    assert len(stored) == 299
    kept = frame.drop(index=5)
    nps, stay = expected(kept, LTR, "nps"), expected(kept, STAY, "binary")
    assert stored == {rid: [nps[rid], stay[rid]] for rid in kept["Respondent ID"]}
    assert stored["R1-0000"] == [None, 1.0]

    assert [o.name for o in journey_outcomes(journey=journey)] == ["NPS", "Retention"]
    retention = journey_ratings_frame(journey=journey, outcome="Retention", with_ids=True)
    assert retention.outcome_type == "binary"
    got = dict(zip(retention.respondent_id, retention.outcome, strict=True))
    assert np.nanmean(list(got.values())) == pytest.approx(np.nanmean([v for v in stay.values() if v is not None]))

    detail = client.get(f"/uploads/{upload.pk}/").content.decode()
    assert "<strong>NPS</strong>" in detail and "<strong>Retention</strong>" in detail and "positive: Yes" in detail

    # the next wave: the saved mapping (both outcomes) is proposed; mapping its retention as a number is refused
    content2, frame2 = wave_csv(2)
    second = upload_file(client, journey, content2, "w2.csv", "W2")
    assert second.mapping["outcomes"] == wave.mapping["outcomes"]
    form = page_form(client.get(f"/uploads/{second.pk}/mapping/").content)
    assert form["outcome-name-1"] == "Retention"
    form["outcome-type-1"] = "numeric"
    refused = client.post(f"/uploads/{second.pk}/mapping/", form).content.decode()
    assert "Outcome type conflict: the outcome “Retention” is numeric in this file but binary" in refused
    second.refresh_from_db()
    assert second.status == UploadStatus.PENDING_MAPPING
    assert not Survey.objects.filter(journey=journey, name="W2").exists()
    # given its own name (and the wave's first outcome renamed too) it imports beside the others
    form["outcome-name-1"], form["outcome_name"] = "Stay intent", "Recommend"
    form["outcome-type-1"] = "binary"
    assert client.post(f"/uploads/{second.pk}/mapping/", form).status_code == 302
    second = wait_done(second)
    assert second.status == UploadStatus.DONE, second.message
    w2 = Survey.objects.get(journey=journey, name="W2")
    assert [(o["name"], o["type"]) for o in w2.outcomes] == [("Recommend", "nps"), ("Stay intent", "binary")]
    assert not w2.mapping["outcome"] and list(w2.mapping["outcomes"]) == ["Recommend", "Stay intent"]
    assert [o.name for o in journey_outcomes(journey=journey)] == ["NPS", "Retention", "Recommend", "Stay intent"]
    # W2 has no outcome named NPS: its respondents read as missing there
    primary = journey_ratings_frame(journey=journey, with_ids=True)
    in_w2 = np.array([rid.startswith("R2-") for rid in primary.respondent_id])
    assert in_w2.sum() == 299 and np.isnan(primary.outcome[in_w2]).all()


def test_the_old_single_outcome_mapping_imports_unchanged_and_the_api_takes_outcomes(analyst, journey, tmp_path,
                                                                                     celery_worker):  # fmt: skip
    content, frame = wave_csv(3)
    path = tmp_path / "w.csv"
    path.write_bytes(content)
    api = APIClient()
    api.force_authenticate(analyst)
    old = {"respondent_id": "Respondent ID", "outcome": LTR, "outcome_type": "nps", "scale": [1, 5],
           "moments": {"Ordering": "Ordering (1-5)"}}  # fmt: skip
    several = {**old, "outcomes": {"Retention": {"column": STAY, "type": "binary", "positive": ["Yes"]}}}
    bodies = {}
    for wave, mapping in (("Old", old), ("Several", several)):
        with open(path, "rb") as fh:
            response = api.post(
                "/api/uploads/",
                {"file": fh, "journey": "broadband", "survey": wave, "mapping": json.dumps(mapping),
                 "skip_invalid": "true"},
                format="multipart",
            )  # fmt: skip
        assert response.status_code == 202, response.content
        wait_done(Upload.objects.get(pk=response.json()["id"]))
        bodies[wave] = api.get(response.json()["url"]).json()
        assert bodies[wave]["status"] == "done", bodies[wave]["message"]

    assert bodies["Old"]["outcomes"] == [{"name": "NPS", "column": LTR, "type": "nps", "positive": []}]
    assert [o["name"] for o in bodies["Several"]["outcomes"]] == ["NPS", "Retention"]
    old_wave = Survey.objects.get(name="Old")
    assert old_wave.outcome_list == [Outcome("NPS")]
    assert "outcomes" not in old_wave.mapping and old_wave.mapping["outcome"] == LTR
    # the old mapping needs its NPS answered: a row without it is refused, as before several outcomes
    nps = expected(frame, LTR, "nps")
    stored = dict(Response.objects.filter(survey=old_wave).values_list("respondent_id", "outcomes"))
    assert stored == {rid: [v] for rid, v in nps.items() if v is not None}
    several_wave = Survey.objects.get(name="Several")
    assert Response.objects.filter(survey=several_wave).count() == 299
    surveys = api.get("/api/surveys/").json()
    by_name = {s["name"]: s for s in surveys["results"]} if "results" in surveys else {s["name"]: s for s in surveys}
    assert by_name["Several"]["outcome_type"] == "nps"
    assert [o["name"] for o in by_name["Several"]["outcomes"]] == ["NPS", "Retention"]
