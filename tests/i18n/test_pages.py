"""The pages a Dutch manager reads speak Dutch, with decimal commas and dd-mm-jjjj dates; in English they are as
they always were."""

import re

import pytest
from django.urls import reverse

from tests.factories import broadband_journey

pytestmark = pytest.mark.django_db

DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl"}


@pytest.fixture
def journey(organisation, settings):
    settings.MOMENTUM_BOOTSTRAP = 40
    return broadband_journey(organisation)


def test_the_dashboard_in_dutch(client, manager, journey):
    client.force_login(manager)
    page = client.get(reverse("moments:dashboard", args=[journey.pk]), **DUTCH).text
    for words in ("Top 3 prioriteiten", "Verhogen", "Versterken", "Verbeteren", "Minder doen", "Bereik", "Toepassen"):
        assert words in page
    assert re.search(r"95%-interval [+−]?\d+,\d tot", page)
    assert "Top 3 priorities" not in page


def test_the_moment_page_and_the_report_in_dutch(client, manager, journey):
    client.force_login(manager)
    moment = journey.moments.order_by("position").first()
    page = client.get(reverse("moments:moment_detail", args=[journey.pk, moment.pk]), **DUTCH).text
    assert "Wat als we het oplossen?" in page
    assert "Tevredenheid" in page
    report = client.get(reverse("moments:report", args=[journey.pk]), **DUTCH).text
    assert "Eerst oplossen:" in report
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d", report)  # dd-mm-jjjj


def test_the_dashboard_in_english_is_unchanged(client, manager, journey):
    client.force_login(manager)
    page = client.get(reverse("moments:dashboard", args=[journey.pk])).text
    assert "Top 3 priorities" in page
    assert re.search(r"95% interval [+−]?\d+\.\d to", page)
    report = client.get(reverse("moments:report", args=[journey.pk])).text
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d", report)  # "2 Dec 2026 14:05", as before


def test_the_uploads_page_and_a_flash_message_in_dutch(client, analyst, journey):
    client.force_login(analyst)
    page = client.get(reverse("surveys:upload_list"), **DUTCH).text
    assert "Rijen met fouten" in page
    assert "dagen bewaard nadat het inlezen klaar is" in page or "verwijderd zodra" in page
    response = client.post(
        reverse("journeys:journey_edit", args=[journey.pk]),
        {"name": journey.name, "description": "", "organisation": journey.organisation_id},
        follow=True,
        **DUTCH,
    )
    assert "Klantreis opgeslagen." in response.text
