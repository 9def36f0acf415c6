"""import_responses on the embedded default (SQLite file, eager Celery), in a subprocess with its own database."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.surveys.helpers import SYNTHETIC_MAPPING, mapping_file, synthetic_csv


def test_the_cli_imports_and_reimports_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="cxapp.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        UPLOAD_ROOT=str(tmp_path / "uploads"),
    )

    def manage(*args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *map(str, args)], cwd=REPO_ROOT, env=env, capture_output=True, text=True
        )

    assert manage("migrate", "-v0").returncode == 0
    path = synthetic_csv(tmp_path / "wave.csv", 400, bad_lines=(9,))
    mapping = mapping_file(tmp_path, SYNTHETIC_MAPPING)
    args = ("import_responses", path, "--journey", "broadband", "--survey", "W1", "--mapping", mapping)

    first = manage(*args, "--skip-invalid")
    second = manage(*args, "--skip-invalid")

    assert first.returncode == 0, first.stderr
    assert "399 imported (399 new, 0 updated), 1 with errors" in first.stdout
    assert "line 9, column m2: out of scale 1-5" in first.stdout
    assert "399 imported (0 new, 399 updated), 1 with errors" in second.stdout
    assert Path(tmp_path / "db.sqlite3").is_file()
