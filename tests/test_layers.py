"""The import-linter contracts in pyproject.toml hold, and a forbidden import breaks them (so they can fail)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ["audit", "cxapp", "journeys", "surveys", "moments", "privacy", "pipeline", "bench"]
LINT = Path(sys.executable).parent / "lint-imports"


def _tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root)}, check=False
    )


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("surveys/models.py", "import moments.services", "Apps depend one way"),
        ("journeys/selectors.py", "from surveys.models import Survey", "Apps depend one way"),
        ("cxapp/views.py", "from moments import selectors", "Apps depend one way"),
        ("audit/services.py", "from cxapp.models import Membership", "Apps depend one way"),
        ("moments/services.py", "from privacy.services import erase_respondent", "Apps depend one way"),
        ("moments/analysis/nps.py", "from django.db import models", "import no Django"),
        ("surveys/ingest/values.py", "import celery", "import no Django"),
        ("moments/services.py", "import bench.common", "imports the benchmarks"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    root = _tree(tmp_path)
    with (root / module).open("a") as handle:
        handle.write(f"\n{line}\n")
    result = _lint(root)
    assert result.returncode != 0
    broken = [text for text in result.stdout.splitlines() if "BROKEN" in text]
    assert any(contract in text for text in broken), result.stdout


def test_the_tree_as_committed_keeps_every_contract(tmp_path):
    result = _lint(_tree(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout
