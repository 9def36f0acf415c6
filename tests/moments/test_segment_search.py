"""A segment with many distinct values gets a search field in the dashboard filter instead of one checkbox per
value (issue 16: 200,000 values made a 20 MB page)."""

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from tests.factories import journey_with_moments, random_wave_data, wave_with_responses

pytestmark = pytest.mark.django_db

SLUGS = ["web-order", "installation", "first-bill"]


def test_past_the_cap_a_segment_is_searched_and_its_chosen_value_stays_ticked(client, manager, organisation, settings):
    settings.MOMENTUM_SEGMENT_CHOICES_MAX = 20
    settings.MOMENTUM_BOOTSTRAP = 20
    journey = journey_with_moments(organisation, SLUGS)
    rng = np.random.default_rng(4)
    ratings, ltr = random_wave_data(rng, 200, len(SLUGS))
    segments = pd.DataFrame({"shop": [f"shop-{i % 50:02d}" for i in range(200)],
                             "region": rng.choice(["North", "South"], 200)})  # fmt: skip
    wave = wave_with_responses(journey, "W1", SLUGS, ratings, ltr, segments=segments)
    client.force_login(manager)
    url = reverse("moments:dashboard", args=[journey.pk])

    html = client.get(f"{url}?wave={wave.pk}").content.decode()

    assert html.count('name="segment.shop" value="shop-') == 0  # 50 values > 20: no checkbox per value
    assert 'type="search"' in html and 'name="segment.shop"' in html
    assert html.count('name="segment.region" value="') == 2  # a short segment keeps its checkboxes

    chosen = client.get(f"{url}?wave={wave.pk}&segment.shop=shop-07")
    assert chosen.context["state"].filter.segment_filter == {"shop": ["shop-07"]}
    assert 'name="segment.shop" value="shop-07" checked' in chosen.content.decode()
