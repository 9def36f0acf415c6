"""Survey weights end to end: a weight column through import_responses, stored per response, loaded by the
ratings loader (PostgreSQL COPY and generic paths), used by the analysis and shown on the dashboard and the API."""

import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from journeys.models import Journey
from moments.selectors import journey_ratings_frame
from moments.selectors.ratings import _ratings_generic
from moments.services import analysis_request, analysis_run_compute
from surveys.models import Response, Survey, Upload
from tests.surveys.helpers import mapping_file, report_text

pytestmark = pytest.mark.django_db

MAPPING = {
    "respondent_id": "rid",
    "outcome": "ltr",
    "outcome_type": "nps",
    "scale": [1, 5],
    "moments": {"Ordering": "m1", "Installation": "m2", "Billing": "m3"},
}


@pytest.fixture(autouse=True)
def _small_bootstrap(settings):
    settings.MOMENTUM_BOOTSTRAP = 20


def wave_csv(path, rows: int, *, seed: int, weights: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "rid": [f"R{i:05d}" for i in range(rows)],
            "ltr": rng.integers(0, 11, rows),
            "m1": rng.integers(1, 6, rows),
            "m2": rng.integers(1, 6, rows),
            "m3": rng.integers(1, 6, rows),
        }
    )
    if weights:
        frame["w"] = rng.choice([0.25, 0.5, 1.0, 2.0, 3.75], rows)
    frame.to_csv(path, index=False)
    return frame


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_responses", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def weighted_nps(ltr: np.ndarray, w: np.ndarray) -> float:
    """By hand: (sum of the promoters' weights - sum of the detractors' weights) / total weight x 100."""
    return 100 * (w[ltr >= 9].sum() - w[ltr <= 6].sum()) / w.sum()


def kish(w: np.ndarray) -> float:
    return w.sum() ** 2 / (w**2).sum()


def import_wave(tmp_path, frame_seed: int, *, journey="broadband", survey="W1", weights=True, extra=()):
    path = tmp_path / f"wave{frame_seed}.csv"
    frame = wave_csv(path, 400, seed=frame_seed, weights=weights)
    mapping = mapping_file(tmp_path, {**MAPPING, "weight": "w"} if weights else MAPPING, f"map{frame_seed}.json")
    out = run(path, "--journey", journey, "--survey", survey, "--mapping", mapping, *extra)
    return frame, out


def analysed(journey: Journey):
    run_ = analysis_request(journey=journey, enqueue=False)
    return analysis_run_compute(run_id=run_.pk)


def test_weights_are_stored_used_and_shown(tmp_path, organisation, analyst, client):
    frame, _ = import_wave(tmp_path, 1)
    survey = Survey.objects.get(journey__slug="broadband", name="W1")
    stored = dict(Response.objects.filter(survey=survey).values_list("respondent_id", "weight"))
    assert stored == dict(zip(frame["rid"], frame["w"], strict=True))
    assert survey.mapping["weight"] == "w"  # saved for the next wave's mapping page

    journey = survey.journey
    done = analysed(journey)
    ltr, w = frame["ltr"].to_numpy(), frame["w"].to_numpy()
    assert done.summary["weighted"] is True
    assert done.summary["outcome"] == pytest.approx(weighted_nps(ltr, w), abs=1e-9)
    assert done.summary["outcome"] != pytest.approx(100 * ((ltr >= 9).mean() - (ltr <= 6).mean()), abs=1e-6)
    assert done.summary["n_effective"] == pytest.approx(kish(w))
    assert done.summary["weight_note"] == ""

    client.force_login(analyst)
    page = client.get(reverse("moments:dashboard", kwargs={"journey_id": journey.pk})).content.decode()
    assert f"weighted, effective n = {kish(w):,.0f}" in page
    api = client.get(f"/api/journeys/{journey.pk}/analysis/")
    assert api.status_code == 200
    summary = api.json()["summary"]
    assert summary["weighted"] is True
    assert summary["effective_n"] == pytest.approx(kish(w))
    assert summary["nps"] == pytest.approx(weighted_nps(ltr, w))
    moment = journey.moments.order_by("position").first()
    detail = client.get(reverse("moments:moment_detail", kwargs={"journey_id": journey.pk, "moment_id": moment.pk}))
    assert "the charts below count each respondent once" in detail.content.decode()  # said, not left to guess

    # a re-import of the wave with other weights updates them and is not answered by the stale run
    other, out = import_wave(tmp_path, 2)
    assert "400 imported (0 new, 400 updated)" in out
    stored = dict(Response.objects.filter(survey=survey).values_list("respondent_id", "weight"))
    assert stored == dict(zip(other["rid"], other["w"], strict=True))
    again = analysed(journey)
    assert again.pk != done.pk
    assert again.summary["outcome"] == pytest.approx(weighted_nps(other["ltr"].to_numpy(), other["w"].to_numpy()))


def test_an_unweighted_import_shows_no_weighted(tmp_path, organisation, analyst, client):
    frame, _ = import_wave(tmp_path, 3, weights=False)
    survey = Survey.objects.get(name="W1")
    assert not Response.objects.filter(survey=survey, weight__isnull=False).exists()
    done = analysed(survey.journey)
    ltr = frame["ltr"].to_numpy()
    assert done.summary["weighted"] is False
    assert done.summary["outcome"] == pytest.approx(100 * ((ltr >= 9).mean() - (ltr <= 6).mean()))

    client.force_login(analyst)
    page = client.get(reverse("moments:dashboard", kwargs={"journey_id": survey.journey.pk})).content.decode()
    assert "effective n" not in page and "weighted," not in page
    moment = survey.journey.moments.order_by("position").first()
    detail = client.get(
        reverse("moments:moment_detail", kwargs={"journey_id": survey.journey.pk, "moment_id": moment.pk})
    )
    assert "count each respondent once" not in detail.content.decode()
    summary = client.get(f"/api/journeys/{survey.journey.pk}/analysis/").json()["summary"]
    assert summary["weighted"] is False
    assert summary["effective_n"] == 400


def test_a_bad_weight_refuses_a_strict_import_and_is_skipped_otherwise(tmp_path, organisation):
    path = tmp_path / "bad.csv"
    frame = wave_csv(path, 50, seed=4)
    frame["w"] = frame["w"].astype(object)
    frame.loc[7, "w"] = "0"  # line 9
    frame.loc[20, "w"] = "n/a"  # line 22
    frame.to_csv(path, index=False)
    mapping = mapping_file(tmp_path, {**MAPPING, "weight": "w"})
    args = (path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)

    err = io.StringIO()
    with pytest.raises(CommandError, match="2 rows have errors; nothing was imported"):
        call_command("import_responses", *map(str, args), stdout=io.StringIO(), stderr=err)
    assert "line 9, column w: weight must be > 0" in err.getvalue()
    assert "line 22, column w: weight is not a number" in err.getvalue()
    assert not Response.objects.exists()

    out = run(*args, "--skip-invalid")
    assert "48 imported (48 new, 0 updated), 2 with errors" in out
    assert Response.objects.filter(weight__isnull=True).count() == 0
    upload = Upload.objects.get()
    assert "9,w,0,weight must be > 0" in report_text(upload)
    assert "22,w,n/a,weight is not a number" in report_text(upload)


def test_the_loader_returns_weights_on_both_paths_and_fills_a_mixed_wave_with_one(tmp_path, organisation):
    first, _ = import_wave(tmp_path, 5, survey="W1")
    second, _ = import_wave(tmp_path, 6, survey="W2", weights=False)
    journey = Journey.objects.get(slug="broadband")
    w1, w2 = (Survey.objects.get(name=n) for n in ("W1", "W2"))

    only_first = journey_ratings_frame(journey=journey, survey_ids=[w1.pk])
    by_id = dict(Response.objects.filter(survey=w1).values_list("pk", "weight"))
    ids = np.array(sorted(by_id))
    np.testing.assert_array_equal(only_first.weight, [by_id[i] for i in ids])
    assert only_first.weight_note == ""
    assert journey_ratings_frame(journey=journey, survey_ids=[w2.pk]).weight is None

    both = journey_ratings_frame(journey=journey, survey_ids=[w1.pk, w2.pk])
    assert both.weight.tolist() == first["w"].tolist() + [1.0] * 400
    assert "400 of 800 responses carry no survey weight" in both.weight_note
    generic = _ratings_generic([w1, w2], list(journey.moments.order_by("position", "name", "pk")), {}, with_ids=False)
    np.testing.assert_array_equal(np.nan_to_num(generic["weight"], nan=1.0), both.weight)
    assert _ratings_generic([w2], list(journey.moments.all()), {}, with_ids=False)["weight"] is None

    done = analysed(journey)
    assert done.summary["weighted"] is True
    assert "400 of 800" in done.summary["weight_note"]
    ltr = np.concatenate([first["ltr"], second["ltr"]])
    assert done.summary["outcome"] == pytest.approx(weighted_nps(ltr, both.weight))
