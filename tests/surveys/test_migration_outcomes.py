"""surveys 0010 (issue 11): an existing database keeps every response's outcome as its wave's first outcome."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("journeys", "0002_rename_tables"), ("surveys", "0009_response_weight")]
AFTER = [("journeys", "0002_rename_tables"), ("surveys", "0010_several_outcomes")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_response_keeps_its_outcome_and_every_wave_gets_its_named_outcome():
    old = _migrate(BEFORE)
    organisation = old.get_model("cxapp", "Organisation").objects.create(name="Acme", slug="acme")
    journey = old.get_model("journeys", "Journey").objects.create(organisation=organisation, name="On", slug="on")
    survey_model = old.get_model("surveys", "Survey")
    nps = survey_model.objects.create(journey=journey, name="Q1", outcome_type="nps", mapping={"outcome": "LTR"})
    stay = survey_model.objects.create(
        journey=journey,
        name="Q2",
        outcome_type="binary",
        mapping={"outcome": "Will you  stay?", "outcome_type": "binary", "outcome_positive": ["Yes", 1]},
    )
    effort = survey_model.objects.create(journey=journey, name="Q3", outcome_type="numeric")  # no mapping saved
    response_model = old.get_model("surveys", "Response")
    values = {
        nps: [9.0, 0.0, None, 10.0],
        stay: [1.0, 0.0, None],
        effort: [2.5, -1e300, 1.0000000000000002],  # float8 precision is kept
    }
    for survey, outcomes in values.items():
        response_model.objects.bulk_create(
            response_model(survey=survey, respondent_id=f"r{i}", outcome=v, ratings=[50.0])
            for i, v in enumerate(outcomes)
        )

    new = _migrate(AFTER)

    waves = {s.pk: s.outcomes for s in new.get_model("surveys", "Survey").objects.all()}
    assert waves == {
        nps.pk: [{"name": "NPS", "type": "nps", "positive": [], "unit": ""}],
        stay.pk: [{"name": "Will you stay?", "type": "binary", "positive": ["Yes", "1"], "unit": ""}],
        effort.pk: [{"name": "Outcome", "type": "numeric", "positive": [], "unit": ""}],
    }
    moved = new.get_model("surveys", "Response").objects
    for survey, outcomes in values.items():
        stored = dict(moved.filter(survey_id=survey.pk).values_list("respondent_id", "outcomes"))
        assert stored == {f"r{i}": [v] for i, v in enumerate(outcomes)}
    assert sum(1 for _ in moved.all()) == 10

    # and back: the first outcome becomes the single one again
    back = _migrate(BEFORE)
    assert dict(back.get_model("surveys", "Survey").objects.values_list("pk", "outcome_type")) == {
        nps.pk: "nps", stay.pk: "binary", effort.pk: "numeric",
    }  # fmt: skip
    restored = back.get_model("surveys", "Response").objects
    for survey, outcomes in values.items():
        stored = dict(restored.filter(survey_id=survey.pk).values_list("respondent_id", "outcome"))
        assert stored == {f"r{i}": v for i, v in enumerate(outcomes)}
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
