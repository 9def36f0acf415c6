"""The real engine, fed through load_demo and the ratings selector, recovers the generator's planted truth."""

import pytest
from django.core.management import call_command

from moments.demo.generator import generate_broadband
from moments.models import MomentResult, RunStatus
from moments.services import demo_load

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_planted_quadrants_pain_point_small_moment_and_mover_are_recovered(seed, settings):
    settings.MOMENTUM_BOOTSTRAP = 50  # stability is not what is checked here; keep the three seeds quick
    truth = generate_broadband(seed=seed, respondents_per_wave=10).truth  # the truth does not depend on size
    loaded = demo_load(seed=seed)
    by_wave = {}
    for run in loaded.runs[:2]:
        assert run.status == RunStatus.DONE, run.message
        wave = run.summary["surveys"][0]["name"]
        results = {r.moment.slug: r for r in MomentResult.objects.filter(run=run).select_related("moment")}
        by_wave[wave] = results
        assert {slug: r.quadrant for slug, r in results.items()} == truth.quadrants[wave], f"wave {wave}"
        assert {slug for slug, r in results.items() if r.is_pain_point} == truth.pain_points
        assert results["technician-visit"].is_pain_point and results["technician-visit"].satisfaction > 70
        assert results["store-visit"].is_insufficient and results["store-visit"].rank == len(results)
        for slug, reach in truth.low_reach.items():
            if slug != "store-visit":
                assert abs(results[slug].reach - reach) < 0.03
    first, second = (by_wave[name] for name in sorted(by_wave))
    for slug, (before, after) in truth.movers.items():
        assert (first[slug].quadrant, second[slug].quadrant) == (before, after)
    assert loaded.runs[2].status == RunStatus.DONE and loaded.runs[2].summary["n"] == 6000


def test_load_demo_is_idempotent_and_creates_the_logins(settings):
    from django.contrib.auth import authenticate

    from journeys.models import Journey

    settings.MOMENTUM_BOOTSTRAP = 10
    call_command("load_demo", "--respondents", "500", stdout=__import__("io").StringIO())
    out = __import__("io").StringIO()
    call_command("load_demo", "--respondents", "500", stdout=out)
    assert Journey.objects.filter(slug="broadband", organisation__slug="demo").count() == 1
    journey = Journey.objects.get(slug="broadband", organisation__slug="demo")
    assert journey.surveys.count() == 2 and journey.moments.count() == 11
    assert sum(s.responses.count() for s in journey.surveys.all()) == 1000
    # Each wave, both together, and the latest wave's Retention and Cross-sell (the side-by-side view's).
    done = journey.analysis_runs.filter(status=RunStatus.DONE)
    assert sorted(done.values_list("outcome", flat=True)) == ["", "", "", "Cross-sell", "Retention"]
    assert [o["name"] for o in journey.surveys.first().outcomes] == ["NPS", "Retention", "Cross-sell"]
    text = out.getvalue()
    for username in ("analyst", "manager", "admin"):
        assert username in text
        assert authenticate(username=username, password="momentum-demo") is not None
    admin = authenticate(username="admin", password="momentum-demo")
    assert admin.is_superuser and admin.is_staff
    assert "momentum-demo" in text
