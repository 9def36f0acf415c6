"""Issue 17: an upload names its journey and wave itself, so it outlives a wave that is removed (``survey``
becomes optional, SET_NULL). Every upload keeps its row: the new fields are filled from its wave."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_from_survey(apps, schema_editor):
    Upload = apps.get_model("surveys", "Upload")
    Survey = apps.get_model("surveys", "Survey")
    wave = Survey.objects.filter(pk=OuterRef("survey_id"))
    Upload.objects.update(
        journey_id=Subquery(wave.values("journey_id")[:1]), survey_name=Subquery(wave.values("name")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0002_rename_tables"),
        ("surveys", "0006_survey_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="upload",
            name="journey",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="uploads",
                to="journeys.journey",
            ),
        ),
        migrations.AddField(
            model_name="upload",
            name="survey_name",
            field=models.CharField(
                default="", help_text="The wave it goes into (created by the import).", max_length=200
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_from_survey, migrations.RunPython.noop),
    ]
