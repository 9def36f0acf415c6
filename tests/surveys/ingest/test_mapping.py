"""Mapping JSON round trip and checks; propose_mapping on real exports."""

import pytest

from surveys.ingest import IngestError, Mapping, propose_mapping, read_table
from tests.surveys.ingest.conftest import write

FULL = {
    "respondent_id": "ResponseId",
    "submitted_at": "RecordedDate",
    "outcome": "Q1",
    "outcome_type": "binary",
    "outcome_positive": ["yes"],
    "scale": [1, 5],
    "moments": {"Check-in": "Q2", "Food": "Q3"},
    "experienced": {"Food": "Q4"},
    "segments": {"Class": "Q5"},
    "not_applicable": ["0", "-99"],
    "scales": {"Check-in": [1.0, 7.0]},
    "labels": {"Food": {"Poor": 1.0, "Good": 2.0, "Excellent": 3.0}},
}


def test_json_round_trip():
    mapping = Mapping.from_json(FULL)
    assert mapping.scale == (1.0, 5.0)
    assert mapping.to_json() == {**FULL, "scale": [1.0, 5.0]}
    assert Mapping.from_json(mapping.to_json()) == mapping


def test_defaults():
    mapping = Mapping.from_json({"outcome": "ltr"})
    assert (mapping.respondent_id, mapping.outcome_type, mapping.moments, mapping.scale) == (None, "nps", {}, None)


def test_numbers_in_not_applicable_become_text():
    assert Mapping.from_json({"outcome": "x", "not_applicable": [0, -99, "N/A"]}).not_applicable == ["0", "-99", "N/A"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "x", "colour": "red"}, "unknown key"),
        ({}, "'outcome' is required"),
        ({"outcome": "x", "outcome_type": "stars"}, "outcome_type"),
        ({"outcome": "x", "scale": [5, 1]}, "scale"),
        ({"outcome": "x", "scale": "1-5"}, "scale"),
        ({"outcome": "x", "moments": ["Q1"]}, "'moments' must map names"),
        ({"outcome": "x", "moments": {"A": "Q1"}, "experienced": {"B": "Q2"}}, "not in 'moments'"),
        ({"outcome": "x", "outcome_positive": ["yes"]}, "only to outcome_type 'binary'"),
        ({"outcome": 3}, "'outcome' must be a column name"),
        ([], "JSON object"),
    ],
)
def test_invalid_json(data, message):
    with pytest.raises(IngestError, match=message):
        Mapping.from_json(data)


def test_check_columns_suggests_close_match(tmp_path):
    table = read_table(write(tmp_path, "a.csv", "ResponseId,Q1,Q2\nR1,9,4\n"))
    mapping = Mapping.from_json({"respondent_id": "ResponseID", "outcome": "Q1", "moments": {"A": "Q1", "B": "Q9"}})
    problems = mapping.check_columns(table)
    assert "respondent_id: column 'ResponseID' is not in the file (did you mean 'ResponseId'?)" in problems
    assert any("'Q9' is not in the file" in p for p in problems)
    assert any("both the outcome and a moment" in p for p in problems)


def test_proposal_qualtrics_nps_group(tmp_path):
    text = (
        "StartDate,RecordedDate,ResponseId,Q1,Q1_NPS_GROUP,Q2_1,Q2_2,Q3\n"
        "Start,Recorded,Response ID,How likely are you to recommend us?,NPS group,Check-in,Boarding,Comments\n"
        + '"{""ImportId"":""startDate""}",' * 7
        + '"{""ImportId"":""QID3_TEXT""}"\n'
        + "".join(
            f"2024-01-0{i} 10:00:00,2024-01-0{i} 10:05:00,R_{i},{i},1,{i % 5 + 1},{(i * 2) % 5 + 1},hi\n"
            for i in range(1, 9)
        )
    )
    table = read_table(write(tmp_path, "q.csv", text))
    proposal = propose_mapping(table)
    m = proposal.mapping
    assert proposal.confident
    assert (m.respondent_id, m.submitted_at, m.outcome, m.outcome_type) == ("ResponseId", "RecordedDate", "Q1", "nps")
    assert m.moments == {"Check-in": "Q2_1", "Boarding": "Q2_2"}


def test_proposal_with_known_moment_aliases(tmp_path):
    text = "Respondent ID,Date submitted,Likely to recommend (0-10),Satisfaction – Check-in desk,Café food,Gender\n"
    text += "".join(f"{i},2024-01-01,{i % 11},{i % 5 + 1},{i % 3 + 1},{'MF'[i % 2]}\n" for i in range(20))
    table = read_table(write(tmp_path, "a.csv", text))
    proposal = propose_mapping(
        table, moments={"Check-in": ["check in", "checkin"], "Food": ["cafe", "food"], "Wifi": []}
    )
    m = proposal.mapping
    assert m.respondent_id == "Respondent ID"
    assert m.submitted_at == "Date submitted"
    assert m.outcome == "Likely to recommend (0-10)"
    assert m.moments == {"Check-in": "Satisfaction – Check-in desk", "Food": "Café food"}
    assert any("'Wifi': no column" in r for r in proposal.reasons)
    assert m.segments == {"Gender": "Gender"}
    assert proposal.confident


def test_proposal_airline(data_dir):
    table = read_table(data_dir / "airline/test.csv")
    proposal = propose_mapping(table)
    m = proposal.mapping
    assert proposal.confident
    assert m.respondent_id == "id"
    assert (m.outcome, m.outcome_type, m.outcome_positive) == ("satisfaction", "binary", ["satisfied"])
    assert list(m.moments.values()) == table.columns[8:22]
    assert set(m.segments.values()) == {"Gender", "Customer Type", "Type of Travel", "Class"}


def test_when_no_known_moment_matches_the_rating_columns_are_proposed_as_new_moments(data_dir):
    table = read_table(data_dir / "airline/test.csv")
    proposal = propose_mapping(table, moments={"Installation": ["install"], "First bill": ["bill", "invoice"]})
    assert list(proposal.mapping.moments.values()) == table.columns[8:22]
    assert any("'Installation': no column" in r for r in proposal.reasons)
    assert proposal.confident


def test_proposal_corp_reputation(data_dir):
    table = read_table(data_dir / "corp_reputation/corporate_reputation_data.csv")
    proposal = propose_mapping(table)
    m = proposal.mapping
    assert not proposal.confident  # no column name says "recommend": the analyst has to pick cusl_1
    assert m.respondent_id is None
    assert m.not_applicable == ["-99"]
    assert {"qual_1", "cusl_1", "cusa"} <= set(m.moments.values())
    known = propose_mapping(table, moments={"Quality": ["qual 1"], "Likeability": ["like 1"]})
    assert known.mapping.moments == {"Quality": "qual_1", "Likeability": "like_1"}


def test_proposal_qualtrics_insights(data_dir):
    table = read_table(data_dir / "exports/qualtrics/QualtricsTools_No_Basis_for_Evaluation_Insights.csv")
    m = propose_mapping(table).mapping
    assert (m.respondent_id, m.submitted_at) == ("ResponseID", "EndDate")
    assert "Q3_1" in m.moments.values()
    assert m.not_applicable == ["-2", "-1"]
    assert not any(c.startswith(("Status", "Finished", "Location")) for c in m.moments.values())


@pytest.mark.parametrize(
    ("rel", "respondent_id", "submitted_at"),
    [
        ("exports/limesurvey/new_results_survey.csv", "id. Response ID", "submitdate. Date submitted"),
        ("exports/typeform/osmi_mental_health_in_tech_2018.csv", "#", "Submit Date (UTC)"),
        ("exports/googleforms/osmi_mental_health_in_tech_2014.csv", None, "Timestamp"),
        ("exports/surveymonkey/StarWars.csv", "RespondentID", None),
        ("exports/qualtrics/qualtRics_sample.csv", "ResponseId", "RecordedDate"),
    ],
)
def test_proposal_ids_and_dates_on_tool_exports(data_dir, rel, respondent_id, submitted_at):
    table = read_table(data_dir / rel)
    proposal = propose_mapping(table)
    assert (proposal.mapping.respondent_id, proposal.mapping.submitted_at) == (respondent_id, submitted_at)
    # whatever was proposed validates without a mapping error
    if proposal.mapping.outcome:
        assert proposal.mapping.check_columns(table) == []


def test_proposal_limesurvey_labelled_codes_are_moments(data_dir):
    table = read_table(data_dir / "exports/limesurvey/new_results_survey.csv")
    m = propose_mapping(table).mapping
    # "Neutral (4)" style answers count as rating-like
    assert len(m.moments) >= 20
    m.outcome, m.outcome_type = next(iter(m.moments.values())), "numeric"
    m.moments = dict(list(m.moments.items())[1:])
    from surveys.ingest import validate_chunks

    chunks = list(validate_chunks(table, m))
    assert sum(len(c.lines) + len(c.bad_lines) for c in chunks) == 71


def test_validated_tool_dates(data_dir):
    from surveys.ingest import validate_chunks

    table = read_table(data_dir / "exports/googleforms/osmi_mental_health_in_tech_2014.csv")
    m = Mapping.from_json({"submitted_at": "Timestamp", "outcome": "Age", "outcome_type": "numeric"})
    chunks = list(validate_chunks(table, m))
    errors = chunks[0].errors
    assert not (errors["column"] == "Timestamp").any()
    assert str(chunks[0].submitted_at[0]) == "2014-08-27T11:29:31.000000000"
