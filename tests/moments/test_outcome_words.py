"""The outcomes' words and the side-by-side view's disagreements (``moments.outcomes``), without a database."""

import pytest

from moments.outcomes import (
    OutcomeChoice,
    UnknownOutcome,
    outcome_choose,
    outcome_differences,
    outcome_points_unit,
    outcome_value_label,
)

CHOICES = [
    OutcomeChoice("NPS", "nps", primary=True),
    OutcomeChoice("Retention", "binary"),
    OutcomeChoice("Cross-sell", "binary"),
]


def test_an_outcome_is_chosen_by_name_ignoring_case_and_whitespace_and_the_primary_is_the_default():
    assert outcome_choose(CHOICES, None).name == "NPS" and outcome_choose(CHOICES, "").value == ""
    assert outcome_choose(CHOICES, "  reTENtion ").value == "Retention"
    assert outcome_choose(CHOICES, "nps").value == ""  # the primary one is the default view, stored as ""
    assert outcome_choose([], None) is None
    with pytest.raises(UnknownOutcome, match="Unknown outcome 'Churn': this journey's outcomes are NPS, Retention"):
        outcome_choose(CHOICES, "Churn")


def test_the_outcome_is_named_in_the_kpi_title_and_the_what_if_unit():
    retention = {"outcome_type": "binary", "outcome_name": "Retention"}
    assert outcome_value_label(retention) == "Retention rate"
    assert outcome_points_unit(retention) == "percentage points of Retention"
    assert outcome_value_label({"outcome_type": "nps"}) == "NPS"  # a run made before outcomes had names
    assert outcome_points_unit({"outcome_type": "nps", "outcome_name": "NPS"}) == "NPS points"
    assert outcome_value_label({"outcome_type": "numeric", "outcome_name": "Effort"}) == "Effort (mean)"


def test_disagreements_between_outcomes_in_words():
    quadrants = {
        "Installation": {"NPS": "amplify", "Retention": "reduce"},
        "First bill": {"NPS": "raise", "Retention": "raise"},
        "Contract renewal": {"NPS": "improve", "Retention": "raise"},
        "Service call": {"NPS": "improve", "Retention": "amplify"},
        "Welcome pack": {"NPS": "reduce", "Retention": "improve"},  # low impact for both: not "drives"
        "Store visit": {"NPS": "insufficient_data", "Retention": "raise"},  # not placed for NPS: no claim
        "App": {"NPS": "raise"},  # Retention not analysed yet
    }
    differences, others = outcome_differences(["NPS", "Retention"], quadrants)
    assert [(d.drives, d.not_on, d.moments) for d in differences] == [
        ("NPS", "Retention", ("Installation",)),
        ("Retention", "NPS", ("Contract renewal", "Service call")),
    ]
    assert others == [("Welcome pack", {"NPS": "reduce", "Retention": "improve"})]
    assert outcome_differences(["NPS", "Retention"], {"First bill": quadrants["First bill"]}) == ([], [])
