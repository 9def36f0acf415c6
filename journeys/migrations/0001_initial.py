"""Journey and Moment move here from the moments app, keeping every row and id.

State only: the tables made by ``moments.0001``/``0002`` are adopted as they are (``db_table`` points at them);
``0002_rename_tables`` then gives them this app's table names. ``moments.0004`` and ``surveys.0003`` move their
foreign keys over in the state, which changes nothing in the database.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("cxapp", "0001_initial"),
        ("moments", "0003_analysisrun_attempts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Journey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200)),
                        ("slug", models.SlugField(help_text="Set once from the name; stable across renames.", max_length=80)),
                        ("description", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="journeys",
                                to="cxapp.organisation",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["name"],
                        "db_table": "moments_journey",
                        "constraints": [
                            models.UniqueConstraint(fields=("organisation", "slug"), name="unique_journey_slug")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Moment",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200)),
                        ("slug", models.SlugField(help_text="Set once from the name; stable across renames.", max_length=80)),
                        ("stage", models.CharField(blank=True, help_text="Journey stage, e.g. Buy, Get connected, Use.", max_length=100)),
                        ("position", models.PositiveIntegerField(default=0, help_text="Order along the journey.")),
                        ("description", models.TextField(blank=True)),
                        ("is_brand_moment", models.BooleanField(default=False, help_text="A moment that carries the brand promise, flagged in exports.")),
                        ("aliases", models.JSONField(blank=True, default=list, help_text="Other names of the moment, used to match survey columns.")),
                        (
                            "journey",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="moments",
                                to="journeys.journey",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["journey", "position", "name"],
                        "db_table": "moments_moment",
                        "constraints": [models.UniqueConstraint(fields=("journey", "slug"), name="unique_moment_slug")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
