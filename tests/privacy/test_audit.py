"""The audit log (issue 16): append-only, one organisation's admins see theirs (filterable, paginated, CSV), nobody
edits it, it has its own retention."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditAction, AuditEvent, AuditRefused
from audit.services import audit_purge, audit_record
from audit.tasks import purge_expired
from tests.conftest import PASSWORD, _member
from tests.privacy.helpers import import_wave, wave_csv


@pytest.fixture(autouse=True)
def _clean_throttles():
    from django.core.cache import cache

    cache.clear()


def _log_url(organisation) -> str:
    return f"/organisations/{organisation.pk}/audit/"


def _admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_logins_failed_ones_included_are_shown_to_the_admins_of_the_members_organisation(
    organisation, other_organisation, org_admin, analyst, outsider
):
    client = Client()
    assert client.post("/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert Client().post("/login/", {"username": "nobody", "password": "x"}).status_code == 200

    events = AuditEvent.objects.filter(organisation=organisation)
    assert list(events.filter(actor_name="alice").values_list("action", flat=True)) == ["login", "login_failed"]
    assert AuditEvent.objects.get(action="login_failed", actor_name="nobody").organisation_id is None
    body = _admin_client(org_admin).get(_log_url(organisation)).content.decode()
    assert "Failed login" in body and "alice" in body
    assert "nobody" not in body, "a login for no account belongs to no organisation"
    assert not AuditEvent.objects.filter(organisation=other_organisation, actor_name="alice").exists()


@pytest.mark.django_db
def test_the_log_is_for_admins_of_the_organisation_only(organisation, other_organisation, org_admin, analyst, manager):
    audit_record(action=AuditAction.EXPORT, organisation_id=organisation.pk, actor=analyst, details={"format": "csv"})
    globex_admin = _member("gina", other_organisation, "admin")
    audit_record(action=AuditAction.EXPORT, organisation_id=other_organisation.pk, actor=globex_admin,
                 details={"format": "xlsx-globex-marker"})  # fmt: skip
    for user in (analyst, manager):
        client = _admin_client(user)
        assert client.get(_log_url(organisation)).status_code == 403
        assert client.get(_log_url(organisation).replace("audit/", "audit.csv")).status_code == 403
    outsider = _admin_client(globex_admin)
    assert outsider.get(_log_url(organisation)).status_code == 404
    assert outsider.get(f"/organisations/{organisation.pk}/audit.csv").status_code == 404
    own = outsider.get(_log_url(other_organisation)).content.decode()
    assert "xlsx-globex-marker" in own and "alice" not in own
    mine = _admin_client(org_admin).get(_log_url(organisation)).content.decode()
    assert "alice" in mine and "xlsx-globex-marker" not in mine


@pytest.mark.django_db
def test_the_log_filters_by_action_and_date_pages_and_exports_csv(organisation, org_admin, analyst):
    for i in range(60):
        audit_record(action=AuditAction.EXPORT, organisation_id=organisation.pk, actor=analyst, details={"i": i})
    audit_record(action=AuditAction.ROLE_CHANGE, organisation_id=organisation.pk, actor=org_admin,
                 details={"username": "bob", "role": "analyst"})  # fmt: skip
    client = _admin_client(org_admin)
    first = client.get(_log_url(organisation)).content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in client.get(_log_url(organisation) + "?page=2").content.decode()
    roles = client.get(_log_url(organisation) + "?action=role_change").content.decode()
    assert "Role changed" in roles and "i: 3" not in roles
    today = timezone.localdate()
    assert "Role changed" in client.get(_log_url(organisation) + f"?since={today}&until={today}").content.decode()
    yesterday = today - timedelta(days=1)
    assert "Nothing recorded" in client.get(_log_url(organisation) + f"?until={yesterday}").content.decode()

    response = client.get(f"/organisations/{organisation.pk}/audit.csv?action=export")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 60 and {r["action"] for r in rows} == {"export"}
    assert json.loads(rows[0]["details"]) == {"i": 59} and rows[0]["user"] == "alice"
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORT, actor_name="carol").exists()


@pytest.mark.django_db
def test_nobody_edits_the_log_not_the_model_not_the_queryset_not_sql_not_the_admin(organisation, analyst):
    event = audit_record(action=AuditAction.EXPORT, organisation_id=organisation.pk, actor=analyst)
    event.action = AuditAction.LOGIN
    with pytest.raises(AuditRefused):
        event.save()
    with pytest.raises(AuditRefused):
        event.delete()
    with pytest.raises(AuditRefused):
        AuditEvent.objects.filter(pk=event.pk).update(action="login")
    with pytest.raises(AuditRefused):
        AuditEvent.objects.filter(pk=event.pk).delete()
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'login' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.action == AuditAction.EXPORT
    model_admin = admin.site._registry[AuditEvent]
    assert not model_admin.has_add_permission(None)
    assert not model_admin.has_change_permission(None, event)
    assert not model_admin.has_delete_permission(None, event)


@pytest.mark.django_db
def test_its_own_retention_deletes_only_records_older_than_the_setting(organisation, settings):
    settings.MOMENTUM_AUDIT_RETENTION_DAYS = 90
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        for days in (100, 80):
            cursor.execute(
                f"INSERT INTO {table} (organisation_id, actor_name, action, target_type, target_id, target_repr, "  # noqa: S608
                "details, created_at) VALUES (%s, 'old', 'export', '', '', '', '{}', %s)",
                [organisation.pk, timezone.now() - timedelta(days=days)],
            )
    assert purge_expired() == 1
    assert list(AuditEvent.objects.values_list("actor_name", flat=True)) == ["old"]
    assert AuditEvent.objects.get().created_at < timezone.now() - timedelta(days=79)
    assert audit_purge() == 0
    assert settings.CELERY_BEAT_SCHEDULE["audit.purge_expired"]["task"] == "audit.purge_expired"


@pytest.mark.django_db
def test_role_changes_removals_uploads_imports_mappings_deletions_and_exports_are_recorded(
    organisation, org_admin, analyst, manager, tmp_path, settings
):
    client = _admin_client(org_admin)
    bob = organisation.memberships.get(user=manager)
    client.post(f"/organisations/{organisation.pk}/members/{bob.pk}/role/", {"role": "analyst"})
    client.post(f"/organisations/{organisation.pk}/members/{bob.pk}/remove/")
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    import_wave(tmp_path, organisation, journey="broadband", wave="W1", path=wave_csv(tmp_path / "w1.csv", 40))
    from journeys.models import Journey, Moment

    journey = Journey.objects.get(slug="broadband")
    moment = Moment.objects.filter(journey=journey).first()
    analyst_client = _admin_client(analyst)
    assert analyst_client.post(f"/journeys/{journey.pk}/moments/{moment.pk}/delete/").status_code == 302

    role = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert (role.actor_name, role.details) == ("carol", {"username": "bob", "role": "analyst", "previous": "viewer"})
    assert AuditEvent.objects.get(action=AuditAction.MEMBER_REMOVE).details["username"] == "bob"
    upload = AuditEvent.objects.get(action=AuditAction.UPLOAD)
    assert upload.details["file"] == "w1.csv" and upload.organisation_id == organisation.pk
    assert AuditEvent.objects.get(action=AuditAction.MAPPING).details["moments"] == 3
    assert AuditEvent.objects.get(action=AuditAction.IMPORT_DONE).details["rows_imported"] == 40
    deleted = AuditEvent.objects.get(action=AuditAction.MOMENT_DELETE)
    assert (deleted.actor_name, deleted.target_repr) == ("alice", str(moment))


@pytest.mark.django_db
def test_api_tokens_issued_and_used_are_recorded_once_an_hour(organisation, analyst):
    api = APIClient()
    response = api.post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/surveys/").status_code == 200
    assert api.get("/api/surveys/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_ISSUE, actor_name="alice").count() == 1
    used = AuditEvent.objects.filter(action=AuditAction.TOKEN_USE, organisation=organisation)
    assert used.count() == 1 and token not in json.dumps(used.get().details)


@pytest.mark.django_db
def test_a_member_removed_from_their_last_organisation_loses_their_api_token(
    organisation, other_organisation, org_admin, analyst
):
    from rest_framework.authtoken.models import Token

    from cxapp.models import Membership
    from cxapp.services import membership_remove

    token = Token.objects.create(user=analyst)
    Membership.objects.create(user=analyst, organisation=other_organisation, role="viewer")
    membership_remove(membership=Membership.objects.get(user=analyst, organisation=organisation))
    assert Token.objects.filter(pk=token.pk).exists(), "still a member of globex"
    membership_remove(membership=Membership.objects.get(user=analyst, organisation=other_organisation))
    assert not Token.objects.filter(user=analyst).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/surveys/").status_code == 401
