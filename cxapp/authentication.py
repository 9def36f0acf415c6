"""DRF's token authentication, recording the token's use in the audit log (at most once an hour per token)."""

import hashlib

from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication

from audit.models import AuditAction
from audit.services import audit_record_many

from .models import Membership

TOKEN_USE_EVERY_SECONDS = 3600


def _cache_key(key: str) -> str:
    return "momentum:audit-token:" + hashlib.sha256(key.encode()).hexdigest()[:32]


class AuditedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        try:
            first_this_hour = cache.add(_cache_key(token.pk), 1, TOKEN_USE_EVERY_SECONDS)
        except Exception:  # noqa: BLE001 - the cache down must not refuse the request; the use is recorded then
            first_this_hour = True
        if first_this_hour:
            organisation_ids = Membership.objects.filter(user=user).values_list("organisation_id", flat=True)
            audit_record_many(
                action=AuditAction.TOKEN_USE,
                organisation_ids=list(organisation_ids),
                actor=user,
                details={"token": token.pk[:4] + "…"},
            )
        return user, token
