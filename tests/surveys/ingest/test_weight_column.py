"""The survey weight column: mapping key, checks and row errors (DESIGN sections 2 and 5)."""

import numpy as np
import pytest

from surveys.ingest import IngestError, Mapping, read_table, validate_chunks
from tests.surveys.ingest.conftest import write

BASE = {"respondent_id": "id", "outcome": "ltr", "moments": {"Check-in": "m1"}, "scale": [1, 5]}


def test_weight_round_trips_and_is_a_used_column():
    mapping = Mapping.from_json({**BASE, "weight": "w"})
    assert mapping.weight == "w"
    assert mapping.to_json()["weight"] == "w"
    assert Mapping.from_json(mapping.to_json()) == mapping
    assert "w" in mapping.used_columns()


def test_unweighted_mapping_has_no_weight_key():
    mapping = Mapping.from_json(BASE)
    assert mapping.weight is None
    assert "weight" not in mapping.to_json()


def test_weight_must_be_a_column_name():
    with pytest.raises(IngestError, match="'weight' must be a column name"):
        Mapping.from_json({**BASE, "weight": 3})


def test_weight_column_must_exist_and_differ_from_outcome(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,m1,wgt\na,9,3,1.5\n"))
    with pytest.raises(IngestError, match="weight: column 'wt' is not in the file \\(did you mean 'wgt'\\?\\)"):
        list(validate_chunks(table, Mapping.from_json({**BASE, "weight": "wt"})))
    with pytest.raises(IngestError, match="both the weight and the outcome"):
        list(validate_chunks(table, Mapping.from_json({**BASE, "weight": "ltr"})))


def test_good_weights_are_handed_back(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,m1,w\na,9,3,1.5\nb,3,5,0.25\nc,10,1,2\n"))
    (chunk,) = validate_chunks(table, Mapping.from_json({**BASE, "weight": "w"}))
    assert chunk.errors.empty
    assert chunk.weight.dtype == np.float64
    assert chunk.weight.tolist() == [1.5, 0.25, 2.0]


def test_no_weight_column_no_weights(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id,ltr,m1\na,9,3\n"))
    (chunk,) = validate_chunks(table, Mapping.from_json(BASE))
    assert chunk.weight is None


def test_bad_weights_are_row_errors_naming_line_column_and_value(tmp_path):
    text = (
        "id,ltr,m1,w\n"
        "a,9,3,1.5\n"  # line 2: fine
        "b,9,3,\n"  # line 3: missing
        "c,9,3,0\n"  # line 4: zero
        "d,9,3,-2\n"  # line 5: negative
        "e,9,3,heavy\n"  # line 6: not a number
        "f,9,3,inf\n"  # line 7: not finite
        "g,9,3,N/A\n"  # line 8: N/A is no weight either
        "h,9,3,0.5\n"  # line 9: fine
    )
    table = read_table(write(tmp_path, "s.csv", text))
    (chunk,) = validate_chunks(table, Mapping.from_json({**BASE, "weight": "w", "not_applicable": ["-2"]}))
    assert chunk.errors.values.tolist() == [
        [3, "w", "", "missing weight"],
        [4, "w", "0", "weight must be > 0"],
        [5, "w", "-2", "weight must be > 0"],
        [6, "w", "heavy", "weight is not a number"],
        [7, "w", "inf", "weight must be > 0"],
        [8, "w", "N/A", "weight is not a number"],
    ]
    assert chunk.bad_lines.tolist() == [3, 4, 5, 6, 7, 8]
    assert chunk.respondent_id.tolist() == ["a", "h"]
    assert chunk.weight.tolist() == [1.5, 0.5]


def test_decimal_comma_weights(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "id;ltr;m1;w\na;9;3;1,5\nb;3;4;0,75\n"))
    assert table.decimal == ","
    (chunk,) = validate_chunks(table, Mapping.from_json({**BASE, "weight": "w"}))
    assert chunk.errors.empty
    assert chunk.weight.tolist() == [1.5, 0.75]


def test_weights_across_chunks(tmp_path):
    rows = ["id,ltr,m1,w"] + [f"r{i},{i % 11},{1 + i % 5},{1 + i % 3}" for i in range(1, 26)]
    table = read_table(write(tmp_path, "s.csv", "\n".join(rows) + "\n"))
    chunks = list(validate_chunks(table, Mapping.from_json({**BASE, "weight": "w"}), chunksize=10))
    assert len(chunks) == 3
    assert np.concatenate([c.weight for c in chunks]).tolist() == [float(1 + i % 3) for i in range(1, 26)]
