"""Waves imported through the real CLI, for the data-protection tests."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from django.core.management import call_command

from tests.surveys.helpers import SYNTHETIC_MAPPING, mapping_file, synthetic_csv


def wave_csv(path: Path, rows: int, *, seed: int = 0, extra: list[dict] | None = None) -> Path:
    """``synthetic_csv`` plus ``extra`` rows (column -> value) appended."""
    synthetic_csv(path, rows, seed=seed)
    if extra:
        frame = pd.read_csv(path, dtype=str)
        frame = pd.concat([frame, pd.DataFrame(extra, dtype=str)], ignore_index=True)
        frame.to_csv(path, index=False)
    return path


def row(rid: str, **values) -> dict:
    return {"rid": rid, "date": "2025-03-01", "ltr": "9", "m1": "4", "m2": "3", "m3": "5", "region": "North"} | values


def import_wave(tmp_path: Path, organisation, *, journey: str, wave: str, path: Path) -> str:
    """Imports ``path`` with the synthetic mapping (skipping invalid rows); returns the command's output."""
    out = io.StringIO()
    call_command(
        "import_responses",
        str(path),
        "--journey",
        journey,
        "--survey",
        wave,
        "--organisation",
        organisation.slug,
        "--mapping",
        str(mapping_file(tmp_path, SYNTHETIC_MAPPING, name=f"mapping-{wave}.json")),
        "--skip-invalid",
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()
