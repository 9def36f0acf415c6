"""propose_mapping on real and hand-made exports: rankings, multi-selects, label scales, not-applicable codes,
demographic segments, distinct names for long shared headers; and the proposal alone validated into numbers."""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from surveys.ingest import propose_mapping, read_table, validate_chunks
from surveys.ingest.columns import column_names
from tests.surveys.ingest.conftest import write

QUESTION = (
    "Please rank the following parts of your most recent visit to our branch in order of how much they mattered "
    "to you, 1 being the part that mattered most and 6 the one that mattered least: "
)
ENDINGS = ["staff", "queues", "opening hours", "parking", "coffee corner", "signage"]


def csv_text(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def test_long_headers_that_share_their_question_get_distinct_names(tmp_path):
    header = ["id", "ltr", *[QUESTION + e for e in ENDINGS]]
    assert {len(h) for h in header[2:]} <= set(range(180, 200))
    rng = np.random.default_rng(0)
    rows = [[i, i % 11, *rng.integers(1, 6, 6)] for i in range(40)]
    table = read_table(write(tmp_path, "long.csv", csv_text(header, rows)))
    names = column_names(table)
    assert [names[c] for c in table.columns[2:]] == ENDINGS
    moments = propose_mapping(table).mapping.moments
    assert len(moments) == 6 and len(set(moments.values())) == 6
    assert set(moments) == set(ENDINGS)


def test_identical_long_headers_still_get_distinct_names(tmp_path):
    header = ["id", "ltr", *[QUESTION] * 3]
    table = read_table(write(tmp_path, "same.csv", csv_text(header, [[1, 9, 1, 2, 3]])))
    names = list(column_names(table).values())
    assert len(set(names)) == len(names) == 5
    assert all(len(n) <= 200 for n in names)


def test_a_ranking_group_is_not_proposed_as_ratings(tmp_path):
    rng = np.random.default_rng(1)
    header = ["id", "How likely are you to recommend us?", "Food", *[QUESTION + e for e in ENDINGS]]
    rows = [[i, i % 11, i % 5 + 1, *(rng.permutation(6) + 1)] for i in range(80)]
    table = read_table(write(tmp_path, "rank.csv", csv_text(header, rows)))
    proposal = propose_mapping(table)
    assert list(proposal.mapping.moments.values()) == ["Food"]
    assert any(r.startswith("ranking: 6 columns") for r in proposal.reasons)


def test_dutch_labels_demographics_and_codes(tmp_path):
    tevreden = ["Zeer ontevreden", "Ontevreden", "Neutraal", "Tevreden", "Zeer tevreden"]
    header = ["Respondent ID", "Hoe waarschijnlijk is het dat u ons aanbeveelt?", "Tevredenheid levering",
              "Tevredenheid service", "Wachttijd (1-5)", "Geslacht", "Leeftijd", "Provincie",
              "Toelichting", "Klantnummer"]  # fmt: skip
    rows = []
    for i in range(120):
        wait = "n.v.t." if i % 10 == 0 else (-99 if i % 17 == 0 else i % 5 + 1)
        rows.append([i, i % 11, tevreden[i % 5], "Weet niet" if i % 9 == 0 else tevreden[(i * 3) % 5], wait,
                     "MV"[i % 2], ["18-34", "35-54", "55+"][i % 3], ["Utrecht", "Zeeland", "Drenthe"][i % 3],
                     f"vrije tekst nummer {i} over iets heel anders dan de rest", f"K{i:05d}"])  # fmt: skip
    table = read_table(write(tmp_path, "nl.csv", csv_text(header, rows)))
    m = propose_mapping(table).mapping
    assert m.outcome == "Hoe waarschijnlijk is het dat u ons aanbeveelt?" and m.outcome_type == "nps"
    assert list(m.moments.values()) == header[2:5]
    assert m.labels["Tevredenheid levering"] == {label: float(i + 1) for i, label in enumerate(tevreden)}
    assert m.scales == {"Tevredenheid levering": (1.0, 5.0), "Tevredenheid service": (1.0, 5.0),
                        "Wachttijd (1-5)": (1.0, 5.0)}  # fmt: skip
    assert m.not_applicable == ["-99", "Weet niet", "n.v.t."]
    # free text and an id-like column are not segments
    assert m.segments == {"Geslacht": "Geslacht", "Leeftijd": "Leeftijd", "Provincie": "Provincie"}
    chunks = list(validate_chunks(table, m))
    assert all(c.errors.empty for c in chunks)


def test_multi_select_columns_are_neither_moments_nor_segments(data_dir):
    table = read_table(data_dir / "exports/surveymonkey/StarWars.csv")
    proposal = propose_mapping(table)
    m = proposal.mapping
    seen = [c for c in table.columns[3:9]]
    ranked = table.columns[9:15]
    assert not (set(seen) | set(ranked)) & set(m.used_columns())
    assert list(m.moments.values()) == table.columns[15:29]  # the 14 characters, "Very favorably" ... answers
    assert m.labels["Han Solo"] == {"Very unfavorably": 1.0, "Somewhat unfavorably": 2.0,
                                    "Neither favorably nor unfavorably (neutral)": 3.0, "Somewhat favorably": 4.0,
                                    "Very favorably": 5.0}  # fmt: skip
    assert set(m.scales.values()) == {(1.0, 5.0)}
    assert "Unfamiliar (N/A)" in m.not_applicable
    assert {"Gender", "Age", "Household Income", "Education", "Location (Census Region)"} <= set(m.segments.values())
    assert (m.outcome_type, m.outcome_positive) == ("binary", ["Yes"])
    assert m.outcome.startswith("Do you consider yourself to be a fan of the Star Wars")


def test_airline_proposal_alone_gives_the_hand_computed_wifi_satisfaction(data_dir):
    path = data_dir / "airline/test.csv"
    table = read_table(path)
    m = propose_mapping(table).mapping
    assert m.not_applicable == ["0"]
    assert set(m.scales.values()) == {(1.0, 5.0)}
    chunks = list(validate_chunks(table, m, chunksize=10_000))
    assert all(c.errors.empty for c in chunks)
    ratings = np.concatenate([c.ratings for c in chunks])
    wifi = list(m.moments.values()).index("Inflight wifi service")
    by_hand = pd.read_csv(path)["Inflight wifi service"]
    by_hand = by_hand[by_hand > 0]  # 0 = not applicable
    assert np.nanmean(ratings[:, wifi]) == pytest.approx(((by_hand - 1) / 4 * 100).mean(), abs=1e-4)
    assert round(float(np.nanmean(ratings[:, wifi])), 1) == 45.3
    assert np.isfinite(ratings[:, wifi]).sum() == 25_976 - 813  # reach: the 813 zeros did not experience it


def test_qualtrics_sample_says_what_is_missing(data_dir):
    table = read_table(data_dir / "exports/qualtrics/qualtRics_sample.csv")
    assert table.header_rows == 3 and len(table.preview(10)) == 1
    proposal = propose_mapping(table)
    assert not proposal.confident
    assert proposal.mapping.moments == {}
    assert any(r.startswith("missing: an outcome column") for r in proposal.reasons)
    assert any(r.startswith("missing: moment columns") for r in proposal.reasons)
