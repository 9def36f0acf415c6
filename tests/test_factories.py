"""The factories make valid rows: through the product's services, readable by its selectors."""

import numpy as np
import pytest

from cxapp.models import Membership
from moments.models import RunStatus
from moments.selectors import journey_ratings_frame
from tests.conftest import PASSWORD
from tests.factories import (
    PLANTED_MOMENTS,
    AnalysisRunFactory,
    JourneyFactory,
    MomentFactory,
    SurveyFactory,
    UploadFactory,
    journey_with_moments,
    journey_with_planted_quadrants,
    persona_make,
    random_wave_data,
    run_compute,
    wave_with_responses,
)

pytestmark = pytest.mark.django_db


def test_journeys_and_moments_get_their_slugs_from_the_slug_rule():
    journey = JourneyFactory(name="Broadband Q1")
    other = JourneyFactory(organisation=journey.organisation, name="Broadband q1!")  # another name, the same slug
    first = MomentFactory(journey=journey, name="Order online")
    second = MomentFactory(journey=journey, name="Order online?")

    assert (journey.slug, other.slug) == ("broadband-q1", "broadband-q1-2")
    assert (first.slug, second.slug) == ("order-online", "order-online-2")
    assert (first.position, second.position) == (1, 2)  # at the end of the journey


def test_a_planted_id_is_the_rows_id():
    journey = JourneyFactory(pk=910_001)
    moment = MomentFactory(pk=910_011, journey=journey)

    assert journey.pk == 910_001
    assert journey.moments.get().pk == moment.pk == 910_011


def test_a_persona_is_a_member_with_the_suites_password(organisation):
    alice = persona_make("alice", organisation=organisation, role="analyst")

    assert alice.check_password(PASSWORD)
    assert alice.email == "alice@example.com"
    assert Membership.objects.get(user=alice).role == "analyst"
    assert Membership.objects.get(user=alice).organisation == organisation


def test_a_wave_with_responses_reads_back_with_its_shape_and_outcomes(organisation):
    journey = journey_with_moments(organisation, ["order", "install", "bill"])
    ratings, ltr = random_wave_data(np.random.default_rng(3), 50, 3)

    survey = wave_with_responses(journey, "Q1", ["order", "install", "bill"], ratings, ltr)

    frame = journey_ratings_frame(journey=journey, with_ids=True)
    assert survey.data_version == 1  # bumped like an import
    assert frame.ratings.shape == (50, 3)
    assert [m.slug for m in frame.moments] == ["order", "install", "bill"]
    order = np.argsort(frame.respondent_id)  # respondents Q1-00000, Q1-00001...
    np.testing.assert_array_equal(frame.outcome[order], ltr)
    np.testing.assert_allclose(frame.ratings[order], ratings, atol=1e-4)  # stored as real (float32)
    assert set(frame.survey_id) == {survey.pk}


def test_the_columns_follow_the_slugs_given_not_the_journeys_order(organisation):
    journey = journey_with_moments(organisation, ["order", "install"])
    ratings = np.array([[10.0, 90.0], [20.0, np.nan]])

    wave_with_responses(journey, "Q1", ["install", "order"], ratings, np.array([9.0, 3.0]))

    frame = journey_ratings_frame(journey=journey)
    rows = sorted(map(tuple, frame.ratings.tolist()), key=lambda row: row[1])
    np.testing.assert_allclose(rows, [[90.0, 10.0], [np.nan, 20.0]])


def test_the_planted_journey_has_its_quadrants_wave_and_segments(organisation):
    journey = journey_with_planted_quadrants(organisation, n=80)

    frame = journey_ratings_frame(journey=journey, with_ids=True)
    assert [m.slug for m in frame.moments] == ["welcome-pack", "installation", "billing", "app-login"]  # by position
    assert list(journey.moments.filter(is_brand_moment=True).values_list("slug", flat=True)) == ["installation"]
    assert frame.ratings.shape == (80, len(PLANTED_MOMENTS))
    assert set(frame.segments["region"]) == {"North", "South"}
    assert ((frame.outcome >= 0) & (frame.outcome <= 10)).all()
    assert journey.surveys.get().name == "Wave 1"


def test_an_upload_writes_its_file_and_a_run_row_computes(organisation, tmp_path, settings):
    settings.UPLOAD_ROOT = tmp_path
    journey = journey_with_moments(organisation, ["order", "install"])
    ratings, ltr = random_wave_data(np.random.default_rng(1), 40, 2, reach=1.0)
    survey = wave_with_responses(journey, "Q1", ["order", "install"], ratings, ltr)

    upload = UploadFactory(survey=survey, content=b"id,nps\n1,9\n")
    run = AnalysisRunFactory(journey=journey, surveys=[survey])

    assert upload.organisation == organisation
    assert (tmp_path / upload.file_path).read_bytes() == b"id,nps\n1,9\n"
    assert upload.size_bytes == 11
    assert list(run.surveys.all()) == [survey]
    assert run.status == RunStatus.QUEUED


def test_run_compute_finishes_a_run(organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 20
    journey = journey_with_planted_quadrants(organisation, n=120)

    run = run_compute(journey)

    assert run.status == RunStatus.DONE, run.message
    assert run.results.count() == len(PLANTED_MOMENTS)


def test_an_empty_wave_has_no_responses():
    survey = SurveyFactory()

    assert survey.responses.count() == 0
    assert survey.data_version == 0
