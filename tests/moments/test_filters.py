"""The one analysis filter: its dialect (and the old spellings), one bad field never resetting the others, the
refused empty selection, the default view, and file names that tell two views apart."""

from types import SimpleNamespace

import pytest
from django.http import QueryDict

from moments.filters import AnalysisFilter, default_filter, filter_parse

W1 = SimpleNamespace(pk=11, name="2026 Q1", has_responses=True)
W2 = SimpleNamespace(pk=12, name="2026 Q2", has_responses=True)
EMPTY = SimpleNamespace(pk=13, name="2026 Q3", has_responses=False)  # left by a refused upload
SURVEYS = [W1, W2, EMPTY]


def parse(query: str, surveys=SURVEYS):
    return filter_parse(QueryDict(query), journey=None, surveys=surveys)


def test_the_default_is_the_latest_wave_with_responses():
    assert default_filter(None, surveys=SURVEYS) == AnalysisFilter(survey_ids=(12,))
    assert default_filter(None, surveys=[EMPTY]).survey_ids == ()
    assert parse("").filter == AnalysisFilter(survey_ids=(12,))
    assert parse("method=shapley").filter.survey_ids == (12,)  # no wave given: the default waves


def test_one_dialect_and_the_old_spellings_mean_the_same():
    canonical = parse("wave=11&wave=12&segment.region=North&segment.region=South&segment.plan=Fibre")
    api = parse("survey=12&survey=11&segment.region=South&segment.region=North&segment.plan=Fibre")
    page = parse("wave=12&wave=11&seg_region=North&seg_region=South&seg_plan=Fibre")
    assert canonical.filter == api.filter == page.filter
    assert canonical.filter.survey_ids == (11, 12)
    assert canonical.filter.segment_filter == {"plan": ["Fibre"], "region": ["North", "South"]}
    assert not canonical.errors and not api.errors and not page.errors


def test_the_query_string_round_trips():
    parsed = parse(
        "wave=11&segment.region=North&method=correlation&threshold=fixed&fixed_satisfaction=60&fixed_impact=5"
    )
    again = parse(parsed.filter.query())
    assert again.filter == parsed.filter
    assert parsed.filter.query() == (
        "wave=11&segment.region=North&method=correlation&threshold=fixed&fixed_satisfaction=60&fixed_impact=5"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("method=bogus", "method"),
        ("threshold=nope", "threshold"),
        ("fixed_satisfaction=150", "fixed_satisfaction"),
        ("threshold=fixed&fixed_satisfaction=50", "fixed_impact"),
        ("compare=999", "compare"),
        ("segment.=North", "segment"),
    ],
)
def test_one_bad_field_is_reported_and_the_others_are_kept(query, field):
    parsed = parse(f"wave=11&segment.region=North&method=shapley&{query}")
    assert field in parsed.errors
    assert parsed.filter.survey_ids == (11,)
    assert parsed.filter.segment_filter == {"region": ["North"]}
    if field != "method":
        assert parsed.filter.method == "shapley"


def test_a_bad_wave_is_named_with_the_parameter_the_client_used():
    assert "survey" in parse("survey=abc").errors
    assert "Not a wave of this journey: 999" in parse("wave=999").errors["wave"]
    kept = parse("wave=999&method=correlation")
    assert kept.filter.method == "correlation" and kept.filter.survey_ids == (12,)


def test_an_empty_wave_selection_is_refused():
    parsed = parse("wave=&method=correlation")
    assert parsed.refused
    assert parsed.errors["wave"] == "Choose at least one wave."
    assert not parse("wave=&wave=11").refused  # the page's hidden empty value beside a ticked wave


def test_fixed_targets_keep_their_precision_in_links():
    parsed = parse("threshold=fixed&fixed_satisfaction=61.23456789&fixed_impact=0.000123")
    assert parse(parsed.filter.query()).filter == parsed.filter


def test_file_names_carry_the_filter():
    names = {11: "2026 Q1", 12: "2026 Q2"}
    plain = parse("").filter.slug(names)
    filtered = parse("wave=11&wave=12&segment.region=North&method=correlation&threshold=median").filter.slug(names)
    assert plain == "2026-q2"
    assert filtered == "2026-q1-2026-q2-region-north-correlation-median"


@pytest.mark.django_db
def test_a_wave_without_the_primary_outcome_opens_on_an_outcome_it_measures(organisation):
    """The first hour: a later wave of another survey (retention only) is the default view after its import; it
    opens on Retention instead of failing for want of NPS, and a view of NPS waves stays on the primary."""
    import numpy as np

    from surveys.outcomes import Outcome
    from tests.factories import JourneyFactory, MomentFactory, wave_with_responses

    journey = JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")
    MomentFactory(journey=journey, name="Billing", slug="billing")
    ratings = np.full((40, 1), 70.0)
    nps_wave = wave_with_responses(journey, "Q1", ["billing"], ratings, np.arange(40) % 11)
    retention = Outcome(name="Retention", type="binary", positive=("Yes",))
    later = wave_with_responses(journey, "Q2", ["billing"], ratings, outcomes={retention: np.arange(40) % 2})

    assert default_filter(journey) == AnalysisFilter(survey_ids=(later.pk,), outcome="Retention")
    assert filter_parse(QueryDict(""), journey=journey).filter.outcome == "Retention"
    assert filter_parse(QueryDict(f"wave={nps_wave.pk}"), journey=journey).filter.outcome == ""  # the primary, NPS
    both = filter_parse(QueryDict(f"wave={nps_wave.pk}&wave={later.pk}"), journey=journey).filter
    assert both.outcome == ""  # NPS is measured in one of them: the primary stays
    asked = filter_parse(QueryDict(f"wave={later.pk}&outcome=NPS"), journey=journey).filter
    assert asked.outcome == ""  # asked for: kept (the page then says this wave has no NPS)
