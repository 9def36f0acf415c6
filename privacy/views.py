"""Pages of an organisation's admins: erase respondents, read and export the audit log."""

from __future__ import annotations

import csv
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditAction
from audit.selectors import audit_events
from audit.services import audit_record
from cxapp.models import Organisation
from cxapp.selectors import membership_get

from .forms import AuditFilterForm, ErasureForm
from .services import ErasureError, erase_respondent, respondent_ids_parse

ADMIN_ONLY = gettext_lazy("Only the organisation's admins erase respondents and read its audit log.")
AUDIT_PAGE_SIZE = 50


def organisation_for_admin(request: HttpRequest, organisation_id: int) -> Organisation:
    """The organisation if the user administers it; 404 for strangers, 403 for its other members."""
    membership = membership_get(user=request.user, organisation_id=organisation_id)
    if membership is None:
        raise Http404("No such organisation.")
    if not membership.can_manage_members:
        raise PermissionDenied(ADMIN_ONLY)
    return membership.organisation


@login_required
@require_http_methods(["GET", "POST"])
def erasure(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Erase one or more respondents from every wave of the organisation (GDPR article 17)."""
    organisation = organisation_for_admin(request, organisation_id)
    form = ErasureForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["respondent_ids"] + "\n" + form.cleaned_data["id_file"]
        try:
            result = erase_respondent(
                organisation=organisation, respondent_ids=respondent_ids_parse(text), user=request.user
            )
        except ErasureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, result.summary())
            if result.not_found:
                shown = ", ".join(result.not_found[:20]) + (" …" if len(result.not_found) > 20 else "")
                messages.info(request, f"Not found in any wave: {shown}")
            return redirect("privacy:erasure", organisation_id=organisation.pk)
    return render(request, "privacy/erasure.html", {"organisation": organisation, "form": form})


def _audit_filtered(request: HttpRequest, organisation: Organisation):
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    events = audit_events(
        organisation_id=organisation.pk,
        action=data.get("action") or None,
        since=data.get("since"),
        until=data.get("until"),
    )
    return form, events


@login_required
@require_GET
def audit_log(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_for_admin(request, organisation_id)
    form, events = _audit_filtered(request, organisation)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/audit_log.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "retention_days": settings.MOMENTUM_AUDIT_RETENTION_DAYS,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in a spreadsheet


@login_required
@require_GET
def audit_log_csv(request: HttpRequest, organisation_id: int) -> StreamingHttpResponse:
    """The filtered log as CSV, streamed (a year of records of a busy organisation is large)."""
    organisation = organisation_for_admin(request, organisation_id)
    _, events = _audit_filtered(request, organisation)
    audit_record(
        action=AuditAction.AUDIT_EXPORT,
        organisation_id=organisation.pk,
        details={k: request.GET.get(k, "")[:40] for k in ("action", "since", "until")},
    )
    writer = csv.writer(_Echo())
    header = ["when", "user", "action", "target_type", "target_id", "target", "ip", "details"]

    def rows():
        yield writer.writerow(header)
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.created_at.isoformat(),
                    _cell(e.actor_name),
                    e.action,
                    e.target_type,
                    e.target_id,
                    _cell(e.target_repr),
                    e.ip or "",
                    _cell(json.dumps(e.details, sort_keys=True, ensure_ascii=False)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{organisation.slug}.csv"'
    return response
