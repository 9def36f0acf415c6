"""Waves have one order on PostgreSQL and on SQLite: uploads leave ``period_start`` empty, and the two databases
put NULLs at opposite ends unless the order says where they go (issue 10 item 8)."""

import os
import subprocess
import sys
from datetime import date

import pytest

from moments.selectors import journey_surveys
from surveys.models import Survey
from tests.conftest import REPO_ROOT
from tests.factories import JourneyFactory, SurveyFactory

pytestmark = pytest.mark.django_db

SCRIPT = """
from datetime import date
from cxapp.models import Organisation
from journeys.models import Journey
from moments.selectors import journey_surveys
from surveys.models import Survey
journey = Journey.objects.create(organisation=Organisation.objects.create(name="O", slug="o"), name="J", slug="j")
Survey.objects.create(journey=journey, name="uploaded")
Survey.objects.create(journey=journey, name="dated", period_start=date(2026, 1, 1))
print([s.name for s in journey_surveys(journey=journey)], [s.name for s in Survey.objects.filter(journey=journey)])
"""
EXPECTED = "['dated', 'uploaded'] ['dated', 'uploaded']"


def _make(organisation):
    journey = JourneyFactory(organisation=organisation, name="J", slug="j")
    SurveyFactory(journey=journey, name="uploaded")
    SurveyFactory(journey=journey, name="dated", period_start=date(2026, 1, 1))
    return journey


def test_undated_waves_come_after_dated_ones_on_postgresql(organisation):
    journey = _make(organisation)
    assert [s.name for s in journey_surveys(journey=journey)] == ["dated", "uploaded"]
    assert [s.name for s in Survey.objects.filter(journey=journey)] == ["dated", "uploaded"]


def test_and_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="cxapp.settings.local", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    def manage(*args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
        )

    assert manage("migrate", "-v0").returncode == 0
    shell = manage("shell", "-c", SCRIPT)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip().splitlines()[-1] == EXPECTED
