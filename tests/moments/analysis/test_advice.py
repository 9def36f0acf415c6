"""One advice per moment that never contradicts itself, the occurrence sentence, and numbers at their precision."""

import math

import pytest

from moments.analysis.advice import interval_format, moment_advice, number_format, occurrence_sentence

QUADRANTS = ("raise", "amplify", "improve", "reduce", "insufficient_data")


@pytest.mark.parametrize("quadrant", QUADRANTS)
@pytest.mark.parametrize("brand", [False, True])
def test_a_pain_point_overrides_every_quadrant(quadrant, brand):
    a = moment_advice(quadrant=quadrant, pain_point=True, brand_moment=brand, reach=0.4, occurrence_effect=-19.4)
    assert a.action == "remove_need"
    assert "-19 points" in a.text
    text = a.text.lower()
    assert "cut" not in text and "reduce" not in text and "let more customers" not in text
    if brand:
        assert "keep the moment" in text and "remove the need" not in text
    else:
        assert "remove the need for it" in text


def test_technician_visit_is_never_reduce_and_pain_point_at_once():
    a = moment_advice(quadrant="reduce", pain_point=True, reach=0.3, occurrence_effect=-25.0)
    assert a.action == "remove_need" and "over-delivering" not in a.text.lower()


def test_a_brand_moment_is_never_told_to_cut_cost():
    for quadrant in QUADRANTS:
        a = moment_advice(quadrant=quadrant, brand_moment=True, reach=0.5)
        assert "cost" not in a.text.lower() or "cost loyalty" in a.text.lower(), a
    assert moment_advice(quadrant="reduce", brand_moment=True).action == "keep_standard"
    assert moment_advice(quadrant="reduce").action == "reduce"


@pytest.mark.parametrize(("reach", "action"), [(0.5, "amplify"), (0.89, "amplify"), (0.9, "protect"), (1.0, "protect")])
def test_let_more_customers_experience_it_only_where_reach_leaves_room(reach, action):
    a = moment_advice(quadrant="amplify", reach=reach)
    assert a.action == action
    assert ("let more customers" in a.text) == (action == "amplify")


def test_a_small_group_effect_is_shown_with_a_caution_and_never_remove_the_need():
    # the airline's wifi: 813 of 25,976 passengers (3%) did not experience it; -58 points
    a = moment_advice(quadrant="reduce", pain_point=True, reach=1 - 813 / 25976, occurrence_effect=-58.0)
    assert a.action == "reduce"
    assert "remove the need" not in a.text.lower()
    assert any("only 3% of respondents" in c and "-58" in c for c in a.cautions)
    # at 5% of respondents the group is large enough (the setting's edge), below it is not
    assert not moment_advice(quadrant="raise", reach=0.95, occurrence_effect=-9.0).cautions
    assert moment_advice(quadrant="raise", reach=0.96, occurrence_effect=-9.0).cautions
    assert moment_advice(quadrant="raise", reach=0.04, occurrence_effect=-9.0, small_group_share=0.03).cautions == ()


def test_a_negative_what_if_says_why():
    a = moment_advice(quadrant="improve", reach=0.7, what_if=-1.04)
    assert len(a.cautions) == 1
    assert "-1.0 points" in a.cautions[0] and "own slope is negative" in a.cautions[0]
    assert "held fixed" in a.cautions[0]
    assert moment_advice(quadrant="improve", reach=0.7, what_if=2.0).cautions == ()


def test_too_few_moments_to_place():
    a = moment_advice(quadrant="insufficient_data", few_moments=True, reach=0.8)
    assert a.action == "too_few_moments" and "at least 3" in a.text
    assert moment_advice(quadrant="insufficient_data").action == "insufficient_data"


def test_uncertain_placement_gives_its_stability():
    a = moment_advice(quadrant="raise", uncertain=True, stability=0.62)
    assert a.cautions == ("Placement uncertain: the same quadrant in 62% of resamples.",)


def test_every_combination_gives_one_consistent_sentence():
    for quadrant in QUADRANTS:
        for pain in (False, True):
            for brand in (False, True):
                for reach in (0.02, 0.5, 0.97):
                    a = moment_advice(
                        quadrant=quadrant, pain_point=pain, brand_moment=brand, reach=reach, occurrence_effect=-30.0
                    )
                    t = a.text.lower()
                    says_remove = "remove the need" in t
                    says_cut = "reduce effort or cost" in t
                    says_more = "let more customers" in t
                    assert says_remove + says_cut + says_more <= 1, a
                    assert not (brand and says_cut)
                    assert not (says_more and reach >= 0.9)
                    assert not (says_remove and min(reach, 1 - reach) < 0.05)


def test_number_format_fits_the_unit():
    assert number_format(0.5, "r") == "0.50"
    assert number_format(0.4567, "r") == "0.46"
    assert number_format(12.345, "% of R^2, signed") == "12.3"
    assert number_format(-19.44, "NPS points", signed=True) == "-19.4"
    assert number_format(3.0, "NPS points", signed=True) == "+3.0"
    assert number_format(-0.04, "NPS points", signed=True) == "0.0"
    assert number_format(0.031, "share") == "3%"
    assert number_format(None, "r") == number_format(math.nan, "r") == "\u2013"
    assert interval_format(0.48, 0.52, "r") == "0.48 to 0.52"
    assert interval_format(None, 0.5, "r") == "\u2013"


def test_occurrence_sentence_says_both_facts():
    s = occurrence_sentence(
        effect=-19.2, low=-25.8, high=-12.6, q=0.0004, tested=11, meaningful=True, small_group=False
    )
    assert s == "-19 points, 95% interval -26 to -13; clearly beyond chance across the 11 moments tested"
    s = occurrence_sentence(effect=-2.1, low=-3.0, high=-1.2, q=0.001, tested=8, meaningful=False, small_group=False)
    assert s.endswith(
        "clearly beyond chance across the 8 moments tested, but smaller than the 5 points worth acting on"
    )
    s = occurrence_sentence(effect=-9.0, low=-20.0, high=2.0, q=0.3, tested=1, meaningful=True, small_group=False)
    assert s.endswith("within what chance produces across the 1 moment tested")
    s = occurrence_sentence(
        effect=-58.0, low=-61.0, high=-55.0, q=1e-9, tested=14, meaningful=True, small_group=True, smaller_share=0.031
    )
    assert "the smaller group is small (3% of respondents)" in s
    assert (
        occurrence_sentence(effect=None, low=None, high=None, q=None, tested=0, meaningful=False, small_group=False)
        == ""
    )
