"""Logins into the audit log, successful and failed, from Django's auth signals (the login page, the admin and the
token endpoint all go through ``authenticate``/``login``). One record per organisation of the account, so each
organisation's admins see the logins of their members; a failed login for a name that is no account is kept with
no organisation (the Django admin shows it to staff)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed

from audit.models import AuditAction
from audit.services import audit_record_many

from .models import Membership
from .throttling import client_ip


def _organisation_ids(user) -> list[int | None]:
    ids = list(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    return ids or [None]


def login_recorded(sender, request, user, **kwargs) -> None:
    audit_record_many(
        action=AuditAction.LOGIN,
        organisation_ids=_organisation_ids(user),
        actor=user,
        ip=client_ip(request) if request is not None else None,
    )


def login_failure_recorded(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username") or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    audit_record_many(
        action=AuditAction.LOGIN_FAILED,
        organisation_ids=_organisation_ids(user) if user is not None else [None],
        actor=None,
        actor_name=username,
        ip=client_ip(request) if request is not None else None,
    )


def auth_audit_connect() -> None:
    user_logged_in.connect(login_recorded, dispatch_uid="cxapp.audit.login")
    user_login_failed.connect(login_failure_recorded, dispatch_uid="cxapp.audit.login_failed")
