"""Mappings for the real exports in ../shared/data (none of them is a CX survey, so the automatic mapping is not
confident: these say which column plays which role) and small file builders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from surveys.ingest import read_table


def _col(columns: list[str], prefix: str) -> str:
    found = [c for c in columns if c.startswith(prefix)]
    assert len(found) == 1, (prefix, found)
    return found[0]


def _qualtrics(c):
    return {"respondent_id": "ResponseId", "submitted_at": "RecordedDate", "outcome": "Finished",
            "outcome_type": "binary", "outcome_positive": ["1"], "moments": {"Multiple choice": "Q1"},
            "scale": [1, 5]}  # fmt: skip


def _qualtrics_insights(c):
    return {"respondent_id": "ResponseID", "submitted_at": "EndDate", "outcome": "Status", "outcome_type": "numeric",
            "moments": {f"Vegetable {i}": f"Q3_{i}" for i in range(1, 5)}, "scale": [1, 3],
            "not_applicable": ["-1", "-2"]}  # fmt: skip


def _surveymonkey(c):
    return {"respondent_id": "RespondentID", "outcome": _col(c, "Have you seen any"), "outcome_type": "binary",
            "outcome_positive": ["Yes"], "scale": [1, 6], "segments": {"Gender": "Gender", "Age": "Age"},
            "moments": {x[:-4]: x for x in c if x.startswith("Star Wars") and x.endswith(" (2)")}}  # fmt: skip


def _limesurvey(c):
    return {"respondent_id": "id. Response ID", "submitted_at": "submitdate. Date submitted",
            "outcome": _col(c, "WHO5[SQ005]"), "outcome_type": "numeric", "scale": [1, 5],
            "moments": {f"PHQ9 {i}": _col(c, f"PHQ9[SQ00{i}]") for i in range(2, 9)},
            "segments": {"Gender": _col(c, "GenderId")}}  # fmt: skip


def _typeform(c):
    prefix = "Overall, how much importance does your employer place on"
    return {"respondent_id": "#", "submitted_at": "Submit Date (UTC)",
            "outcome": "<strong>Are you self-employed?</strong>", "outcome_type": "binary",
            "outcome_positive": ["1"], "scale": [0, 10],
            "moments": {"Physical health": _col(c, f"{prefix} physical"), "Mental health": _col(c, f"{prefix} mental")},
            "segments": {"Company size": _col(c, "How many employees")}}  # fmt: skip


def _googleforms(c):
    return {"submitted_at": "Timestamp", "outcome": "Have you sought treatment for a mental health condition?",
            "outcome_type": "binary", "outcome_positive": ["Yes"],
            "segments": {"Company size": _col(c, "How many employees")}}  # fmt: skip


def _excel_de(c):
    return {"outcome": "Informatik", "outcome_type": "binary", "outcome_positive": ["Ja"],
            "segments": {"Maschinenbau": "Maschinenbau"}}  # fmt: skip


def _airline(c):
    # 0 = not applicable (SOURCE.md); the 14 service items follow "Flight Distance"
    start = c.index("Flight Distance") + 1
    return {"respondent_id": "id", "outcome": "satisfaction", "outcome_type": "binary",
            "outcome_positive": ["satisfied"], "scale": [1, 5], "not_applicable": ["0"],
            "moments": {x: x for x in c[start:start + 14]},
            "segments": {x: x for x in ["Gender", "Customer Type", "Type of Travel", "Class"]}}  # fmt: skip


# path under ../shared/data, mapping builder, respondents (SOURCE.md; LimeSurvey: 71 records, see its test)
SAMPLES = {
    "qualtrics": ("exports/qualtrics/qualtRics_sample.csv", _qualtrics, 1),
    "qualtrics_insights": ("exports/qualtrics/QualtricsTools_No_Basis_for_Evaluation_Insights.csv",
                           _qualtrics_insights, 15),
    "surveymonkey": ("exports/surveymonkey/StarWars.csv", _surveymonkey, 1186),
    "limesurvey": ("exports/limesurvey/new_results_survey.csv", _limesurvey, 71),
    "typeform": ("exports/typeform/osmi_mental_health_in_tech_2018.csv", _typeform, 417),
    "googleforms": ("exports/googleforms/osmi_mental_health_in_tech_2014.csv", _googleforms, 1260),
    "excel_semicolon_de": ("exports/excel_semicolon_de/results-survey.csv", _excel_de, 45),
    "airline": ("airline/test.csv", _airline, 25_976),
}  # fmt: skip


def sample_mapping(shared_data: Path, name: str) -> dict:
    rel, build, _ = SAMPLES[name]
    return build(read_table(shared_data / rel).columns)


def mapping_file(tmp_path: Path, mapping: dict, name: str = "mapping.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(mapping), encoding="utf-8")
    return path


SYNTHETIC_MAPPING = {
    "respondent_id": "rid",
    "submitted_at": "date",
    "outcome": "ltr",
    "outcome_type": "nps",
    "scale": [1, 5],
    "moments": {"Ordering": "m1", "Installation": "m2", "Billing": "m3"},
    "segments": {"Region": "region"},
}


def synthetic_csv(path: Path, rows: int, *, seed: int = 0, bad_lines: tuple[int, ...] = ()) -> Path:
    """A survey CSV with SYNTHETIC_MAPPING's columns. ``bad_lines`` (spreadsheet lines, header = 1) get an
    out-of-scale rating."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "rid": [f"R{i:07d}" for i in range(rows)],
            "date": "2025-03-01",
            "ltr": rng.integers(0, 11, rows),
            "m1": rng.integers(1, 6, rows),
            "m2": rng.integers(1, 6, rows),
            "m3": rng.integers(1, 6, rows),
            "region": rng.choice(["North", "South"], rows),
        }
    )
    for line in bad_lines:
        frame.loc[line - 2, "m2"] = 9
    frame.to_csv(path, index=False)
    return path


def read_like_the_worker(upload_id: int):
    """Runs the upload's job in this process, as the worker would: a freshly uploaded file is read (in a child
    process, ``surveys.services.reading``) and then waits for its mapping. For tests without the worker; the
    request itself never reads the file."""
    from surveys import services
    from surveys.models import Upload

    services.upload_ingest(upload_id=upload_id)
    return Upload.objects.get(pk=upload_id)


def report_text(upload) -> str:
    """The upload's whole row-error report (its file), as errors.csv serves it."""
    from surveys.services.reports import report_stream

    return b"".join(report_stream(upload=upload)).decode()
