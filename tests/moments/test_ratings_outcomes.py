"""journey_ratings_frame(outcome=NAME) over waves whose outcomes sit at different positions (issue 11)."""

from types import SimpleNamespace

import numpy as np
import pytest

from moments.selectors import ratings as ratings_module
from moments.selectors.ratings import journey_ratings_frame
from surveys.outcomes import Outcome
from surveys.selectors import journey_outcomes
from tests.factories import journey_with_moments, wave_with_responses

SLUGS = ["order", "install"]
NPS, RETENTION, EFFORT = (
    Outcome("NPS"),
    Outcome("Retention", "binary", positive=("yes",)),
    Outcome("Effort", "numeric", unit="pts"),
)


@pytest.fixture
def waves(organisation):
    journey = journey_with_moments(organisation, SLUGS)
    rng = np.random.default_rng(3)
    expected: dict[str, dict[str, float]] = {"NPS": {}, "Retention": {}, "Effort": {}}
    plan = [
        ("W1", [(NPS, "NPS"), (RETENTION, "Retention")]),
        ("W2", [(RETENTION, "Retention"), (EFFORT, "Effort"), (NPS, "NPS")]),  # other positions
        ("W3", [(EFFORT, "Effort")]),  # neither NPS nor Retention
    ]
    for name, outcomes in plan:
        n = 40
        values = {}
        for spec, key in outcomes:
            if spec.type == "nps":
                v = rng.integers(0, 11, n).astype(float)
            elif spec.type == "binary":
                v = rng.integers(0, 2, n).astype(float)
            else:
                v = rng.normal(3, 1, n)
            v[rng.random(n) < 0.1] = np.nan  # some missing answers
            values[spec] = v
            expected[key].update({f"{name}-{i:05d}": x for i, x in enumerate(v)})
        ratings = rng.uniform(0, 100, (n, len(SLUGS)))
        wave_with_responses(journey, name, SLUGS, ratings, outcomes=values)
    return journey, expected


def _by_respondent(frame) -> dict[str, float]:
    return dict(zip(frame.respondent_id.tolist(), frame.outcome.tolist(), strict=True))


def _same(got: dict[str, float], want: dict[str, float], everyone: list[str]) -> None:
    for rid in everyone:
        a, b = got[rid], want.get(rid, np.nan)
        assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b), rid


@pytest.mark.django_db
@pytest.mark.parametrize("vendor", ["postgresql", "generic"])
def test_each_wave_gives_its_own_position_of_the_named_outcome(waves, vendor, monkeypatch):
    journey, expected = waves
    if vendor == "generic":  # the SQLite (embedded demo) loader, on the same rows
        monkeypatch.setattr(ratings_module, "connection", SimpleNamespace(vendor="sqlite"))
    assert [o.name for o in journey_outcomes(journey=journey)] == ["NPS", "Retention", "Effort"]

    primary = journey_ratings_frame(journey=journey, with_ids=True)
    everyone = primary.respondent_id.tolist()
    assert len(everyone) == 120
    assert (primary.outcome_name, primary.outcome_type, primary.outcome_unit) == ("NPS", "nps", "")
    _same(_by_respondent(primary), expected["NPS"], everyone)  # W3 has no NPS: NaN there
    assert np.isnan(primary.outcome[[r.startswith("W3") for r in everyone]]).all()

    retention = journey_ratings_frame(journey=journey, with_ids=True, outcome="  retention ")
    assert (retention.outcome_name, retention.outcome_type) == ("Retention", "binary")
    _same(_by_respondent(retention), expected["Retention"], everyone)
    np.testing.assert_array_equal(retention.ratings, primary.ratings)  # only the outcome changes

    effort = journey_ratings_frame(journey=journey, with_ids=True, outcome="Effort")
    assert (effort.outcome_name, effort.outcome_type, effort.outcome_unit) == ("Effort", "numeric", "pts")
    _same(_by_respondent(effort), expected["Effort"], everyone)

    # without ids (the analysis' load) the same values in the same order
    np.testing.assert_array_equal(journey_ratings_frame(journey=journey, outcome="Effort").outcome, effort.outcome)

    with pytest.raises(ValueError, match="no outcome named “Loyalty” .*NPS, Retention, Effort"):
        journey_ratings_frame(journey=journey, outcome="Loyalty")


@pytest.mark.django_db
@pytest.mark.parametrize("vendor", ["postgresql", "generic"])
def test_a_wave_without_the_outcome_gives_nan_also_when_every_other_wave_has_it_first(organisation, vendor,
                                                                                       monkeypatch):  # fmt: skip
    if vendor == "generic":
        monkeypatch.setattr(ratings_module, "connection", SimpleNamespace(vendor="sqlite"))
    journey = journey_with_moments(organisation, SLUGS)
    ratings = np.full((3, 2), 50.0)
    wave_with_responses(journey, "W1", SLUGS, ratings, outcomes={NPS: np.array([9.0, 3.0, np.nan])})
    wave_with_responses(journey, "W2", SLUGS, ratings, outcomes={EFFORT: np.array([1.0, 2.0, 3.0])})
    primary = _by_respondent(journey_ratings_frame(journey=journey, with_ids=True))
    _same(primary, {"W1-00000": 9.0, "W1-00001": 3.0}, list(primary))  # W2's effort is not its NPS
    effort = _by_respondent(journey_ratings_frame(journey=journey, with_ids=True, outcome="effort"))
    _same(effort, {"W2-00000": 1.0, "W2-00001": 2.0, "W2-00002": 3.0}, list(effort))


@pytest.mark.django_db
def test_a_journey_without_waves_reads_as_nps(organisation):
    journey = journey_with_moments(organisation, SLUGS)
    frame = journey_ratings_frame(journey=journey)
    assert (frame.n, frame.outcome_name, frame.outcome_type) == (0, "NPS", "nps")
    assert journey_outcomes(journey=journey) == []
