"""HTML pages of uploads: choose where a file goes, map its columns, watch the import, read the result.

Views are thin: forms -> services (upload_create, upload_confirm) -> redirect; the progress page polls
``status.json``, which reads the upload row the task keeps up to date.
"""

from __future__ import annotations

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .forms import (
    OUTCOME_ROWS_MAX,
    OUTCOME_TYPE_LABELS,
    ROLE_EXPERIENCED,
    ROLE_IGNORE,
    ROLE_MOMENT,
    ROLE_SEGMENT,
    ROLES,
    UploadForm,
    labels_text,
    mapping_from_post,
    scale_text,
)
from .ingest import IngestError
from .ingest.columns import column_names
from .ingest.mapping import OUTCOME_TYPES
from .models import Upload
from .outcomes import default_outcome_name
from .retention import retention_text
from .services.reading import upload_read_queue
from .services.reports import report_exists, report_stream
from .words import error_report_stream, proposal_reason_text, row_reason_text, upload_message_text

ERRORS_SHOWN = 200
PREVIEW_ROWS = 10


def _upload_or_404(request: HttpRequest, upload_id: int) -> Upload:
    upload = selectors.upload_get(user=request.user, upload_id=upload_id)
    if upload is None:  # another organisation's upload does not exist, as far as this user knows
        raise Http404("No such upload.")
    return upload


def upload_status_data(upload: Upload) -> dict:
    """The fields of an upload the progress page and the API show while it runs."""
    return {
        "id": upload.pk,
        "status": upload.status,
        "status_display": upload.get_status_display(),
        "progress": round(upload.progress, 4),
        "message": upload_message_text(upload.message),
        "finished": upload.is_finished,
        "rows_total": upload.rows_total,
        "rows_imported": upload.rows_imported,
        "rows_invalid": upload.rows_invalid,
        "responses_created": upload.responses_created,
        "responses_updated": upload.responses_updated,
        "error_count": upload.error_count,
        # the worker has read the file (its mapping can be made); until then the mapping page says it is reading
        "read": upload.is_read,
    }


@login_required
@require_GET
def upload_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.uploads_for_user(request.user), 25).get_page(request.GET.get("page"))
    can_upload = selectors.journeys_for_upload(request.user).exists()
    return render(
        request, "surveys/upload_list.html", {"page": page, "can_upload": can_upload, "retention": retention_text()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload_new(request: HttpRequest) -> HttpResponse:
    journeys = list(selectors.journeys_for_upload(request.user))
    if not journeys:
        raise PermissionDenied(gettext("Only analysts and admins of an organisation with a journey can upload."))
    form = UploadForm(request.POST or None, request.FILES or None, journeys=journeys)
    if request.method == "POST" and form.is_valid():
        journey = next(j for j in journeys if j.pk == form.cleaned_data["journey"])
        file = form.cleaned_data["file"]
        try:
            # the wave is created by the import that commits, so a refused upload leaves none behind
            upload = services.upload_create(
                organisation=journey.organisation,
                journey=journey,
                survey_name=form.cleaned_data["survey"],
                uploaded_file=file,
                original_name=file.name,
                user=request.user,
            )
        except IngestError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("surveys:upload_mapping", upload_id=upload.pk)
    initial_journey = request.GET.get("journey")
    if initial_journey and request.method == "GET":
        form.initial["journey"] = initial_journey
    waves = {j.pk: [s.name for s in j.surveys.all()] for j in journeys}
    return render(request, "surveys/upload_new.html", {"form": form, "waves": waves})


def _mapping_rows(table, preview, mapping: dict, data=None) -> list[dict]:
    """One row per column of the file with its samples and its role in ``mapping`` (or in the posted form), and
    for moments their scale ("1-5") and answer labels ("Very unfavorably = 1; ...")."""
    roles: dict[str, tuple[str, str]] = {}
    for role, key in ((ROLE_MOMENT, "moments"), (ROLE_EXPERIENCED, "experienced"), (ROLE_SEGMENT, "segments")):
        for name, column in (mapping.get(key) or {}).items():
            roles.setdefault(column, (role, name))
    scales = mapping.get("scales") if isinstance(mapping.get("scales"), dict) else {}
    labels = mapping.get("labels") if isinstance(mapping.get("labels"), dict) else {}
    defaults = column_names(table)
    rows = []
    for i, column in enumerate(table.columns):
        role, name = roles.get(column, (ROLE_IGNORE, ""))
        scale = scale_text(scales.get(name)) if role == ROLE_MOMENT and isinstance(scales.get(name), list) else ""
        label_codes = labels_text(labels.get(name)) if role == ROLE_MOMENT else ""
        if data is not None:
            role, name = data.get(f"role-{i}", ROLE_IGNORE), data.get(f"name-{i}", "")
            scale, label_codes = data.get(f"scale-{i}", ""), data.get(f"labels-{i}", "")
        samples = [v for v in preview[column].tolist() if v][:3] if column in preview else []
        rows.append(
            {
                "index": i,
                "key": column,
                "label": table.labels.get(column, ""),
                "samples": samples,
                "role": role,
                "name": name or defaults[column],
                "scale": scale,
                "labels": label_codes,
            }
        )
    return rows


def _mapping_outcomes(mapping: dict) -> list[dict]:
    """The outcomes of a mapping dict as {name, column, type, positive}, the single ``outcome`` keys first (a
    mapping as stored or proposed; not validated here)."""
    out = []
    if mapping.get("outcome"):
        kind = mapping.get("outcome_type") if mapping.get("outcome_type") in OUTCOME_TYPES else "nps"
        out.append(
            {
                "name": default_outcome_name(type=kind, column=mapping["outcome"]),
                "column": mapping["outcome"],
                "type": kind,
                "positive": list(mapping.get("outcome_positive") or []) if kind == "binary" else [],
            }
        )
    named = mapping.get("outcomes") if isinstance(mapping.get("outcomes"), dict) else {}
    for name, spec in named.items():
        if isinstance(spec, dict) and isinstance(spec.get("column"), str):
            kind = spec.get("type") if spec.get("type") in OUTCOME_TYPES else "nps"
            positive = list(spec.get("positive") or [])
            out.append({"name": name, "column": spec["column"], "type": kind, "positive": positive})
    return out


def _outcome_field(n: int) -> dict[str, str]:
    """Form field names of outcome row ``n`` (the first row keeps the single-outcome names)."""
    if n == 0:
        return {"column": "outcome", "name": "outcome_name", "type": "outcome_type", "positive": "outcome_positive"}
    return {part: f"outcome-{part}-{n}" for part in ("column", "name", "type", "positive")}


def _outcome_rows(table, mapping: dict, data=None) -> list[dict]:
    """The outcome rows of the page: the mapping's outcomes (or the posted rows), then blank rows to add more."""
    index = {c: i for i, c in enumerate(table.columns)}
    rows = []
    if data is not None:
        try:
            count = max(1, min(int(data.get("outcome_rows", "1")), OUTCOME_ROWS_MAX))
        except ValueError:
            count = 1
        for n in range(count):
            field = _outcome_field(n)
            column = data.get(field["column"], "")
            rows.append(
                {
                    "field": field,
                    "column": int(column) if column.isdigit() else None,
                    "name": data.get(field["name"], ""),
                    "type": data.get(field["type"], "nps"),
                    "positive": [p.strip() for p in data.get(field["positive"], "").split(",") if p.strip()],
                }
            )
    else:
        for n, spec in enumerate(_mapping_outcomes(mapping)[:OUTCOME_ROWS_MAX]):
            rows.append(spec | {"field": _outcome_field(n), "column": index.get(spec["column"])})
    filled = sum(1 for row in rows if row["column"] is not None)
    while len(rows) < min(max(filled + 2, 3), OUTCOME_ROWS_MAX) or not rows:
        rows.append({"field": _outcome_field(len(rows)), "column": None, "name": "", "type": "nps", "positive": []})
    return rows


def _outcome_gaps(preview, mapping: dict) -> int:
    """Rows of the preview without an answer in any proposed outcome column (they will be "missing outcome")."""
    columns = [o["column"] for o in _mapping_outcomes(mapping) if o["column"] in preview]
    if not columns:
        return 0
    blank = [(preview[c].astype(str).str.strip() == "").to_numpy() for c in columns]
    return int(np.logical_and.reduce(blank).sum())


@login_required
@require_http_methods(["GET", "POST"])
def upload_mapping(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _upload_or_404(request, upload_id)
    if not selectors.upload_can_edit(user=request.user, upload=upload):
        raise PermissionDenied(gettext("Only analysts and admins of the organisation can import files."))
    if not upload.is_read:
        return _upload_reading(request, upload)
    if upload.is_active or upload.status == "done":
        return redirect(upload)
    try:
        table = services.upload_table(upload=upload)
    except IngestError as exc:
        messages.error(request, str(exc))
        return redirect(upload)
    error = None
    mapping = upload.mapping
    skip_invalid = upload.skip_invalid
    if request.method == "POST":
        skip_invalid = request.POST.get("skip_invalid") == "on"
        try:
            mapping = mapping_from_post(request.POST, table)
            services.upload_confirm(
                upload=upload,
                mapping=mapping,
                skip_invalid=skip_invalid,
                without_moments=request.POST.get("without_moments") == "on",
            )
        except IngestError as exc:
            error = upload_message_text(str(exc))
        else:
            return redirect(upload)
    sample = table.preview(2000)
    gaps = _outcome_gaps(sample, mapping)
    if request.method == "GET" and upload.status == "mapping" and gaps and not upload.skip_invalid:
        # the proposal alone should import: rows that did not answer the outcome question are reported, not fatal
        skip_invalid = True
    preview = sample.head(PREVIEW_ROWS)
    index = {c: i for i, c in enumerate(table.columns)}
    context = {
        "upload": upload,
        "message": upload_message_text(upload.message),
        "error": error,
        "columns": [{"index": i, "key": c, "label": table.labels.get(c, "")} for i, c in enumerate(table.columns)],
        "preview_rows": list(zip(preview.index, preview.itertuples(index=False), strict=True)),
        "rows": _mapping_rows(table, preview, mapping, request.POST if request.method == "POST" else None),
        "roles": ROLES,
        "outcome_types": OUTCOME_TYPE_LABELS,
        "outcome_rows": _outcome_rows(table, mapping, request.POST if request.method == "POST" else None),
        "selected": {
            key: index.get(mapping.get(key) or "") for key in ("respondent_id", "submitted_at", "outcome", "weight")
        },
        # "outcome": the first outcome's column, also when the outcomes are all named ones (the page's warning)
        "mapping": {**mapping, "outcome": next((o["column"] for o in _mapping_outcomes(mapping)), "")},
        "scale": mapping.get("scale") if isinstance(mapping.get("scale"), list) else None,
        "skip_invalid": skip_invalid,
        "proposal": {
            **upload.proposal,
            "reasons": [proposal_reason_text(r) for r in upload.proposal.get("reasons", [])],
        },
        "outcome_gaps": gaps,
        "outcome_gaps_of": len(sample),
        "without_moments": request.method == "POST" and request.POST.get("without_moments") == "on",
    }
    return render(request, "surveys/upload_mapping.html", context)


def _upload_reading(request: HttpRequest, upload: Upload) -> HttpResponse:
    """While the worker reads the file: "Reading your file..." with its progress, polling status.json (the page
    loads the mapping once, when the file is read); a file that could not be read shows its upload's page."""
    if upload.status == "failed":
        return redirect(upload)
    if upload.status == "mapping":  # stored before the worker read files: send it to be read now
        upload_read_queue(upload=upload)
        upload.refresh_from_db()
    return render(
        request,
        "surveys/upload_reading.html",
        {
            "upload": upload,
            "status_url": reverse("surveys:upload_status", kwargs={"upload_id": upload.pk}),
            "queue_down": upload.message == services.QUEUE_DOWN_MESSAGE,
        },
    )


@login_required
@require_GET
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _upload_or_404(request, upload_id)
    errors = services.upload_errors(upload=upload, limit=ERRORS_SHOWN) if upload.error_count else None
    return render(
        request,
        "surveys/upload_detail.html",
        {
            "upload": upload,
            "outcomes": selectors.upload_outcomes(upload=upload),
            "message": upload_message_text(upload.message),
            "can_edit": selectors.upload_can_edit(user=request.user, upload=upload),
            "errors": [
                {**e, "reason": row_reason_text(e["reason"])}
                for e in (errors.to_dict(orient="records") if errors is not None else [])
            ],
            "errors_shown": ERRORS_SHOWN,
            "status_url": reverse("surveys:upload_status", kwargs={"upload_id": upload.pk}),
        },
    )


@login_required
@require_GET
def upload_status(request: HttpRequest, upload_id: int) -> JsonResponse:
    upload = selectors.upload_get(user=request.user, upload_id=upload_id, light=True)
    if upload is None:
        raise Http404("No such upload.")
    response = JsonResponse(upload_status_data(upload))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def upload_errors_csv(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _upload_or_404(request, upload_id)
    if not report_exists(upload):
        raise Http404(gettext("This upload has no row errors."))
    response = StreamingHttpResponse(
        error_report_stream(report_stream(upload=upload)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="upload-{upload.pk}-errors.csv"'
    return response
