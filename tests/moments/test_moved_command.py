"""``explain_change`` (DESIGN section 5) and the period selector on the real PostgreSQL."""

import csv
import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from moments.selectors.moved import moved_period_frame, period_parse
from moments.services_moved import moved_compute

from .moved_data import moved_journey

pytestmark = pytest.mark.django_db

STABLE = [
    "moment",
    "contribution",
    "contribution_low",
    "contribution_high",
    "satisfaction_change",
    "satisfaction_change_low",
    "satisfaction_change_high",
    "reach_change",
    "significant",
]


@pytest.fixture
def journey(organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 100
    return moved_journey(organisation)


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_explain_change_between_two_waves_as_csv(journey):
    out, err = run_command(
        "explain_change", "--journey", "broadband", "--from", "2026 Q1", "--to", "2026 Q2", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert list(rows[0])[:1] == ["moment"]
    assert set(STABLE) <= set(rows[0])
    by_name = {r["moment"]: r for r in rows}
    assert [r["moment"] for r in rows[-2:]] == ["remainder", "change"]
    installation = by_name["Installation"]
    assert installation["significant"] == "true"
    assert float(installation["contribution_high"]) < 0
    assert float(installation["satisfaction_change"]) < -10
    parts = sum(float(r["contribution"]) for r in rows[:-1] if r["contribution"])
    assert parts == pytest.approx(float(by_name["change"]["contribution"]), abs=1e-9)
    assert "NPS fell" in err and "Installation explains" in err


def test_explain_change_between_two_quarters_of_submission_dates(journey):
    by_wave = json.loads(
        run_command("explain_change", "--journey", "broadband", "--from", "2026 Q1", "--to", "2026 Q2")[0]
    )
    by_date, err = run_command(
        "explain_change",
        "--journey",
        "broadband",
        "--from-period",
        "2026-01..2026-03",
        "--to-period",
        "2026-Q2",
        "--format",
        "json",
    )
    by_date = json.loads(by_date)
    # the waves were submitted in those quarters: the same respondents, so the same numbers
    assert by_date["summary"]["change"] == pytest.approx(by_wave["summary"]["change"])
    assert by_date["summary"]["n_before"] == 600
    assert by_date["before"]["from"] == "2026-01-01" and by_date["before"]["to"] == "2026-03-31"
    assert [m["contribution"] for m in by_date["moments"]] == pytest.approx(
        [m["contribution"] for m in by_wave["moments"]]
    )
    assert by_date["remainder"]["moment"] == "remainder"


def test_a_month_is_a_subset_of_its_quarter(journey):
    quarter = moved_period_frame(journey=journey, spec=period_parse("2026-Q1"))
    january = moved_period_frame(journey=journey, spec=period_parse("2026-01"))
    assert quarter.n == 600
    assert 100 < january.n < 300  # about a third of the quarter
    assert set(january.rows) <= set(quarter.rows)
    north = moved_period_frame(journey=journey, spec=period_parse("2026-Q1"), segment_filter={"region": ["North"]})
    assert 200 < north.n < 400
    assert np.isfinite(north.frame.outcome[north.rows]).all()


def test_bad_periods_and_outcomes_fail_with_the_reason(journey):
    with pytest.raises(CommandError, match="--from"):
        run_command("explain_change", "--journey", "broadband", "--to", "2026 Q2")
    with pytest.raises(CommandError, match="not a date"):
        run_command("explain_change", "--journey", "broadband", "--from-period", "Jan", "--to", "2026 Q2")
    with pytest.raises(CommandError, match="0 responses"):
        run_command("explain_change", "--journey", "broadband", "--from-period", "2025-01", "--to", "2026 Q2")
    with pytest.raises(CommandError, match="Unknown outcome 'Churn': this journey's outcomes are NPS"):
        run_command(
            "explain_change", "--journey", "broadband", "--from", "2026 Q1", "--to", "2026 Q2", "--outcome", "Churn"
        )


def test_period_parse():
    spec = period_parse("2026-01..2026-03")
    assert (spec.start.isoformat(), spec.end.isoformat()) == ("2026-01-01", "2026-04-01")
    assert period_parse("2026-Q4").end.isoformat() == "2027-01-01"
    assert period_parse("2026-12").end.isoformat() == "2027-01-01"
    assert period_parse("2026-01-15..2026-02-14").end.isoformat() == "2026-02-15"
    with pytest.raises(ValueError, match="ends before"):
        period_parse("2026-05..2026-03")


def test_the_service_names_every_moment_once_with_its_id(journey):
    result = moved_compute(
        journey=journey,
        before=period_parse("2026-Q1"),
        after=period_parse("2026-Q2"),
    )
    ids = [m["moment_id"] for m in result["moments"]]
    assert ids == list(journey.moments.order_by("position").values_list("pk", flat=True))
    assert result["summary"]["sentence"].startswith("NPS fell")


def test_explain_change_writes_xlsx_to_a_file(journey, tmp_path):
    from openpyxl import load_workbook

    with pytest.raises(CommandError, match="-o"):
        run_command(
            "explain_change", "--journey", "broadband", "--from", "2026 Q1", "--to", "2026 Q2", "--format", "xlsx"
        )
    path = tmp_path / "moved.xlsx"
    _, err = run_command(
        "explain_change", "--journey", "broadband", "--from", "2026 Q1", "--to", "2026 Q2", "--format", "xlsx",
        "-o", str(path),
    )  # fmt: skip
    assert "Wrote" in err
    assert [r[0] for r in load_workbook(path)["What moved"].values][-2:] == ["remainder", "change"]
