"""responses_store on its own: it opens its own transaction, so a caller without one (a script, a shell) works."""

import numpy as np
import pytest
from django.db import connection, transaction

from moments.models import Journey, Moment
from surveys import services
from surveys.models import Response


@pytest.fixture
def survey(organisation):
    journey = Journey.objects.create(organisation=organisation, name="Broadband", slug="broadband")
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
