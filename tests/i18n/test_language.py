"""Which language a page speaks: the browser's Accept-Language, until a signed-in user picks one in the header."""

from cxapp.models import UserPreference
from tests.conftest import PASSWORD


def test_the_login_page_follows_the_browser(client, db):
    assert "Inloggen bij Momentum" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9").text
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").text
    assert "Log in to Momentum" in english
    assert '<html lang="en-gb">' in english


def test_english_when_the_browser_asks_for_nothing(client, analyst):
    client.force_login(analyst)
    page = client.get("/").text
    assert "Journeys" in page
    assert "Klantreizen" not in page


def test_the_switcher_saves_the_choice_over_the_browser(client, analyst):
    client.force_login(analyst)
    response = client.post("/language/", {"language": "nl", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert UserPreference.objects.get(user=analyst).language == "nl"
    client.logout()
    client.cookies.clear()  # another browser, asking for English: the saved choice still wins once signed in
    client.post("/login/", {"username": analyst.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Klantreizen" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").text


def test_an_unknown_language_is_not_saved(client, analyst):
    client.force_login(analyst)
    client.post("/language/", {"language": "de", "next": "/"})
    assert not UserPreference.objects.filter(user=analyst).exists()


def test_an_anonymous_choice_is_a_cookie(client, db):
    client.post("/language/", {"language": "nl", "next": "/login/"})
    assert "Inloggen bij Momentum" in client.get("/login/").text
