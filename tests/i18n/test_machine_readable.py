"""Under Dutch the exports and the API stay machine-readable: the same bytes as in English (English column names
and identifiers, "." as the decimal separator); only the pages speak Dutch (README "Languages")."""

import csv
import io
import json

import pytest
from django.urls import reverse

from moments.exports import EXPORT_COLUMNS
from tests.factories import broadband_journey

pytestmark = pytest.mark.django_db

DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl-NL,nl;q=0.9"}


@pytest.fixture
def journey(organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 40
    return broadband_journey(organisation)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_exports_are_the_same_bytes_in_dutch(client, manager, journey, fmt):
    client.force_login(manager)
    url = reverse("moments:export", args=[journey.pk, fmt])
    english, dutch = client.get(url), client.get(url, **DUTCH)
    assert dutch.status_code == 200
    if fmt == "json":  # the one difference allowed: the second it was generated in
        english, dutch = (json.loads(r.content) for r in (english, dutch))
        english["meta"].pop("generated_at"), dutch["meta"].pop("generated_at")
        assert dutch == english
    else:
        assert dutch.content == english.content
    assert "Verhogen" in client.get(reverse("moments:dashboard", args=[journey.pk]), **DUTCH).text  # pages do change


def test_the_csv_under_dutch_has_english_columns_and_decimal_points(client, manager, journey):
    client.force_login(manager)
    body = client.get(reverse("moments:export", args=[journey.pk, "csv"]), **DUTCH).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert {r["quadrant"] for r in rows} <= {"raise", "amplify", "improve", "reduce", "insufficient_data"}
    satisfaction = [r["satisfaction"] for r in rows if r["satisfaction"]]
    assert all("," not in s for s in satisfaction)
    assert any("." in s for s in satisfaction)
    float(satisfaction[0])


def test_the_api_answers_the_same_in_dutch(client, manager, journey):
    client.force_login(manager)
    url = reverse("api-journey-priorities", args=[journey.pk])
    english, dutch = client.get(url), client.get(url, **DUTCH)
    assert dutch.status_code == 200, dutch.content
    assert json.loads(dutch.content) == json.loads(english.content)
    assert "raise" in dutch.text and "Verhogen" not in dutch.text
