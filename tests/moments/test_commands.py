"""The analyse and export_priorities commands on the real PostgreSQL (load_demo: see test_recovery)."""

import csv
import io
import json

import numpy as np
import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from moments.exports import EXPORT_COLUMNS
from moments.models import AnalysisRun, RunStatus
from tests.factories import journey_with_moments, random_wave_data, wave_with_responses

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 20
    rng = np.random.default_rng(4)
    journey = journey_with_moments(organisation, ["web-order", "installation", "first-bill"])
    for wave in ("2026 Q1", "2026 Q2"):
        ratings, ltr = random_wave_data(rng, 400, 3)
        segments = __import__("pandas").DataFrame({"region": rng.choice(["North", "South"], 400)})
        wave_with_responses(journey, wave, ["web-order", "installation", "first-bill"], ratings, ltr, segments=segments)
    return journey


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_analyse_prints_progress_and_the_summary_table(journey):
    out, err = run_command("analyse", "--journey", "broadband", "--survey", "2026 Q1")
    assert "progress 100%" in err
    assert "rank" in out and "quadrant" in out and "Installation" in out
    assert "n = 400" in out and "NPS" in out
    run = AnalysisRun.objects.get()
    assert run.status == RunStatus.DONE and list(run.surveys.values_list("name", flat=True)) == ["2026 Q1"]
    # Same request again: reused.
    run_command("analyse", "--journey", "broadband", "--survey", "2026 Q1")
    assert AnalysisRun.objects.count() == 1


def test_analyse_options(journey):
    out, _ = run_command(
        "analyse", "--journey", "broadband", "--method", "shapley", "--threshold", "fixed",
        "--fixed-satisfaction", "50", "--fixed-impact", "30", "--segment", "region=North",
    )  # fmt: skip
    run = AnalysisRun.objects.get()
    assert run.method == "shapley" and run.fixed_impact == 30 and run.segment_filter == {"region": ["North"]}
    assert run.summary["threshold_satisfaction"] == 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--journey", "nope"], "No journey"),
        (["--journey", "broadband", "--survey", "2027"], "No wave '2027'"),
        (["--journey", "broadband", "--threshold", "fixed"], "--fixed-satisfaction"),
        (["--journey", "broadband", "--segment", "region"], "KEY=VALUE"),
        (["--journey", "broadband", "--segment", "region=Atlantis"], "failed"),
    ],
)
def test_analyse_fails_with_a_message(journey, args, message):
    with pytest.raises(CommandError, match=message):
        run_command("analyse", *args)


def test_export_priorities_csv_to_stdout_and_json_xlsx_to_files(journey, tmp_path):
    out, _ = run_command("export_priorities", "--journey", "broadband", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS and len(rows) == 4
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert AnalysisRun.objects.count() == 1

    target = tmp_path / "p.json"
    run_command("export_priorities", "--journey", "broadband", "--format", "json", "-o", str(target))
    payload = json.loads(target.read_text())
    assert payload["columns"] == list(EXPORT_COLUMNS) and len(payload["moments"]) == 3
    assert AnalysisRun.objects.count() == 1  # the same run again

    target = tmp_path / "p.xlsx"
    run_command(
        "export_priorities", "--journey", "broadband", "--survey", "2026 Q2", "--format", "xlsx", "-o", str(target)
    )
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Priorities", "About"]
    assert tuple(c.value for c in book["Priorities"][1]) == EXPORT_COLUMNS

    with pytest.raises(CommandError, match="-o"):
        run_command("export_priorities", "--journey", "broadband", "--format", "xlsx")


def test_several_organisations_with_the_journey_need_organisation(journey, other_organisation):
    journey_with_moments(other_organisation, ["a"])
    with pytest.raises(CommandError, match="--organisation"):
        run_command("analyse", "--journey", "broadband")
    out, _ = run_command("analyse", "--journey", "broadband", "--organisation", "acme")
    assert "Installation" in out
