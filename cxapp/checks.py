"""Deploy checks of our own, run by ``manage.py check --deploy`` beside Django's security checks."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

CSP_MIDDLEWARE = "cxapp.middleware.ContentSecurityPolicyMiddleware"
LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@register(Tags.security, deploy=True)
def content_security_policy_check(app_configs, **kwargs):
    csp = getattr(settings, "CSP", "")
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE or "default-src" not in csp or "frame-ancestors" not in csp:
        return [
            Warning(
                "No Content-Security-Policy with default-src and frame-ancestors is sent.",
                hint=f"Keep {CSP_MIDDLEWARE} in MIDDLEWARE and settings.CSP as in cxapp/settings/base.py.",
                id="cxapp.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def shared_throttle_cache_check(app_configs, **kwargs):
    if settings.CACHES["default"]["BACKEND"] in LOCAL_CACHES:
        return [
            Warning(
                "The default cache is local to one process: login and API throttles would not hold across processes.",
                hint="Set REDIS_URL so the default cache is Redis.",
                id="cxapp.W002",
            )
        ]
    return []
