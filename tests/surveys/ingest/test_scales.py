"""Scales per moment, answer labels, not-applicable codes and rankings (surveys.ingest.scales and validation)."""

import numpy as np
import pytest

from surveys.ingest import Mapping, read_table, validate_chunks
from surveys.ingest.scales import is_ranking, label_codes, na_codes_propose, scale_hint, scales_detect
from tests.surveys.ingest.conftest import write


def run(table, mapping):
    chunks = list(validate_chunks(table, Mapping.from_json(mapping)))
    errors = [e for c in chunks for e in c.row_errors]
    return chunks, errors


def checkout_file(tmp_path, stray: int | None = 7):
    """60 respondents; checkout 1-5 with one stray 7 on line 12 (spreadsheet line)."""
    rows = []
    for i in range(60):
        checkout = (i % 5) + 1
        if stray is not None and i == 10:
            checkout = stray
        rows.append(f"r{i},{i % 11},{checkout},{(i * 3) % 5 + 1}")
    text = "id,ltr,Checkout rating (1-5),Delivery rating\n" + "\n".join(rows) + "\n"
    return read_table(write(tmp_path, "checkout.csv", text))


MAPPING = {"respondent_id": "id", "outcome": "ltr", "moments": {"Checkout": "Checkout rating (1-5)",
                                                                   "Delivery": "Delivery rating"}}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Checkout rating (1-5)", (1, 5)),
        ("How likely, 0-10?", (0, 10)),
        ("Rate it from 1 to 7", (1, 7)),
        ("Beoordeling 1 t/m 10", (1, 10)),
        ("Age 18-29", None),
        ("Q1-5", None),
        ("Check-in", None),
    ],
)
def test_scale_hint(text, expected):
    assert scale_hint(text) == (tuple(map(float, expected)) if expected else None)


def test_a_stray_value_is_a_row_error_not_a_new_scale(tmp_path):
    chunks, errors = run(checkout_file(tmp_path), MAPPING)
    assert [(e.line, e.column, e.value, e.reason) for e in errors] == [
        (12, "Checkout rating (1-5)", "7", "out of scale 1-5")
    ]
    (chunk,) = chunks
    assert chunk.scales == [(1.0, 5.0), (1.0, 5.0)]
    # the other 59 rows keep their 1-5 ratings: the hand-computed mean of (x - 1) / 4 * 100
    values = np.array([(i % 5) + 1 for i in range(60) if i != 10], dtype=float)
    assert np.nanmean(chunk.ratings[:, 0]) == pytest.approx(((values - 1) / 4 * 100).mean())


def test_without_a_header_hint_the_other_moments_decide(tmp_path):
    text = "id,ltr,Checkout,Delivery,Support\n" + "".join(
        f"r{i},{i % 11},{7 if i == 3 else (i % 5) + 1},{(i * 3) % 5 + 1},{(i * 2) % 5 + 1}\n" for i in range(200)
    )
    table = read_table(write(tmp_path, "c.csv", text))
    mapping = {"respondent_id": "id", "outcome": "ltr",
               "moments": {"Checkout": "Checkout", "Delivery": "Delivery", "Support": "Support"}}  # fmt: skip
    (chunk,), errors = run(table, mapping)
    assert chunk.scales == [(1.0, 5.0)] * 3
    assert [(e.line, e.column, e.value) for e in errors] == [(5, "Checkout", "7")]


def test_moments_on_different_scales_keep_their_own(tmp_path):
    text = "id,ltr,Food (1-5),Value (0-10)\n" + "".join(f"r{i},{i % 11},{i % 5 + 1},{i % 11}\n" for i in range(40))
    table = read_table(write(tmp_path, "d.csv", text))
    (chunk,), errors = run(table, {"outcome": "ltr", "moments": {"Food": "Food (1-5)", "Value": "Value (0-10)"}})
    assert not errors
    assert chunk.scales == [(1.0, 5.0), (0.0, 10.0)]
    assert np.nanmax(chunk.ratings, axis=0).tolist() == [100.0, 100.0]


def test_a_scale_per_moment_in_the_mapping_wins(tmp_path):
    mapping = {**MAPPING, "scales": {"Checkout": [1, 7]}}
    (chunk,), errors = run(checkout_file(tmp_path), mapping)
    assert not errors
    assert chunk.scales == [(1.0, 7.0), (1.0, 5.0)]


def test_scales_detect_reasons():
    values = {"A": np.array([1, 2, 3, 4, 5] * 40 + [7.0]), "B": np.array([1, 2, 3, 4, 5.0, np.nan])}
    scales, reasons = scales_detect(values, {"A": None, "B": None})
    assert scales == {"A": (1.0, 5.0), "B": (1.0, 5.0)}
    assert any("1 value(s) outside it" in r for r in reasons)


# --- not-applicable codes -----------------------------------------------------------------------------------------


def test_zero_on_one_to_five_columns_is_proposed_as_not_applicable():
    rng = np.random.default_rng(1)
    values = {f"m{j}": rng.integers(0, 6, 500).astype(float) for j in range(5)}
    codes, reasons = na_codes_propose(values)
    assert codes == [0.0]
    assert "used in 5 of 5 rating columns" in reasons[0]


def test_zero_is_not_a_code_on_a_zero_to_ten_scale_and_a_stray_value_is_not_a_code():
    values = {"ltr-like": np.arange(0, 11, dtype=float).repeat(20), "a": np.r_[np.tile([1.0, 2, 3, 4, 5], 50), 9]}
    assert na_codes_propose(values)[0] == []


def test_usual_missing_codes_are_always_proposed():
    values = {"a": np.array([1, 2, 3, 4, 5, -99, 99.0]), "b": np.array([1, 2, 3, 4, 5.0])}
    assert na_codes_propose(values)[0] == [-99.0, 99.0]


def test_a_code_above_a_gap_in_many_columns():
    values = {c: np.r_[np.tile([1.0, 2, 3, 4, 5], 40), [9.0] * 10] for c in "abc"}
    assert na_codes_propose(values)[0] == [9.0]


def test_not_applicable_codes_are_not_ratings(tmp_path):
    text = "id,ltr,Wifi,Food\n" + "".join(f"r{i},{i % 11},{i % 6},{i % 5 + 1}\n" for i in range(60))
    table = read_table(write(tmp_path, "w.csv", text))
    (chunk,), errors = run(
        table, {"outcome": "ltr", "moments": {"Wifi": "Wifi", "Food": "Food"}, "not_applicable": ["0"]}
    )
    assert not errors
    wifi = np.array([i % 6 for i in range(60)], dtype=float)
    wifi = wifi[wifi > 0]
    assert np.nanmean(chunk.ratings[:, 0]) == pytest.approx(((wifi - 1) / 4 * 100).mean())
    assert np.isnan(chunk.ratings[:, 0]).sum() == 10


# --- answer labels ------------------------------------------------------------------------------------------------

FAVOURABLE = ["Very unfavorably", "Somewhat unfavorably", "Neither favorably nor unfavorably (neutral)",
              "Somewhat favorably", "Very favorably"]  # fmt: skip


@pytest.mark.parametrize(
    "ordered",
    [
        FAVOURABLE,
        ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
        ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
        ["Extremely unlikely", "Unlikely", "Neither likely nor unlikely", "Likely", "Extremely likely"],
        ["Very poor", "Poor", "Fair", "Good", "Very good", "Excellent"],
        ["Zeer mee oneens", "Mee oneens", "Niet eens, niet oneens", "Mee eens", "Zeer mee eens"],
        ["Zeer ontevreden", "Ontevreden", "Neutraal", "Tevreden", "Zeer tevreden"],
        ["Zeer slecht", "Slecht", "Matig", "Redelijk", "Goed", "Uitstekend"],
    ],
)
def test_label_scales_get_codes_in_order(ordered):
    shuffled = ordered[::2] + ordered[1::2]
    assert label_codes(shuffled) == {label: i + 1 for i, label in enumerate(ordered)}


@pytest.mark.parametrize("labels", [["Male", "Female"], ["Han Solo", "Yoda", "Greedo"], ["Yes", "No", "Maybe"]])
def test_other_text_is_not_a_label_scale(labels):
    assert label_codes(labels) is None


def test_labels_in_the_mapping_are_read_as_codes(tmp_path):
    answers = ["Very favorably", "somewhat  favorably", "Unfamiliar (N/A)", "Very unfavorably", "Great"]
    text = "id,ltr,Han Solo\n" + "".join(f"r{i},9,{a}\n" for i, a in enumerate(answers))
    table = read_table(write(tmp_path, "l.csv", text))
    labels = {label: i + 1 for i, label in enumerate(FAVOURABLE)}
    mapping = {"outcome": "ltr", "moments": {"Han": "Han Solo"}, "labels": {"Han": labels}, "scales": {"Han": [1, 5]}}
    (chunk,), errors = run(table, mapping)
    assert [(e.line, e.value, e.reason) for e in errors] == [(6, "Great", "not a number")]
    assert chunk.ratings[:4, 0].tolist()[:2] == [100.0, 75.0]
    assert np.isnan(chunk.ratings[2, 0]) and chunk.ratings[3, 0] == 0.0


# --- rankings -----------------------------------------------------------------------------------------------------


def test_a_ranking_is_recognised_and_a_rating_matrix_is_not():
    rng = np.random.default_rng(3)
    ranks = np.array([rng.permutation(6) + 1 for _ in range(300)], dtype=float)
    ranks[::7] = np.nan  # skipped the question
    assert is_ranking(ranks)
    ratings = rng.integers(1, 7, (300, 6)).astype(float)
    assert not is_ranking(ratings)


def test_spss_value_labels_give_each_moment_its_own_scale(tmp_path):
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"resp": ["a1", "a2", "a3"], "food": [1.0, 3.0, 5.0], "value": [0.0, 5.0, 10.0],
                          "ltr": [10.0, 7.0, 0.0]})  # fmt: skip
    path = tmp_path / "s.sav"
    five = {1.0: "Very poor", 3.0: "Fair", 5.0: "Excellent"}
    ten = {0.0: "Worst value", 10.0: "Best value"}
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"food": five, "value": ten})
    table = read_table(path)
    (chunk,), errors = run(table, {"respondent_id": "resp", "outcome": "ltr",
                                   "moments": {"Food": "food", "Value": "value"}})  # fmt: skip
    assert not errors
    assert chunk.scales == [(1.0, 5.0), (0.0, 10.0)]
    np.testing.assert_allclose(chunk.ratings, [[0, 0], [50, 50], [100, 100]])


def test_the_proposal_takes_an_spss_columns_scale_from_its_value_labels(tmp_path):
    import pandas as pd
    import pyreadstat

    from surveys.ingest import propose_mapping

    frame = pd.DataFrame({"resp": [f"a{i}" for i in range(30)], "food": [float(i % 3 + 2) for i in range(30)],
                          "ltr": [float(i % 11) for i in range(30)]})  # fmt: skip
    path = tmp_path / "p.sav"
    labels = {1.0: "Very poor", 2.0: "Poor", 3.0: "Fair", 4.0: "Good", 5.0: "Very good", 6.0: "Excellent"}
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"food": labels},
                         column_labels={"ltr": "How likely are you to recommend us?"})  # fmt: skip
    m = propose_mapping(read_table(path)).mapping
    assert m.moments == {"food": "food"} and m.scales == {"food": (1.0, 6.0)}  # values 2-4 only, labels 1-6


def test_a_gap_code_that_is_an_answer_in_another_column_is_not_proposed():
    values = {c: np.r_[np.tile([1.0, 2, 3, 4, 5], 40), [9.0] * 10] for c in "abc"}
    values["ten"] = np.tile(np.arange(1.0, 11), 20)
    assert na_codes_propose(values)[0] == []
