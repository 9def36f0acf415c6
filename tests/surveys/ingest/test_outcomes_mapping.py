"""Several outcomes in the mapping (issue 11): the "outcomes" key parsed and checked, each outcome validated."""

import numpy as np
import pytest

from surveys.ingest import IngestError, Mapping, read_table
from surveys.ingest.mapping import OutcomeColumn
from surveys.outcomes import Outcome, outcome_conflicts, outcome_key, outcomes_journey, primary_outcome
from tests.surveys.ingest.conftest import write
from tests.surveys.ingest.test_validate import run

SEVERAL = {
    "respondent_id": "id",
    "outcomes": {
        "NPS": {"column": "ltr", "type": "nps"},
        "Retention": {"column": "stay", "type": "binary", "positive": ["Ja"]},
        "Effort": {"column": "effort", "type": "numeric"},
    },
    "moments": {"Billing": "m1"},
    "scale": [1, 5],
}


def test_outcomes_round_trip_in_order():
    mapping = Mapping.from_json(SEVERAL)
    assert mapping.outcome == ""
    assert mapping.outcome_columns() == [
        OutcomeColumn("NPS", "ltr", "nps"),
        OutcomeColumn("Retention", "stay", "binary", ("Ja",)),
        OutcomeColumn("Effort", "effort", "numeric"),
    ]
    again = mapping.to_json()
    assert again["outcomes"] == {
        "NPS": {"column": "ltr", "type": "nps", "positive": []},
        "Retention": {"column": "stay", "type": "binary", "positive": ["Ja"]},
        "Effort": {"column": "effort", "type": "numeric", "positive": []},
    }
    assert Mapping.from_json(again) == mapping
    assert set(mapping.used_columns()) == {"id", "ltr", "stay", "effort", "m1"}


def test_the_single_keys_still_mean_one_outcome_named_nps_or_after_its_column():
    assert Mapping.from_json({"outcome": "ltr"}).outcome_columns() == [OutcomeColumn("NPS", "ltr", "nps")]
    binary = Mapping.from_json({"outcome": "Blijft u klant?", "outcome_type": "binary", "outcome_positive": ["ja"]})
    assert binary.outcome_columns() == [OutcomeColumn("Blijft u klant?", "Blijft u klant?", "binary", ("ja",))]
    assert "outcomes" not in binary.to_json()  # an old mapping stays as it was
    # beside each other: the single one first
    both = Mapping.from_json({"outcome": "ltr", "outcomes": {"Retention": {"column": "stay", "type": "binary"}}})
    assert [o.name for o in both.outcome_columns()] == ["NPS", "Retention"]


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        (["ltr"], "'outcomes' must map outcome names"),
        ({"NPS": "ltr"}, "'outcomes' of 'NPS' must be"),
        ({"NPS": {"type": "nps"}}, "needs a 'column'"),
        ({"NPS": {"column": "ltr", "type": "stars"}}, "'type' must be one of nps, binary, numeric"),
        ({"NPS": {"column": "ltr", "positive": ["9"]}}, "'positive' applies only to type 'binary'"),
        ({"NPS": {"column": "ltr", "colour": "red"}}, "unknown key"),
        ({"Retention": {"column": "a", "type": "binary"}, " retention ": {"column": "b", "type": "binary"}}, "twice"),
        ({"  ": {"column": "a"}}, "empty outcome name"),
    ],
)
def test_invalid_outcomes(outcomes, message):
    with pytest.raises(IngestError, match=message):
        Mapping.from_json({"outcomes": outcomes})


def test_a_mapping_needs_one_outcome_and_names_stay_distinct():
    with pytest.raises(IngestError, match="'outcome' is required"):
        Mapping.from_json({"outcomes": {}})
    with pytest.raises(IngestError, match="is named “NPS” and 'outcomes' has that name too"):
        Mapping.from_json({"outcome": "ltr", "outcomes": {"nps": {"column": "other"}}})


def test_check_columns_names_each_outcome(tmp_path):
    table = read_table(write(tmp_path, "a.csv", "id,ltr,stay,m1\nr1,9,ja,4\n"))
    mapping = Mapping.from_json(
        {"outcome": "ltr", "outcomes": {"Retention": {"column": "stai", "type": "binary"},
                                        "Again": {"column": "m1", "type": "numeric"},
                                        "Twice": {"column": "ltr", "type": "numeric"}},
         "moments": {"A": "m1"}}
    )  # fmt: skip
    problems = mapping.check_columns(table)
    assert "outcome 'Retention': column 'stai' is not in the file (did you mean 'stay'?)" in problems
    assert "column 'm1' is both the outcome and a moment" in problems
    assert "column 'ltr' is mapped to two outcomes" in problems


CSV = (
    "id,ltr,stay,effort,m1\n"
    "a,9,Ja,2.5,4\n"
    "b,3,nee,,2\n"  # effort not answered: kept as missing
    "c,,Ja,4,5\n"  # no NPS answer, the others answered: kept
    "d,,,,3\n"  # no outcome at all: a row error on every outcome column
    "e,11,Ja,1,3\n"  # NPS out of 0-10
    "f,10,nee,x,3\n"  # effort not a number
)


def test_each_outcome_is_validated_and_a_row_needs_at_least_one(tmp_path):
    table = read_table(write(tmp_path, "s.csv", CSV))
    (chunk,), errors = run(table, Mapping.from_json(SEVERAL))
    assert errors[["line", "column", "reason"]].values.tolist() == [
        [5, "ltr", "missing outcome"],
        [5, "stay", "missing outcome"],
        [5, "effort", "missing outcome"],
        [6, "ltr", "outcome must be an integer 0-10"],
        [7, "effort", "outcome is not a number"],
    ]
    assert chunk.respondent_id.tolist() == ["a", "b", "c"]
    assert list(chunk.outcomes) == ["NPS", "Retention", "Effort"]
    np.testing.assert_array_equal(chunk.outcomes["NPS"], [9, 3, np.nan])
    np.testing.assert_array_equal(chunk.outcomes["Retention"], [1, 0, 1])
    np.testing.assert_array_equal(chunk.outcomes["Effort"], [2.5, np.nan, 4])
    np.testing.assert_array_equal(chunk.outcome, chunk.outcomes["NPS"])  # the first one


def test_a_binary_outcome_without_positive_values_infers_ja_nee_or_says_which_outcome(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,stay,m1\na,9,Ja,4\nb,8,Nee,4\n"))
    mapping = Mapping.from_json(
        {"respondent_id": "id", "outcome": "ltr", "outcomes": {"Retention": {"column": "stay", "type": "binary"}},
         "moments": {"A": "m1"}, "scale": [1, 5]}
    )  # fmt: skip
    (chunk,), _ = run(table, mapping)
    np.testing.assert_array_equal(chunk.outcomes["Retention"], [1, 0])
    table = read_table(write(tmp_path, "t.csv", "id,ltr,stay,m1\na,9,maybe,4\nb,8,never,4\n"))
    with pytest.raises(IngestError, match="“Retention” \\(column 'stay'\\) needs its positive values"):
        run(table, mapping)


def test_outcome_rules():
    nps, stay = Outcome("NPS"), Outcome("Retention", "binary")
    assert outcome_key("  Cross-Sell\t rate ") == "cross-sell rate"
    assert primary_outcome([stay, nps]) == nps and primary_outcome([stay]) == stay and primary_outcome([]) is None
    waves = [[stay], [Outcome("retention", "binary"), nps, Outcome("Effort", "numeric")]]
    assert [o.name for o in outcomes_journey(waves)] == ["NPS", "Retention", "Effort"]
    assert outcome_conflicts([stay], [Outcome(" RETENTION", "numeric")]) == [
        "the outcome “RETENTION” is numeric in this file but binary in the journey's other waves"
    ]
    assert outcome_conflicts([stay], [Outcome("Retention", "binary"), nps]) == []
    with pytest.raises(ValueError, match="Unknown outcome type"):
        Outcome("X", "stars")
    assert Outcome.from_json(Outcome("Effort", "numeric", unit="pts").to_json()) == Outcome("Effort", "numeric", "pts")
