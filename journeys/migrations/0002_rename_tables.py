"""The adopted tables take this app's names (a rename: rows, ids and foreign keys stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("journeys", "0001_initial"),
        ("moments", "0004_journey_moment_moved"),
        ("surveys", "0003_survey_journey_moved"),
    ]

    operations = [
        migrations.AlterModelTable(name="journey", table=None),
        migrations.AlterModelTable(name="moment", table=None),
    ]
