"""Several outcomes per response (issue 11): every number per outcome, runs keyed by outcome, the filter's
``outcome=``, the pages (outcome selector, KPI header, side by side, moment detail), the exports and the CLI.

The journey (``outcomes_data``) has NPS driven by billing and installation and Retention driven by renewal and the
app; the expected numbers are computed here by hand (numpy) from the same arrays.
"""

import csv
import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from moments.exports import EXPORT_COLUMNS
from moments.filters import filter_parse
from moments.models import AnalysisRun, RunStatus
from moments.services import analysis_run_compute
from tests.factories import run_compute

from .outcomes_data import NAMES, QUADRANTS, SLUGS, two_outcome_data, two_outcome_journey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_bootstrap(settings):
    settings.MOMENTUM_BOOTSTRAP = 20


@pytest.fixture
def journey(organisation):
    return two_outcome_journey(organisation)


def _hand(outcome: str) -> dict:
    """Impact (Pearson r over experiencers: everyone here), thresholds (means over the four placed moments) and the
    outcome's KPI, by hand."""
    ratings, ltr, retained = two_outcome_data()
    y = ltr if outcome == "NPS" else retained
    impact = np.array([np.corrcoef(ratings[:, j], y)[0, 1] for j in range(len(SLUGS))])
    if outcome == "NPS":
        kpi = 100 * (np.mean(ltr >= 9) - np.mean(ltr <= 6))
    else:
        kpi = 100 * retained.mean()
    return {
        "impact": dict(zip(SLUGS, impact, strict=True)),
        "satisfaction": dict(zip(SLUGS, ratings.mean(axis=0), strict=True)),
        "threshold_impact": impact.mean(),
        "threshold_satisfaction": ratings.mean(axis=0).mean(),
        "kpi": kpi,
    }


def test_each_outcome_gets_its_own_run_numbers_and_quadrants(journey):
    nps = run_compute(journey, method="correlation")
    retention = run_compute(journey, method="correlation", outcome="retention")  # names ignore case
    assert (nps.status, retention.status) == (RunStatus.DONE, RunStatus.DONE)
    assert (nps.outcome, retention.outcome) == ("", "Retention") and nps.params_key != retention.params_key
    # The primary outcome asked for by name is the default view: the same run, not a second one.
    assert run_compute(journey, method="correlation", outcome="NPS").pk == nps.pk
    for run, name, kind in ((nps, "NPS", "nps"), (retention, "Retention", "binary")):
        hand = _hand(name)
        summary = run.summary
        assert (summary["outcome_name"], summary["outcome_type"]) == (name, kind)
        assert summary["outcome"] == pytest.approx(hand["kpi"], abs=1e-9)
        assert summary["threshold_impact"] == pytest.approx(hand["threshold_impact"], abs=1e-9)
        assert summary["threshold_satisfaction"] == pytest.approx(hand["threshold_satisfaction"], abs=1e-9)
        results = {r.moment.slug: r for r in run.results.select_related("moment")}
        for slug in SLUGS:
            assert results[slug].impact == pytest.approx(hand["impact"][slug], abs=1e-9)
            assert results[slug].satisfaction == pytest.approx(hand["satisfaction"][slug], abs=1e-9)
        assert {slug: results[slug].quadrant for slug in SLUGS} == QUADRANTS[name]
    # Satisfaction is the moment's, whatever the outcome; only impact (and so the quadrant) changes.
    assert retention.summary["threshold_satisfaction"] == pytest.approx(nps.summary["threshold_satisfaction"])


def test_the_filter_reads_the_outcome_and_names_an_unknown_one(journey):
    parsed = filter_parse({"outcome": ["  RETENTION "]}, journey=journey)
    assert parsed.filter.outcome == "Retention" and not parsed.errors
    assert parsed.filter.query().endswith("outcome=Retention")
    assert filter_parse({"outcome": ["nps"]}, journey=journey).filter.outcome == ""  # the primary: the default view
    bad = filter_parse({"outcome": ["Churn"], "method": ["correlation"]}, journey=journey)
    assert bad.errors == {"outcome": "Unknown outcome 'Churn': this journey's outcomes are NPS, Retention."}
    assert bad.filter.outcome == "" and bad.filter.method == "correlation"  # the other fields are kept


def test_the_dashboard_switches_outcome_in_the_url_and_names_it(client, manager, journey):
    run_compute(journey, method="correlation", outcome="Retention")
    client.force_login(manager)
    url = reverse("moments:dashboard", args=[journey.pk])
    html = client.get(url + "?method=correlation&outcome=Retention").content.decode()
    assert 'aria-current="page">Retention' in html  # the selector: one link per outcome, the chosen one marked
    assert f'href="?{"wave=" + str(journey.surveys.get().pk)}&amp;method=correlation">NPS' in html
    assert '<h2 class="kpi-label">Retention rate</h2>' in html
    rate = _hand("Retention")["kpi"]
    assert f"{rate:.1f}%" in html and "promoters" not in html.lower().split("kpi-outcome")[1].split("</div>")[0]
    assert "Impact on Retention" in html  # the chart's axis title (in the figure's JSON)
    assert reverse("moments:outcomes", args=[journey.pk]) in html  # the side-by-side view is linked
    # A filter error names the outcome field and the page still shows the primary outcome.
    bad = client.get(url + "?outcome=Churn").content.decode()
    assert "Unknown outcome" in bad and "Churn" in bad


def test_one_outcome_shows_no_selector(client, manager, organisation, settings):
    from tests.factories import journey_with_planted_quadrants

    journey = journey_with_planted_quadrants(organisation)
    run_compute(journey)
    client.force_login(manager)
    html = client.get(reverse("moments:dashboard", args=[journey.pk])).content.decode()
    assert "outcome-switch" not in html and reverse("moments:outcomes", args=[journey.pk]) not in html


def test_the_side_by_side_view_asks_for_missing_runs_and_then_tells_where_outcomes_disagree(client, manager, journey):
    client.force_login(manager)
    url = reverse("moments:outcomes", args=[journey.pk]) + "?method=correlation"
    first = client.get(url).content.decode()
    # Nothing computed yet: both runs are queued for the worker (not computed in the request) and the page polls.
    runs = AnalysisRun.objects.filter(journey=journey)
    assert sorted(runs.values_list("outcome", flat=True)) == ["", "Retention"]
    assert set(runs.values_list("status", flat=True)) <= {RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.DONE}
    assert "js-run-progress" in first or all(r.status == RunStatus.DONE for r in runs)
    for run in runs:
        analysis_run_compute(run_id=run.pk)
    html = client.get(url).content.decode()
    assert "js-run-progress" not in html
    assert "<strong>Drives NPS, not Retention:</strong> Billing, Installation" in html
    assert "<strong>Drives Retention, not NPS:</strong> Contract renewal, App" in html
    table = html.split('id="outcomes-table"')[1].split("</table>")[0]
    row = table.split(">Contract renewal</a>")[1].split("</tr>")[0]
    assert row.index("q-improve") < row.index("q-raise")  # NPS column first, then Retention
    hand = _hand("Retention")["impact"]["renewal"]
    assert f'data-sort="{hand!r}"' in row or f"{hand:.2f}" in row
    assert html.count("sbs-differs") == 4  # every moment changes quadrant between the two outcomes


def test_the_moment_page_compares_its_impact_across_outcomes(client, manager, journey):
    run_compute(journey, method="correlation")
    run_compute(journey, method="correlation", outcome="Retention")
    client.force_login(manager)
    moment = journey.moments.get(slug="renewal")
    url = reverse("moments:moment_detail", args=[journey.pk, moment.pk]) + "?method=correlation&outcome=Retention"
    html = client.get(url).content.decode()
    table = html.split('id="outcome-comparison"')[1].split("</table>")[0]
    assert "NPS" in table and "Retention" in table and "q-improve" in table and "q-raise" in table
    assert 'aria-current="true"' in table
    for name in ("NPS", "Retention"):
        assert f"{_hand(name)['impact']['renewal']:.2f}" in table
    assert "percentage points of Retention" in html  # the what-if / occurrence unit names the outcome


def test_exports_state_the_outcome_and_keep_their_columns(client, manager, journey):
    run_compute(journey, outcome="Retention")
    client.force_login(manager)
    url = reverse("moments:export", args=[journey.pk, "csv"]) + "?outcome=Retention"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="two-outcomes-priorities-w1-retention.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    workbook = client.get(reverse("moments:export", args=[journey.pk, "xlsx"]) + "?outcome=Retention")
    book = load_workbook(io.BytesIO(workbook.content))
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Outcome"].startswith("Retention, type binary")
    assert "Retention rate (%)" in about


def test_cli_analyse_and_export_take_the_outcome(journey, tmp_path):
    out = io.StringIO()
    call_command("analyse", "--journey", journey.slug, "--outcome", "Retention", "--method", "correlation", stdout=out)
    text = out.getvalue()
    assert "Retention" in text
    lines = {line.split()[1]: line for line in text.splitlines() if line.strip()[:1].isdigit()}
    assert "raise" in lines[NAMES["renewal"].split()[0]] and "reduce" in lines["Installation"]
    target = tmp_path / "retention.csv"
    call_command(
        "export_priorities", "--journey", journey.slug, "--outcome", "retention", "--format", "csv", "-o", target
    )
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert {row["moment"]: row["quadrant"] for row in rows}["Contract renewal"] == "raise"
    with pytest.raises(CommandError, match="Unknown outcome 'Churn': this journey's outcomes are NPS, Retention"):
        call_command("analyse", "--journey", journey.slug, "--outcome", "Churn", stdout=io.StringIO())


def test_explain_change_takes_the_outcome(organisation):
    """What moved, on Retention: the change is the retention rate's, in percentage points, by hand."""
    import json

    journey = two_outcome_journey(organisation, slug="two-waves", waves=2)
    out = io.StringIO()
    call_command(
        "explain_change", "--journey", "two-waves", "--from", "W1", "--to", "W2", "--outcome", "retention",
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    summary = json.loads(out.getvalue())["summary"]
    (_, _, before), (_, _, after) = two_outcome_data(11), two_outcome_data(12)
    assert (summary["outcome_name"], summary["outcome_type"]) == ("Retention", "binary")
    assert summary["change"] == pytest.approx(100 * (after.mean() - before.mean()), abs=1e-9)
    nps = io.StringIO()
    call_command(
        "explain_change", "--journey", "two-waves", "--from", "W1", "--to", "W2", stdout=nps, stderr=io.StringIO()
    )
    assert json.loads(nps.getvalue())["summary"]["outcome_name"] == "NPS"
    with pytest.raises(CommandError, match="Unknown outcome 'Churn'"):
        call_command(
            "explain_change", "--journey", "two-waves", "--from", "W1", "--to", "W2", "--outcome", "Churn",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    assert journey.surveys.count() == 2


def test_real_survey_two_outcomes_of_the_same_respondents_get_their_own_quadrants(organisation, shared_data):
    """ECSI mobi (250 mobile phone customers, ``../shared/data/ecsi_mobi/SOURCE.md``): the seven perceived-quality
    items PERQ1-7 as moments, and two outcomes measured on the same respondents, loyalty (CUSL1, 1-10, numeric) and
    overall satisfaction (CUSA1, 1-10, numeric). Impact (correlation), thresholds and quadrants match the ones
    computed here from the file; the two outcomes do not rank the moments alike."""
    import pandas as pd
    from django.db import transaction

    from surveys.outcomes import Outcome
    from surveys.services import responses_store
    from surveys.services.waves import survey_data_changed, survey_outcomes_ensure
    from tests.factories import JourneyFactory, MomentFactory, SurveyFactory

    data = pd.read_csv(shared_data / "ecsi_mobi" / "mobi.csv")
    items = [f"PERQ{i}" for i in range(1, 8)]
    journey = JourneyFactory(organisation=organisation, name="Mobile", slug="mobile")
    moments = [MomentFactory(journey=journey, name=item, slug=item.lower(), position=i) for i, item in enumerate(items)]
    survey = SurveyFactory(journey=journey, name="ECSI", scale_min=1, scale_max=10)
    ratings = (data[items].to_numpy(dtype=float) - 1) / 9 * 100
    outcomes = {"Loyalty": data["CUSL1"].to_numpy(dtype=float), "Satisfaction": data["CUSA1"].to_numpy(dtype=float)}
    with transaction.atomic():
        survey_outcomes_ensure(survey=survey, outcomes=[Outcome(name, "numeric") for name in outcomes])
        responses_store(
            survey=survey,
            moments=moments,
            respondent_id=np.array([f"M{i:03d}" for i in range(len(data))], dtype=object),
            ratings=ratings,
            outcomes=outcomes,
        )
    survey_data_changed(survey=survey)
    ratings = ratings.astype(np.float32).astype(float)  # as stored (real[]): the hand numbers use the same values
    quadrants = {}
    for name, y in outcomes.items():
        run = run_compute(journey, method="correlation", outcome=name)
        assert run.status == RunStatus.DONE and run.summary["outcome_name"] == name
        impact = np.array([np.corrcoef(ratings[:, j], y)[0, 1] for j in range(len(items))])
        satisfaction = ratings.mean(axis=0)
        ts, ti = satisfaction.mean(), impact.mean()
        assert run.summary["threshold_impact"] == pytest.approx(ti, abs=1e-9)
        assert run.summary["outcome"] == pytest.approx(y.mean(), abs=1e-9)
        hand = {
            item.lower(): {(False, True): "raise", (True, True): "amplify", (False, False): "improve"}.get(
                (bool(s >= ts), bool(i >= ti)), "reduce"
            )
            for item, s, i in zip(items, satisfaction, impact, strict=True)
        }
        results = {r.moment.slug: r for r in run.results.select_related("moment")}
        for j, item in enumerate(items):
            assert results[item.lower()].impact == pytest.approx(impact[j], abs=1e-9)
        quadrants[name] = {slug: r.quadrant for slug, r in results.items()}
        assert quadrants[name] == hand
    assert quadrants["Loyalty"] != quadrants["Satisfaction"]
