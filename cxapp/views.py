from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from moments.selectors import journeys_overview

from .tasks import WORKER_HEARTBEAT_KEY


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


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
