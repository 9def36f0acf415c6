"""OpenAPI schema (valid, complete) and the Swagger UI page under the app's CSP (no CDN, no inline script)."""

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _api_routes(patterns=None, prefix="") -> set[str]:
    """Every route under /api/ from the URL resolver, written as OpenAPI paths ({name} parameters)."""
    import re

    routes = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes |= _api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return routes


def test_schema_is_valid_openapi_3_and_lists_every_api_route():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    documented = set(schema["paths"])
    undocumented = _api_routes() - documented - {"/api/schema/", "/api/docs/"}
    assert not undocumented, f"API routes missing from the schema: {sorted(undocumented)}"
    for path in [
        "/api/journeys/",
        "/api/journeys/{journey_id}/",
        "/api/journeys/{journey_id}/moments/",
        "/api/journeys/{journey_id}/analysis/",
        "/api/journeys/{journey_id}/priorities/",
        "/api/moments/{moment_id}/",
        "/api/analysis-runs/{run_id}/",
        "/api/auth/token/",
    ]:
        assert path in documented
    analysis = schema["paths"]["/api/journeys/{journey_id}/analysis/"]["get"]["responses"]
    assert {"200", "202", "401", "404", "409"} <= set(analysis)
    export = schema["paths"]["/api/journeys/{journey_id}/priorities/"]["get"]["responses"]["200"]["content"]
    assert set(export) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/json",
    }


def test_schema_generates_without_warnings(capsys):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    assert "Warning" not in capsys.readouterr().err


def test_docs_page_loads_its_assets_from_this_app():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html  # the initialiser is a separate script: CSP script-src 'self'
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_in_chromium_under_the_csp(page):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("requestfailed", lambda req: problems.append(f"failed: {req.url}"))
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".swagger-ui .info .title").get_by_text("Momentum API").wait_for()
    page.get_by_text("/api/journeys/{journey_id}/analysis/", exact=True).first.wait_for()
    assert not problems, problems
