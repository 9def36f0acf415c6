"""Issue 17, second step: every upload has its journey (filled by 0007; a separate migration, since PostgreSQL
refuses to change a table with the deferred foreign-key checks of 0007's update still pending in its transaction);
its wave row is optional and a removed wave leaves the upload (SET_NULL)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_upload_journey_survey_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="upload",
            name="journey",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="uploads", to="journeys.journey"
            ),
        ),
        migrations.AlterField(
            model_name="upload",
            name="survey",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="uploads",
                to="surveys.survey",
            ),
        ),
    ]
