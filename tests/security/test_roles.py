"""Roles inside one organisation: viewers read; analysts and admins upload, edit journeys and moments, import.

Every URL pattern (and, for the API, every write method the schema documents) must appear in ``EXPECTED``,
so a new page or endpoint fails here until its role is decided. For each persona of acme (viewer, analyst,
admin) each page is read, then written with an empty body: below the required role the answer is 403 (before any
validation, so a viewer learns nothing from a 400); at or above it anything but 403/404/5xx.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.security.conftest import PLAIN_NAMES, tenant_build
from tests.security.walker import api_schema, body_from_schema, operations_discover, route_fill, routes_discover

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_throttles")]

VIEWER, ANALYST, ADMIN = "viewer", "analyst", "admin"
RANK = {VIEWER: 0, ANALYST: 1, ADMIN: 2}

# URL name -> (role needed to read, role needed to write); None = no such method on this URL (405)
EXPECTED: dict[str, tuple[str | None, str | None]] = {
    "members": (ADMIN, ADMIN),
    "member_role": (None, ADMIN),
    "member_remove": (None, ADMIN),
    "privacy:erasure": (ADMIN, ADMIN),
    "privacy:audit_log": (ADMIN, None),
    "privacy:audit_log_csv": (ADMIN, None),
    "api-organisation-erasure": (None, ADMIN),
    "home": (VIEWER, None),
    "moments:dashboard": (VIEWER, None),
    "moments:report": (VIEWER, None),
    "moments:journey_map": (VIEWER, None),
    "moments:outcomes": (VIEWER, None),
    "moments:export": (VIEWER, None),
    "moments:run_status": (VIEWER, None),
    "moments:moment_detail": (VIEWER, None),
    "journeys:journey_create": (ANALYST, ANALYST),
    "journeys:journey_edit": (ANALYST, ANALYST),
    "journeys:journey_delete": (ANALYST, ANALYST),
    "journeys:moment_create": (ANALYST, ANALYST),
    "journeys:moment_edit": (ANALYST, ANALYST),
    "journeys:moment_delete": (ANALYST, ANALYST),
    "surveys:upload_list": (VIEWER, None),
    "surveys:upload_detail": (VIEWER, None),
    "surveys:upload_status": (VIEWER, None),
    "surveys:upload_errors": (VIEWER, None),
    "surveys:upload_new": (ANALYST, ANALYST),
    "surveys:upload_mapping": (ANALYST, ANALYST),
    "api-journey-list": (VIEWER, ANALYST),
    "api-journey-detail": (VIEWER, ANALYST),
    "api-journey-moments": (VIEWER, ANALYST),
    "api-journey-segments": (VIEWER, None),
    "api-journey-analysis": (VIEWER, None),
    "api-journey-priorities": (VIEWER, None),
    "api-journey-moved": (VIEWER, None),
    "api-moment-detail": (VIEWER, ANALYST),
    "api-analysis-run-detail": (VIEWER, None),
    "api-upload-list": (VIEWER, ANALYST),
    "api-upload-detail": (VIEWER, None),
    "api-upload-errors": (VIEWER, None),
    "api-survey-list": (VIEWER, None),
    "api-survey-detail": (VIEWER, None),
}


def _routes():
    return [r for r in routes_discover() if not r.is_allowed_without_fill]


def _deletes(route, method: str) -> str | None:
    """The kind of object a request deletes (the journey cascades to everything), or None."""
    if "remove" in route.name:
        return "membership"
    if method != "DELETE" and "delete" not in route.name:
        return None
    return "moment" if "moment_id" in route.kwargs else "journey"


def test_every_page_and_endpoint_has_an_expected_role():
    missing = sorted({r.name for r in _routes()} - set(EXPECTED))
    assert not missing, f"decide the role of these URL names in tests/security/test_roles.py EXPECTED: {missing}"
    gone = sorted(set(EXPECTED) - {r.name for r in _routes()})
    assert not gone, f"EXPECTED names URLs that no longer exist: {gone}"


@pytest.mark.parametrize("role", [VIEWER, ANALYST, ADMIN])
def test_each_role_reads_and_writes_what_it_may(role, organisation, manager, analyst, org_admin, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path
    user = {VIEWER: manager, ANALYST: analyst, ADMIN: org_admin}[role]
    ids = tenant_build(
        organisation,
        names=PLAIN_NAMES,
        pk_base=None,
        upload_root=tmp_path,
    )
    schema = api_schema()
    writes_of = {}  # schema path -> [(method, JSON body naming this organisation's objects)]
    for op in operations_discover(schema):
        if op.method != "GET":
            content = op.operation.get("requestBody", {}).get("content", {})
            node = next(iter(content.values()), {}).get("schema") if content else None
            body = body_from_schema(schema, node, ids) if node else {}
            writes_of.setdefault(op.path, []).append((op.method, {k: v for k, v in body.items() if v != "FILE"}))
    client = Client(raise_request_exception=False)
    client.force_login(user)

    problems, writes = [], []
    for route in _routes():
        if route.name not in EXPECTED:
            continue  # reported by test_every_page_and_endpoint_has_an_expected_role
        read_role, write_role = EXPECTED[route.name]
        for filled in route_fill(route, ids, ids):
            response = client.get(filled.url)
            if read_role is None:
                if response.status_code != 405:
                    problems.append(f"{role} GET {filled.url}: {response.status_code}, expected 405")
            else:
                problems += _judge(role, read_role, "GET", filled.url, response)
            if write_role is not None:
                methods = writes_of.get(route.schema_path, []) if route.is_api else [("POST", {})]
                writes += [(route, filled, method, body, write_role) for method, body in methods]
    # Writes after every read, deletions last and the journey's very last: they take the other objects with them.
    order = {None: 0, "membership": 1, "moment": 1, "journey": 2}
    deleted: set[str] = set()
    for route, filled, method, body, write_role in sorted(writes, key=lambda w: order[_deletes(w[0], w[2])]):
        if "journey" in deleted or any(f"{kind}_id" in route.kwargs for kind in deleted):
            continue
        if route.is_api:
            if method == "POST" and route.name == "api-upload-list":
                form = body | {"file": SimpleUploadedFile("q.csv", b"ResponseId,NPS\nw1,9\n")}
                response = client.post(filled.url, form)
            else:
                response = client.generic(method, filled.url, json.dumps(body), content_type="application/json")
        else:
            response = client.post(filled.url, {})
        problems += _judge(role, write_role, method, filled.url, response)
        if _deletes(route, method) and response.status_code < 400:
            deleted.add(_deletes(route, method))
    assert not problems, "\n".join(problems)


def _judge(role: str, needed: str, method: str, url: str, response) -> list[str]:
    status = response.status_code
    if RANK[role] >= RANK[needed]:
        if status in (403, 404) or status >= 500:
            return [f"{role} {method} {url}: {status}, expected allowed"]
    elif status != 403:
        return [f"{role} {method} {url}: {status}, expected 403"]
    return []


def test_member_management_is_for_staff_only_in_the_django_admin(client, org_admin):
    """No in-app member management page exists yet: memberships are managed in the Django admin, which an
    organisation admin who is not staff cannot open."""
    client.force_login(org_admin)
    response = client.get("/admin/cxapp/membership/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
