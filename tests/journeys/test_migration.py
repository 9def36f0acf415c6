"""The move of Journey and Moment into the journeys app keeps every row and id of an existing database."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The last migrations of the release before the journeys app existed.
BEFORE = [("cxapp", "0001_initial"), ("moments", "0003_analysisrun_attempts"), ("surveys", "0002_upload_proposal")]


def _migrate(targets, *, state=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(state or targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_filled_before_the_move_keeps_every_journey_moment_response_and_run():
    old = _migrate([*BEFORE, ("journeys", None)], state=BEFORE)
    organisation = old.get_model("cxapp", "Organisation").objects.create(name="Acme", slug="acme")
    journey = old.get_model("moments", "Journey").objects.create(
        organisation=organisation, name="Onboarding", slug="on"
    )
    moment_model = old.get_model("moments", "Moment")
    moments = [moment_model.objects.create(journey=journey, name=n, slug=n.lower(), position=i) for i, n in
               enumerate(["Order", "Install"])]  # fmt: skip
    survey = old.get_model("surveys", "Survey").objects.create(
        journey=journey, name="Q1", moment_ids=[m.pk for m in moments]
    )
    old.get_model("surveys", "Response").objects.create(
        survey=survey, respondent_id="r1", outcome=9, ratings=[80.0, None]
    )
    run = old.get_model("moments", "AnalysisRun").objects.create(journey=journey, params_key="k", status="done")
    run.surveys.add(survey)
    old.get_model("moments", "MomentResult").objects.create(run=run, moment=moments[0], rank=1, quadrant="raise")

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from journeys.models import Journey, Moment
    from moments.models import AnalysisRun, MomentResult
    from surveys.models import Response, Survey

    moved = Journey.objects.get(pk=journey.pk)
    assert (moved.name, moved.slug, moved.organisation_id) == ("Onboarding", "on", organisation.pk)
    assert list(moved.moments.order_by("position").values_list("pk", "name")) == [
        (moments[0].pk, "Order"), (moments[1].pk, "Install"),
    ]  # fmt: skip
    assert Survey.objects.get(pk=survey.pk).journey == moved
    assert Response.objects.get(survey_id=survey.pk).ratings[0] == pytest.approx(80.0)
    stored = AnalysisRun.objects.get(pk=run.pk)
    assert stored.journey == moved and list(stored.surveys.values_list("pk", flat=True)) == [survey.pk]
    assert MomentResult.objects.get(run=stored).moment == Moment.objects.get(pk=moments[0].pk)
    assert Journey._meta.db_table == "journeys_journey"
    assert "journeys_journey" in connection.introspection.table_names()
    # the foreign keys follow the renamed table: a new moment of the moved journey is accepted
    Moment.objects.create(journey=moved, name="Bill", slug="bill", position=3)
