import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request with Accept-Language: nl leaves Dutch active in the test's thread (LocaleMiddleware activates and
    never deactivates); the tests that follow expect English."""
    yield
    translation.deactivate()
