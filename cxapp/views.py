import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from .forms import MemberAddForm, MemberRoleForm
from .models import Membership, Organisation, Role
from .selectors import membership_get, user_language_get
from .services import MembershipError, membership_remove, membership_set, user_language_set
from .tasks import WORKER_HEARTBEAT_KEY
from .throttling import client_ip, login_failure_record, login_lockout_get, login_success_record

logger = logging.getLogger(__name__)


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
            language = user_language_get(user=request.user)
            if language:  # the saved choice follows the user to this browser (the cookie LocaleMiddleware reads)
                language_cookie_set(response, language)
        else:
            login_failure_record(username=username, ip=ip)
        return response


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (the cookie and the redirect to ``next``), and for a signed-in user the choice
    is saved on their ``UserPreference`` so it follows them to another browser."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """The cookie ``set_language`` sets, with the same settings."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# ---------------------------------------------------------------------------------------------------- members
def _admin_organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    """The organisation if the user administers it; 404 for strangers, 403 for its other members."""
    membership = membership_get(user=request.user, organisation_id=organisation_id)
    if membership is None:
        raise Http404("No such organisation.")
    if not membership.can_manage_members:
        raise PermissionDenied(gettext("Only the organisation's admins manage its members."))
    return membership.organisation


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Members of an organisation with their roles; admins add existing users by username."""
    organisation = _admin_organisation(request, organisation_id)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_set(
                organisation=organisation, username=form.cleaned_data["username"], role=form.cleaned_data["role"]
            )
        except MembershipError as error:
            form.add_error(None, str(error))
        else:
            role = membership.get_role_display().lower()
            messages.success(
                request, gettext("%(user)s is now %(role)s.") % {"user": membership.user.get_username(), "role": role}
            )
            return redirect("members", organisation_id=organisation.pk)
    memberships = organisation.memberships.select_related("user").order_by("user__username")
    return render(
        request,
        "cxapp/members.html",
        {"organisation": organisation, "memberships": memberships, "form": form, "roles": Role.choices},
    )


@login_required
@require_POST
def member_role(request: HttpRequest, organisation_id: int, membership_id: int) -> HttpResponse:
    organisation = _admin_organisation(request, organisation_id)
    membership = get_object_or_404(Membership, pk=membership_id, organisation=organisation)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a valid role."))
        return redirect("members", organisation_id=organisation.pk)
    try:
        membership_set(
            organisation=organisation, username=membership.user.get_username(), role=form.cleaned_data["role"]
        )
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("%(user)s's role changed.") % {"user": membership.user.get_username()})
    return redirect("members", organisation_id=organisation.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, organisation_id: int, membership_id: int) -> HttpResponse:
    organisation = _admin_organisation(request, organisation_id)
    membership = get_object_or_404(Membership, pk=membership_id, organisation=organisation)
    try:
        membership_remove(membership=membership)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(user)s removed from %(organisation)s.")
            % {"user": membership.user.get_username(), "organisation": organisation.name},
        )
    return redirect("members", organisation_id=organisation.pk)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness of the database (which holds everything that matters) and, when Redis answers, the time of the
    last worker heartbeat (beat sends one a minute). Redis being down degrades the answer, not the status."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        heartbeat, queue = cache.get(WORKER_HEARTBEAT_KEY), "ok"
    except Exception:  # noqa: BLE001 - any cache/broker failure means "queue unreachable", reported not raised
        logger.warning("healthz: the cache (Redis) is unreachable", exc_info=True)
        heartbeat, queue = None, "unreachable"
    return JsonResponse({"status": "ok", "queue": queue, "worker_heartbeat": heartbeat})
