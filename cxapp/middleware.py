from django.conf import settings
from django.utils import translation

from .models import UserPreference


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header: every script, style and font is served by this app (no CDN)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CSP)
        return response


class UserLanguageMiddleware:
    """Activates a signed-in user's saved language (``UserPreference.language``) over the cookie and the
    browser's Accept-Language that ``LocaleMiddleware`` used; a user who never chose keeps the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
