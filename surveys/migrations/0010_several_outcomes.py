"""Several outcomes per response (issue 11): ``Survey.outcome_type`` and ``Response.outcome`` become
``Survey.outcomes`` (a list of named outcomes) and ``Response.outcomes`` (one value per outcome).

Each existing wave gets one outcome: named ``NPS`` for type nps, else after its mapping's outcome column
(``Outcome`` without one), with the mapping's positive values; each response ``outcomes = [outcome]``, by one
UPDATE statement (a million responses in one pass, no Python loop). The reverse takes the first outcome back.
"""

from django.db import migrations, models

import cxapp.fields


def _name(outcome_type, mapping):
    if outcome_type == "nps":
        return "NPS"
    name = " ".join(str((mapping or {}).get("outcome") or "").split())[:100]
    return name or "Outcome"


def waves_forward(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    db = schema_editor.connection.alias
    # one row per wave (a handful per journey), not per response
    for survey in Survey.objects.using(db).only("pk", "outcome_type", "mapping"):
        mapping = survey.mapping or {}
        positive = (mapping.get("outcome_positive") or []) if survey.outcome_type == "binary" else []
        outcome = {"name": _name(survey.outcome_type, mapping), "type": survey.outcome_type or "nps",
                   "positive": [str(p) for p in positive], "unit": ""}  # fmt: skip
        Survey.objects.using(db).filter(pk=survey.pk).update(outcomes=[outcome])


def waves_backward(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    db = schema_editor.connection.alias
    for survey in Survey.objects.using(db).only("pk", "outcomes"):
        first = (survey.outcomes or [{}])[0]
        Survey.objects.using(db).filter(pk=survey.pk).update(outcome_type=first.get("type") or "nps")


def responses_forward(apps, schema_editor):
    table = apps.get_model("surveys", "Response")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET outcomes = ARRAY[outcome]::double precision[]")  # noqa: S608  # nosec B608
        else:  # SQLite (the embedded demo): the JSON text of a one-element list
            cursor.execute(
                f"UPDATE {table} SET outcomes = "  # noqa: S608  # nosec B608 - the model's own table
                "CASE WHEN outcome IS NULL THEN '[null]' ELSE json_array(outcome) END"
            )


def responses_backward(apps, schema_editor):
    table = apps.get_model("surveys", "Response")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET outcome = outcomes[1]")  # noqa: S608  # nosec B608
        else:
            cursor.execute(f"UPDATE {table} SET outcome = json_extract(outcomes, '$[0]')")  # noqa: S608  # nosec B608


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0009_response_weight"),
    ]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="outcomes",
            field=models.JSONField(
                blank=True, default=list, help_text="The wave's outcomes in order: [{name, type, positive, unit}]."
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="outcomes",
            field=cxapp.fields.FloatArrayField(
                base_type="double precision",
                blank=True,
                default=list,
                help_text="One value per outcome, aligned to survey.outcomes; NULL (or a shorter array) = missing.",
            ),
        ),
        migrations.RunPython(waves_forward, waves_backward, elidable=False),
        migrations.RunPython(responses_forward, responses_backward, elidable=False),
        migrations.RemoveField(model_name="survey", name="outcome_type"),
        migrations.RemoveField(model_name="response", name="outcome"),
    ]
