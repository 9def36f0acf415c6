"""The dashboard's trust on ordinary data (issue 17, issue 10 item 8): the default view is the latest wave with
results and the same for pages, API and CLI; a run that cannot produce results says why; an empty selection is
refused; one bad field keeps the others; segments take several values; exports are named after their view; a
comparison states the outcome's change; and the home page and the moment trend take a fixed number of queries."""

import io

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moments import services
from moments.models import AnalysisRun, RunStatus
from moments.selectors import moment_detail_data
from tests.api.conftest import api_client
from tests.factories import (
    JourneyFactory,
    SurveyFactory,
    UploadFactory,
    journey_with_moments,
    random_wave_data,
    wave_with_responses,
)

pytestmark = pytest.mark.django_db

SLUGS = ["web-order", "installation", "first-bill"]


@pytest.fixture(autouse=True)
def _small(settings):
    settings.MOMENTUM_BOOTSTRAP = 20
    settings.MOMENTUM_MIN_SAMPLE = 30


def _waves(journey, names, *, n=300, seed=3):
    rng = np.random.default_rng(seed)
    surveys = []
    for name in names:
        ratings, ltr = random_wave_data(rng, n, len(SLUGS))
        segments = pd.DataFrame({"region": rng.choice(["North", "South"], n)})
        surveys.append(wave_with_responses(journey, name, SLUGS, ratings, ltr, segments=segments))
    return surveys


def compute(journey, **params):
    run = services.analysis_request(journey=journey, enqueue=False, **params)
    return services.analysis_run_compute(run_id=run.pk)


@pytest.fixture
def journey(organisation, manager):
    """Two healthy waves and a third left empty by a refused strict upload; the default view computed."""
    journey = journey_with_moments(organisation, SLUGS)
    q1, q2 = _waves(journey, ["2026 Q1", "2026 Q2"])
    empty = SurveyFactory(journey=journey, name="2026 Q3")
    UploadFactory(
        organisation=organisation,
        journey=journey,
        survey_name=empty.name,
        survey=empty,
        file_path="x.csv",
        original_name="q3.csv",
        status="failed",
    )
    journey.q1, journey.q2, journey.empty = q1, q2, empty
    journey.default_run = compute(journey, survey_ids=[q2.pk])
    return journey


def _dashboard(journey, query=""):
    return reverse("moments:dashboard", args=[journey.pk]) + (f"?{query}" if query else "")


def test_the_dashboard_opens_on_the_latest_wave_with_results_and_says_why_another_is_empty(client, manager, journey):
    client.force_login(manager)
    response = client.get(_dashboard(journey))
    assert response.context["run"] == journey.default_run and journey.default_run.status == RunStatus.DONE
    html = response.content.decode()
    assert "js-run-progress" not in html
    assert "no responses: its upload failed" in html
    assert "the latest wave with responses" in html
    assert AnalysisRun.objects.count() == 1  # nothing queued for the empty wave


def test_pages_api_and_cli_open_the_same_view(client, manager, journey):
    client.force_login(manager)
    page_run = client.get(_dashboard(journey)).context["run"]
    api = api_client(manager).get(f"/api/journeys/{journey.pk}/analysis/")
    assert api.status_code == 200 and api.json()["run"]["id"] == page_run.pk
    call_command("analyse", "--journey", journey.slug, stdout=io.StringIO(), stderr=io.StringIO())
    assert AnalysisRun.objects.count() == 1  # the CLI found the same run


def test_an_empty_wave_selection_is_refused_with_a_message(client, manager, journey):
    client.force_login(manager)
    response = client.get(_dashboard(journey, "wave=&method=correlation"))
    assert response.context["run"] is None
    html = response.content.decode()
    assert "Choose at least one wave." in html and "No wave is chosen" in html
    assert f'name="wave" value="{journey.q2.pk}" checked' not in html  # the boxes stay as the user left them
    assert AnalysisRun.objects.count() == 1


def test_one_bad_field_is_reported_and_keeps_the_other_filters(client, manager, journey):
    client.force_login(manager)
    response = client.get(_dashboard(journey, f"wave={journey.q1.pk}&segment.region=North&method=bogus"))
    state = response.context["state"]
    assert state.filter.survey_ids == (journey.q1.pk,)
    assert state.filter.segment_filter == {"region": ["North"]}
    assert "method" in state.errors
    assert "the other filters are kept" in response.content.decode()
    run = AnalysisRun.objects.exclude(pk=journey.default_run.pk).get()
    assert list(run.surveys.all()) == [journey.q1] and run.segment_filter == {"region": ["North"]}


def test_a_segment_takes_several_values_and_the_old_spelling_still_works(client, manager, journey):
    client.force_login(manager)
    wave = journey.q2.pk
    response = client.get(_dashboard(journey, f"wave={wave}&segment.region=North&segment.region=South"))
    html = response.content.decode()
    assert (
        'name="segment.region" value="North" checked' in html and 'name="segment.region" value="South" checked' in html
    )
    run = AnalysisRun.objects.exclude(pk=journey.default_run.pk).get()
    assert run.segment_filter == {"region": ["North", "South"]}
    old = client.get(_dashboard(journey, f"wave={wave}&seg_region=South")).context["state"]
    assert old.filter.segment_filter == {"region": ["South"]} and not old.errors


def test_export_file_names_carry_the_filter(client, manager, journey):
    client.force_login(manager)
    compute(journey, survey_ids=[journey.q2.pk], segment_filter={"region": ["North"]})
    url = reverse("moments:export", args=[journey.pk, "csv"])
    plain = client.get(url)
    north = client.get(f"{url}?wave={journey.q2.pk}&segment.region=North")
    assert plain["Content-Disposition"] == 'attachment; filename="broadband-priorities-2026-q2-nps.csv"'
    assert north["Content-Disposition"] == 'attachment; filename="broadband-priorities-2026-q2-nps-region-north.csv"'


def test_exporting_a_journey_without_waves_says_there_are_none(client, manager, organisation):
    journey = journey_with_moments(organisation, SLUGS, slug="mobile")
    client.force_login(manager)
    page = client.get(reverse("moments:export", args=[journey.pk, "csv"]))
    assert page.status_code == 409 and "no waves yet" in page.content.decode()
    api = api_client(manager).get(f"/api/journeys/{journey.pk}/priorities/?export=csv")
    assert api.status_code == 409 and "no waves yet" in api.json()["detail"]
    assert not AnalysisRun.objects.filter(journey=journey).exists()


def test_a_comparison_states_the_outcome_change_with_its_interval(client, manager, journey):
    before = compute(journey, survey_ids=[journey.q1.pk])
    client.force_login(manager)
    response = client.get(_dashboard(journey, f"wave={journey.q2.pk}&compare={journey.q1.pk}"))
    change = response.context["outcome_change"]
    nps_before, nps_after = before.summary["outcome"], journey.default_run.summary["outcome"]
    assert change["before"] == pytest.approx(nps_before) and change["after"] == pytest.approx(nps_after)
    assert change["change"] == pytest.approx(nps_after - nps_before)
    assert change["change_low"] < change["change"] < change["change_high"]
    # Two independent samples of 300: the interval is about +-2 x 100 sqrt(V1/300 + V0/300), some 10-20 points.
    assert 5 < change["change_high"] - change["change"] < 30
    html = response.content.decode()
    assert "change " in html and "95% interval" in html and "(2026 Q1)" in html


@pytest.mark.django_db(transaction=True)
def test_a_run_that_cannot_produce_results_shows_its_message_at_once(client, manager, organisation, monkeypatch):
    """Eager Celery (the embedded demo) computes the run when the request commits: the page must show how it ended,
    not "Queued" with a poll that reloads into a new failed run every second."""
    monkeypatch.setattr(
        "moments.services.job_enqueue_on_commit",
        lambda kind, run_id: transaction.on_commit(lambda: services.analysis_run_compute(run_id=run_id)),
    )
    journey = journey_with_moments(organisation, SLUGS)
    (wave,) = _waves(journey, ["W1"], n=60)
    client.force_login(manager)
    html = client.get(_dashboard(journey, f"wave={wave.pk}&segment.region=Atlantis")).content.decode()
    assert "js-run-progress" not in html
    assert "The analysis failed" in html and "No responses with an outcome" in html
    assert AnalysisRun.objects.get().status == RunStatus.FAILED


def test_a_journey_without_moments_says_so_without_queuing_a_run(client, manager, organisation):
    journey = JourneyFactory(organisation=organisation, name="No moments", slug="no-moments")
    wave_with_responses(journey, "W1", [], np.empty((1, 0)), np.array([9.0]), respondent_id=np.array(["r1"]))
    client.force_login(manager)
    html = client.get(_dashboard(journey)).content.decode()
    assert "js-run-progress" not in html and "This journey has no moments yet" in html
    api = api_client(manager).get(f"/api/journeys/{journey.pk}/analysis/")
    assert api.status_code == 409 and "no moments" in api.json()["detail"]
    assert not AnalysisRun.objects.exists()


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_the_home_page_takes_the_same_queries_for_one_journey_or_four(client, manager, organisation):
    client.force_login(manager)
    for i in range(4):
        journey = journey_with_moments(organisation, SLUGS, slug=f"journey-{i}")
        (wave,) = _waves(journey, ["W1"], n=60, seed=i)
        compute(journey, survey_ids=[wave.pk])
        if i == 0:
            one = _home_queries(client)
    four = _home_queries(client)
    assert four == one
    cards = client.get("/").context["journeys"]
    assert all(card.latest["top"] is not None for card in cards)


def test_the_moment_trend_takes_the_same_queries_for_two_waves_or_five(manager, organisation):
    journey = journey_with_moments(organisation, SLUGS)
    waves = _waves(journey, ["W1", "W2"], n=60)
    for wave in waves:
        compute(journey, survey_ids=[wave.pk])
    moment = journey.moments.get(slug="installation")

    def queries() -> int:
        # Warm: each wave's segment values are scanned once per import, then cached (``segment_values``).
        moment_detail_data(journey=journey, moment=moment)
        with CaptureQueriesContext(connection) as captured:
            data = moment_detail_data(journey=journey, moment=moment)
        assert data["trend"]["quadrant"].notna().all()
        return len(captured)

    two = queries()
    for wave in _waves(journey, ["W3", "W4", "W5"], n=60, seed=9):
        compute(journey, survey_ids=[wave.pk])
    assert queries() == two


def test_the_moment_page_reads_the_ratings_once(client, manager, journey, monkeypatch):
    from moments.selectors import detail

    calls = []
    original = detail.journey_ratings_frame
    monkeypatch.setattr(detail, "journey_ratings_frame", lambda **kw: calls.append(kw) or original(**kw))
    moment = journey.moments.get(slug="installation")
    client.force_login(manager)
    url = reverse("moments:moment_detail", args=[journey.pk, moment.pk]) + f"?wave={journey.q2.pk}"
    response = client.get(url)
    assert response.status_code == 200 and "trend" in response.context["figures"]
    assert len(calls) == 1
    trend = response.context["detail"]["trend"]
    assert trend["survey"].tolist() == ["2026 Q1", "2026 Q2", "2026 Q3"]  # every wave, whatever is chosen


def test_the_run_asked_after_an_import_is_the_view_a_user_opens_first(client, manager, journey):
    from pipeline.services import _analysis_request_default

    AnalysisRun.objects.all().delete()
    _analysis_request_default(journey=journey, user=None)
    queued = AnalysisRun.objects.get()
    assert list(queued.surveys.all()) == [journey.q2]  # the latest wave with responses, not every wave
    services.analysis_run_compute(run_id=queued.pk)
    client.force_login(manager)
    assert client.get(_dashboard(journey)).context["run"].pk == queued.pk


def test_choosing_only_an_empty_wave_says_why_without_queuing_a_run(client, manager, journey):
    client.force_login(manager)
    response = client.get(_dashboard(journey, f"wave={journey.empty.pk}"))
    assert "2026 Q3: no responses: its upload failed" in response.content.decode()
    api = api_client(manager).get(f"/api/journeys/{journey.pk}/analysis/?wave={journey.empty.pk}")
    assert api.status_code == 409 and "its upload failed" in api.json()["detail"]
    assert AnalysisRun.objects.count() == 1  # only the fixture's run: nothing that could only fail
