"""The proposal recognises several outcomes (issue 11) by header words and values, in English and Dutch, and
leaves them out of the moments and segments; tested on hand-made files and on a real survey."""

import numpy as np
import pandas as pd

from surveys.ingest import propose_mapping, read_table, validate_chunks
from surveys.ingest.mapping import OutcomeColumn
from tests.surveys.ingest.conftest import write
from tests.surveys.ingest.test_proposal import csv_text


def _rows(n, answers):
    rng = np.random.default_rng(5)
    return [[f"R{i:04d}", *(f(rng, i) for f in answers)] for i in range(n)]


def test_english_outcomes_beside_the_nps(tmp_path):
    header = ["Respondent ID", "How likely are you to recommend us? (0-10)", "Will you stay with us next year?",
              "Would you switch to another provider?", "Would you buy more products from us?",
              "How much effort did it take to handle your request? (1-7)", "Ease of ordering (1-5)",
              "Installation (1-5)", "Billing (1-5)", "Region"]  # fmt: skip
    answers = [
        lambda r, i: i % 11,
        lambda r, i: ["Yes", "No"][i % 3 == 0],
        lambda r, i: ["No", "Yes"][i % 4 == 0],
        lambda r, i: ["Yes", "No"][i % 2],
        lambda r, i: 1 + i % 7,
        lambda r, i: 1 + i % 5,
        lambda r, i: 1 + (i * 3) % 5,
        lambda r, i: 1 + (i * 7) % 5,
        lambda r, i: ["North", "South"][i % 2],
    ]
    table = read_table(write(tmp_path, "en.csv", csv_text(header, _rows(200, answers))))
    proposal = propose_mapping(table)
    m = proposal.mapping
    assert (m.outcome, m.outcome_type) == (header[1], "nps")
    assert m.outcome_columns() == [
        OutcomeColumn("NPS", header[1], "nps"),
        OutcomeColumn("Retention", header[2], "binary", ("Yes",)),
        # leaving: "No" is the retained answer; the name is taken, so the column names it
        OutcomeColumn(header[3], header[3], "binary", ("No",)),
        OutcomeColumn("Cross-sell", header[4], "binary", ("Yes",)),
        OutcomeColumn("Effort", header[5], "numeric"),
    ]
    # "Ease of ordering" is the rating of a moment; outcomes are neither moments nor segments
    assert list(m.moments.values()) == header[6:9]
    assert m.segments == {"Region": "Region"}
    assert any("Retention" in r and "staying" in r for r in proposal.reasons)
    assert proposal.confident

    (chunk,) = validate_chunks(table, m)
    assert chunk.errors.empty
    assert list(chunk.outcomes) == ["NPS", "Retention", header[3], "Cross-sell", "Effort"]
    i = np.arange(200)
    np.testing.assert_array_equal(chunk.outcomes["Retention"], (i % 3 != 0).astype(float))
    np.testing.assert_array_equal(chunk.outcomes[header[3]], (i % 4 != 0).astype(float))
    np.testing.assert_array_equal(chunk.outcomes["Effort"], 1 + i % 7)


def test_dutch_outcomes_ja_nee(tmp_path):
    header = ["Respondentnummer", "Hoe waarschijnlijk is het dat u ons aanbeveelt?", "Blijft u klant bij ons?",
              "Gaat u uw contract verlengen?", "Zou u bij ons opnieuw kopen?", "Overweegt u over te stappen?",
              "Hoeveel moeite kostte het om uw vraag te regelen? (1-5)", "Levering (1-5)", "Service (1-5)",
              "Geslacht"]  # fmt: skip
    answers = [
        lambda r, i: i % 11,
        lambda r, i: ["ja", "nee"][i % 3 == 0],
        lambda r, i: ["Ja", "Nee"][i % 5 == 0],
        lambda r, i: ["Ja", "Nee"][i % 2],
        lambda r, i: ["Nee", "Ja"][i % 6 == 0],  # switching: "Nee" is the retained answer
        lambda r, i: 1 + i % 5,
        lambda r, i: 1 + (i * 3) % 5,
        lambda r, i: 1 + (i * 7) % 5,
        lambda r, i: "MV"[i % 2],
    ]
    table = read_table(write(tmp_path, "nl.csv", csv_text(header, _rows(150, answers))))
    m = propose_mapping(table).mapping
    assert m.outcome_columns() == [
        OutcomeColumn("NPS", header[1], "nps"),
        OutcomeColumn("Retention", header[2], "binary", ("ja",)),
        OutcomeColumn(header[3], header[3], "binary", ("Ja",)),  # verlengen: staying, the name taken
        OutcomeColumn("Repurchase", header[4], "binary", ("Ja",)),
        OutcomeColumn(header[5], header[5], "binary", ("Nee",)),
        OutcomeColumn("Effort", header[6], "numeric"),
    ]
    assert list(m.moments.values()) == header[7:9]
    assert m.segments == {"Geslacht": "Geslacht"}


def test_a_yes_no_column_without_outcome_words_and_a_rating_about_a_stay_are_no_outcomes(tmp_path):
    header = ["id", "Likelihood to recommend", "Did you travel with children?", "Satisfaction with your stay (1-5)",
              "Would you recommend the hotel bar? (1-7)"]  # fmt: skip
    answers = [lambda r, i: i % 11, lambda r, i: ["Yes", "No"][i % 2], lambda r, i: 1 + i % 5,
               lambda r, i: 1 + i % 7]  # fmt: skip
    table = read_table(write(tmp_path, "h.csv", csv_text(header, _rows(100, answers))))
    m = propose_mapping(table).mapping
    assert [o.column for o in m.outcome_columns()] == ["Likelihood to recommend"]
    assert header[3] in m.moments.values()


def test_a_1_to_7_recommend_is_a_numeric_outcome_not_an_nps(tmp_path):
    rows = _rows(60, [lambda r, i: 1 + i % 7, lambda r, i: 1 + i % 5])
    table = read_table(write(tmp_path, "r.csv", csv_text(["id", "Would recommend (1-7)", "Billing (1-5)"], rows)))
    assert propose_mapping(table).mapping.outcome_columns() == [
        OutcomeColumn("Would recommend (1-7)", "Would recommend (1-7)", "numeric")
    ]


def test_real_survey_with_recommend_and_a_retention_question(data_dir, tmp_path):
    """The corporate reputation survey (344 German mobile-phone customers, SOURCE.md): cusl_1 "I would recommend
    [the company] to friends and relatives" (1-7), cusl_3 the retention intent (1-7), asked here as the yes/no an
    export would hold ("Ja" for 5-7); qual_* quality ratings; -99 = missing."""
    raw = pd.read_csv(data_dir / "corp_reputation/corporate_reputation_data.csv", sep=";")
    stay = np.where(raw["cusl_3"] == -99, "", np.where(raw["cusl_3"] >= 5, "Ja", "Nee"))
    frame = pd.DataFrame({
        "Respondent ID": [f"C{i:03d}" for i in range(len(raw))],
        "I would recommend the company to friends and relatives (1-7)": raw["cusl_1"],
        "Blijft u klant bij deze aanbieder?": stay,
        **{f"Quality {j} (1-7)": raw[f"qual_{j}"] for j in range(1, 9)},
    })  # fmt: skip
    path = tmp_path / "corp.csv"
    frame.to_csv(path, index=False, sep=";")
    table = read_table(path)
    m = propose_mapping(table).mapping
    recommend = "I would recommend the company to friends and relatives (1-7)"
    assert m.outcome_columns() == [
        OutcomeColumn(recommend, recommend, "numeric"),
        OutcomeColumn("Retention", "Blijft u klant bij deze aanbieder?", "binary", ("Ja",)),
    ]
    assert len(m.moments) == 8 and "-99" in m.not_applicable
    chunks = list(validate_chunks(table, m))
    errors = pd.concat([c.errors for c in chunks])
    # every row answers at least one outcome: none is refused for a missing one
    assert not (errors["reason"] == "missing outcome").any()
    outcomes = {name: np.concatenate([c.outcomes[name] for c in chunks]) for name in chunks[0].outcomes}
    ids = np.concatenate([c.respondent_id for c in chunks])
    kept = frame.set_index("Respondent ID").loc[ids]
    expected_stay = kept["Blijft u klant bij deze aanbieder?"].map({"Ja": 1.0, "Nee": 0.0, "": np.nan})
    np.testing.assert_array_equal(outcomes["Retention"], expected_stay.to_numpy(dtype=float))
    np.testing.assert_array_equal(outcomes[recommend], kept[recommend].where(kept[recommend] != -99).to_numpy(float))
    assert int(np.nansum(outcomes["Retention"])) == int((raw["cusl_3"] >= 5).sum())
