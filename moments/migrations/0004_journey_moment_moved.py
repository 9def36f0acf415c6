"""Journey and Moment now belong to the journeys app: state only, the database is untouched here."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("moments", "0003_analysisrun_attempts"),
        ("journeys", "0001_initial"),
        ("surveys", "0003_survey_journey_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="analysisrun",
                    name="journey",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="analysis_runs",
                        to="journeys.journey",
                    ),
                ),
                migrations.AlterField(
                    model_name="momentresult",
                    name="moment",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="results", to="journeys.moment"
                    ),
                ),
                migrations.DeleteModel(name="Moment"),
                migrations.DeleteModel(name="Journey"),
            ],
            database_operations=[],
        ),
    ]
