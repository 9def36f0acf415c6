"""Schemathesis over the served OpenAPI schema against a live server, as an analyst with a token: every
operation, every built-in check (server errors, status codes, content types and response bodies conforming to
the schema, rejected invalid input, accepted valid input, auth actually enforced, ...), 0 failures.

Bounded: a few examples per operation (``FUZZ_EXAMPLES``), so the whole run stays well under 90 s.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from tests.security.conftest import PLAIN_NAMES, tenant_build

FUZZ_EXAMPLES = 8


@pytest.fixture
def fuzz_token(transactional_db, organisation, analyst, clean_throttles, monkeypatch, settings, tmp_path) -> str:
    # The fuzzer is one fast client: the production rates would answer it 429, which is not what is tested here.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "100000/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "100000/min")
    settings.UPLOAD_ROOT = tmp_path
    tenant_build(
        organisation,
        names=PLAIN_NAMES,
        pk_base=None,
        upload_root=tmp_path,
    )
    return Token.objects.create(user=analyst).key


def test_the_api_survives_fuzzing_with_every_check(live_server, fuzz_token):
    # One hypothesis run per operation, driven by hand: schemathesis' lazy pytest fixture needs pytest internals
    # that pytest 9 no longer has (``Function._nodeid``).
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    headers = {"Authorization": f"Token {fuzz_token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            case.call_and_validate(base_url=live_server.url, headers=headers)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation runs; all reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(failures)
