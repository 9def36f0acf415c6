"""Shared inputs for the analysis tests: reference data read in place from ../shared (never copied)."""

from pathlib import Path

import pandas as pd
import pytest

# tests/moments/analysis/conftest.py -> parents[3] is the repository root; shared data sits beside it
REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "reference"


@pytest.fixture(scope="session")
def mtcars() -> pd.DataFrame:
    path = REFERENCE / "mtcars.csv"
    if not path.exists():
        # A missing reference must fail, not skip: a skipped check would let a wrong engine land.
        pytest.fail(f"reference data not found at {path} (CI keeps ../shared beside the clone)")
    return pd.read_csv(path)
