"""A wave's journey is now ``journeys.Journey``: state only, the database is untouched here."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0002_upload_proposal"),
        ("journeys", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="survey",
                    name="journey",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="surveys", to="journeys.journey"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
