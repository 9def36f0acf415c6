"""Anonymous requests, token auth, and another organisation's user on every endpoint of this app."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys.models import Moment
from tests.conftest import PASSWORD as PASSWORD_FIXTURE
from tests.factories import run_compute

from .conftest import api_client

pytestmark = pytest.mark.django_db


def _urls(journey, run=None):
    moment = journey.moments.first()
    urls = [
        f"/api/journeys/{journey.pk}/",
        f"/api/journeys/{journey.pk}/moments/",
        f"/api/journeys/{journey.pk}/segments/",
        f"/api/journeys/{journey.pk}/analysis/",
        f"/api/journeys/{journey.pk}/priorities/?export=csv",
        f"/api/moments/{moment.pk}/",
    ]
    if run is not None:
        urls.append(f"/api/analysis-runs/{run.pk}/")
    return urls


def test_anonymous_gets_401_with_a_token_challenge_everywhere(journey, small_analysis):
    client = APIClient()
    run = run_compute(journey)
    for url in ["/api/journeys/", *_urls(journey, run)]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token", url
    assert client.post("/api/journeys/", {"name": "x"}, format="json").status_code == 401
    assert client.delete(f"/api/journeys/{journey.pk}/").status_code == 401


def test_a_bad_token_is_401(journey):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/journeys/").status_code == 401


def test_token_from_the_endpoint_authenticates(analyst, journey):
    client = APIClient()
    wrong = client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == "Token"
    assert client.post("/api/auth/token/", {"username": "alice"}, format="json").status_code == 400
    response = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD_FIXTURE}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/journeys/").json()["count"] == 1
    # Token requests are exempt from CSRF (unlike session ones): a write works with the token alone.
    created = client.post(f"/api/journeys/{journey.pk}/moments/", {"name": "Porting"}, format="json")
    assert created.status_code == 201


def test_create_api_token_command_prints_the_users_token(analyst, capsys):
    call_command("create_api_token", "alice")
    key = capsys.readouterr().out.strip()
    assert key == Token.objects.get(user=analyst).key
    call_command("create_api_token", "alice", "--rotate")
    assert capsys.readouterr().out.strip() != key


def test_session_auth_works_and_enforces_csrf(analyst, journey):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD_FIXTURE)
    assert client.get("/api/journeys/").status_code == 200
    assert client.post(f"/api/journeys/{journey.pk}/moments/", {"name": "X"}, format="json").status_code == 403


def test_outsider_gets_404_on_every_detail_and_sees_nothing_in_lists(
    outsider, journey, foreign_journey, small_analysis
):
    run = run_compute(journey)
    client = api_client(outsider)
    for url in _urls(journey, run):
        assert client.get(url).status_code == 404, url
    own = client.get("/api/journeys/").json()
    assert [j["id"] for j in own["results"]] == [foreign_journey.pk]
    moment = journey.moments.first()
    for method, url in [
        ("patch", f"/api/journeys/{journey.pk}/"),
        ("delete", f"/api/journeys/{journey.pk}/"),
        ("post", f"/api/journeys/{journey.pk}/moments/"),
        ("patch", f"/api/moments/{moment.pk}/"),
        ("delete", f"/api/moments/{moment.pk}/"),
    ]:
        assert getattr(client, method)(url, {"name": "Pwned"}, format="json").status_code == 404, (method, url)
    assert Moment.objects.filter(journey=journey).count() == 4
    assert not Moment.objects.filter(name="Pwned").exists()


def test_outsider_cannot_analyse_with_a_foreign_wave(outsider, journey, foreign_journey):
    foreign_wave = journey.surveys.get()
    response = api_client(outsider).get(f"/api/journeys/{foreign_journey.pk}/analysis/?survey={foreign_wave.pk}")
    assert response.status_code == 400
    assert "survey" in response.json()
