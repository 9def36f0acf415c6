import pytest

from tests.conftest import browser_login
from tests.factories import JourneyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_logs_in_and_sees_the_journeys_of_their_organisation(page, analyst, organisation):
    JourneyFactory(organisation=organisation, name="Broadband", slug="broadband")

    browser_login(page, "alice")

    assert page.title() == "Journeys · Momentum"
    assert page.get_by_role("heading", name="Broadband").is_visible()


def test_a_wrong_password_says_so_on_the_login_page(page, analyst):
    browser_login_attempt = page.goto("/login/")
    assert browser_login_attempt.ok
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Your username and password didn't match")
