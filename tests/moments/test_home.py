import numpy as np
import pytest

from surveys.models import Response
from tests.factories import JourneyFactory, MomentFactory, SurveyFactory, wave_with_responses

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_home_lists_only_the_journeys_of_the_users_organisations_with_counts(
    client, analyst, organisation, other_organisation
):
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    MomentFactory(journey=journey, name="Order", slug="order")
    MomentFactory(journey=journey, name="Installation", slug="installation")
    ratings = np.array([[50.0, np.nan]])
    wave_with_responses(journey, "2026 Q1", ["order", "installation"], ratings, np.array([9.0]), prefix="r")
    JourneyFactory(organisation=other_organisation, name="Secret mobile journey", slug="mobile")

    client.force_login(analyst)
    response = client.get("/")

    assert response.status_code == 200
    journeys = list(response.context["journeys"])
    assert [j.name for j in journeys] == ["Broadband"]
    assert (journeys[0].moment_count, journeys[0].wave_count, journeys[0].respondent_count) == (2, 1, 1)
    assert b"Secret mobile journey" not in response.content


def test_ratings_round_trip_as_one_array_per_response_with_nulls(organisation):
    survey = SurveyFactory(journey__organisation=organisation, name="2026 Q1")
    # row by row on purpose: the array field itself is under test
    Response.objects.create(survey=survey, respondent_id="r1", outcomes=[9], ratings=[12.5, None, 100.0])
    assert Response.objects.get().ratings == [12.5, None, 100.0]
