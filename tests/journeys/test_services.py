"""The one slug rule and the writes of journeys and moments (journeys.services)."""

import pytest

from journeys import selectors, services
from journeys.services import JourneyError, slug_make


def test_slug_make_follows_the_rule():
    assert slug_make(text="Broadband Onboarding!", taken=[], fallback="journey") == "broadband-onboarding"
    assert slug_make(text="Billing", taken=["billing", "billing-2"], fallback="moment") == "billing-3"
    assert slug_make(text="???", taken=[], fallback="moment") == "moment"
    long = slug_make(text="x" * 120, taken=["x" * 80], fallback="moment")
    assert len(long) == 80 and long.endswith("-2")


@pytest.mark.django_db
def test_a_rename_keeps_the_slug_and_names_stay_unique(organisation):
    journey = services.journey_create(organisation=organisation, name="Broadband")
    services.journey_update(journey=journey, name="Broadband 2027")
    journey.refresh_from_db()
    assert (journey.name, journey.slug) == ("Broadband 2027", "broadband")
    with pytest.raises(JourneyError) as clash:
        services.journey_create(organisation=organisation, name="broadband 2027")
    assert clash.value.field == "name"
    # a new journey whose name slugifies to a taken slug gets the next free suffix
    assert services.journey_create(organisation=organisation, name="Broadband!").slug == "broadband-2"

    moment = services.moment_create(journey=journey, name="Technician visit")
    services.moment_update(moment=moment, name="Engineer visit", aliases=["tech", "Tech", " "])
    moment.refresh_from_db()
    assert (moment.slug, moment.aliases, moment.position) == ("technician-visit", ["tech"], 1)
    with pytest.raises(JourneyError):
        services.moment_create(journey=journey, name="engineer  VISIT")


@pytest.mark.django_db
def test_moments_ensure_never_merges_two_names(organisation):
    journey = services.journey_create(organisation=organisation, name="Films")
    stem = "Please rank the following films in order of preference with 1 being your favorite film " * 2
    names = [f"{stem}Episode {n}" for n in ("I", "II", "III")]
    moments = services.moments_ensure(journey=journey, names=names)
    assert len({m.pk for m in moments}) == 3  # same 80-character slug stem, three moments
    again = services.moments_ensure(journey=journey, names=[n.upper() for n in names])
    assert [m.pk for m in again] == [m.pk for m in moments]


@pytest.mark.django_db
def test_journey_for_user_is_scoped_and_never_guesses_between_organisations(
    analyst, manager, organisation, other_organisation
):
    from tests.factories import MembershipFactory

    mine = services.journey_create(organisation=organisation, name="Onboarding")
    theirs = services.journey_create(organisation=other_organisation, name="Onboarding")
    assert selectors.journey_for_user(user=manager, journey="onboarding") == mine
    assert selectors.journey_for_user(user=manager, journey="onboarding", edit=True) is None  # a viewer
    assert selectors.journey_for_user(user=analyst, journey=theirs.pk) is None
    MembershipFactory(user=analyst, organisation=other_organisation, role="viewer")
    # the slug is now ambiguous for the analyst: nothing, rather than the first of two
    assert selectors.journey_for_user(user=analyst, journey="onboarding") is None
    assert selectors.journey_for_user(user=analyst, journey="onboarding", edit=True) == mine
