"""responses_store on its own: it opens its own transaction, so a caller without one (a script, a shell) works."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from django.db import connection, transaction

from journeys.models import Moment
from surveys import services
from surveys.models import Response, Survey
from surveys.outcomes import Outcome
from tests.factories import JourneyFactory


@pytest.fixture
def survey(organisation):
    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    return services.survey_get_or_create(journey=journey, name="W1")


def _store(survey, ids):
    moment = Moment.objects.get_or_create(journey=survey.journey, slug="billing", defaults={"name": "Billing"})[0]
    return services.responses_store(
        survey=survey,
        moments=[moment],
        respondent_id=np.array(ids, dtype=object),
        outcome=np.full(len(ids), 9.0),
        ratings=np.full((len(ids), 1), 75.0),
    )


@pytest.mark.django_db(transaction=True)
def test_it_works_outside_a_transaction(survey):
    assert not connection.in_atomic_block  # autocommit: the staging table is dropped on commit

    assert _store(survey, ["a", "b"]) == services.StoreCounts(created=2, updated=0)
    assert _store(survey, ["b", "c"]) == services.StoreCounts(created=1, updated=1)
    assert Response.objects.filter(survey=survey).count() == 3


@pytest.mark.django_db(transaction=True)
def test_inside_a_caller_transaction_it_rolls_back_with_it(survey):
    def failed_upload():
        with transaction.atomic():
            _store(survey, ["a", "b"])
            raise RuntimeError("the upload failed after storing a chunk")

    with pytest.raises(RuntimeError):
        failed_upload()

    assert not Response.objects.exists()


def _full_batch(ids):
    n = len(ids)
    ratings = np.array([[12.5, np.nan, 100.0], [np.nan, np.nan, np.nan], [0.0, 33.333332, 66.666664]])[:n]
    return {
        "respondent_id": np.array(ids, dtype=object),
        "outcome": np.array([9.0, 0.0, 7.0])[:n],
        "ratings": ratings,
        "submitted_at": np.array(["2024-03-01T10:30:15.123456", "NaT", "1999-12-31T23:59:59"], "datetime64[us]")[:n],
        "experienced": np.array([[True, False, True], [False, False, False], [True, True, False]])[:n],
        "segments": pd.DataFrame(
            {"region": ['Nord "Ost" \\ é', None, "Süd\tline\nnext"], "plan": ["A", "B", None]}
        ).iloc[:n],
    }


def _stored(survey):
    return {
        r.respondent_id: (r.outcomes, r.submitted_at, r.segments, r.ratings, r.experienced)
        for r in Response.objects.filter(survey=survey)
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("new_rows", [False, True])
def test_every_value_survives_the_binary_copy(survey, new_rows):
    moments = [
        Moment.objects.get_or_create(journey=survey.journey, slug=f"m{j}", defaults={"name": f"M{j}"})[0]
        for j in range(3)
    ]
    batch = _full_batch(["r1", "r2 ünï", 'r,3"x'])
    counts = services.responses_store(survey=survey, moments=moments, new_rows=new_rows, **batch)

    assert counts == services.StoreCounts(created=3, updated=0)
    stored = _stored(survey)
    assert stored["r1"][0] == [9.0]
    assert stored["r1"][1] == datetime(2024, 3, 1, 10, 30, 15, 123456, tzinfo=UTC)
    assert stored["r2 ünï"][1] is None
    assert stored['r,3"x'][1] == datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert stored["r1"][2] == {"region": 'Nord "Ost" \\ é', "plan": "A"}
    assert stored["r2 ünï"][2] == {"plan": "B"}
    assert stored['r,3"x'][2] == {"region": "Süd\tline\nnext"}
    assert stored["r1"][3] == [12.5, None, 100.0]
    assert stored["r2 ünï"][3] == [None, None, None]
    assert stored['r,3"x'][3] == pytest.approx([0.0, 33.333332, 66.666664], abs=1e-5)
    assert np.float32(stored['r,3"x'][3][1]) == np.float32(33.333332)
    assert stored["r1"][4] == [True, False, True]
    assert stored["r2 ünï"][4] == [False, False, False]


@pytest.mark.django_db(transaction=True)
def test_new_rows_that_exist_after_all_are_updated_not_duplicated(survey):
    assert _store(survey, ["a", "b"]) == services.StoreCounts(created=2, updated=0)
    moment = Moment.objects.get(journey=survey.journey, slug="billing")
    counts = services.responses_store(
        survey=survey,
        moments=[moment],
        respondent_id=np.array(["b", "c"], dtype=object),
        outcome=np.full(2, 3.0),
        ratings=np.full((2, 1), 10.0),
        new_rows=True,
    )
    assert counts == services.StoreCounts(created=1, updated=1)
    assert Response.objects.filter(survey=survey).count() == 3
    assert Response.objects.get(survey=survey, respondent_id="b").outcomes == [3.0]


@pytest.mark.django_db(transaction=True)
def test_no_moments_and_no_segments(survey):
    counts = services.responses_store(
        survey=survey, moments=[], respondent_id=np.array(["a"], dtype=object), outcome=np.array([5.0]),
        ratings=np.zeros((1, 0)), new_rows=True,
    )  # fmt: skip
    assert counts.created == 1
    response = Response.objects.get(survey=survey)
    assert (response.ratings, response.segments, response.experienced) == ([], {}, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("new_rows", [False, True])
def test_several_outcomes_are_stored_aligned_to_the_waves_outcomes(survey, new_rows):
    positions = services.survey_outcomes_ensure(
        survey=survey,
        outcomes=[Outcome("NPS"), Outcome("Retention", "binary", positive=("yes",)), Outcome("Effort", "numeric")],
    )
    assert positions == [0, 1, 2]
    # matched by name ignoring case and runs of spaces; the list only grows and keeps its order
    assert services.survey_outcomes_ensure(survey=survey, outcomes=[Outcome(" effort ", "numeric")]) == [2]
    counts = services.responses_store(
        survey=survey,
        moments=[],
        respondent_id=np.array(["a", "b", "c"], dtype=object),
        # keyed by name, in any order; an outcome not given (NPS) is stored as missing
        outcomes={"effort": np.array([2.5, np.nan, 1e300]), "Retention": np.array([1.0, 0.0, np.nan])},
        ratings=np.zeros((3, 0)),
        new_rows=new_rows,
    )
    assert counts.created == 3
    stored = dict(Response.objects.filter(survey=survey).values_list("respondent_id", "outcomes"))
    assert stored == {"a": [None, 1.0, 2.5], "b": [None, 0.0, None], "c": [None, None, 1e300]}
    assert [o["name"] for o in Survey.objects.get(pk=survey.pk).outcomes] == ["NPS", "Retention", "Effort"]


@pytest.mark.django_db(transaction=True)
def test_an_outcome_name_the_journey_uses_for_another_type_is_refused_naming_both(survey):
    services.survey_outcomes_ensure(survey=survey, outcomes=[Outcome("Retention", "binary")])
    w2 = services.survey_get_or_create(journey=survey.journey, name="W2")

    with pytest.raises(services.IngestError, match="“retention” is numeric in this file but binary"):
        services.survey_outcomes_ensure(survey=w2, outcomes=[Outcome("NPS"), Outcome("retention", "numeric")])
    assert Survey.objects.get(pk=w2.pk).outcomes == []  # nothing written
    with pytest.raises(ValueError, match="no outcome named 'Loyalty'"):
        services.responses_store(
            survey=survey, moments=[], respondent_id=np.array(["a"], dtype=object),
            outcomes={"Loyalty": np.array([1.0])}, ratings=np.zeros((1, 0)),
        )  # fmt: skip
