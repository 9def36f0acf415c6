"""Isolation between organisations: an analyst of globex walks every URL pattern and every API operation, with
path ids, query parameters and request bodies naming acme's objects, and must neither see nor change any of them.

What is asserted for every request:
- a URL with a foreign id anywhere in its path answers 404 (or 403/405), whatever the method: never 2xx or 3xx;
- no response, whatever its status, contains any of acme's names, slugs, respondent ids, segment values, file
  names or error values (exports included: CSV bodies are read as text, XLSX files unzipped);
- no JSON body carries one of acme's ids under an id-like key;
- nothing answers 500;
- at the end acme's journeys, moments, waves, responses, uploads, runs, results and memberships are exactly as
  before, and no other organisation's run or upload points at acme's waves.
The discovery is generic (``walker.py``): a new URL pattern or API route the walker cannot fill fails
``test_every_url_pattern_is_covered_by_the_walker``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.security.conftest import foreign_snapshot
from tests.security.walker import (
    FIELD_OBJECTS,
    Route,
    api_schema,
    body_from_schema,
    operations_discover,
    query_from_operation,
    route_fill,
    route_unfillable_kwargs,
    routes_discover,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_throttles")]

# 405/415 answer before any lookup (method or content type not accepted): they say nothing about the id.
DENIED = {403, 404, 405, 415}
OK_WRITE_ON_OWN = {200, 201, 202, 204, 302, 400, 403, 404, 405, 409, 415}


def routes_uncovered(routes: list[Route]) -> list[str]:
    problems = []
    for route in routes:
        if route.is_allowed_without_fill:
            continue
        if not route.name:
            problems.append(f"{route.route}: unnamed pattern (the walker reverses by name)")
        elif unfillable := route_unfillable_kwargs(route):
            problems.append(f"{route.name} ({route.route}): kwargs {unfillable} not in walker.KWARG_OBJECTS/VALUES")
    return problems


def test_every_url_pattern_is_covered_by_the_walker():
    routes = routes_discover()
    assert len(routes) > 10
    problems = routes_uncovered(routes)
    assert not problems, "URL patterns the isolation walker cannot fill:\n" + "\n".join(problems)


def test_every_api_route_is_described_by_the_openapi_schema():
    paths = set(api_schema()["paths"])
    api_routes = [r for r in routes_discover() if r.is_api and not r.is_allowed_without_fill]
    missing = [r.schema_path for r in api_routes if r.schema_path not in paths]
    assert not missing, f"API routes missing from /api/schema/ (so from the walker's request bodies): {missing}"


def test_a_new_url_pattern_the_walker_cannot_fill_fails_the_suite(settings):
    """The coverage assertion has teeth: a pattern with an unknown kwarg (tests/security/urls_extra.py) is caught."""
    settings.ROOT_URLCONF = "tests.security.urls_extra"
    problems = routes_uncovered(routes_discover())
    assert any("widget_id" in p for p in problems), problems


def test_the_admin_is_closed_to_members_who_are_not_staff(client, outsider):
    client.force_login(outsider)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# ---------------------------------------------------------------------------------------------------- the walk
@dataclass
class Probe:
    method: str
    url: str
    label: str
    foreign_in_path: bool
    query: dict = field(default_factory=dict)
    form: dict | None = None
    json_body: dict | None = None
    order: int = 0


def _generic_payload(foreign: dict[str, int]) -> dict:
    """A body naming every kind of foreign object under every field name a form or serializer might use."""
    payload: dict = {name: foreign[kind] for name, kind in FIELD_OBJECTS.items()}
    payload |= {"name": "Walker", "slug": "walker", "description": "walker", "stage": "walker", "role": "admin"}
    return payload


def _with_file(form: dict) -> dict:
    return form | {"file": SimpleUploadedFile("walker.csv", b"ResponseId,NPS\nw1,9\n", content_type="text/csv")}


def _order(method: str, name: str) -> int:
    """Destructive requests last, so that the own objects they may delete are still there for the others."""
    destructive = "delete" in name or "remove" in name
    return (2 if method == "DELETE" else 1 if destructive else 0) * 10 + (0 if method == "GET" else 1)


def probes_build(tenants) -> list[Probe]:
    own, foreign = tenants.own, tenants.foreign
    query = {name: foreign[kind] for name, kind in FIELD_OBJECTS.items()}
    probes: list[Probe] = []
    for route in routes_discover():
        if route.is_allowed_without_fill:
            continue
        for filled in route_fill(route, own, foreign):
            label = f"{route.name}{filled.kwargs}"
            methods = ["GET", "POST"] + (["PUT", "PATCH", "DELETE"] if route.is_api else [])
            if not filled.is_foreign:  # own page as it is, and again with foreign ids in every filter parameter
                probes.append(Probe("GET", filled.url, label, False, query=query, order=_order("GET", route.name)))
            for method in methods:
                probe = Probe(method, filled.url, label, filled.is_foreign, order=_order(method, route.name))
                if method != "GET":
                    if route.is_api and method != "POST":
                        probe.json_body = _generic_payload(foreign)
                    else:
                        probe.form = _with_file(_generic_payload(foreign))
                probes.append(probe)
    # The schema's operations, with the bodies and query parameters they document.
    schema = api_schema()
    routes = {r.schema_path: r for r in routes_discover()}
    for op in operations_discover(schema):
        route = routes.get(op.path)
        if route is None or route.is_allowed_without_fill:
            continue
        content = op.operation.get("requestBody", {}).get("content", {})
        for filled in route_fill(route, own, foreign):
            probe = Probe(
                op.method,
                filled.url,
                f"{op.method} {op.path} {filled.kwargs} (schema)",
                filled.is_foreign,
                query=query_from_operation(op.operation, foreign),
                order=_order(op.method, route.name),
            )
            if "application/json" in content:
                probe.json_body = body_from_schema(schema, content["application/json"]["schema"], foreign)
            elif "multipart/form-data" in content:
                body = body_from_schema(schema, content["multipart/form-data"]["schema"], foreign)
                probe.form = _with_file({k: v for k, v in body.items() if v != "FILE"})
            probes.append(probe)
    return sorted(probes, key=lambda p: p.order)


def _send(client, probe: Probe):
    if probe.method == "GET":
        return client.get(probe.url, probe.query)
    url = probe.url
    if probe.query:
        url += "?" + "&".join(f"{k}={v}" for k, v in probe.query.items())
    if probe.json_body is not None:
        return client.generic(probe.method, url, json.dumps(probe.json_body), content_type="application/json")
    if probe.form is None:
        return client.generic(probe.method, url)
    for value in probe.form.values():
        if hasattr(value, "seek"):
            value.seek(0)
    return client.post(url, probe.form)


def _body_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content[:2] == b"PK":  # XLSX: the strings live in the zipped XML parts
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8", "replace")


def _foreign_ids_in_json(node, foreign_ids: set[int], key: str = "") -> list[str]:
    idlike = key in ("id", "pk") or key in FIELD_OBJECTS or key.endswith("_id") or key.endswith("_ids")
    if isinstance(node, dict):
        return [hit for k, v in node.items() for hit in _foreign_ids_in_json(v, foreign_ids, k)]
    if isinstance(node, list):
        return [hit for v in node for hit in _foreign_ids_in_json(v, foreign_ids, key)]
    if idlike and isinstance(node, int) and not isinstance(node, bool) and node in foreign_ids:
        return [f"{key}={node}"]
    return []


def probe_check(probe: Probe, response, tenants) -> list[str]:
    status = response.status_code
    where = f"{probe.method} {probe.url} [{probe.label}] -> {status}"
    problems = []
    if status >= 500:
        problems.append(f"{where}: server error")
    if probe.foreign_in_path and status not in DENIED:
        problems.append(f"{where}: a foreign id in the path must answer 404")
    if not probe.foreign_in_path and probe.method != "GET" and status not in OK_WRITE_ON_OWN:
        problems.append(f"{where}: unexpected status for a write on own objects")
    text = _body_text(response)
    leaked = [marker for marker in tenants.markers if marker in text]
    if leaked:
        problems.append(f"{where}: body shows the other organisation's {leaked}")
    if 200 <= status < 300 and "json" in response.get("Content-Type", ""):
        try:
            ids = _foreign_ids_in_json(json.loads(text), tenants.foreign_ids)
        except ValueError:
            ids = []
        if ids:
            problems.append(f"{where}: JSON carries foreign ids {ids}")
    return problems


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_an_outsider_sees_and_changes_nothing_of_another_organisation(role, outsider, tenants):
    """Walked as globex's analyst, and as its admin (who reaches the member pages of their own organisation)."""
    outsider.memberships.update(role=role)
    client = Client(raise_request_exception=False)  # a 500 is recorded like any other problem; the walk goes on
    client.force_login(outsider)
    before = foreign_snapshot(tenants.foreign["organisation"])
    probes = probes_build(tenants)
    assert len(probes) > 50

    problems: list[str] = []
    own_not_found: list[str] = []
    for probe in probes:
        response = _send(client, probe)
        problems += probe_check(probe, response, tenants)
        if probe.method == "GET" and not probe.foreign_in_path and response.status_code == 404 and probe.order == 0:
            own_not_found.append(f"GET {probe.url} [{probe.label}]")

    after = foreign_snapshot(tenants.foreign["organisation"])
    changed = sorted(key for key in before if before[key] != after[key])
    assert not changed, f"the outsider's requests changed the other organisation's {changed}"
    assert not problems, f"{len(problems)} isolation problems:\n" + "\n".join(problems)
    # The walk is only as good as its ids: own objects must be found, or the foreign 404s prove nothing.
    assert not own_not_found, "own objects answered 404 (the walker fills wrong ids):\n" + "\n".join(own_not_found)


def test_the_walk_would_see_a_leak(client, outsider, tenants):
    """Sanity of the checks themselves: acme's analyst does see acme's markers on the same pages."""
    from cxapp.models import Organisation
    from tests.factories import MembershipFactory, UserFactory

    insider = UserFactory(username="insider", email="", password=None)
    foreign = Organisation.objects.get(pk=tenants.foreign["organisation"])
    MembershipFactory(user=insider, organisation=foreign, role="analyst")
    client.force_login(insider)
    response = client.get(f"/journeys/{tenants.foreign['journey']}/")
    probe = Probe("GET", f"/journeys/{tenants.foreign['journey']}/", "insider", foreign_in_path=True)
    problems = probe_check(probe, response, tenants)
    assert any("must answer 404" in p for p in problems)
    assert any(re.search(r"Leakjourney", p) for p in problems)
