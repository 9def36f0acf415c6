from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from moments.selectors import journeys_overview

from .tasks import WORKER_HEARTBEAT_KEY
from .throttling import client_ip, login_failure_record, login_lockout_get, login_success_record


class LoginView(auth_views.LoginView):
    """Django's login, throttled per username + client IP through the shared cache (cxapp/throttling.py)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username, ip = request.POST.get("username", ""), client_ip(request)
        lockout = login_lockout_get(username=username, ip=ip)
        if lockout is not None:
            # Refused before the password is checked: a right guess during the lock-out gets nowhere either.
            context = self.get_context_data(form=self.get_form(), throttled=lockout.message)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(lockout.retry_after_seconds)
            return response
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            login_success_record(username=username, ip=ip)
        else:
            login_failure_record(username=username, ip=ip)
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The journeys of the user's organisations, with their moments, waves and respondents."""
    return render(request, "home.html", {"journeys": journeys_overview(user=request.user)})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness of the database and, when known, the age of the last worker heartbeat (beat sends one a minute)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "worker_heartbeat": cache.get(WORKER_HEARTBEAT_KEY)})
