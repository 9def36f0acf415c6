"""surveys 0007/0008 (issue 17): every upload keeps its row and gets its journey and wave name from its wave."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("journeys", "0002_rename_tables"), ("surveys", "0006_survey_order")]
AFTER = [("journeys", "0002_rename_tables"), ("surveys", "0008_upload_journey_required")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_upload_keeps_its_row_and_gets_the_journey_and_name_of_its_wave():
    old = _migrate(BEFORE)
    organisation = old.get_model("cxapp", "Organisation").objects.create(name="Acme", slug="acme")
    journeys = [
        old.get_model("journeys", "Journey").objects.create(organisation=organisation, name=n, slug=n.lower())
        for n in ("Onboarding", "Billing")
    ]
    survey_model = old.get_model("surveys", "Survey")
    waves = [survey_model.objects.create(journey=j, name=f"{j.name} Q1") for j in journeys]
    upload_model = old.get_model("surveys", "Upload")
    uploads = [
        upload_model.objects.create(organisation=organisation, survey=wave, file_path=f"{i}.csv",
                                    original_name=f"{i}.csv", status="failed", error_report="line\n2\n")
        for i, wave in enumerate([waves[0], waves[1], waves[1]])
    ]  # fmt: skip

    new = _migrate(AFTER)

    moved = new.get_model("surveys", "Upload").objects.order_by("pk")
    assert list(moved.values_list("pk", "journey_id", "survey_name", "survey_id", "error_report")) == [
        (uploads[0].pk, journeys[0].pk, "Onboarding Q1", waves[0].pk, "line\n2\n"),
        (uploads[1].pk, journeys[1].pk, "Billing Q1", waves[1].pk, "line\n2\n"),
        (uploads[2].pk, journeys[1].pk, "Billing Q1", waves[1].pk, "line\n2\n"),
    ]
    # the wave is optional now: removing it keeps the upload
    new.get_model("surveys", "Survey").objects.filter(pk=waves[1].pk).delete()
    assert list(moved.values_list("survey_id", flat=True)) == [waves[0].pk, None, None]
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
